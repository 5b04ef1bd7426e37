package perf

import (
	"context"
	"testing"
	"time"

	"sgswitch/netns"
	"sgswitch/netns/netnstest"
)

// TestSgswitchPaths wires sgswitch with each port kind between the bench
// namespaces and checks allowed traffic passes and the rest is dropped.
func TestSgswitchPaths(t *testing.T) {
	netnstest.RequireRoot(t)
	for _, kind := range []string{"tap", "afxdp"} {
		t.Run(kind, func(t *testing.T) {
			smokePath(t, SgswitchPath{Kind: kind}, kind[:1])
		})
	}
}

// smokePath builds path p in a scope of its own (netnstest.New) and checks
// that an allowed port carries round trips and an iperf3 stream, and that a
// port the groups do not allow times out (dropped silently, no RST).
func smokePath(t *testing.T, p Path, tag string) {
	t.Helper()
	s := netnstest.New(t)
	ctx := context.Background()
	topo, err := p.Setup(ctx, s, tag, benchGroups(t, 10))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := StartServers(ctx, s, topo); err != nil {
		t.Fatal(err)
	}
	lr, err := RunLatency(topo, 1000, time.Second)
	if err != nil {
		t.Fatalf("allowed port: %v", err)
	}
	ir, err := RunIperf(ctx, topo, 1, time.Second)
	if err != nil {
		t.Fatalf("iperf3: %v", err)
	}
	err = netns.Do(topo.Client.Netns, func() error {
		c, err := dialTimeout(topo, 7002, 300*time.Millisecond)
		if err == nil {
			c.Close()
		}
		return err
	})
	if err == nil || !isTimeout(err) {
		t.Errorf("disallowed port: want a timeout, got %v", err)
	}
	t.Logf("%s: rtt p50 %.1f µs, tcp %.2f Gb/s", p.Name(), lr.P50us, ir.Gbps)
}
