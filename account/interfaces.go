package account

import (
	"net/netip"
	"slices"

	"sgswitch/ruleset"
	"sgswitch/vpc"
)

// change runs fn on copies of the VPC layer and of VPC vpcID's security
// groups and keeps both only when fn succeeds: a composite action is all
// or nothing.
func (a *Account) change(vpcID string, fn func(net *vpc.State, g *ruleset.State) error) error {
	g := a.groups[vpcID]
	if g == nil {
		return &vpc.Error{Code: vpc.CodeInvalidVpcIDNotFound, Message: "The vpc ID '" + vpcID + "' does not exist"}
	}
	net, gc := a.net.Clone(), g.Clone()
	if err := fn(net, gc); err != nil {
		return err
	}
	a.net, a.groups[vpcID] = net, gc
	return nil
}

// CreateNetworkInterface creates an interface in a subnet: in the subnet's
// VPC's security groups (spec: groups, conntrack, allowances, tags; no
// groups means the VPC's default group) and placed in the subnet. With no
// IPv4 address in spec the subnet's lowest free address is the primary.
// sourceDestCheck nil means on.
func (a *Account) CreateNetworkInterface(subnetID string, spec ruleset.ENISpec, sourceDestCheck *bool) (*ruleset.NetworkInterface, error) {
	vpcID, err := a.net.SubnetVpc(subnetID)
	if err != nil {
		return nil, err
	}
	var out *ruleset.NetworkInterface
	err = a.change(vpcID, func(net *vpc.State, g *ruleset.State) error {
		if len(spec.IPv4) == 0 {
			free, err := net.FreeIPv4(subnetID)
			if err != nil {
				return err
			}
			spec.IPv4 = []netip.Addr{free}
		}
		eni, err := g.CreateNetworkInterface(spec)
		if err != nil {
			return err
		}
		if err := net.PlaceInterface(vpc.Placement{InterfaceID: eni.NetworkInterfaceId, SubnetID: subnetID,
			IPv4: spec.IPv4, IPv6: spec.IPv6, SourceDestCheck: sourceDestCheck}); err != nil {
			return err
		}
		out = eni
		return a.uniqueIDs(g, vpcID)
	})
	return out, err
}

// DeleteNetworkInterface deletes an interface from both models.
func (a *Account) DeleteNetworkInterface(id string) error {
	vpcID, ok := a.VPCOfInterface(id)
	if !ok {
		return &ruleset.Error{Code: ruleset.CodeInvalidNetworkInterfaceIDNotFound, Message: "The networkInterface ID '" + id + "' does not exist"}
	}
	return a.change(vpcID, func(net *vpc.State, g *ruleset.State) error {
		if err := g.DeleteNetworkInterface(id); err != nil {
			return err
		}
		return net.RemoveInterface(id)
	})
}

// AssignPrivateIpAddresses adds secondary private IPv4 addresses to an
// interface: the given ones, or count free ones of its subnet (the lowest,
// as ruleset picks in a one-subnet VPC). With allowReassign an address
// that is another interface's secondary moves here. It returns the
// addresses assigned.
func (a *Account) AssignPrivateIpAddresses(id string, addrs []netip.Addr, count int, allowReassign bool) ([]netip.Addr, error) {
	vpcID, ok := a.VPCOfInterface(id)
	if !ok {
		return nil, &ruleset.Error{Code: ruleset.CodeInvalidNetworkInterfaceIDNotFound, Message: "The networkInterface ID '" + id + "' does not exist"}
	}
	var got []netip.Addr
	err := a.change(vpcID, func(net *vpc.State, g *ruleset.State) error {
		if count > 0 && len(addrs) == 0 {
			place, _ := net.Interface(id)
			free, err := net.FreeIPv4s(place.SubnetID, count)
			if err != nil {
				return err
			}
			addrs, count = free, 0
		}
		var err error
		if got, err = g.AssignPrivateIpAddresses(id, addrs, count, allowReassign); err != nil {
			return err
		}
		return syncAddresses(net, g)
	})
	return got, err
}

// UnassignPrivateIpAddresses removes secondary private IPv4 addresses.
func (a *Account) UnassignPrivateIpAddresses(id string, addrs []netip.Addr) error {
	vpcID, ok := a.VPCOfInterface(id)
	if !ok {
		return &ruleset.Error{Code: ruleset.CodeInvalidNetworkInterfaceIDNotFound, Message: "The networkInterface ID '" + id + "' does not exist"}
	}
	return a.change(vpcID, func(net *vpc.State, g *ruleset.State) error {
		if err := g.UnassignPrivateIpAddresses(id, addrs); err != nil {
			return err
		}
		return syncAddresses(net, g)
	})
}

// AssignIpv6Addresses adds IPv6 addresses to an interface: the given
// ones, or count free ones of its subnet's IPv6 block (the lowest; the
// ruleset State alone would pick from the VPC's block, which spans every
// subnet). It returns the addresses assigned.
func (a *Account) AssignIpv6Addresses(id string, addrs []netip.Addr, count int) ([]netip.Addr, error) {
	vpcID, ok := a.VPCOfInterface(id)
	if !ok {
		return nil, errNoInterface(id)
	}
	var got []netip.Addr
	err := a.change(vpcID, func(net *vpc.State, g *ruleset.State) error {
		if count > 0 && len(addrs) == 0 {
			place, _ := net.Interface(id)
			free, err := net.FreeIPv6s(place.SubnetID, count)
			if err != nil {
				return err
			}
			addrs, count = free, 0
		}
		var err error
		if got, err = g.AssignIpv6Addresses(id, addrs, count); err != nil {
			return err
		}
		return syncAddresses(net, g)
	})
	return got, err
}

// UnassignIpv6Addresses removes IPv6 addresses of an interface.
func (a *Account) UnassignIpv6Addresses(id string, addrs []netip.Addr) error {
	vpcID, ok := a.VPCOfInterface(id)
	if !ok {
		return errNoInterface(id)
	}
	return a.change(vpcID, func(net *vpc.State, g *ruleset.State) error {
		if err := g.UnassignIpv6Addresses(id, addrs); err != nil {
			return err
		}
		return syncAddresses(net, g)
	})
}

func errNoInterface(id string) error {
	return &ruleset.Error{Code: ruleset.CodeInvalidNetworkInterfaceIDNotFound, Message: "The networkInterface ID '" + id + "' does not exist"}
}

// syncAddresses copies every interface's addresses from the ruleset State
// g to the VPC layer, where they are checked against each subnet. An
// address moving between two interfaces (AllowReassignment) is first
// taken from the one that loses it.
func syncAddresses(net *vpc.State, g *ruleset.State) error {
	var gaining []ruleset.InterfaceSpec
	for _, e := range g.View().Interfaces {
		place, ok := net.Interface(e.ID)
		if !ok || slices.Equal(place.IPv4, e.IPv4) && slices.Equal(place.IPv6, e.IPv6) {
			continue
		}
		if subset(e.IPv4, place.IPv4) && subset(e.IPv6, place.IPv6) {
			if err := net.SetInterfaceAddresses(e.ID, e.IPv4, e.IPv6); err != nil {
				return err
			}
			continue
		}
		gaining = append(gaining, e)
	}
	for _, e := range gaining {
		if err := net.SetInterfaceAddresses(e.ID, e.IPv4, e.IPv6); err != nil {
			return err
		}
	}
	return nil
}

func subset(sub, of []netip.Addr) bool {
	for _, a := range sub {
		if !slices.Contains(of, a) {
			return false
		}
	}
	return true
}
