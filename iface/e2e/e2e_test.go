package e2e

import (
	"os"
	"testing"
	"time"
)

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates network namespaces, TAP devices and AF_XDP sockets")
	}
}

// newLab makes a lab and registers its removal, and checks nothing is left.
func newLab(t *testing.T, ka, kb Kind, mtu int) *Lab {
	t.Helper()
	needRoot(t)
	l, err := NewLab(ka, kb, mtu)
	if err != nil {
		t.Fatalf("wiring %s<->%s: %v", ka, kb, err)
	}
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Errorf("teardown: %v", err)
		}
		left, err := Leftovers(l.Prefix)
		if err != nil || len(left) > 0 {
			t.Errorf("teardown left %v (err %v)", left, err)
		}
	})
	return l
}

// checkConnectivity runs the checks from A to B.
func checkConnectivity(t *testing.T, l *Lab) {
	t.Helper()
	steps := []struct {
		name string
		run  func() error
	}{
		{"ping4", func() error { return Ping(l.NsA, AddrB4.Addr(), 10) }},
		{"ping6", func() error { return Ping(l.NsA, AddrB6.Addr(), 10) }},
		{"tcp4-4MB", func() error { return TCPTransfer(l.NsA, l.NsB, AddrB4.Addr(), 5001, 4<<20, 20*time.Second) }},
		{"tcp6-4MB", func() error { return TCPTransfer(l.NsA, l.NsB, AddrB6.Addr(), 5002, 4<<20, 20*time.Second) }},
		{"tcp4-reverse", func() error { return TCPTransfer(l.NsB, l.NsA, AddrA4.Addr(), 5003, 2<<20, 20*time.Second) }},
		{"udp4", func() error { return UDPEcho(l.NsA, l.NsB, AddrB4.Addr(), 5004, 512, 20) }},
		{"udp6", func() error { return UDPEcho(l.NsA, l.NsB, AddrB6.Addr(), 5005, 1200, 20) }},
		{"udp4-large", func() error { return UDPEcho(l.NsA, l.NsB, AddrB4.Addr(), 5006, 8000, 20) }},
	}
	for _, s := range steps {
		if err := s.run(); err != nil {
			t.Errorf("%s: %v", s.name, err)
		}
	}
}

func testForwarded(t *testing.T, ka, kb Kind) {
	l := newLab(t, ka, kb, 1500)
	f := Forward(l.PortA, l.PortB)
	t.Cleanup(func() {
		if err := f.Stop(); err != nil {
			t.Errorf("forwarder: %v", err)
		}
	})
	checkConnectivity(t, l)
}

func TestForwardTAPOffload(t *testing.T)        { testForwarded(t, TAP, TAP) }
func TestForwardTAPPlain(t *testing.T)          { testForwarded(t, TAPPlain, TAPPlain) }
func TestForwardTAPOffloadToPlain(t *testing.T) { testForwarded(t, TAP, TAPPlain) }

func TestForwardAFXDP(t *testing.T)             { testForwarded(t, AFXDP, AFXDP) }
func TestForwardAFPacket(t *testing.T)          { testForwarded(t, AFPacket, AFPacket) }
func TestForwardTAPOffloadToAFXDP(t *testing.T) { testForwarded(t, TAP, AFXDP) }
