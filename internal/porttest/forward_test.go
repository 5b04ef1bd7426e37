package porttest

import (
	"errors"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"sgswitch/iface/afxdp"
	"sgswitch/iface/tap"
	"sgswitch/netns"
	"sgswitch/netns/netnstest"
	"sgswitch/testbed"
)

// newPair wires a pair in a scope of the test's own; netnstest removes the
// scope and checks nothing is left, after the pair's ports are closed.
func newPair(t *testing.T, ka, kb Kind, mtu int) *Pair {
	t.Helper()
	s := netnstest.New(t)
	p, err := NewPair(s, ka, kb, mtu)
	if err != nil {
		t.Fatalf("wiring %s<->%s: %v", ka, kb, err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Errorf("closing the pair: %v", err)
		}
	})
	return p
}

// checkConnectivity runs the checks between A and B.
func checkConnectivity(t *testing.T, p *Pair) {
	t.Helper()
	steps := []struct {
		name string
		run  func() error
	}{
		{"ping4", func() error { return Ping(p.NsA, AddrB4.Addr(), 10) }},
		{"ping6", func() error { return Ping(p.NsA, AddrB6.Addr(), 10) }},
		{"tcp4-4MB", func() error { return TCPTransfer(p.NsA, p.NsB, AddrB4.Addr(), 5001, 4<<20, 20*time.Second) }},
		{"tcp6-4MB", func() error { return TCPTransfer(p.NsA, p.NsB, AddrB6.Addr(), 5002, 4<<20, 20*time.Second) }},
		{"tcp4-reverse-2MB", func() error { return TCPTransfer(p.NsB, p.NsA, AddrA4.Addr(), 5003, 2<<20, 20*time.Second) }},
		{"udp4", func() error { return UDPEcho(p.NsA, p.NsB, AddrB4.Addr(), 5004, 512, 20) }},
		{"udp6", func() error { return UDPEcho(p.NsA, p.NsB, AddrB6.Addr(), 5005, 1200, 20) }},
		{"udp4-fragmented", func() error { return UDPEcho(p.NsA, p.NsB, AddrB4.Addr(), 5006, 8000, 20) }},
		{"udp4-gso", func() error { return UDPSegmented(p.NsA, p.NsB, AddrB4.Addr(), 5007, 1000, 8) }},
		{"udp6-gso", func() error { return UDPSegmented(p.NsA, p.NsB, AddrB6.Addr(), 5008, 1200, 5) }},
	}
	for _, s := range steps {
		if err := s.run(); err != nil {
			t.Errorf("%s: %v", s.name, err)
		}
	}
}

func forwarded(t *testing.T, ka, kb Kind) (*Pair, *Forwarder) {
	p := newPair(t, ka, kb, 1500)
	f := Forward(p.PortA, p.PortB)
	t.Cleanup(func() {
		if err := f.Stop(); err != nil {
			t.Errorf("forwarder: %v", err)
		}
	})
	checkConnectivity(t, p)
	t.Logf("%s<->%s: %d frames, %d GSO super-frames, %d segments made by iface/gso",
		ka, kb, f.Frames.Load(), f.SuperFrames.Load(), f.Segmented.Load())
	return p, f
}

func TestForwardTAPOffload(t *testing.T) {
	l, f := forwarded(t, TAP, TAP)
	for _, p := range []*tap.Port{l.PortA.(*tap.Port), l.PortB.(*tap.Port)} {
		if !p.GSO() {
			t.Errorf("%s: offloads refused: %s", p.Name(), p.Fallback())
		}
	}
	if f.SuperFrames.Load() == 0 {
		t.Error("no GSO super-frame crossed TAP ports with offloads")
	}
}

func TestForwardTAPPlain(t *testing.T) {
	l, f := forwarded(t, TAPPlain, TAPPlain)
	if p := l.PortA.(*tap.Port); p.GSO() || p.Fallback() == "" {
		t.Errorf("plain TAP: GSO %v, fallback %q", p.GSO(), p.Fallback())
	}
	if f.SuperFrames.Load() != 0 {
		t.Error("super-frames from a plain TAP")
	}
}

// l4Offloads opens a TAP of its own to ask whether this kernel takes USO.
func l4Offloads(t *testing.T) bool {
	s := netnstest.New(t)
	name := s.Name("uso")
	if err := netns.ClaimLinkName(name, s.Owner); err != nil {
		t.Fatal(err)
	}
	p, err := tap.Open(name, tap.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	return p.Offloads()&unix.TUN_F_USO4 != 0
}

// TestForwardTAPOffloadToPlain: super-frames bound for a plain TAP are cut
// by iface/gso and arrive intact.
func TestForwardTAPOffloadToPlain(t *testing.T) {
	_, f := forwarded(t, TAP, TAPPlain)
	if f.Segmented.Load() == 0 {
		t.Error("nothing was segmented between an offload TAP and a plain TAP")
	}
	// USO (TUN_F_USO4/6) is accepted on this kernel: UDP_SEGMENT sends
	// arrive as GSO_UDP_L4 super-frames and must be cut into datagrams.
	if f.UDPSuperFrames.Load() == 0 && l4Offloads(t) {
		t.Error("no UDP GSO super-frame seen although the TAP accepted USO")
	}
}

func TestForwardAFXDP(t *testing.T) {
	l, _ := forwarded(t, AFXDP, AFXDP)
	p := l.PortA.(*afxdp.Port)
	t.Logf("AF_XDP attach mode: %v %s", p.Mode(), p.ModeReason())
	if p.Mode() != afxdp.Native {
		t.Errorf("AF_XDP on veth fell back to %v: %s", p.Mode(), p.ModeReason())
	}
}

func TestForwardAFPacket(t *testing.T) { forwarded(t, AFPacket, AFPacket) }

// TestForwardTAPOffloadToAFXDP: the mixed case the switch meets; TCP from
// the TAP side is segmented and checksummed for the AF_XDP side.
func TestForwardTAPOffloadToAFXDP(t *testing.T) {
	_, f := forwarded(t, TAP, AFXDP)
	if f.Segmented.Load() == 0 {
		t.Error("nothing was segmented between an offload TAP and AF_XDP")
	}
}

// TestAttachExistingTap: `kind: vm` — attach by name to a tap device that
// "QEMU" (the test, holding its fd) created.
func TestAttachExistingTapAFPacket(t *testing.T) { forwarded(t, VMPacket, TAP) }
func TestAttachExistingTapAFXDP(t *testing.T)    { forwarded(t, VMXDP, AFXDP) }

func TestAttachMissingInterface(t *testing.T) {
	s := netnstest.New(t)
	for _, k := range []string{testbed.AttachAFPacket, testbed.AttachAFXDP} {
		_, err := testbed.AttachPort(s.Name("nosuch"), k, s.Owner)
		if !errors.Is(err, netns.ErrNoInterface) {
			t.Errorf("%s: attach to a missing interface: %v, want ErrNoInterface", k, err)
		} else {
			t.Logf("%s: %v", k, err)
		}
	}
}

// TestAFXDPRefusals documents what this kernel refuses: an MTU native XDP on
// veth cannot take (on a veth of the test's own).
func TestAFXDPRefusals(t *testing.T) {
	s := netnstest.New(t)
	ns, err := s.CreateNetns("-x")
	if err != nil {
		t.Fatal(err)
	}
	host := s.Name("x")
	if err := netns.CreateVeth(host, netns.Interface{Netns: ns}, s.Owner); err != nil {
		t.Fatal(err)
	}
	if p, err := afxdp.Open(host, afxdp.Options{MTU: 3507}); err == nil {
		p.Close()
		t.Error("AF_XDP port with MTU 3507 accepted")
	}
}
