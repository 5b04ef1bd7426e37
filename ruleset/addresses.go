package ruleset

import (
	"net/netip"
	"slices"
	"strings"

	"sgswitch/internal/subnetaddr"
)

// Secondary addresses of an interface: EC2's AssignPrivateIpAddresses,
// UnassignPrivateIpAddresses, AssignIpv6Addresses and UnassignIpv6Addresses.
// Each is written in terms of SetInterfaceAddresses, the one place that
// changes an interface's addresses, and changes nothing when it fails.
//
// Choices where EC2's documentation is silent (each is tested):
//   - Addresses picked for a count are the lowest free addresses of the
//     subnet, skipping the five EC2 reserves (EC2 does not say which it
//     picks; lowest-first makes labs and tests deterministic).
//   - The per-interface limit follows EC2's "IPv4 addresses per network
//     interface" by instance size (addressesBySize); an interface without an
//     instance type gets the largest, 50. IPv6 has the same limit per
//     interface, as on EC2's current instance types.
//   - An address given twice in one request is InvalidParameterValue.

// MaxAddressesPerInterface is the limit of an interface without an
// instance type (EC2's largest instances).
const MaxAddressesPerInterface = 50

// addressesBySize is EC2's IPv4-addresses-per-interface by instance size
// (general purpose families; other families differ a little).
var addressesBySize = map[string]int{
	"nano": 2, "micro": 2, "small": 4, "medium": 6, "large": 10, "xlarge": 15, "2xlarge": 15,
	"4xlarge": 30, "8xlarge": 30, "9xlarge": 30, "12xlarge": 30,
}

// AddressesPerInterface is the number of private IPv4 addresses (primary
// included) an interface of instance type t may hold, and as many IPv6.
func AddressesPerInterface(t string) int {
	_, size, _ := strings.Cut(t, ".")
	if n, ok := addressesBySize[size]; ok {
		return n
	}
	return MaxAddressesPerInterface
}

// AssignPrivateIpAddresses adds secondary private IPv4 addresses to an
// interface: the given ones, or count free ones (exactly one of the two).
// With allowReassign an address that is another interface's secondary
// moves here, as in EC2; another interface's primary never does. It
// returns the addresses assigned.
func (st *State) AssignPrivateIpAddresses(id string, addrs []netip.Addr, count int, allowReassign bool) ([]netip.Addr, error) {
	i, err := st.lookupInterface(id)
	if err != nil {
		return nil, err
	}
	e := st.s.Interfaces[i]
	if addrs, err = st.pickAddresses(4, e, addrs, count, "PrivateIpAddress", "SecondaryPrivateIpAddressCount"); err != nil {
		return nil, err
	}
	if len(e.IPv4)+len(addrs) > AddressesPerInterface(e.InstanceType) {
		return nil, errorf(CodePrivateIpAddressLimitExceeded, "Number of private addresses will exceed limit (%d for this interface).", AddressesPerInterface(e.InstanceType))
	}
	if allowReassign {
		if err := st.releaseSecondaries(id, addrs); err != nil {
			return nil, err
		}
	}
	if err := st.SetInterfaceAddresses(id, append(slices.Clone(e.IPv4), addrs...), e.IPv6); err != nil {
		return nil, err
	}
	return addrs, nil
}

// UnassignPrivateIpAddresses removes secondary private IPv4 addresses.
func (st *State) UnassignPrivateIpAddresses(id string, addrs []netip.Addr) error {
	i, err := st.lookupInterface(id)
	if err != nil {
		return err
	}
	e := st.s.Interfaces[i]
	if len(addrs) == 0 {
		return errorf(CodeMissingParameter, "The request must contain the parameter PrivateIpAddress")
	}
	if slices.Contains(addrs, e.IPv4[0]) {
		return errorf(CodeInvalidParameterValue, "The primary private IP address %s of interface %s cannot be unassigned", e.IPv4[0], id)
	}
	keep, err := without(e.IPv4, addrs, id)
	if err != nil {
		return err
	}
	return st.SetInterfaceAddresses(id, keep, e.IPv6)
}

// AssignIpv6Addresses adds IPv6 addresses to an interface: the given
// ones, or count free ones (exactly one of the two); it returns them.
func (st *State) AssignIpv6Addresses(id string, addrs []netip.Addr, count int) ([]netip.Addr, error) {
	i, err := st.lookupInterface(id)
	if err != nil {
		return nil, err
	}
	e := st.s.Interfaces[i]
	if !st.s.VPC.IPv6CIDR.IsValid() {
		return nil, errorf(CodeInvalidParameterValue, "The subnet of interface %s has no IPv6 CIDR block", id)
	}
	if addrs, err = st.pickAddresses(6, e, addrs, count, "Ipv6Addresses", "Ipv6AddressCount"); err != nil {
		return nil, err
	}
	if len(e.IPv6)+len(addrs) > AddressesPerInterface(e.InstanceType) {
		return nil, errorf(CodeInvalidParameterValue, "Number of IPv6 addresses will exceed the limit (%d for this interface).", AddressesPerInterface(e.InstanceType))
	}
	if err := st.SetInterfaceAddresses(id, e.IPv4, append(slices.Clone(e.IPv6), addrs...)); err != nil {
		return nil, err
	}
	return addrs, nil
}

// UnassignIpv6Addresses removes IPv6 addresses of an interface.
func (st *State) UnassignIpv6Addresses(id string, addrs []netip.Addr) error {
	i, err := st.lookupInterface(id)
	if err != nil {
		return err
	}
	e := st.s.Interfaces[i]
	if len(addrs) == 0 {
		return errorf(CodeMissingParameter, "The request must contain the parameter Ipv6Addresses")
	}
	keep, err := without(e.IPv6, addrs, id)
	if err != nil {
		return err
	}
	return st.SetInterfaceAddresses(id, e.IPv4, keep)
}

// pickAddresses checks the addresses a request names, or picks count free
// ones, for family fam (4 or 6); listKey and countKey name the request's
// parameters in errors.
func (st *State) pickAddresses(fam int, e InterfaceSpec, addrs []netip.Addr, count int, listKey, countKey string) ([]netip.Addr, error) {
	switch {
	case len(addrs) > 0 && count > 0:
		return nil, errorf(CodeInvalidParameterCombination, "%s and %s cannot be specified together", listKey, countKey)
	case len(addrs) == 0 && count <= 0:
		return nil, errorf(CodeMissingParameter, "The request must contain the parameter %s or %s", listKey, countKey)
	case count > 0:
		return st.freeAddresses(fam, count)
	}
	subnet := st.s.VPC.CIDR
	if fam == 6 {
		subnet = st.s.VPC.IPv6CIDR
	}
	seen := map[netip.Addr]bool{}
	for _, a := range addrs {
		switch {
		case seen[a]:
			return nil, errorf(CodeInvalidParameterValue, "The address %s is given more than once", a)
		case a.Is4() != (fam == 4) || !subnet.Contains(a):
			return nil, errorf(CodeInvalidParameterValue, "Address %s does not fall within the subnet's address range", a)
		case subnetaddr.Reserved(subnet, a):
			return nil, errorf(CodeInvalidParameterValue, "Address %s is in subnet's reserved address range", a)
		case slices.Contains(e.IPv4, a) || slices.Contains(e.IPv6, a):
			return nil, errorf(CodeInvalidParameterValue, "Address %s is already assigned to interface %s", a, e.ID)
		}
		seen[a] = true
	}
	return addrs, nil
}

// freeAddresses returns the n lowest addresses of the subnet of family
// fam that are neither reserved nor held by any interface.
func (st *State) freeAddresses(fam, n int) ([]netip.Addr, error) {
	subnet := st.s.VPC.CIDR
	if fam == 6 {
		subnet = st.s.VPC.IPv6CIDR
	}
	used := map[netip.Addr]bool{}
	for _, e := range st.s.Interfaces {
		for _, a := range e.IPv4 {
			used[a] = true
		}
		for _, a := range e.IPv6 {
			used[a] = true
		}
	}
	out := subnetaddr.Lowest(subnet, n, used)
	if len(out) < n {
		return nil, errorf(CodeInsufficientFreeAddressesInSubnet, "The specified subnet does not have enough free addresses to satisfy the request.")
	}
	return out, nil
}

// releaseSecondaries takes addrs away from the other interfaces that hold
// them as secondaries (AllowReassignment); a primary is never taken.
func (st *State) releaseSecondaries(self string, addrs []netip.Addr) error {
	for _, e := range st.s.Interfaces {
		if e.ID == self {
			continue
		}
		var move []netip.Addr
		for _, a := range addrs {
			if a == e.IPv4[0] {
				return errorf(CodeInvalidParameterValue, "Address %s is the primary address of interface %s and cannot be reassigned", a, e.ID)
			}
			if slices.Contains(e.IPv4[1:], a) {
				move = append(move, a)
			}
		}
		if len(move) > 0 {
			keep, _ := without(e.IPv4, move, e.ID)
			if err := st.SetInterfaceAddresses(e.ID, keep, e.IPv6); err != nil {
				return err
			}
		}
	}
	return nil
}

// without returns have minus drop; every address of drop must be in have.
func without(have, drop []netip.Addr, id string) ([]netip.Addr, error) {
	for _, a := range drop {
		if !slices.Contains(have, a) {
			return nil, errorf(CodeInvalidParameterValue, "Some of the specified addresses are not assigned to interface %s: %s", id, a)
		}
	}
	return slices.DeleteFunc(slices.Clone(have), func(a netip.Addr) bool { return slices.Contains(drop, a) }), nil
}
