package perf

import (
	"fmt"
	"net"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"sgswitch/netns"
)

// ConnResult is one new-connections run.
type ConnResult struct {
	PerSecond float64
	Conns     uint64
	Errors    uint64
}

// RunConnRate opens and closes TCP connections to the server's acceptor from
// workers goroutines for dur. Each worker's thread lives in the client's
// namespace; connections are closed with RST (SO_LINGER 0) so the client
// never runs out of ports to TIME_WAIT. Every dial is bounded by a timeout.
func RunConnRate(t Topology, workers int, dur time.Duration) (ConnResult, error) {
	var conns, errs atomic.Uint64
	var wg sync.WaitGroup
	deadline := time.Now().Add(dur)
	target := addrPort(t.Server.IPv4, ConnPort)
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		err := netns.Go(t.Client.Netns, func() {
			defer wg.Done()
			d := net.Dialer{Timeout: time.Second}
			for time.Now().Before(deadline) {
				c, err := d.Dial("tcp4", target)
				if err != nil {
					errs.Add(1)
					continue
				}
				_ = c.(*net.TCPConn).SetLinger(0)
				c.Close()
				conns.Add(1)
			}
		})
		if err != nil {
			wg.Done()
			return ConnResult{}, err
		}
	}
	wg.Wait()
	el := time.Since(start).Seconds()
	r := ConnResult{PerSecond: float64(conns.Load()) / el, Conns: conns.Load(), Errors: errs.Load()}
	if r.Conns == 0 {
		return r, fmt.Errorf("no connection succeeded (%d errors)", r.Errors)
	}
	return r, nil
}

// LatencyResult is a ping-pong run's round-trip times.
type LatencyResult struct {
	P50us, P99us float64
	Samples      int
}

// RunLatency sends one byte and waits for its echo over one TCP connection,
// up to maxSamples times or for dur, and reports the round-trip percentiles
// (TCP_RR-like: it measures the path's added latency, not throughput).
func RunLatency(t Topology, maxSamples int, dur time.Duration) (LatencyResult, error) {
	var c net.Conn
	err := netns.Do(t.Client.Netns, func() error {
		var err error
		c, err = net.DialTimeout("tcp4", addrPort(t.Server.IPv4, LatencyPort), 2*time.Second)
		return err
	})
	if err != nil {
		return LatencyResult{}, err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(dur + 2*time.Second))
	rtts := make([]time.Duration, 0, maxSamples)
	buf := []byte{1}
	deadline := time.Now().Add(dur)
	for len(rtts) < maxSamples && time.Now().Before(deadline) {
		t0 := time.Now()
		if _, err := c.Write(buf); err != nil {
			return LatencyResult{}, err
		}
		if _, err := c.Read(buf); err != nil {
			return LatencyResult{}, err
		}
		rtts = append(rtts, time.Since(t0))
	}
	if len(rtts) == 0 {
		return LatencyResult{}, fmt.Errorf("no round trip completed")
	}
	sort.Slice(rtts, func(i, j int) bool { return rtts[i] < rtts[j] })
	pct := func(p float64) float64 { return float64(rtts[int(p*float64(len(rtts)-1))].Nanoseconds()) / 1e3 }
	return LatencyResult{P50us: pct(0.50), P99us: pct(0.99), Samples: len(rtts)}, nil
}

func dialTimeout(t Topology, port uint16, d time.Duration) (net.Conn, error) {
	return net.DialTimeout("tcp4", addrPort(t.Server.IPv4, port), d)
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}
