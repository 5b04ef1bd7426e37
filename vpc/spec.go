package vpc

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"sgswitch/internal/subnetaddr"
)

// DecodeSpec reads a Spec as JSON (unknown fields refused) and rebuilds
// its State with StateFromSpec.
func DecodeSpec(data []byte) (*State, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var sp Spec
	if err := dec.Decode(&sp); err != nil {
		return nil, fmt.Errorf("decoding VPC spec: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("decoding VPC spec: data after the spec")
	}
	return StateFromSpec(sp)
}

// StateFromSpec rebuilds a State from a Spec (as persisted). The spec is
// not trusted: everything an EC2 call would refuse is refused here too
// (ids, CIDRs and sizes, overlaps, quotas, one main route table and one
// default ACL per VPC, associations within the VPC, canonical ACL entries,
// local routes, interface addresses), with an *Error whose message names
// the offending object. ACL entries are put in their canonical order.
func StateFromSpec(sp Spec) (*State, error) {
	sp = cloneSpec(sp)
	if err := sp.Config.fill(); err != nil {
		return nil, err
	}
	if err := sp.validate(); err != nil {
		return nil, err
	}
	for i := range sp.NetworkAcls {
		sortEntries(sp.NetworkAcls[i].Entries)
	}
	st := &State{s: sp}
	st.reindex()
	return st, nil
}

func specErr(format string, args ...any) error {
	return errorf(CodeInvalidParameterValue, "invalid VPC spec: "+format, args...)
}

// ids checks that every id has its prefix and a lowercase hex tail and that
// no id is used twice (across kinds too).
type idSet map[string]bool

func (s idSet) add(prefix, id string) error {
	h, ok := strings.CutPrefix(id, prefix)
	if !ok || len(h) < 1 || len(h) > 32 || strings.Trim(h, "0123456789abcdef") != "" {
		return specErr("id %q is not %s followed by hex digits", id, prefix)
	}
	if s[id] {
		return specErr("id %s is used twice", id)
	}
	s[id] = true
	return nil
}

func checkTags(owner string, tags []Tag) error {
	seen := map[string]bool{}
	for _, t := range tags {
		if t.Key == "" || len(t.Key) > 512 || len(t.Value) > 1024 || seen[t.Key] {
			return specErr("%s: bad or repeated tag key %q", owner, t.Key)
		}
		seen[t.Key] = true
	}
	return nil
}

func canonPrefix(p netip.Prefix, v6 bool) bool {
	return p.IsValid() && p.Addr().Is6() == v6 && !p.Addr().Is4In6() && p.Addr().Zone() == "" && p == p.Masked()
}

// noOverlap reports the first two overlapping prefixes of ps, or "" when
// none overlap. Sorted by start, any overlap shows between neighbours.
func noOverlap(ps []netip.Prefix) string {
	ps = slices.Clone(ps)
	slices.SortFunc(ps, func(a, b netip.Prefix) int {
		return cmp.Or(a.Addr().Compare(b.Addr()), cmp.Compare(a.Bits(), b.Bits()))
	})
	for i := 1; i < len(ps); i++ {
		if ps[i-1].Overlaps(ps[i]) {
			return ps[i-1].String() + " and " + ps[i].String()
		}
	}
	return ""
}

func (sp *Spec) validate() error {
	c := &sp.Config
	ids := idSet{}
	if len(sp.Vpcs) > c.VpcsPerRegion {
		return specErr("%d VPCs exceed the quota of %d", len(sp.Vpcs), c.VpcsPerRegion)
	}
	vpcs := map[string]*VpcSpec{}
	defaultVPCs := 0
	for i := range sp.Vpcs {
		v := &sp.Vpcs[i]
		if err := ids.add("vpc-", v.ID); err != nil {
			return err
		}
		if v.Default {
			if defaultVPCs++; defaultVPCs > 1 {
				return specErr("VPC %s: a second default VPC", v.ID)
			}
		}
		if !canonPrefix(v.CIDR, false) || v.CIDR.Bits() < MinVpcPrefixLen || v.CIDR.Bits() > MaxVpcPrefixLen {
			return specErr("VPC %s: CIDR %s is not a canonical /%d to /%d IPv4 block", v.ID, v.CIDR, MinVpcPrefixLen, MaxVpcPrefixLen)
		}
		if err := ids.add("vpc-cidr-assoc-", v.CidrAssociationID); err != nil {
			return err
		}
		if v.IPv6CIDR.IsValid() || v.IPv6CidrAssociationID != "" {
			if !canonPrefix(v.IPv6CIDR, true) || v.IPv6CIDR.Bits() < MinVpcIPv6PrefixLen || v.IPv6CIDR.Bits() > MaxVpcIPv6PrefixLen {
				return specErr("VPC %s: IPv6 CIDR %s is not a canonical /%d to /%d IPv6 block", v.ID, v.IPv6CIDR, MinVpcIPv6PrefixLen, MaxVpcIPv6PrefixLen)
			}
			if err := ids.add("vpc-cidr-assoc-", v.IPv6CidrAssociationID); err != nil {
				return err
			}
		}
		if err := checkTags(v.ID, v.Tags); err != nil {
			return err
		}
		vpcs[v.ID] = v
	}
	inVpc := func(kind, id, vpcID string, n *map[string]int, quota int) error {
		if vpcs[vpcID] == nil {
			return specErr("%s %s: unknown VPC %q", kind, id, vpcID)
		}
		if (*n)[vpcID]++; (*n)[vpcID] > quota {
			return specErr("%s %s: VPC %s exceeds the quota of %d", kind, id, vpcID, quota)
		}
		return nil
	}

	rtbs := map[string]*RouteTableSpec{}
	mains, nRtb := map[string]int{}, map[string]int{}
	for i := range sp.RouteTables {
		t := &sp.RouteTables[i]
		if err := ids.add("rtb-", t.ID); err != nil {
			return err
		}
		if err := inVpc("route table", t.ID, t.VpcID, &nRtb, c.RouteTablesPerVpc); err != nil {
			return err
		}
		v := vpcs[t.VpcID]
		if t.Main {
			mains[t.VpcID]++
			if err := ids.add("rtbassoc-", t.MainAssociationID); err != nil {
				return err
			}
		} else if t.MainAssociationID != "" {
			return specErr("route table %s: a main association id on a table that is not main", t.ID)
		}
		dests := map[netip.Prefix]bool{}
		nonLocal := 0
		for _, r := range t.Routes {
			d := r.Destination
			if !canonPrefix(d, d.Addr().Is6()) || dests[d] {
				return specErr("route table %s: destination %s is not canonical or repeated", t.ID, d)
			}
			dests[d] = true
			if r.Local() {
				if d != v.CIDR && d != v.IPv6CIDR {
					return specErr("route table %s: local route %s is not a CIDR of VPC %s", t.ID, d, v.ID)
				}
				continue
			}
			if h, ok := strings.CutPrefix(r.NetworkInterfaceID, "eni-"); !ok || h == "" {
				return specErr("route table %s: route %s targets %q, not an interface", t.ID, d, r.NetworkInterfaceID)
			}
			nonLocal++
		}
		if !dests[v.CIDR] || v.IPv6CIDR.IsValid() && !dests[v.IPv6CIDR] {
			return specErr("route table %s: a local route of VPC %s is missing", t.ID, v.ID)
		}
		if nonLocal > c.RoutesPerTable {
			return specErr("route table %s: %d routes exceed the quota of %d", t.ID, nonLocal, c.RoutesPerTable)
		}
		if err := checkTags(t.ID, t.Tags); err != nil {
			return err
		}
		rtbs[t.ID] = t
	}

	acls := map[string]*NetworkAclSpec{}
	defaults, nAcl := map[string]int{}, map[string]int{}
	for i := range sp.NetworkAcls {
		a := &sp.NetworkAcls[i]
		if err := ids.add("acl-", a.ID); err != nil {
			return err
		}
		if err := inVpc("network ACL", a.ID, a.VpcID, &nAcl, c.NetworkAclsPerVpc); err != nil {
			return err
		}
		if a.Default {
			defaults[a.VpcID]++
		}
		type key struct {
			n int32
			e bool
		}
		seen, perDir := map[key]bool{}, map[bool]int{}
		for _, e := range a.Entries {
			if err := checkEntry(e); err != nil {
				return specErr("network ACL %s: entry %d: %s", a.ID, e.RuleNumber, err)
			}
			if k := (key{e.RuleNumber, e.Egress}); seen[k] {
				return specErr("network ACL %s: entry %d repeated", a.ID, e.RuleNumber)
			} else {
				seen[k] = true
			}
			if perDir[e.Egress]++; perDir[e.Egress] > c.NetworkAclEntriesPerAclDir {
				return specErr("network ACL %s: more than %d entries in one direction", a.ID, c.NetworkAclEntriesPerAclDir)
			}
		}
		if err := checkTags(a.ID, a.Tags); err != nil {
			return err
		}
		acls[a.ID] = a
	}
	for id := range vpcs {
		if mains[id] != 1 || defaults[id] != 1 {
			return specErr("VPC %s has %d main route tables and %d default network ACLs, not one of each", id, mains[id], defaults[id])
		}
	}

	subnets := map[string]*SubnetSpec{}
	nSub := map[string]int{}
	v4s, v6s := map[string][]netip.Prefix{}, map[string][]netip.Prefix{}
	for i := range sp.Subnets {
		s := &sp.Subnets[i]
		if err := ids.add("subnet-", s.ID); err != nil {
			return err
		}
		if err := inVpc("subnet", s.ID, s.VpcID, &nSub, c.SubnetsPerVpc); err != nil {
			return err
		}
		v := vpcs[s.VpcID]
		if !canonPrefix(s.CIDR, false) || s.CIDR.Bits() < MinSubnetPrefixLen || s.CIDR.Bits() > MaxSubnetPrefixLen || !contains(v.CIDR, s.CIDR) {
			return specErr("subnet %s: CIDR %s is not a canonical /%d to /%d block inside %s", s.ID, s.CIDR, MinSubnetPrefixLen, MaxSubnetPrefixLen, v.CIDR)
		}
		v4s[s.VpcID] = append(v4s[s.VpcID], s.CIDR)
		if s.IPv6CIDR.IsValid() || s.IPv6CidrAssociationID != "" {
			if !canonPrefix(s.IPv6CIDR, true) || s.IPv6CIDR.Bits() != SubnetIPv6PrefixLen || !v.IPv6CIDR.IsValid() || !contains(v.IPv6CIDR, s.IPv6CIDR) {
				return specErr("subnet %s: IPv6 CIDR %s is not a /64 inside VPC %s's IPv6 block", s.ID, s.IPv6CIDR, v.ID)
			}
			if err := ids.add("subnet-cidr-assoc-", s.IPv6CidrAssociationID); err != nil {
				return err
			}
			v6s[s.VpcID] = append(v6s[s.VpcID], s.IPv6CIDR)
		}
		r := c.Region
		if len(s.AvailabilityZone) != len(r)+1 || !strings.HasPrefix(s.AvailabilityZone, r) || s.AvailabilityZone[len(r)] < 'a' || s.AvailabilityZone[len(r)] > 'f' {
			return specErr("subnet %s: availability zone %q is not in region %s", s.ID, s.AvailabilityZone, r)
		}
		if s.RouteTableID != "" || s.RouteTableAssociationID != "" {
			if t := rtbs[s.RouteTableID]; t == nil || t.VpcID != s.VpcID {
				return specErr("subnet %s: route table %q is not a table of VPC %s", s.ID, s.RouteTableID, s.VpcID)
			}
			if err := ids.add("rtbassoc-", s.RouteTableAssociationID); err != nil {
				return err
			}
		}
		if a := acls[s.NetworkAclID]; a == nil || a.VpcID != s.VpcID {
			return specErr("subnet %s: network ACL %q is not an ACL of VPC %s", s.ID, s.NetworkAclID, s.VpcID)
		}
		if err := ids.add("aclassoc-", s.NetworkAclAssociationID); err != nil {
			return err
		}
		if err := checkTags(s.ID, s.Tags); err != nil {
			return err
		}
		subnets[s.ID] = s
	}
	for id := range vpcs {
		if o := noOverlap(v4s[id]); o != "" {
			return specErr("VPC %s: subnets %s overlap", id, o)
		}
		if o := noOverlap(v6s[id]); o != "" {
			return specErr("VPC %s: subnets %s overlap", id, o)
		}
	}

	type held struct {
		subnet string
		a      netip.Addr
	}
	used := map[held]bool{}
	for i := range sp.Interfaces {
		e := &sp.Interfaces[i]
		if err := ids.add("eni-", e.ID); err != nil {
			return err
		}
		s := subnets[e.SubnetID]
		if s == nil {
			return specErr("interface %s: unknown subnet %q", e.ID, e.SubnetID)
		}
		if len(e.IPv4) == 0 {
			return specErr("interface %s: no IPv4 address", e.ID)
		}
		for _, a := range e.IPv4 {
			if !a.Is4() || !s.CIDR.Contains(a) || Reserved(s.CIDR, a) || used[held{s.ID, a}] {
				return specErr("interface %s: IPv4 address %s is outside subnet %s, reserved or held twice", e.ID, a, s.CIDR)
			}
			used[held{s.ID, a}] = true
		}
		for _, a := range e.IPv6 {
			if !a.Is6() || a.Zone() != "" || !s.IPv6CIDR.IsValid() || !s.IPv6CIDR.Contains(a) || subnetaddr.Reserved(s.IPv6CIDR, a) || used[held{s.ID, a}] {
				return specErr("interface %s: IPv6 address %s is outside subnet %s's IPv6 block, reserved or held twice", e.ID, a, s.ID)
			}
			used[held{s.ID, a}] = true
		}
	}
	return nil
}

// checkEntry checks that an entry is canonical (what canonEntry makes).
func checkEntry(e AclEntry) error {
	switch {
	case e.RuleNumber < MinRuleNumber || e.RuleNumber > MaxRuleNumber:
		return fmt.Errorf("rule number outside %d..%d", MinRuleNumber, MaxRuleNumber)
	case e.Protocol < -1 || e.Protocol > 255:
		return fmt.Errorf("protocol %d outside -1..255", e.Protocol)
	case !canonPrefix(e.CIDR, e.CIDR.Addr().Is6()):
		return fmt.Errorf("CIDR %s is not canonical", e.CIDR)
	}
	ports, icmp := portEntry(e.Protocol), icmpEntry(e.Protocol, e.CIDR.Addr().Is6())
	switch {
	case ports && (e.FromPort < 0 || e.ToPort > 65535 || e.FromPort > e.ToPort):
		return fmt.Errorf("port range %d-%d", e.FromPort, e.ToPort)
	case !ports && (e.FromPort != 0 || e.ToPort != 0):
		return fmt.Errorf("ports on protocol %d", e.Protocol)
	case icmp && (e.IcmpType < -1 || e.IcmpType > 255 || e.IcmpCode < -1 || e.IcmpCode > 255):
		return fmt.Errorf("ICMP type/code %d/%d", e.IcmpType, e.IcmpCode)
	case !icmp && (e.IcmpType != 0 || e.IcmpCode != 0):
		return fmt.Errorf("ICMP type/code on protocol %d", e.Protocol)
	}
	return nil
}
