package testbed

import (
	"fmt"
	"net"
	"net/netip"

	"sgswitch/account"
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
	// PortAttach for a VM's existing interface, PortVMTAP for the TAP of
	// a VM sgswitch boots.
	Port string
	// Netns is the node's namespace (netns nodes only).
	Netns string
	// IfName is the host-side interface the switch opens: the TAP or the
	// veth host end it makes (HostIfNameOf), or the VM's existing
	// interface.
	IfName string
	// Interface is the interface's number in its node: its device there
	// is IfName(Interface), eth0, eth1, …. Interface 0 is the primary
	// interface, the one with the default routes. A VM node that
	// attaches an existing interface has one.
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

// Port kinds of a VM node: an existing host interface it attaches
// (PortAttach), or a TAP sgswitch makes for a VM it boots (PortVMTAP),
// one per interface, named as a netns node's host links are.
const (
	PortAttach = "attach"
	PortVMTAP  = "vm-tap"
)

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
		if n.Kind == KindVM && !n.VM.Boots() {
			count = 1 // the one existing interface it attaches
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
		if n.VM.Boots() {
			h.Port, h.IfName = PortVMTAP, HostIfNameOf(lab, n.Name, k)
		}
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

// AddrsIn is how interface eni of account a is configured on its node:
// its MAC and addresses, each with the length of the interface's own
// subnet (the on-link route and the router, base+1, are the subnet's; in
// a VPC of several subnets the VPC's length would make them all on-link).
func AddrsIn(a *account.Account, eni string) (Addrs, error) {
	e, _, ok := a.Interface(eni)
	if !ok {
		return Addrs{}, fmt.Errorf("interface %s no longer exists", eni)
	}
	p, _ := a.Network().Interface(eni)
	subs, err := a.Network().DescribeSubnets([]string{p.SubnetID}, nil)
	if err != nil || len(subs) != 1 {
		return Addrs{}, fmt.Errorf("interface %s: subnet %s: %v", eni, p.SubnetID, err)
	}
	v4, err := netip.ParsePrefix(subs[0].CidrBlock)
	if err != nil {
		return Addrs{}, fmt.Errorf("interface %s: subnet %s: %v", eni, p.SubnetID, err)
	}
	var out Addrs
	if out.MAC, err = net.ParseMAC(e.MAC); err != nil {
		return out, fmt.Errorf("%s: MAC %q: %w", eni, e.MAC, err)
	}
	if len(e.IPv4) > 0 {
		out.IPv4 = netip.PrefixFrom(e.IPv4[0], v4.Bits())
		for _, s := range e.IPv4[1:] {
			out.SecondaryIPv4 = append(out.SecondaryIPv4, netip.PrefixFrom(s, v4.Bits()))
		}
	}
	for _, as := range subs[0].Ipv6CidrBlockAssociationSet {
		if v6, err := netip.ParsePrefix(as.Ipv6CidrBlock); err == nil && len(e.IPv6) > 0 {
			out.IPv6 = netip.PrefixFrom(e.IPv6[0], v6.Bits())
		}
	}
	return out, nil
}

// Router returns the VPC router address of a subnet: its base address + 1.
func Router(p netip.Prefix) netip.Addr { return p.Masked().Addr().Next() }
