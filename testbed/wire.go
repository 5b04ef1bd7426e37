package testbed

import (
	"errors"
	"fmt"

	"sgswitch/iface"
	"sgswitch/instance"
	"sgswitch/netns"
)

// HostWirer makes and removes hosts on this machine through netns; it is
// the daemon's real Wirer.
type HostWirer struct{}

// Wire makes the host side of one interface of a node and opens its
// switch port: for a netns node the node's namespace (kept if the lab
// made it before, for another interface or before a restart), its
// forwarding as h says, and the interface h.Device() (nodeInterface);
// for a VM node, the claimed existing interface, or for a VM sgswitch
// boots the TAP it makes for it (openVMTAP). A TAP interface is
// persistent and outlives the daemon, as an AF_XDP interface's veth
// does; wiring again re-attaches it when it is still the lab's
// (openPersistentTAP, reopenVeth), each interface on its own.
// Everything belongs to the lab (netns.LabOwner); nothing another owner
// made is used.
func (HostWirer) Wire(h Host, a Addrs) (iface.Port, error) {
	owner := netns.LabOwner(h.Lab)
	switch h.Kind {
	case KindVM:
		if h.Port == PortVMTAP {
			return openVMTAP(h.IfName, owner)
		}
		return AttachPort(h.IfName, AttachAFPacket, owner)
	case KindNetns:
	default:
		return nil, fmt.Errorf("node %s: unknown kind %q", h.Node, h.Kind)
	}
	if err := netns.Create(h.Netns, owner); err != nil {
		return nil, err
	}
	if err := netns.SetForwarding(h.Netns, h.Forwarding); err != nil {
		return nil, err
	}
	in := nodeInterface(h, a)
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

// nodeInterface is how interface h is configured in its namespace: named
// h.Device(), with a's addresses, whose prefix lengths give it its
// subnet's on-link route. Only the primary interface gets default routes
// (via its subnet's router, IPv4 and IPv6), as an EC2 instance's eth0
// does: a second default route on eth1 would have the kernel choose
// between the two subnets for every remote destination.
func nodeInterface(h Host, a Addrs) netns.Interface {
	in := netns.Interface{Netns: h.Netns, Name: h.Device(), MAC: a.MAC, IPv4: a.IPv4, IPv6: a.IPv6, SecondaryIPv4: a.SecondaryIPv4}
	if !h.Primary() {
		return in
	}
	if a.IPv4.IsValid() {
		in.Gateway4 = Router(a.IPv4)
	}
	if a.IPv6.IsValid() {
		in.Gateway6 = Router(a.IPv6)
	}
	return in
}

// Unwire removes the host side of one interface of a node: its port
// device, its host link, and the node's namespace (with every process in
// it) once no other interface is left there (netns.DeleteUnused), so
// the node's other interfaces stay; for a VM node, its claim on the VM's
// interface, or for a VM sgswitch boots the VM and its TAP. Missing ones are fine, and nothing the lab did not make is
// touched. RemoveHosts removes every interface at once.
func (HostWirer) Unwire(h Host) error {
	owner := netns.LabOwner(h.Lab)
	if h.Kind == KindVM && h.Port == PortVMTAP {
		// QEMU holds the TAP: the VM goes first.
		return errors.Join(instance.Stop(InstanceName(h.Lab, h.Node), owner), netns.DeleteLink(h.IfName, owner))
	}
	if h.Kind == KindVM {
		return netns.Release(h.IfName, owner)
	}
	errs := []error{netns.DeletePort(h.Netns, h.Device(), owner), netns.DeleteLink(h.IfName, owner)}
	_, err := netns.DeleteUnused(h.Netns, owner) // after: this interface must be gone first
	return errors.Join(append(errs, err)...)
}

// RemoveHosts is RemoveHosts, for the daemon's Wirer.
func (HostWirer) RemoveHosts(lab string) error { return RemoveHosts(lab) }

// RemoveHosts removes everything on this machine that lab made: every
// VM it booted, namespace (ending the processes inside), host link and
// claim recorded for it, whether or not a daemon runs and whatever the lab file says
// now. It is idempotent.
func RemoveHosts(lab string) error { return netns.RemoveAll(netns.LabOwner(lab)) }

// HostLeftovers lists what lab made that still exists.
func HostLeftovers(lab string) ([]string, error) { return netns.Leftovers(netns.LabOwner(lab)) }
