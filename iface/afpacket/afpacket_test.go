package afpacket

import (
	"errors"
	"testing"

	"sgswitch/netns"
	"sgswitch/netns/netnstest"
)

func TestMissingInterface(t *testing.T) {
	netnstest.RequireRoot(t)
	_, err := Open("sgnosuchif0", Options{})
	if !errors.Is(err, ErrNoInterface) {
		t.Fatalf("Open on a missing interface: %v, want ErrNoInterface", err)
	}
}

// TestOpenVeth opens a port on the host end of a veth of the test's own;
// its MTU is the interface's.
func TestOpenVeth(t *testing.T) {
	s := netnstest.New(t)
	ns, err := s.CreateNetns("-ns")
	if err != nil {
		t.Fatal(err)
	}
	host := s.Name("h")
	if err := netns.CreateVeth(host, netns.Interface{Netns: ns, MTU: 2000}, s.Owner); err != nil {
		t.Fatal(err)
	}
	p, err := Open(host, Options{GSO: true})
	if err != nil {
		t.Fatal(err)
	}
	if !p.GSO() || p.MTU() != 2000 {
		t.Errorf("GSO %v, MTU %d", p.GSO(), p.MTU())
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
}
