package vpc

import "net/netip"

// ReferenceEvaluate is the naive network ACL evaluator that defines the
// semantics, written literally from the VPC User Guide: the entries of
// one direction, the `*` entries included, are examined in ascending rule
// number; the first whose CIDR contains the remote address, whose
// protocol is -1 or the packet's, and whose port range (TCP, UDP) or ICMP
// type and code (-1 = all) cover the packet, decides. The compiled ACL is
// tested against it.
func (st *State) ReferenceEvaluate(aclID string, egress bool, p Packet) (Verdict, error) {
	a, err := st.networkAcl(aclID)
	if err != nil {
		return Verdict{}, err
	}
	for _, e := range st.effectiveEntries(a) { // ascending rule number
		if e.Egress != egress || !e.CIDR.Contains(p.Remote) {
			continue
		}
		if e.Protocol != -1 && e.Protocol != int32(p.Protocol) {
			continue
		}
		if portEntry(e.Protocol) && (int32(p.Port) < e.FromPort || int32(p.Port) > e.ToPort) {
			continue
		}
		if icmpEntry(e.Protocol, e.CIDR.Addr().Is6()) {
			if e.IcmpType != -1 && e.IcmpType != int32(p.ICMPType) {
				continue
			}
			if e.IcmpType != -1 && e.IcmpCode != -1 && e.IcmpCode != int32(p.ICMPCode) {
				continue
			}
		}
		return Verdict{Allow: e.Allow, Rule: e.RuleNumber}, nil
	}
	if p.Remote.Is4() {
		return Verdict{Rule: DefaultDenyRule}, nil
	}
	return Verdict{Rule: DefaultDenyRuleIPv6}, nil
}

// ReferenceRoute is the naive route lookup: of the table's routes whose
// destination contains dst, the one with the longest prefix; local, or
// its interface when that interface is placed in the table's VPC, else a
// blackhole. It returns the kind, the destination and the interface id.
func (st *State) ReferenceRoute(rtbID string, dst netip.Addr) (RouteKind, netip.Prefix, string, error) {
	t, err := st.routeTable(rtbID)
	if err != nil {
		return RouteNone, netip.Prefix{}, "", err
	}
	best := -1
	for i, r := range t.Routes {
		if r.Destination.Contains(dst) && (best < 0 || r.Destination.Bits() > t.Routes[best].Destination.Bits()) {
			best = i
		}
	}
	if best < 0 {
		return RouteNone, netip.Prefix{}, "", nil
	}
	r := t.Routes[best]
	switch {
	case r.Local():
		return RouteLocal, r.Destination, "", nil
	case st.routeActive(t, r):
		return RouteInterface, r.Destination, r.NetworkInterfaceID, nil
	}
	return RouteBlackhole, r.Destination, r.NetworkInterfaceID, nil
}
