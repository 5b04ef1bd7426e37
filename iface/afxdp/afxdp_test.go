package afxdp_test

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"sgswitch/iface"
	"sgswitch/iface/afxdp"
	"sgswitch/netns"
	"sgswitch/netns/netnstest"
)

// veth makes a namespace of the test's own scope with a veth into it and
// returns the host end; netnstest removes both when the test ends.
func veth(t *testing.T) string {
	t.Helper()
	s := netnstest.New(t)
	ns, err := s.CreateNetns("-ns")
	if err != nil {
		t.Fatal(err)
	}
	host := s.Name("h")
	if err := netns.CreateVeth(host, netns.Interface{Netns: ns, IPv4: netip.MustParsePrefix("198.18.0.11/24")}, s.Owner); err != nil {
		t.Fatal(err)
	}
	return host
}

func TestNativeModeOnVeth(t *testing.T) {
	p, err := afxdp.Open(veth(t), afxdp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if p.Mode() != afxdp.Native {
		t.Errorf("mode %v: %s", p.Mode(), p.ModeReason())
	}
	if _, err := p.Stats(); err != nil {
		t.Errorf("XDP_STATISTICS: %v", err)
	}
}

func TestGenericMode(t *testing.T) {
	p, err := afxdp.Open(veth(t), afxdp.Options{Mode: afxdp.Generic})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if p.Mode() != afxdp.Generic {
		t.Errorf("mode %v", p.Mode())
	}
}

// TestZeroCopyUnavailableOnVeth records the kernel's answer: veth has no
// zero-copy AF_XDP, so the port uses copy mode.
func TestZeroCopyUnavailableOnVeth(t *testing.T) {
	err := afxdp.ProbeZeroCopy(veth(t))
	if err == nil {
		t.Log("zero-copy AF_XDP bind succeeded on veth (newer kernel)")
		return
	}
	if !errors.Is(err, unix.EOPNOTSUPP) && !errors.Is(err, unix.EINVAL) {
		t.Errorf("zero-copy probe: %v", err)
	}
	t.Logf("zero-copy on veth: %v", err)
}

func TestCloseWakesRead(t *testing.T) {
	p, err := afxdp.Open(veth(t), afxdp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		bufs := [][]byte{make([]byte, iface.Headroom+4096)}
		for { // the namespace end may send IPv6 link-local chatter first
			if _, err := p.Read(bufs, make([]int, 1), iface.Headroom); err != nil {
				errc <- err
				return
			}
		}
	}()
	time.Sleep(50 * time.Millisecond) // let Read park (not a timing assertion)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; !errors.Is(err, iface.ErrClosed) {
		t.Errorf("Read after Close: %v", err)
	}
}

func TestMTUAboveNativeLimitRefused(t *testing.T) {
	if _, err := afxdp.Open(veth(t), afxdp.Options{MTU: 3507}); err == nil {
		t.Error("MTU 3507 accepted")
	}
}
