package exchange_test

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"syscall"
	"testing"
	"time"

	"sgswitch/exchange"
	"sgswitch/netns"
	"sgswitch/netns/netnstest"
)

func TestClassify(t *testing.T) {
	for err, want := range map[error]string{
		syscall.ECONNREFUSED:                        exchange.ObservedRefused,
		syscall.ECONNRESET:                          exchange.ObservedRefused,
		syscall.EHOSTUNREACH:                        exchange.ObservedUnreachable,
		fmt.Errorf("dial: %w", syscall.ENETUNREACH): exchange.ObservedUnreachable,
		os.ErrDeadlineExceeded:                      exchange.ObservedTimeout,
		context.DeadlineExceeded:                    exchange.ObservedTimeout,
		syscall.EPERM:                               exchange.ObservedError,
	} {
		if got := exchange.Classify(err); got != want {
			t.Errorf("Classify(%v) = %s, want %s", err, got, want)
		}
	}
	if got := exchange.Run(exchange.Here, "sctp", netip.Addr{}, netip.MustParseAddrPort("127.0.0.1:9"), time.Second); got != exchange.ObservedError {
		t.Errorf("Run(sctp) = %s, want error", got)
	}
	if _, err := exchange.Listen(exchange.Here, "icmp", 9); err == nil {
		t.Error("Listen(icmp): no error")
	}
}

// TestExchangesOnLoopback runs every exchange against responders in a
// namespace of the test's own, over its loopback, both families.
func TestExchangesOnLoopback(t *testing.T) {
	ns, err := netnstest.New(t).CreateNetns("x")
	if err != nil {
		t.Fatal(err)
	}
	in := exchange.Where(func(open func() error) error { return netns.Do(ns, open) })
	for _, proto := range []string{"tcp", "udp"} {
		r, err := exchange.Listen(in, proto, 7001)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
	}
	const timeout = 500 * time.Millisecond
	for _, dst := range []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.IPv6Loopback()} {
		for _, c := range []struct {
			proto string
			port  uint16
			want  string
		}{
			{"tcp", 7001, exchange.ObservedAllow},
			{"udp", 7001, exchange.ObservedAllow},
			{"icmp", 0, exchange.ObservedAllow},
			{"tcp", 7002, exchange.ObservedRefused}, // nothing listens: RST
			{"udp", 7002, exchange.ObservedRefused}, // ICMP port unreachable
		} {
			if got := exchange.Run(in, c.proto, dst, netip.AddrPortFrom(dst, c.port), timeout); got != c.want {
				t.Errorf("%s to %s port %d: %s, want %s", c.proto, dst, c.port, got, c.want)
			}
		}
	}
}
