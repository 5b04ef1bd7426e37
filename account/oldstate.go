package account

import (
	"fmt"
	"net/netip"
	"slices"

	"sgswitch/ruleset"
	"sgswitch/vpc"
)

// FromOneVPC turns the model of a daemon from before accounts (one
// ruleset.State: one VPC that is also its one subnet) into an Account of
// that one VPC with one subnet covering it, keeping every id: the VPC,
// the subnet, groups, rules and interfaces (each placed in the subnet
// with its addresses). The VPC becomes the account's default VPC, as it
// was the daemon's only one. cfg supplies the VPC layer's settings.
func FromOneVPC(cfg Config, sp ruleset.Spec) (*Account, error) {
	groups, err := ruleset.StateFromSpec(sp)
	if err != nil {
		return nil, err
	}
	view := groups.View()
	info := groups.VPC()
	net, err := vpc.NewState(cfg.Network)
	if err != nil {
		return nil, err
	}
	// The old VPC was its subnet, IPv6 /64 included; an EC2 VPC's IPv6
	// block is at most a /60, so the VPC gets the /56 around the subnet's
	// /64 (EC2's usual size).
	var v6, sub6 string
	if info.IPv6CIDR.IsValid() {
		sub6 = info.IPv6CIDR.String()
		v6 = netip.PrefixFrom(info.IPv6CIDR.Addr(), min(56, info.IPv6CIDR.Bits())).Masked().String()
	}
	v, err := net.CreateVpc(info.CIDR.String(), v6, nil)
	if err != nil {
		return nil, fmt.Errorf("the VPC %s: %w", info.CIDR, err)
	}
	sub, err := net.CreateSubnet(v.VpcId, info.CIDR.String(), sub6, "", []vpc.Tag{{Key: "Name", Value: "main"}})
	if err != nil {
		return nil, fmt.Errorf("the subnet %s: %w", info.CIDR, err)
	}
	if net, err = renameIDs(net, map[string]string{v.VpcId: info.VpcId, sub.SubnetId: info.SubnetId}); err != nil {
		return nil, err
	}
	for _, e := range view.Interfaces {
		p := vpc.Placement{InterfaceID: e.ID, SubnetID: info.SubnetId, IPv4: e.IPv4, IPv6: e.IPv6}
		if err := net.PlaceInterface(p); err != nil {
			return nil, fmt.Errorf("interface %s: %w", e.ID, err)
		}
	}
	cfg.Network = net.Config()
	if err := net.SetDefaultVpc(info.VpcId); err != nil {
		return nil, err
	}
	a := &Account{cfg: cfg, net: net, groups: map[string]*ruleset.State{info.VpcId: groups}}
	return a, a.Consistent()
}

// renameIDs gives objects of net the ids in rename (old → new), in every
// place that names them.
func renameIDs(net *vpc.State, rename map[string]string) (*vpc.State, error) {
	r := func(s *string) {
		if n, ok := rename[*s]; ok {
			*s = n
		}
	}
	sp := net.Spec()
	for i := range sp.Vpcs {
		r(&sp.Vpcs[i].ID)
	}
	for i := range sp.Subnets {
		r(&sp.Subnets[i].ID)
		r(&sp.Subnets[i].VpcID)
	}
	for i := range sp.RouteTables {
		r(&sp.RouteTables[i].VpcID)
	}
	for i := range sp.NetworkAcls {
		r(&sp.NetworkAcls[i].VpcID)
	}
	return vpc.StateFromSpec(sp)
}

// RemoveVpc removes VPC id and everything in it: its interfaces, subnets,
// route tables, network ACLs and security groups. It is how a lab's VPC
// goes with the lab (`lab down`), unlike DeleteVpc, which refuses as EC2
// does while the VPC has dependencies.
func (a *Account) RemoveVpc(id string) error {
	if a.groups[id] == nil {
		return &vpc.Error{Code: vpc.CodeInvalidVpcIDNotFound, Message: "The vpc ID '" + id + "' does not exist"}
	}
	sp := a.net.Spec()
	subnets := map[string]bool{}
	for _, s := range sp.Subnets {
		if s.VpcID == id {
			subnets[s.ID] = true
		}
	}
	sp.Vpcs = slices.DeleteFunc(sp.Vpcs, func(v vpc.VpcSpec) bool { return v.ID == id })
	sp.Subnets = slices.DeleteFunc(sp.Subnets, func(s vpc.SubnetSpec) bool { return s.VpcID == id })
	sp.RouteTables = slices.DeleteFunc(sp.RouteTables, func(t vpc.RouteTableSpec) bool { return t.VpcID == id })
	sp.NetworkAcls = slices.DeleteFunc(sp.NetworkAcls, func(l vpc.NetworkAclSpec) bool { return l.VpcID == id })
	sp.Interfaces = slices.DeleteFunc(sp.Interfaces, func(e vpc.InterfaceSpec) bool { return subnets[e.SubnetID] })
	net, err := vpc.StateFromSpec(sp)
	if err != nil {
		return err
	}
	a.net = net
	delete(a.groups, id)
	return nil
}

// DefaultVpc is the account's default VPC ("" for none): the one that
// actions naming no VPC use, as EC2 uses a region's default VPC. The VPC
// layer holds the mark (vpc.State.DefaultVpc).
func (a *Account) DefaultVpc() string { return a.net.DefaultVpc() }

// SetDefaultVpc makes VPC id the default one ("" for none).
func (a *Account) SetDefaultVpc(id string) error {
	net := a.net.Clone()
	if err := net.SetDefaultVpc(id); err != nil {
		return err
	}
	a.net = net
	return nil
}

// ReplaceGroups makes g the security groups of VPC id: for a caller that
// rebuilt them from a spec (a lab from before labs had VPCs removed from
// the default VPC). g must keep agreeing with the VPC layer (Consistent);
// otherwise nothing changes.
func (a *Account) ReplaceGroups(id string, g *ruleset.State) error {
	old := a.groups[id]
	if old == nil {
		return &vpc.Error{Code: vpc.CodeInvalidVpcIDNotFound, Message: "The vpc ID '" + id + "' does not exist"}
	}
	a.groups[id] = g
	if err := a.Consistent(); err != nil {
		a.groups[id] = old
		return err
	}
	g.SetFlowBudget(a.budgetFor(id))
	return nil
}
