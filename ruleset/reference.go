package ruleset

import (
	"net/netip"
)

// ReferenceVerdict is the answer of the naive reference evaluator.
type ReferenceVerdict struct {
	Allowed bool
	Tracked bool
	Rules   []string // every rule (sgr- id) that matches the packet
	Open    []string // the matching rules whose peer is 0.0.0.0/0 or ::/0
}

// ReferenceClassify answers a query for an interface by reading the rules
// directly, the slow and obvious way. It defines the semantics the compiled
// Classifier must reproduce (and is what the differential tests compare
// against). egress selects the Out direction.
func (st *State) ReferenceClassify(eniID string, egress bool, q *Query) ReferenceVerdict {
	var v ReferenceVerdict
	i, ok := st.eniByID[eniID]
	if !ok || (q.Family != 4 && q.Family != 6) {
		return v
	}
	e := &st.s.Interfaces[i]
	remote := queryAddr(q)
	for _, gid := range e.Groups {
		g := st.group(gid)
		if g == nil {
			continue
		}
		rules := *g.rules(egress)
		for j := range rules {
			r := &rules[j]
			if st.refMatches(r, q, remote) {
				v.Rules = append(v.Rules, r.ID)
				if isOpen(r, q.Family) {
					v.Open = append(v.Open, r.ID)
				}
			}
		}
	}
	v.Allowed = len(v.Rules) > 0
	v.Tracked = true
	if v.Allowed && (q.Proto == 6 || q.Proto == 17) && len(v.Open) > 0 && st.refReverseOpen(e, !egress, q.Family, q.Proto) {
		v.Tracked = false
	}
	return v
}

func queryAddr(q *Query) netip.Addr {
	if q.Family == 4 {
		return netip.AddrFrom4([4]byte(q.Remote[:4]))
	}
	return netip.AddrFrom16(q.Remote)
}

// isOpen: the rule's peer is literally 0.0.0.0/0 (IPv4) or ::/0 (IPv6).
func isOpen(r *RuleSpec, fam uint8) bool {
	return fam == 4 && r.CidrIpv4 == "0.0.0.0/0" || fam == 6 && r.CidrIpv6 == "::/0"
}

// refReverseOpen: the interface has, in direction egress, a rule to
// 0.0.0.0/0 (::/0) for all ports: protocol -1, or the flow's own protocol
// with ports 0-65535.
func (st *State) refReverseOpen(e *InterfaceSpec, egress bool, fam, proto uint8) bool {
	return st.reverseOpenRule(e, egress, fam, proto) != ""
}

// ReverseOpenRule names (sgr- id) the rule that, with an open rule
// allowing a flow, makes the flow untracked (see the package comment): a
// rule of interface eniID in direction egress whose peer is 0.0.0.0/0
// (::/0) and which covers all ports of proto. "" when there is none. Trace
// asks it for the direction opposite to the flow's, to name the pair.
func (st *State) ReverseOpenRule(eniID string, egress bool, fam, proto uint8) string {
	i, ok := st.eniByID[eniID]
	if !ok {
		return ""
	}
	return st.reverseOpenRule(&st.s.Interfaces[i], egress, fam, proto)
}

func (st *State) reverseOpenRule(e *InterfaceSpec, egress bool, fam, proto uint8) string {
	for _, gid := range e.Groups {
		g := st.group(gid)
		if g == nil {
			continue
		}
		rules := *g.rules(egress)
		for j := range rules {
			r := &rules[j]
			if isOpen(r, fam) && coversAllPorts(r, proto) {
				return r.ID
			}
		}
	}
	return ""
}

func coversAllPorts(r *RuleSpec, proto uint8) bool {
	if r.Protocol == "-1" {
		return true
	}
	p, _ := canonicalProtocol(r.Protocol)
	return p.num == int(proto) && r.FromPort == 0 && r.ToPort == 65535
}

func (st *State) refMatches(r *RuleSpec, q *Query, remote netip.Addr) bool {
	p, _ := canonicalProtocol(r.Protocol)
	if p.num != -1 && p.num != int(q.Proto) {
		return false
	}
	switch {
	case p.num == 6 || p.num == 17:
		if int32(q.Port) < r.FromPort || int32(q.Port) > r.ToPort {
			return false
		}
	case p.num == 1 || p.num == 58:
		if r.FromPort != -1 && int32(q.ICMPType) != r.FromPort {
			return false
		}
		if r.ToPort != -1 && int32(q.ICMPCode) != r.ToPort {
			return false
		}
	}
	switch {
	case r.CidrIpv4 != "" || r.CidrIpv6 != "":
		c := r.CidrIpv4 + r.CidrIpv6
		pfx, err := netip.ParsePrefix(c)
		return err == nil && pfx.Contains(remote)
	case r.PrefixListId != "":
		pl := st.prefixList(r.PrefixListId)
		if pl == nil {
			return false
		}
		for _, en := range pl.Entries {
			pfx, err := netip.ParsePrefix(en.Cidr)
			if err == nil && pfx.Contains(remote) {
				return true
			}
		}
		return false
	}
	for _, e := range st.s.Interfaces {
		member := false
		for _, g := range e.Groups {
			member = member || g == r.ReferencedGroupId
		}
		if !member {
			continue
		}
		for _, a := range append(append([]netip.Addr(nil), e.IPv4...), e.IPv6...) {
			if a == remote {
				return true
			}
		}
	}
	return false
}
