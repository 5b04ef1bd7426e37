package testbed

import (
	"errors"
	"fmt"
	"net"
	"net/netip"

	"sgswitch/iface"
	"sgswitch/netns"
	"sgswitch/ruleset"
)

// Host is how one node of a lab exists on this machine: what `lab up`
// makes and `lab down` removes. The daemon stores it with the lab.
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
	// veth host end it makes, or the VM's existing interface.
	IfName string
}

// PortAttach is the port kind of a VM node: an existing host interface.
const PortAttach = "attach"

// Hosts says how each node of lab exists on the host.
func Hosts(lab *Lab, enis map[string]string) []Host {
	var hs []Host
	for _, n := range lab.Nodes {
		h := Host{Lab: lab.Name, Node: n.Name, ENI: enis[n.Name], Kind: n.Kind, Port: n.Port}
		switch n.Kind {
		case KindVM:
			h.Port, h.IfName = PortAttach, n.Interface
		default:
			h.Kind = KindNetns
			if h.Port == "" {
				h.Port = PortTAP
			}
			h.Netns = NetnsName(lab.Name, n.Name)
			h.IfName = HostIfName(lab.Name, n.Name)
		}
		hs = append(hs, h)
	}
	return hs
}

// Addrs is what a node's interface is configured with.
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

// HostWirer makes and removes hosts on this machine through netns; it is
// the daemon's real Wirer.
type HostWirer struct{}

// Wire makes the node's host side and opens its switch port: for a netns
// node its namespace (kept if the lab made it before, so wiring again
// after a restart works) and eth0 with the addresses and default routes
// via the VPC router; for a VM node, the claimed existing interface. A
// TAP eth0 is persistent and outlives the daemon, as an AF_XDP node's veth
// does; wiring again re-attaches it when it is still the lab's
// (openPersistentTAP, reopenVeth).
// Everything belongs to the lab (netns.LabOwner); nothing another owner
// made is used.
func (HostWirer) Wire(h Host, a Addrs) (iface.Port, error) {
	owner := netns.LabOwner(h.Lab)
	switch h.Kind {
	case KindVM:
		return AttachPort(h.IfName, AttachAFPacket, owner)
	case KindNetns:
	default:
		return nil, fmt.Errorf("node %s: unknown kind %q", h.Node, h.Kind)
	}
	if err := netns.Create(h.Netns, owner); err != nil {
		return nil, err
	}
	in := netns.Interface{Netns: h.Netns, Name: NodeIfName, MAC: a.MAC, IPv4: a.IPv4, IPv6: a.IPv6, SecondaryIPv4: a.SecondaryIPv4}
	if a.IPv4.IsValid() {
		in.Gateway4 = Router(a.IPv4)
	}
	if a.IPv6.IsValid() {
		in.Gateway6 = Router(a.IPv6)
	}
	switch h.Port {
	case PortTAP:
		return openPersistentTAP(h.IfName, in, owner)
	case PortAFXDP:
		if p, found, err := reopenVeth(h.Port, h.IfName, in, owner); err != nil || found {
			return p, err
		}
		return OpenPort(h.Port, h.IfName, in, owner)
	}
	return nil, fmt.Errorf("node %s: unknown port kind %q", h.Node, h.Port)
}

// Unwire removes the node's host side (its namespace with every process
// in it and its host link, or its claim on a VM's interface); missing
// ones are fine, and nothing the lab did not make is touched.
func (HostWirer) Unwire(h Host) error {
	owner := netns.LabOwner(h.Lab)
	if h.Kind == KindVM {
		return netns.Release(h.IfName, owner)
	}
	return errors.Join(netns.DeletePort(h.Netns, NodeIfName, owner), netns.DeleteLink(h.IfName, owner), netns.Delete(h.Netns, owner))
}

// RemoveHosts is RemoveHosts, for the daemon's Wirer.
func (HostWirer) RemoveHosts(lab string) error { return RemoveHosts(lab) }

// RemoveHosts removes everything on this machine that lab made: every
// namespace (ending the processes inside), host link and claim recorded
// for it, whether or not a daemon runs and whatever the lab file says
// now. It is idempotent.
func RemoveHosts(lab string) error { return netns.RemoveAll(netns.LabOwner(lab)) }

// HostLeftovers lists what lab made that still exists.
func HostLeftovers(lab string) ([]string, error) { return netns.Leftovers(netns.LabOwner(lab)) }
