package porttest

import (
	"errors"
	"net"
	"net/netip"
	"sync"

	"sgswitch/iface"
	"sgswitch/netns"
	"sgswitch/testbed"
)

// Kind is a port kind a Pair can wire.
type Kind string

// Port kinds.
const (
	TAP      Kind = testbed.PortTAP      // TAP with virtio-net offloads
	TAPPlain Kind = testbed.PortTAPPlain // TAP without offloads
	AFXDP    Kind = testbed.PortAFXDP    // veth + AF_XDP on the host end
	AFPacket Kind = testbed.PortAFPacket // veth + AF_PACKET on the host end
	// VMPacket and VMXDP attach to an existing tap (as QEMU makes one) by
	// name with AF_PACKET or generic-mode AF_XDP; see wireVM.
	VMPacket Kind = "vm-" + testbed.AttachAFPacket
	VMXDP    Kind = "vm-" + testbed.AttachAFXDP
)

// Pair is two namespaces, A and B, each with an eth0 whose other end is a
// port. The namespaces and links are its scope's.
type Pair struct {
	NsA, NsB     string
	PortA, PortB iface.Port

	scope  *netns.Scope
	mu     sync.Mutex
	inner  []*Forwarder // emulated QEMU devices (wireVM)
	closed bool
}

// NewPair wires namespace A of s with a port of kind ka and B with kind kb
// (MTU mtu, default netns.DefaultMTU). The ports close when s closes, or earlier with
// Close. On error the ports it opened are closed; what it made in s goes
// when s closes.
func NewPair(s *netns.Scope, ka, kb Kind, mtu int) (*Pair, error) {
	return NewPairMACs(s, ka, kb, mtu, MACA, MACB)
}

// NewPairMACs is NewPair with the MACs the nodes' eth0 get (the switch's
// anti-spoofing wants the ENI's own MAC).
func NewPairMACs(s *netns.Scope, ka, kb Kind, mtu int, macA, macB net.HardwareAddr) (p *Pair, err error) {
	if mtu == 0 {
		mtu = netns.DefaultMTU
	}
	p = &Pair{scope: s}
	s.OnClose(func() { _ = p.Close() })
	defer func() {
		if err != nil {
			err = errors.Join(err, p.Close())
			p = nil
		}
	}()
	if p.NsA, err = s.CreateNetns("-a"); err != nil {
		return p, err
	}
	if p.NsB, err = s.CreateNetns("-b"); err != nil {
		return p, err
	}
	if p.PortA, err = p.openPort(ka, s.Name("a"), node(p.NsA, macA, AddrA4, AddrA6, mtu)); err != nil {
		return p, err
	}
	if p.PortB, err = p.openPort(kb, s.Name("b"), node(p.NsB, macB, AddrB4, AddrB6, mtu)); err != nil {
		return p, err
	}
	return p, nil
}

// node is a namespace's eth0, with default routes via the subnets'
// routers (base + 1) as an instance has.
func node(ns string, mac net.HardwareAddr, v4, v6 netip.Prefix, mtu int) netns.Interface {
	return netns.Interface{Netns: ns, MAC: mac, IPv4: v4, IPv6: v6, MTU: mtu,
		Gateway4: v4.Masked().Addr().Next(), Gateway6: v6.Masked().Addr().Next()}
}

func (p *Pair) openPort(k Kind, host string, in netns.Interface) (iface.Port, error) {
	switch k {
	case VMPacket:
		return p.wireVM(testbed.AttachAFPacket, host, in)
	case VMXDP:
		return p.wireVM(testbed.AttachAFXDP, host, in)
	}
	return testbed.OpenPort(string(k), host, in, p.scope.Owner)
}

// Close closes the ports and stops the emulated QEMU devices, returning
// their errors. It is safe to call more than once; the scope calls it too.
func (p *Pair) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	p.closed = true
	for _, port := range []iface.Port{p.PortA, p.PortB} {
		if port != nil {
			_ = port.Close() // may already be closed by a Forwarder
		}
	}
	var errs []error
	for _, f := range p.inner {
		errs = append(errs, f.Stop())
	}
	return errors.Join(errs...)
}
