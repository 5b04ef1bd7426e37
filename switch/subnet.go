package vswitch

import (
	"net/netip"

	"sgswitch/vpc"
)

// subnetView is one subnet as the packet path sees it: its prefixes, the
// addresses the VPC router answers for (base+1 router, base+2 DNS, ::1),
// and, when a topology is published, its network ACLs and route table.
// Without a topology there is one subnetView, the VPC's CIDR, shared by
// every interface: the switch is one subnet, as before the VPC layer.
type subnetView struct {
	id               string
	prefix4, prefix6 netip.Prefix
	router4, dns4    [4]byte // base+1 (VPC router), base+2 (resolver)
	// dns4Word is dns4 as the packet path compares it (0 without IPv4):
	// the resolver answers at every subnet's base+2 as at the VPC's.
	dns4Word uint32
	router6  [16]byte // IPv6 base ::1
	// cs is the compiled subnet (ACLs, routes); nil without a topology.
	cs *vpc.CompiledSubnet
}

func newSubnetView(id string, p4, p6 netip.Prefix, cs *vpc.CompiledSubnet) *subnetView {
	s := &subnetView{id: id, prefix4: p4.Masked(), prefix6: p6.Masked(), cs: cs}
	// Without IPv4 the word is 169.254.169.253's, already a service, so
	// that no destination (0.0.0.0 included) matches it by accident.
	s.dns4Word = addrWord4(&[16]byte{169, 254, 169, 253})
	if s.prefix4.IsValid() {
		base := s.prefix4.Addr().As4()
		s.router4 = addOffset4(base, 1)
		s.dns4 = addOffset4(base, 2)
		var w [16]byte
		copy(w[:], s.dns4[:])
		s.dns4Word = addrWord4(&w)
	}
	if s.prefix6.IsValid() {
		s.router6 = s.prefix6.Addr().As16()
		s.router6[15] |= 1
	}
	return s
}

// contains reports whether a (of family fam) is inside the subnet.
func (s *subnetView) contains(fam uint8, a *[16]byte) bool {
	if fam == 4 {
		return s.prefix4.IsValid() && s.prefix4.Contains(netip.AddrFrom4([4]byte(a[:4])))
	}
	return s.prefix6.IsValid() && s.prefix6.Contains(netip.AddrFrom16(*a))
}

// subnetsOf builds one subnetView per compiled subnet that holds one of the
// snapshot's interfaces, so interfaces of one subnet share one view.
type subnetViews map[*vpc.CompiledSubnet]*subnetView

func (m subnetViews) get(cs *vpc.CompiledSubnet) *subnetView {
	if s, ok := m[cs]; ok {
		return s
	}
	s := newSubnetView(cs.ID, cs.CIDR, cs.IPv6CIDR, cs)
	m[cs] = s
	return s
}
