package nftexport

import (
	"fmt"
	"net/netip"
	"strconv"

	"sgswitch/ruleset"
)

// FromSpec builds a Ruleset from a ruleset State's plain data: for every
// interface, the rules of all its groups with prefix lists expanded to their
// entries and group references expanded to the private addresses (both
// families) of the interfaces in the referenced group — what EC2 matches.
func FromSpec(sp ruleset.Spec) (*Ruleset, error) {
	groups := make(map[string]*ruleset.GroupSpec, len(sp.Groups))
	for i := range sp.Groups {
		groups[sp.Groups[i].ID] = &sp.Groups[i]
	}
	pls := make(map[string][]netip.Prefix, len(sp.PrefixLists))
	for _, pl := range sp.PrefixLists {
		for _, e := range pl.Entries {
			p, err := netip.ParsePrefix(e.Cidr)
			if err != nil {
				return nil, fmt.Errorf("prefix list %s: %w", pl.ID, err)
			}
			pls[pl.ID] = append(pls[pl.ID], p)
		}
	}
	members := map[string][]netip.Prefix{}
	for _, e := range sp.Interfaces {
		for _, g := range e.Groups {
			for _, a := range append(append([]netip.Addr(nil), e.IPv4...), e.IPv6...) {
				members[g] = append(members[g], netip.PrefixFrom(a, a.BitLen()))
			}
		}
	}
	rs := &Ruleset{}
	for _, e := range sp.Interfaces {
		ifc := Interface{ID: e.ID, Name: e.Name, IPv4: e.IPv4, IPv6: e.IPv6}
		for _, gid := range e.Groups {
			g := groups[gid]
			if g == nil {
				return nil, fmt.Errorf("interface %s: unknown group %s", e.ID, gid)
			}
			for _, dir := range []struct {
				in  []ruleset.RuleSpec
				out *[]Rule
			}{{g.Ingress, &ifc.Ingress}, {g.Egress, &ifc.Egress}} {
				for _, r := range dir.in {
					rule, err := fromRuleSpec(r, pls, members)
					if err != nil {
						return nil, fmt.Errorf("group %s rule %s: %w", g.ID, r.ID, err)
					}
					*dir.out = append(*dir.out, rule)
				}
			}
		}
		rs.Interfaces = append(rs.Interfaces, ifc)
	}
	return rs, nil
}

func fromRuleSpec(r ruleset.RuleSpec, pls, members map[string][]netip.Prefix) (Rule, error) {
	out := Rule{From: int(r.FromPort), To: int(r.ToPort), Comment: r.ID}
	switch r.Protocol {
	case "-1":
		out.Proto = ProtoAll
	case "tcp":
		out.Proto = ProtoTCP
	case "udp":
		out.Proto = ProtoUDP
	case "icmp":
		out.Proto = ProtoICMP
	case "icmpv6":
		out.Proto = ProtoICMPv6
	default:
		n, err := strconv.Atoi(r.Protocol)
		if err != nil || n < 0 || n > 255 {
			return out, fmt.Errorf("protocol %q", r.Protocol)
		}
		out.Proto = n
	}
	switch {
	case r.CidrIpv4 != "" || r.CidrIpv6 != "":
		c := r.CidrIpv4 + r.CidrIpv6
		p, err := netip.ParsePrefix(c)
		if err != nil {
			return out, err
		}
		out.Remote = []netip.Prefix{p}
	case r.PrefixListId != "":
		out.Remote = pls[r.PrefixListId]
	case r.ReferencedGroupId != "":
		out.Remote = members[r.ReferencedGroupId]
	}
	return out, nil
}
