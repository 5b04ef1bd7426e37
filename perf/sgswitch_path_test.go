package perf

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"
)

// TestSgswitchPaths wires sgswitch with each port kind between the bench
// namespaces and checks allowed traffic passes and the rest is dropped.
func TestSgswitchPaths(t *testing.T) {
	needRoot(t)
	for _, kind := range []string{"tap", "afxdp"} {
		t.Run(kind, func(t *testing.T) {
			smokePath(t, SgswitchPath{Kind: kind}, "sgbs", kind[:1])
		})
	}
}

// smokePath builds path p in a lab of its own (namespace prefix
// prefix<pid>-) and checks that an allowed port carries round trips and an
// iperf3 stream, and that a port the groups do not allow times out (dropped
// silently, no RST).
func smokePath(t *testing.T, p Path, prefix, tag string) {
	t.Helper()
	ctx := context.Background()
	l := NewLab(fmt.Sprintf("%s%d-", prefix, os.Getpid()))
	t.Cleanup(l.Close)
	topo, err := p.Setup(ctx, l, tag, benchGroups(t, 10))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := StartServers(ctx, l, topo); err != nil {
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
	err = InNetns(topo.Client.Netns, func() error {
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
