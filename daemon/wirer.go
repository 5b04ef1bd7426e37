package daemon

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"

	"sgswitch/iface"
	"sgswitch/iface/afpacket"
	"sgswitch/iface/afxdp"
	"sgswitch/iface/tap"
	"sgswitch/iface/wire"
	"sgswitch/store"
	"sgswitch/testbed"
)

// NetnsWirer wires lab nodes on this host with iface/wire: a network
// namespace per netns node with eth0 as a TAP (default) or the inner end of
// a veth whose host end carries an AF_XDP port; a VM node's existing host
// interface is attached as it is.
type NetnsWirer struct {
	// OpenAFXDP opens an AF_XDP port on a host interface (nil: afxdp.Open).
	OpenAFXDP func(ifname string) (iface.Port, error)
	// Attach opens a port on an existing host interface, for VM nodes
	// (nil: afpacket.Open with virtio-net headers).
	Attach func(ifname string) (iface.Port, error)
}

func openAFXDP(ifname string) (iface.Port, error) {
	p, err := afxdp.Open(ifname, afxdp.Options{})
	if err != nil {
		return nil, err
	}
	return p, nil
}

func openAFPacket(ifname string) (iface.Port, error) {
	p, err := afpacket.Open(ifname, afpacket.Options{GSO: true})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// Wire implements Wirer.
func (w *NetnsWirer) Wire(n store.NodeWiring, a ENIAddrs) (iface.Port, error) {
	switch n.Kind {
	case testbed.KindVM:
		return w.wireVM(n)
	case testbed.KindNetns:
		return w.wireNetns(n, a)
	}
	return nil, fmt.Errorf("node %s: unknown kind %q", n.Node, n.Kind)
}

func (w *NetnsWirer) wireVM(n store.NodeWiring) (iface.Port, error) {
	if _, err := net.InterfaceByName(n.IfName); err != nil {
		return nil, fmt.Errorf("VM node %s: host interface %q does not exist (start the VM with -netdev tap,ifname=%s,script=no,downscript=no first): %w",
			n.Node, n.IfName, n.IfName, err)
	}
	attach := w.Attach
	if attach == nil {
		attach = openAFPacket
	}
	return attach(n.IfName)
}

func (w *NetnsWirer) wireNetns(n store.NodeWiring, a ENIAddrs) (iface.Port, error) {
	if _, err := os.Stat(filepath.Join(wire.NetnsDir, n.Netns)); err != nil {
		if err := wire.CreateNetns(n.Netns); err != nil {
			return nil, err
		}
	}
	// A leftover host link (the veth of an earlier run) goes first; a
	// veth's namespace end goes with it.
	if err := wire.DeleteLink(n.IfName); err != nil {
		return nil, err
	}
	node := wire.Node{Netns: n.Netns, IfName: testbed.NodeIfName, MAC: a.MAC, IPv4: a.IPv4, IPv6: a.IPv6}
	switch n.Port {
	case testbed.PortTAP, "":
		p, err := wire.WireTAP(n.IfName, node, tap.Options{})
		if err != nil {
			return nil, err
		}
		return p, nil
	case testbed.PortAFXDP:
		open := w.OpenAFXDP
		if open == nil {
			open = openAFXDP
		}
		if err := wire.WireVeth(n.IfName, node); err != nil {
			return nil, err
		}
		p, err := open(n.IfName)
		if err != nil {
			_ = wire.DeleteLink(n.IfName)
			return nil, fmt.Errorf("AF_XDP on %s: %w", n.IfName, err)
		}
		return p, nil
	}
	return nil, fmt.Errorf("node %s: unknown port kind %q", n.Node, n.Port)
}

// Unwire implements Wirer: a netns node's host link and namespace are
// deleted; a VM's interface belongs to the VM and stays.
func (w *NetnsWirer) Unwire(n store.NodeWiring) error {
	if n.Kind != testbed.KindNetns {
		return nil
	}
	return errors.Join(wire.DeleteLink(n.IfName), wire.DeleteNetns(n.Netns))
}
