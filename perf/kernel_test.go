package perf

import (
	"context"
	"fmt"
	"testing"
	"time"

	"sgswitch/netns"
	"sgswitch/netns/netnstest"
	"sgswitch/nftexport"
)

// TestKernelPathGenerators builds the kernel baseline and runs every
// generator briefly; it checks each produced a figure, never how fast.
func TestKernelPathGenerators(t *testing.T) {
	s := netnstest.New(t)
	ctx := context.Background()
	topo, err := KernelPath{}.Setup(ctx, s, "k", benchGroups(t, 10))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := StartServers(ctx, s, topo); err != nil {
		t.Fatal(err)
	}
	ir, err := RunIperf(ctx, topo, 1, time.Second)
	if err != nil || ir.Gbps <= 0 {
		t.Fatalf("iperf3: %+v %v", ir, err)
	}
	ur, err := RunUDP(topo, 500*time.Millisecond)
	if err != nil || ur.Delivered == 0 {
		t.Fatalf("udp: %+v %v", ur, err)
	}
	cr, err := RunConnRate(topo, 4, 500*time.Millisecond)
	if err != nil {
		t.Fatalf("conn/s: %+v %v", cr, err)
	}
	lr, err := RunLatency(topo, 2000, 500*time.Millisecond)
	if err != nil {
		t.Fatalf("latency: %v", err)
	}
	t.Logf("tcp %.2f Gb/s, udp offered %.0f delivered %.0f pps, %.0f conn/s (%d errors), rtt p50 %.1fus p99 %.1fus",
		ir.Gbps, ur.OfferedPPS, ur.DeliveredPPS, cr.PerSecond, cr.Errors, lr.P50us, lr.P99us)
}

// TestKernelPathEnforces checks the nftables baseline really filters: a port
// the groups do not allow gets no connection.
func TestKernelPathEnforces(t *testing.T) {
	s := netnstest.New(t)
	ctx := context.Background()
	g := benchGroups(t, 10)
	for _, form := range []nftexport.Form{nftexport.FormSets, nftexport.FormLinear} {
		topo, err := KernelPath{Form: form}.Setup(ctx, s, fmt.Sprintf("f%d", form), g)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := StartServers(ctx, s, topo); err != nil {
			t.Fatal(err)
		}
		if _, err := RunLatency(topo, 10, time.Second); err != nil {
			t.Errorf("form %d: allowed port refused: %v", form, err)
		}
		// Port 7002 has a listener-less RST in the open world; here the SYN must be dropped.
		err = netns.Do(topo.Client.Netns, func() error {
			c, err := dialTimeout(topo, 7002, 300*time.Millisecond)
			if err == nil {
				c.Close()
			}
			return err
		})
		if err == nil || !isTimeout(err) {
			t.Errorf("form %d: disallowed port: want a timeout (dropped SYN), got %v", form, err)
		}
	}
}

func benchGroups(t *testing.T, n int) *Groups {
	t.Helper()
	g, err := BenchGroups(n)
	if err != nil {
		t.Fatal(err)
	}
	return g
}
