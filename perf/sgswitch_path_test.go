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
			ctx := context.Background()
			l := NewLab(fmt.Sprintf("sgbs%d-", os.Getpid()))
			t.Cleanup(l.Close)
			topo, err := SgswitchPath{Kind: kind}.Setup(ctx, l, kind[:1], benchGroups(t, 10))
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
			t.Logf("%s: rtt p50 %.1f µs, tcp %.2f Gb/s", kind, lr.P50us, ir.Gbps)
		})
	}
}
