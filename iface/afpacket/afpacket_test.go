package afpacket

import (
	"errors"
	"os"
	"testing"
)

func TestMissingInterface(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: opens AF_PACKET sockets")
	}
	_, err := Open("sgnosuchif0", Options{})
	if !errors.Is(err, ErrNoInterface) {
		t.Fatalf("Open on a missing interface: %v, want ErrNoInterface", err)
	}
}

func TestOpenLoopback(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: opens AF_PACKET sockets")
	}
	p, err := Open("lo", Options{GSO: true})
	if err != nil {
		t.Fatal(err)
	}
	if !p.GSO() || p.MTU() != 65536 {
		t.Errorf("GSO %v, MTU %d", p.GSO(), p.MTU())
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
}
