package testbed

import (
	"fmt"
	"net/netip"
)

// The checks of a VPC lab that span its parts: subnets against the VPC
// and each other, names that refer to subnets, tables and interfaces,
// and every interface's addresses against its own subnet. EC2's rules for
// network ACL entries and routes are the VPC model's (Apply).

// Fixed by EC2 (ec2-vpc.md 1): VPC and subnet IPv4 blocks are /16 to /28;
// a VPC's IPv6 block /44 to /60 (/56 from Amazon), a subnet's /64.
const (
	minIPv4Bits, maxIPv4Bits       = 16, 28
	minVPCIPv6Bits, maxVPCIPv6Bits = 44, 60
	subnetIPv6Bits                 = 64
)

func validateVPC(e *errList, lab *Lab) {
	v := lab.VPC
	checkIPv4Block(e, "vpc.cidr", v.Line, v.CIDR)
	if p := v.IPv6CIDR; p.IsValid() {
		if !p.Addr().Is6() || p.Addr().Is4In6() || p.Bits() < minVPCIPv6Bits || p.Bits() > maxVPCIPv6Bits {
			e.add("vpc.ipv6-cidr", v.Line, "%v must be an IPv6 CIDR from /%d to /%d", p, minVPCIPv6Bits, maxVPCIPv6Bits)
		} else if p != p.Masked() {
			e.add("vpc.ipv6-cidr", v.Line, "%v is not canonical (did you mean %v?)", p, p.Masked())
		}
	}
	if len(v.Subnets) == 0 {
		e.add("vpc.subnets", v.Line, "a VPC lab needs at least one subnet")
	}
	tables := names(v.RouteTables, func(t RouteTable) string { return t.Name }, MainRouteTable)
	acls := names(v.NetworkACLs, func(a NetworkACL) string { return a.Name }, DefaultNetworkACL)
	for i := range v.Subnets {
		validateSubnet(e, v, i, tables, acls)
	}
	for _, rt := range v.RouteTables {
		if !subnetNameRE.MatchString(rt.Name) {
			e.add(join("vpc.route-tables", rt.Name), rt.Line, "route table name %q must be [a-z0-9-], 1 to 32 characters", rt.Name)
		}
		validateRouteTable(e, lab, rt)
	}
	for _, a := range v.NetworkACLs {
		if !subnetNameRE.MatchString(a.Name) {
			e.add(join("vpc.network-acls", a.Name), a.Line, "network ACL name %q must be [a-z0-9-], 1 to 32 characters", a.Name)
		}
	}
}

func names[T any](items []T, name func(T) string, builtin string) map[string]bool {
	out := map[string]bool{builtin: true}
	for _, it := range items {
		out[name(it)] = true
	}
	return out
}

func checkIPv4Block(e *errList, path string, line int, p netip.Prefix) {
	switch {
	case !p.IsValid() || !p.Addr().Is4() || p.Bits() < minIPv4Bits || p.Bits() > maxIPv4Bits:
		e.add(path, line, "%v must be an IPv4 CIDR from /%d to /%d", p, minIPv4Bits, maxIPv4Bits)
	case p != p.Masked():
		e.add(path, line, "%v is not canonical (did you mean %v?)", p, p.Masked())
	}
}

func validateSubnet(e *errList, v *VPC, i int, tables, acls map[string]bool) {
	s := &v.Subnets[i]
	path := join("vpc.subnets", s.Name)
	if !subnetNameRE.MatchString(s.Name) {
		e.add(path, s.Line, "subnet name %q must be [a-z0-9-], 1 to 32 characters", s.Name)
	}
	checkIPv4Block(e, join(path, "cidr"), s.Line, s.CIDR)
	if s.CIDR.IsValid() && v.CIDR.IsValid() && !within(s.CIDR, v.CIDR) {
		e.add(join(path, "cidr"), s.Line, "%v is not inside the VPC's %v", s.CIDR, v.CIDR)
	}
	for _, o := range v.Subnets[:i] {
		if s.CIDR.IsValid() && o.CIDR.IsValid() && s.CIDR.Overlaps(o.CIDR) {
			e.add(join(path, "cidr"), s.Line, "%v overlaps subnet %s (%v)", s.CIDR, o.Name, o.CIDR)
		}
		if s.IPv6CIDR.IsValid() && o.IPv6CIDR.IsValid() && s.IPv6CIDR.Overlaps(o.IPv6CIDR) {
			e.add(join(path, "ipv6-cidr"), s.Line, "%v overlaps subnet %s (%v)", s.IPv6CIDR, o.Name, o.IPv6CIDR)
		}
	}
	if p := s.IPv6CIDR; p.IsValid() {
		switch {
		case !v.IPv6CIDR.IsValid():
			e.add(join(path, "ipv6-cidr"), s.Line, "the VPC has no ipv6-cidr")
		case !p.Addr().Is6() || p.Addr().Is4In6() || p.Bits() != subnetIPv6Bits:
			e.add(join(path, "ipv6-cidr"), s.Line, "%v must be an IPv6 /%d", p, subnetIPv6Bits)
		case p != p.Masked():
			e.add(join(path, "ipv6-cidr"), s.Line, "%v is not canonical (did you mean %v?)", p, p.Masked())
		case !within(p, v.IPv6CIDR):
			e.add(join(path, "ipv6-cidr"), s.Line, "%v is not inside the VPC's %v", p, v.IPv6CIDR)
		}
	}
	if s.RouteTable != "" && !tables[s.RouteTable] {
		e.add(join(path, "route-table"), s.Line, "no route table %q (declare it under vpc.route-tables, or leave the key out for %q)", s.RouteTable, MainRouteTable)
	}
	if s.NetworkACL != "" && !acls[s.NetworkACL] {
		e.add(join(path, "network-acl"), s.Line, "no network ACL %q (declare it under vpc.network-acls, or leave the key out for %q)", s.NetworkACL, DefaultNetworkACL)
	}
}

// within reports whether inner lies inside outer.
func within(inner, outer netip.Prefix) bool {
	return inner.Bits() >= outer.Bits() && outer.Contains(inner.Addr())
}

func validateRouteTable(e *errList, lab *Lab, rt RouteTable) {
	path := join("vpc.route-tables", rt.Name)
	for i, r := range rt.Routes {
		rp := fmt.Sprintf("%s.routes[%d]", path, i)
		if r.Destination.IsValid() && r.Destination != r.Destination.Masked() {
			e.add(rp, r.Line, "destination %v is not canonical (did you mean %v?)", r.Destination, r.Destination.Masked())
		}
		if r.Destination.IsValid() && r.Destination.Addr().Is6() && !lab.VPC.IPv6CIDR.IsValid() {
			e.add(rp, r.Line, "an IPv6 destination needs the VPC's ipv6-cidr")
		}
		if r.Target == "" {
			continue
		}
		ep, err := ParseEndpoint(r.Target)
		if err == nil && ep.String() != r.Target {
			err = fmt.Errorf("target %q: name the interface, %s", r.Target, ep)
		}
		if err != nil {
			e.add(rp, r.Line, "%v", err)
			continue
		}
		if nd, ni := lab.Interface(ep); nd == nil {
			e.add(rp, r.Line, "target %s: no node %q", r.Target, ep.Node)
		} else if ni == nil {
			e.add(rp, r.Line, "target %s: node %s has %d interface(s)", r.Target, ep.Node, len(nd.ENIs()))
		}
	}
}

// validateInterfaces checks a node's interfaces (the short form is one)
// against their subnets, and records their addresses in used.
func validateInterfaces(e *errList, lab *Lab, nd *Node, used map[netip.Addr]string) {
	path := join("topology.nodes", nd.Name)
	net := lab.Network()
	long := len(nd.Interfaces) > 0
	if nd.Kind == KindVM && !nd.VM.Boots() && len(nd.ENIs()) > 1 {
		e.add(path, nd.Line, "kind: vm attaches one host interface: give it one network interface")
	}
	for i, ni := range nd.ENIs() {
		ip := path
		if long {
			ip = fmt.Sprintf("%s.interfaces[%d]", path, i)
		}
		if lab.VPC != nil && ni.Subnet == "" {
			e.add(ip, ni.Line, "missing required key %q (a VPC lab places every interface in a subnet)", "subnet")
			continue
		}
		s := net.Subnet(subnetOf(ni))
		if s == nil {
			e.add(join(ip, "subnet"), ni.Line, "no subnet %q", ni.Subnet)
			continue
		}
		checkAddr(e, ip, ni.Line, nd.Name, "ip", ni.IP, s.CIDR, used)
		for j, a := range ni.SecondaryIPs {
			checkAddr(e, ip, ni.Line, nd.Name, fmt.Sprintf("secondary-ips[%d]", j), a, s.CIDR, used)
		}
		if ni.IPv6.IsValid() {
			if !s.IPv6CIDR.IsValid() {
				e.add(ip, ni.Line, "ipv6 needs %s", ipv6Source(lab))
			} else {
				checkAddr(e, ip, ni.Line, nd.Name, "ipv6", ni.IPv6, s.IPv6CIDR, used)
			}
		}
		validateGroups(e, lab, ip, ni)
	}
}

func ipv6Source(lab *Lab) string {
	if lab.VPC != nil {
		return "the subnet's ipv6-cidr"
	}
	return "subnet-ipv6"
}

func validateGroups(e *errList, lab *Lab, path string, ni NodeInterface) {
	seen := map[string]bool{}
	for _, g := range ni.Groups {
		if seen[g] {
			e.add(path, ni.Line, "security group %q listed twice", g)
		}
		seen[g] = true
	}
	if len(ni.Groups) > lab.Settings.GroupsPerInterface {
		e.add(path, ni.Line, "SecurityGroupsPerInterfaceLimitExceeded: %d groups, at most %d (settings.groups-per-interface)",
			len(ni.Groups), lab.Settings.GroupsPerInterface)
	}
}

// validateEndpoints checks a check's from and to (or to-ip), and from-ip.
func validateEndpoints(e *errList, lab *Lab, c *Check, path string) {
	from := checkEndpoint(e, lab, c, path, c.From)
	switch {
	case c.To != "" && c.ToIP.IsValid():
		e.add(path, c.Line, "give to or to-ip, not both")
	case c.To == "" && !c.ToIP.IsValid():
		e.add(path, c.Line, "missing required key %q (or %q)", "to", "to-ip")
	case c.To != "":
		to := checkEndpoint(e, lab, c, path, c.To)
		if from != nil && to != nil && from == to {
			e.add(path, c.Line, "from and to are the same node: that traffic never reaches the switch")
		}
	default:
		if c.ToIP.Is4() != (c.Family == 4) {
			e.add(path, c.Line, "to-ip %v is not of family ipv%d", c.ToIP, c.Family)
		}
		if from != nil && owns(from, c.ToIP) {
			e.add(path, c.Line, "to-ip %v is node %s's own address: that traffic never reaches the switch", c.ToIP, from.Name)
		}
	}
	if a := c.FromIP; a.IsValid() {
		if a.Is4() != (c.Family == 4) {
			e.add(path, c.Line, "from-ip %v is not of family ipv%d", a, c.Family)
		}
		if from != nil && !owns(from, a) {
			e.add(path, c.Line, "from-ip %v is not an address of node %s", a, from.Name)
		}
	}
}

// checkEndpoint checks one end of a check and returns its node, or nil.
func checkEndpoint(e *errList, lab *Lab, c *Check, path, end string) *Node {
	ep, err := ParseEndpoint(end)
	if err != nil {
		e.add(path, c.Line, "%v", err)
		return nil
	}
	nd, ni := lab.Interface(ep)
	switch {
	case nd == nil:
		e.add(path, c.Line, "no node %q", ep.Node)
		return nil
	case nd.Kind != KindNetns && !nd.VM.Boots():
		// A VM that sgswitch boots runs its side through its agent; one
		// it only attaches has none.
		e.add(path, c.Line, "node %s is a %s that sgswitch does not boot: checks run inside netns nodes and booted VMs only", ep.Node, nd.Kind)
	case ni == nil:
		e.add(path, c.Line, "node %s has no %s", ep.Node, IfName(ep.Interface))
	case c.Family == 6 && !ni.IPv6.IsValid() && !(end == c.From && c.FromIP.Is6()):
		e.add(path, c.Line, "family ipv6 but %s has no ipv6", end)
	}
	return nd
}

// owns reports whether a is one of the node's addresses.
func owns(nd *Node, a netip.Addr) bool {
	for _, ni := range nd.ENIs() {
		if ni.IP == a || ni.IPv6 == a {
			return true
		}
		for _, s := range ni.SecondaryIPs {
			if s == a {
				return true
			}
		}
	}
	return false
}
