package daemon

import (
	"fmt"
	"net"
	"net/netip"

	"sgswitch/account"
	"sgswitch/ruleset"
	"sgswitch/testbed"
)

// interfacesOf lists the interfaces of every VPC of a, VPC by VPC (in id
// order), each VPC's in its own order.
func interfacesOf(a *account.Account) []ruleset.InterfaceSpec {
	var out []ruleset.InterfaceSpec
	for _, id := range a.VPCs() {
		out = append(out, a.Groups(id).View().Interfaces...)
	}
	return out
}

// interfaceOf finds interface id in a, with its VPC's security groups.
func interfaceOf(a *account.Account, id string) (ruleset.InterfaceSpec, bool) {
	vpcID, ok := a.VPCOfInterface(id)
	if !ok {
		return ruleset.InterfaceSpec{}, false
	}
	for _, e := range a.Groups(vpcID).View().Interfaces {
		if e.ID == id {
			return e, true
		}
	}
	return ruleset.InterfaceSpec{}, false
}

// addrsOf is how interface eni is configured on its node: its MAC and
// addresses, each with the length of the interface's subnet.
func addrsOf(a *account.Account, eni string) (testbed.Addrs, error) {
	e, ok := interfaceOf(a, eni)
	if !ok {
		return testbed.Addrs{}, fmt.Errorf("interface %s no longer exists", eni)
	}
	p, _ := a.Network().Interface(eni)
	subs, err := a.Network().DescribeSubnets([]string{p.SubnetID}, nil)
	if err != nil || len(subs) != 1 {
		return testbed.Addrs{}, fmt.Errorf("interface %s: subnet %s: %v", eni, p.SubnetID, err)
	}
	cidr, err := netip.ParsePrefix(subs[0].CidrBlock)
	if err != nil {
		return testbed.Addrs{}, fmt.Errorf("interface %s: subnet %s: %v", eni, p.SubnetID, err)
	}
	var out testbed.Addrs
	if out.MAC, err = net.ParseMAC(e.MAC); err != nil {
		return out, fmt.Errorf("%s: MAC %q: %w", eni, e.MAC, err)
	}
	if len(e.IPv4) > 0 {
		out.IPv4 = netip.PrefixFrom(e.IPv4[0], cidr.Bits())
		for _, s := range e.IPv4[1:] {
			out.SecondaryIPv4 = append(out.SecondaryIPv4, netip.PrefixFrom(s, cidr.Bits()))
		}
	}
	for _, as := range subs[0].Ipv6CidrBlockAssociationSet {
		c6, err := netip.ParsePrefix(as.Ipv6CidrBlock)
		if err == nil && len(e.IPv6) > 0 {
			out.IPv6 = netip.PrefixFrom(e.IPv6[0], c6.Bits())
		}
	}
	return out, nil
}
