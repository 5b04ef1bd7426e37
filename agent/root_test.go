package agent

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"sgswitch/exchange"
	"sgswitch/netns"
	"sgswitch/netns/netnstest"
)

// TestResponders: responders run in the server's namespace, at most
// MaxResponders of them; stopping one frees its port, and the next
// client's handshake stops the rest (a host that reconnects starts clean).
func TestResponders(t *testing.T) {
	ns, err := netnstest.New(t).CreateNetns("a")
	if err != nil {
		t.Fatal(err)
	}
	in := exchange.Where(func(open func() error) error { return netns.Do(ns, open) })
	host, guest := net.Pipe()
	t.Cleanup(func() { host.Close(); guest.Close() })
	go func() { _ = (&Server{Where: in}).Serve(t.Context(), guest) }()
	c, err := NewClient(t.Context(), host)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	for i := range MaxResponders {
		if err := c.StartResponder(ctx, "tcp", uint16(7100+i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.StartResponder(ctx, "tcp", 7100); err != nil {
		t.Errorf("starting a running responder again: %v", err)
	}
	if err := c.StartResponder(ctx, "udp", 7099); err == nil {
		t.Errorf("responder %d: no error", MaxResponders+1)
	}
	tcp := func(port uint16) string {
		return exchange.TCP(in, netip.Addr{}, netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), port), 500*time.Millisecond)
	}
	if o := tcp(7100); o != exchange.ObservedAllow {
		t.Fatalf("tcp/7100 in the namespace: %s", o)
	}
	if err := c.StopResponder(ctx, "tcp", 7100); err != nil {
		t.Fatal(err)
	}
	if o := tcp(7100); o != exchange.ObservedRefused {
		t.Errorf("tcp/7100 after StopResponder: %s, want refused", o)
	}
	if err := c.handshake(ctx); err != nil { // what a new client does first
		t.Fatal(err)
	}
	if o := tcp(7101); o != exchange.ObservedRefused {
		t.Errorf("tcp/7101 after a new handshake: %s, want refused", o)
	}
}
