package perf

import (
	"context"
	"fmt"
	"os"
	"reflect"
	"testing"
	"time"
)

func TestPortMasks(t *testing.T) {
	for _, tc := range []struct {
		from, to int
		want     []string
	}{
		{80, 80, []string{"80"}},
		{7000, 7001, []string{"7000/0xfffe"}},
		{1, 6, []string{"1", "2/0xfffe", "4/0xfffe", "6"}},
		{0, 65535, []string{"0/0"}},
		{-1, -1, []string{"0/0"}},
		{1024, 2047, []string{"1024/0xfc00"}},
	} {
		if got := portMasks(tc.from, tc.to); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("portMasks(%d, %d) = %v, want %v", tc.from, tc.to, got, tc.want)
		}
	}
}

// TestOVSPath builds the OVS userspace path and checks it forwards allowed
// traffic and drops the rest. Skips (saying why) when OVS is not installed.
func TestOVSPath(t *testing.T) {
	needRoot(t)
	if ok, why := OVSAvailable(); !ok {
		t.Skip(why)
	}
	ctx := context.Background()
	l := NewLab(fmt.Sprintf("sgbo%d-", os.Getpid()))
	t.Cleanup(l.Close)
	topo, err := OVSPath{}.Setup(ctx, l, "o", benchGroups(t, 10))
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
	t.Logf("ovs: rtt p50 %.1f µs, tcp %.2f Gb/s", lr.P50us, ir.Gbps)
}
