package vpc

import (
	"encoding/binary"
	"net/netip"
	"slices"
	"strings"

	"sgswitch/internal/subnetaddr"
)

// Placement is where a network interface sits: its subnet, the private
// addresses it holds there (IPv4[0] is the primary) and its
// source/destination check. The interface itself (groups, MAC,
// conntrack) is ruleset's; this package only knows where it is.
type Placement struct {
	InterfaceID string
	SubnetID    string
	IPv4        []netip.Addr
	IPv6        []netip.Addr
	// SourceDestCheck: nil means enabled, EC2's default for a new interface.
	SourceDestCheck *bool
}

// PlaceInterface places a network interface in a subnet, or moves an
// already placed one (new subnet, addresses, check) in one step. Every IPv4
// address must lie in the subnet's CIDR and not be one of the five reserved
// addresses; every IPv6 address must lie in the subnet's IPv6 block and not
// be one of its first four or its last address; no address may be held by
// another interface (InvalidIPAddress.InUse) or appear twice. At least one
// IPv4 address (the primary) is required.
func (st *State) PlaceInterface(p Placement) error {
	if !strings.HasPrefix(p.InterfaceID, "eni-") || len(p.InterfaceID) < 5 {
		return errorf(CodeInvalidParameterValue, "Value (%s) for parameter networkInterfaceId is invalid.", p.InterfaceID)
	}
	sn, err := st.subnet(p.SubnetID)
	if err != nil {
		return err
	}
	if err := st.checkAddresses(p.InterfaceID, sn, p.IPv4, p.IPv6); err != nil {
		return err
	}
	e := InterfaceSpec{ID: p.InterfaceID, SubnetID: sn.ID, IPv4: slices.Clone(p.IPv4), IPv6: slices.Clone(p.IPv6), SourceDestCheck: true}
	if p.SourceDestCheck != nil {
		e.SourceDestCheck = *p.SourceDestCheck
	}
	if i, ok := st.eniIdx[e.ID]; ok {
		st.s.Interfaces[i] = e
		return nil
	}
	st.s.Interfaces = append(st.s.Interfaces, e)
	st.reindex()
	return nil
}

// checkAddresses validates the addresses interface id would hold in sn.
func (st *State) checkAddresses(id string, sn *SubnetSpec, ip4, ip6 []netip.Addr) error {
	if len(ip4) == 0 {
		return errorf(CodeMissingParameter, "The request must contain the parameter privateIpAddress")
	}
	seen := map[netip.Addr]bool{}
	for i := range st.s.Interfaces {
		if o := &st.s.Interfaces[i]; o.ID != id && o.SubnetID == sn.ID {
			for _, a := range o.IPv4 {
				seen[a] = true
			}
			for _, a := range o.IPv6 {
				seen[a] = true
			}
		}
	}
	for _, a := range ip4 {
		if !a.Is4() {
			return errorf(CodeInvalidParameterValue, "Value (%s) for parameter privateIpAddress is invalid. This is not a valid IPv4 address.", a)
		}
		if !sn.CIDR.Contains(a) {
			return errorf(CodeInvalidParameterValue, "Address %s does not fall within the subnet's address range", a)
		}
		if Reserved(sn.CIDR, a) {
			return errorf(CodeInvalidParameterValue, "Address %s is in subnet's reserved address range", a)
		}
		if seen[a] {
			return errorf(CodeInvalidIPAddressInUse, "The specified address %s is already in use.", a)
		}
		seen[a] = true
	}
	for _, a := range ip6 {
		if !a.Is6() || a.Is4In6() || a.Zone() != "" {
			return errorf(CodeInvalidParameterValue, "Value (%s) for parameter ipv6Addresses is invalid. This is not a valid IPv6 address.", a)
		}
		if !sn.IPv6CIDR.IsValid() {
			return errorf(CodeInvalidParameterValue, "Subnet %s does not have an IPv6 CIDR block; the IPv6 address %s cannot be assigned", sn.ID, a)
		}
		if !sn.IPv6CIDR.Contains(a) {
			return errorf(CodeInvalidParameterValue, "Address %s does not fall within the subnet's address range", a)
		}
		if subnetaddr.Reserved(sn.IPv6CIDR, a) {
			return errorf(CodeInvalidParameterValue, "Address %s is in subnet's reserved address range", a)
		}
		if seen[a] {
			return errorf(CodeInvalidIPAddressInUse, "The specified address %s is already in use.", a)
		}
		seen[a] = true
	}
	return nil
}

func u128(a netip.Addr) (hi, lo uint64) {
	b := a.As16()
	return binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])
}

// mask128 is the network mask of a /bits IPv6 prefix as two halves.
func mask128(bits int) (hi, lo uint64) {
	switch {
	case bits <= 0:
		return 0, 0
	case bits < 64:
		return ^uint64(0) << (64 - bits), 0
	case bits == 64:
		return ^uint64(0), 0
	case bits < 128:
		return ^uint64(0), ^uint64(0) << (128 - bits)
	}
	return ^uint64(0), ^uint64(0)
}

// RemoveInterface forgets an interface's placement. Routes that target it
// stay and become blackholes, as in EC2.
func (st *State) RemoveInterface(id string) error {
	if _, err := st.iface(id); err != nil {
		return err
	}
	st.s.Interfaces = slices.DeleteFunc(st.s.Interfaces, func(e InterfaceSpec) bool { return e.ID == id })
	st.reindex()
	return nil
}

// SetInterfaceAddresses replaces the addresses of a placed interface
// (AssignPrivateIpAddresses, UnassignIpv6Addresses, … are computed by the
// caller), with PlaceInterface's checks.
func (st *State) SetInterfaceAddresses(id string, ip4, ip6 []netip.Addr) error {
	e, err := st.iface(id)
	if err != nil {
		return err
	}
	sn, err := st.subnet(e.SubnetID)
	if err != nil {
		return err
	}
	if err := st.checkAddresses(id, sn, ip4, ip6); err != nil {
		return err
	}
	e.IPv4, e.IPv6 = slices.Clone(ip4), slices.Clone(ip6)
	return nil
}

// SetSourceDestCheck turns an interface's source/destination check on or
// off (ModifyNetworkInterfaceAttribute SourceDestCheck).
func (st *State) SetSourceDestCheck(id string, on bool) error {
	e, err := st.iface(id)
	if err != nil {
		return err
	}
	e.SourceDestCheck = on
	return nil
}

// Interface returns an interface's placement.
func (st *State) Interface(id string) (InterfaceSpec, bool) {
	e, err := st.iface(id)
	if err != nil {
		return InterfaceSpec{}, false
	}
	c := *e
	c.IPv4, c.IPv6 = slices.Clone(e.IPv4), slices.Clone(e.IPv6)
	return c, true
}

// FreeIPv4 returns the lowest address of a subnet that is neither reserved
// nor held by an interface (what EC2 picks when no address is given is not
// documented; lowest-first keeps labs reproducible).
func (st *State) FreeIPv4(subnetID string) (netip.Addr, error) {
	as, err := st.FreeIPv4s(subnetID, 1)
	if err != nil {
		return netip.Addr{}, err
	}
	return as[0], nil
}

// FreeIPv4s returns the n lowest free addresses of a subnet (FreeIPv4),
// or InsufficientFreeAddressesInSubnet when it has fewer.
func (st *State) FreeIPv4s(subnetID string, n int) ([]netip.Addr, error) {
	return st.freeAddrs(subnetID, n, false)
}

// SubnetVpc returns the VPC id of a subnet, for callers that place things.
func (st *State) SubnetVpc(subnetID string) (string, error) {
	sn, err := st.subnet(subnetID)
	if err != nil {
		return "", err
	}
	return sn.VpcID, nil
}

// FreeIPv6s returns the n lowest free addresses of a subnet's IPv6 block
// (FreeIPv4s' rule), InvalidParameterValue for a subnet without one, or
// InsufficientFreeAddressesInSubnet when it has fewer.
func (st *State) FreeIPv6s(subnetID string, n int) ([]netip.Addr, error) {
	return st.freeAddrs(subnetID, n, true)
}

// freeAddrs is the n lowest addresses of one family of a subnet that no
// interface holds and EC2 does not reserve.
func (st *State) freeAddrs(subnetID string, n int, v6 bool) ([]netip.Addr, error) {
	sn, err := st.subnet(subnetID)
	if err != nil {
		return nil, err
	}
	block, family := sn.CIDR, "IP"
	if v6 {
		block, family = sn.IPv6CIDR, "IPv6"
		if !block.IsValid() {
			return nil, errorf(CodeInvalidParameterValue, "Subnet %s does not have an IPv6 CIDR block", subnetID)
		}
	}
	used := map[netip.Addr]bool{}
	for i := range st.s.Interfaces {
		if e := &st.s.Interfaces[i]; e.SubnetID == subnetID {
			for _, a := range slices.Concat(e.IPv4, e.IPv6) {
				used[a] = true
			}
		}
	}
	out := subnetaddr.Lowest(block, n, used)
	if len(out) < n || n < 1 {
		return nil, errorf("InsufficientFreeAddressesInSubnet", "Insufficient free %s addresses in subnet %s", family, subnetID)
	}
	return out, nil
}
