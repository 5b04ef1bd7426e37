package daemon

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"sgswitch/iface"
	"sgswitch/iface/tap"
	"sgswitch/iface/wire"
	"sgswitch/store"
	"sgswitch/testbed"
)

// NetnsWirer wires lab nodes on this host with iface/wire: a network
// namespace per netns node with eth0 as a TAP (default) or the inner end of
// a veth whose host end carries an AF_XDP port; a VM node's existing host
// interface is attached as it is (AF_PACKET with virtio-net headers, so
// the guest's GSO super-frames pass).
type NetnsWirer struct{}

// Wire implements Wirer.
func (w *NetnsWirer) Wire(n store.NodeWiring, a ENIAddrs) (iface.Port, error) {
	switch n.Kind {
	case testbed.KindVM:
		return wire.Attach(n.IfName, wire.AttachAFPacket)
	case testbed.KindNetns:
		return w.wireNetns(n, a)
	}
	return nil, fmt.Errorf("node %s: unknown kind %q", n.Node, n.Kind)
}

func (w *NetnsWirer) wireNetns(n store.NodeWiring, a ENIAddrs) (iface.Port, error) {
	if _, err := os.Stat(filepath.Join(wire.NetnsDir, n.Netns)); err != nil {
		if err := wire.CreateNetns(n.Netns); err != nil {
			return nil, err
		}
	}
	// A leftover host link (the veth of an earlier run) goes first; a
	// veth's namespace end goes with it. A TAP's netdev died with the
	// process that held it.
	if err := wire.DeleteLink(n.IfName); err != nil {
		return nil, err
	}
	node := wire.Node{Netns: n.Netns, IfName: testbed.NodeIfName, MAC: a.MAC, IPv4: a.IPv4, IPv6: a.IPv6}
	var p iface.Port
	var err error
	switch n.Port {
	case testbed.PortTAP, "":
		p, err = wire.WireTAP(n.IfName, node, tap.Options{})
	case testbed.PortAFXDP:
		p, err = wire.WireAFXDP(n.IfName, node)
	default:
		return nil, fmt.Errorf("node %s: unknown port kind %q", n.Node, n.Port)
	}
	if err != nil {
		return nil, err // not p: a typed nil would look like a port
	}
	return p, nil
}

// Unwire implements Wirer: a netns node's host link and namespace are
// deleted; a VM's interface belongs to the VM and stays.
func (w *NetnsWirer) Unwire(n store.NodeWiring) error {
	if n.Kind != testbed.KindNetns {
		return nil
	}
	return errors.Join(wire.DeleteLink(n.IfName), wire.DeleteNetns(n.Netns))
}
