package e2e

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"

	"sgswitch/iface"
	"sgswitch/iface/tap"
	"sgswitch/iface/wire"
)

// Kind is a port kind a Lab can wire.
type Kind string

// Port kinds.
const (
	TAP      Kind = "tap"       // TAP with virtio-net offloads
	TAPPlain Kind = "tap-plain" // TAP without offloads
	AFXDP    Kind = "afxdp"     // veth + AF_XDP on the host end
	AFPacket Kind = "afpacket"  // veth + AF_PACKET on the host end
	// VMPacket and VMXDP attach to an existing tap (as QEMU makes one) by
	// name with AF_PACKET or generic-mode AF_XDP; see wireVM.
	VMPacket Kind = "vm-afpacket"
	VMXDP    Kind = "vm-afxdp"
)

// Lab is two namespaces, A and B, each with an eth0 whose other end is a port.
type Lab struct {
	Prefix       string // names of everything the lab made start with it
	NsA, NsB     string
	PortA, PortB iface.Port
	inner        []*Forwarder // emulated QEMU devices (wireVM)
}

// NewPrefix returns a unique short name prefix ("sgc" + 6 hex digits) so
// link names (≤ 15 bytes) stay valid.
func NewPrefix() string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return "sgc" + hex.EncodeToString(b)
}

// NewLab wires namespace A with a port of kind ka and B with kind kb.
// On error everything made so far is removed.
func NewLab(ka, kb Kind, mtu int) (*Lab, error) {
	return NewLabMACs(ka, kb, mtu, MACA, MACB)
}

// NewLabMACs is NewLab with the MACs the nodes' eth0 get (the switch's
// anti-spoofing wants the ENI's own MAC).
func NewLabMACs(ka, kb Kind, mtu int, macA, macB net.HardwareAddr) (l *Lab, err error) {
	p := NewPrefix()
	l = &Lab{Prefix: p, NsA: p + "-a", NsB: p + "-b"}
	defer func() {
		if err != nil {
			err = errors.Join(err, l.Close())
			l = nil
		}
	}()
	for _, ns := range []string{l.NsA, l.NsB} {
		if err := wire.CreateNetns(ns); err != nil {
			return nil, err
		}
	}
	if l.PortA, err = l.wirePort(ka, p+"a", node(l.NsA, macA, AddrA4, AddrA6, mtu)); err != nil {
		return l, err
	}
	if l.PortB, err = l.wirePort(kb, p+"b", node(l.NsB, macB, AddrB4, AddrB6, mtu)); err != nil {
		return l, err
	}
	return l, nil
}

func node(ns string, mac net.HardwareAddr, v4, v6 netip.Prefix, mtu int) wire.Node {
	return wire.Node{Netns: ns, MAC: mac, IPv4: v4, IPv6: v6, MTU: mtu}
}

func (l *Lab) wirePort(k Kind, host string, n wire.Node) (iface.Port, error) {
	switch k {
	case TAP, TAPPlain:
		return wire.WireTAP(host, n, tap.Options{Plain: k == TAPPlain})
	case AFXDP:
		return wire.WireAFXDP(host, n)
	case AFPacket:
		return wire.WireAFPacket(host, n)
	case VMPacket:
		return l.wireVM(wire.AttachAFPacket, host, n)
	case VMXDP:
		return l.wireVM(wire.AttachAFXDP, host, n)
	}
	return nil, fmt.Errorf("unknown port kind %q", k)
}

// Close closes the ports and removes the namespaces and links.
func (l *Lab) Close() error {
	var errs []error
	for _, p := range []iface.Port{l.PortA, l.PortB} {
		if p != nil {
			_ = p.Close() // may already be closed by a Forwarder
		}
	}
	for _, f := range l.inner {
		errs = append(errs, f.Stop())
	}
	errs = append(errs, wire.Teardown(l.Prefix))
	return errors.Join(errs...)
}

// Leftovers lists namespaces and host links that still carry prefix.
func Leftovers(prefix string) ([]string, error) {
	ns, err := wire.ListNetns(prefix)
	if err != nil {
		return nil, err
	}
	links, err := wire.ListLinks(prefix)
	return append(ns, links...), err
}

func teardownPrefix(p string) error { return wire.Teardown(p) }
