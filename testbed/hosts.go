package testbed

import (
	"fmt"
	"net"
	"net/netip"

	"sgswitch/ruleset"
)

// Host is how one interface of a lab node exists on this machine: what
// `lab up` makes and `lab down` removes. The daemon stores it with the
// lab. A netns node with several interfaces (eth0, eth1, …) is one Host
// per interface, all in the node's namespace; the zero Interface and
// Forwarding are what every Host was before nodes had several, so a Host
// stored then still means its node's eth0.
type Host struct {
	Lab  string
	Node string
	ENI  string
	Kind string // KindNetns or KindVM
	// Port is the port kind: PortTAP or PortAFXDP for a netns node,
	// PortAttach for a VM's existing interface.
	Port string
	// Netns is the node's namespace (netns nodes only).
	Netns string
	// IfName is the host-side interface the switch opens: the TAP or the
	// veth host end it makes (HostIfNameOf), or the VM's existing
	// interface.
	IfName string
	// Interface is the interface's number in its node: its device there
	// is IfName(Interface), eth0, eth1, …. Interface 0 is the primary
	// interface, the one with the default routes. A VM node has one.
	Interface int
	// Forwarding is the node's forwarding (Node.Forwarding): the wirer
	// turns IPv4 and IPv6 forwarding on in the namespace when it is set
	// and off when not, whatever the namespace inherited from the host.
	Forwarding bool
}

// Device is the interface's name inside the node: eth0, eth1, ….
func (h Host) Device() string { return IfName(h.Interface) }

// Primary reports whether the interface is the node's eth0, the one that
// holds its default routes.
func (h Host) Primary() bool { return h.Interface == 0 }

// Endpoint names the interface as checks and route targets do.
func (h Host) Endpoint() Endpoint { return Endpoint{Node: h.Node, Interface: h.Interface} }

// PortAttach is the port kind of a VM node: an existing host interface.
const PortAttach = "attach"

// HostsOf says how each interface of each node of lab exists on the host:
// one Host per (node, interface), in the order of the nodes and of their
// interfaces, with the ENI id ifaces gives it (Apply's). A netns node's
// interfaces share its namespace, each with a host link of its own; a VM
// node has its one existing interface.
func HostsOf(lab *Lab, ifaces map[Endpoint]string) []Host {
	var hs []Host
	for i := range lab.Nodes {
		n := &lab.Nodes[i]
		count := len(n.ENIs())
		if n.Kind == KindVM {
			count = 1
		}
		for k := range count {
			hs = append(hs, nodeHost(lab.Name, n, k, ifaces[Endpoint{Node: n.Name, Interface: k}]))
		}
	}
	return hs
}

// nodeHost is interface k of node n.
func nodeHost(lab string, n *Node, k int, eni string) Host {
	h := Host{Lab: lab, Node: n.Name, ENI: eni, Kind: n.Kind, Port: n.Port, Interface: k}
	switch n.Kind {
	case KindVM:
		h.Port, h.IfName = PortAttach, n.Interface
	default:
		h.Kind = KindNetns
		if h.Port == "" {
			h.Port = PortTAP
		}
		h.Netns = NetnsName(lab, n.Name)
		h.IfName = HostIfNameOf(lab, n.Name, k)
		h.Forwarding = n.Forwarding
	}
	return h
}

// Hosts is HostsOf for the eth0 of each node, given node → ENI id: one
// Host per node, as the daemon wires labs of one-interface nodes.
func Hosts(lab *Lab, enis map[string]string) []Host {
	ifaces := make(map[Endpoint]string, len(enis))
	for node, eni := range enis {
		ifaces[Endpoint{Node: node}] = eni
	}
	var hs []Host
	for _, h := range HostsOf(lab, ifaces) {
		if h.Primary() {
			hs = append(hs, h)
		}
	}
	return hs
}

// Addrs is what a node's interface is configured with. Every prefix has
// the length of the interface's subnet: that gives the interface its
// subnet's on-link route, and the subnet's router (Router of IPv4 or
// IPv6) is the next hop of the default routes of a primary interface
// (Host.Primary). AddrsOf takes the lengths of the ruleset's CIDR, which
// is the subnet only in a lab of one subnet; AddrsFor takes each
// interface's own.
type Addrs struct {
	MAC  net.HardwareAddr
	IPv4 netip.Prefix // the primary address with the subnet's length
	IPv6 netip.Prefix // zero: none
	// SecondaryIPv4 are the ENI's secondary private addresses, with the
	// subnet's length, in the ENI's order.
	SecondaryIPv4 []netip.Prefix
}

// AddrsOf finds how the ENI's interface is to be configured in sp.
func AddrsOf(sp ruleset.Spec, eni string) (Addrs, error) {
	for _, e := range sp.Interfaces {
		if e.ID != eni {
			continue
		}
		var a Addrs
		mac, err := net.ParseMAC(e.MAC)
		if err != nil {
			return a, fmt.Errorf("%s: MAC %q: %w", eni, e.MAC, err)
		}
		a.MAC = mac
		if len(e.IPv4) > 0 {
			a.IPv4 = netip.PrefixFrom(e.IPv4[0], sp.VPC.CIDR.Bits())
			for _, s := range e.IPv4[1:] {
				a.SecondaryIPv4 = append(a.SecondaryIPv4, netip.PrefixFrom(s, sp.VPC.CIDR.Bits()))
			}
		}
		if len(e.IPv6) > 0 && sp.VPC.IPv6CIDR.IsValid() {
			a.IPv6 = netip.PrefixFrom(e.IPv6[0], sp.VPC.IPv6CIDR.Bits())
		}
		return a, nil
	}
	return Addrs{}, fmt.Errorf("interface %s no longer exists", eni)
}

// Router returns the VPC router address of a subnet: its base address + 1.
func Router(p netip.Prefix) netip.Addr { return p.Masked().Addr().Next() }

// AddrsFor finds how interface h of lab is to be configured in sp: as
// AddrsOf for h.ENI, with the prefix lengths of the subnet of lab the
// interface sits in (in a VPC lab sp's CIDR is the whole VPC's, which
// would make the other subnets on-link and the VPC's base+1 the router).
func AddrsFor(sp ruleset.Spec, lab *Lab, h Host) (Addrs, error) {
	a, err := AddrsOf(sp, h.ENI)
	if err != nil {
		return a, err
	}
	_, ni := lab.Interface(h.Endpoint())
	if ni == nil {
		return a, fmt.Errorf("lab %s has no interface %s", lab.Name, h.Endpoint())
	}
	s := lab.Network().Subnet(subnetOf(*ni))
	if s == nil {
		return a, fmt.Errorf("%s: no subnet %q in lab %s", h.Endpoint(), subnetOf(*ni), lab.Name)
	}
	return a.inSubnet(*s), nil
}

// inSubnet returns a with the prefix lengths of subnet s.
func (a Addrs) inSubnet(s Subnet) Addrs {
	relen := func(p, in netip.Prefix) netip.Prefix {
		if !p.IsValid() || !in.IsValid() {
			return p
		}
		return netip.PrefixFrom(p.Addr(), in.Bits())
	}
	a.IPv4 = relen(a.IPv4, s.CIDR)
	a.IPv6 = relen(a.IPv6, s.IPv6CIDR)
	sec := make([]netip.Prefix, len(a.SecondaryIPv4))
	for i, p := range a.SecondaryIPv4 {
		sec[i] = relen(p, s.CIDR)
	}
	if len(sec) > 0 {
		a.SecondaryIPv4 = sec
	}
	return a
}
