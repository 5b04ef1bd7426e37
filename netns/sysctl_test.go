package netns_test

import (
	"os"
	"testing"

	"sgswitch/netns"
	"sgswitch/netns/netnstest"
)

// hostForwarding reads the host's forwarding switches from this
// goroutine's thread, which is in the host namespace (Do never leaves a
// thread elsewhere).
func hostForwarding(t *testing.T) [3]string {
	t.Helper()
	var v [3]string
	for i, p := range []string{"/proc/sys/net/ipv4/ip_forward", "/proc/sys/net/ipv4/conf/all/forwarding", "/proc/sys/net/ipv6/conf/all/forwarding"} {
		b, err := os.ReadFile(p)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		v[i] = string(b)
	}
	return v
}

// Forwarding is set inside each namespace only. One namespace turns it
// on and another off, so whatever the host's value, a write that reached
// the host would change it and fail the test.
func TestSetForwardingStaysInTheNamespace(t *testing.T) {
	s := netnstest.New(t)
	before := hostForwarding(t)
	t.Cleanup(func() { restoreHost(t, before) })
	on, err := s.CreateNetns("-f1")
	if err != nil {
		t.Fatal(err)
	}
	off, err := s.CreateNetns("-f0")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		ns   string
		want bool
	}{{on, true}, {off, false}, {on, true}} {
		if err := netns.SetForwarding(c.ns, c.want); err != nil {
			t.Fatal(err)
		}
		if v4, v6, err := netns.Forwarding(c.ns); err != nil || v4 != c.want || v6 != c.want {
			t.Errorf("%s: forwarding %v %v %v, want %v", c.ns, v4, v6, err, c.want)
		}
	}
	if after := hostForwarding(t); after != before {
		t.Errorf("the host's forwarding changed: %q, was %q", after, before)
	}
}

// restoreHost puts the host's forwarding back if a broken SetForwarding
// changed it (only then: a passing run never writes to the host).
func restoreHost(t *testing.T, was [3]string) {
	if now := hostForwarding(t); now != was {
		_ = os.WriteFile("/proc/sys/net/ipv4/ip_forward", []byte(was[0]), 0)
		if was[2] != "" {
			_ = os.WriteFile("/proc/sys/net/ipv6/conf/all/forwarding", []byte(was[2]), 0)
		}
	}
}
