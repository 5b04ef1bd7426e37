package perf

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"golang.org/x/sys/unix"

	"sgswitch/ruleset"
	vswitch "sgswitch/switch"
)

// switchRig is a switch with the bench's client and server on replay ports,
// running until stop is called.
type switchRig struct {
	sw             *vswitch.Switch
	st             *ruleset.State
	comp           *ruleset.Compiler
	client, server *replayPort
	stop           func()
	done           chan struct{}
}

func newSwitchRig(nRules, flowCapacity int) (*switchRig, error) {
	st, err := BenchState(nRules)
	if err != nil {
		return nil, err
	}
	comp := ruleset.NewCompiler()
	sw := vswitch.New(vswitch.Config{FlowCapacity: flowCapacity})
	if err := sw.Publish(comp.Compile(st)); err != nil {
		return nil, err
	}
	r := &switchRig{sw: sw, st: st, comp: comp, client: newReplayPort("client"), server: newReplayPort("server"), done: make(chan struct{})}
	for name, p := range map[string]*replayPort{ClientENIName: r.client, ServerENIName: r.server} {
		id, err := st.ResolveInterface(name)
		if err != nil {
			return nil, err
		}
		if err := sw.AddPort(id, p); err != nil {
			return nil, err
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { _ = sw.Run(ctx); close(r.done) }()
	r.stop = func() { cancel(); <-r.done }
	return r, nil
}

// push has port send count frames cycling through frames and waits (at most
// 30 s) until the other port has received want more frames; it returns the
// time from the first read to the last delivery.
func push(from, to *replayPort, frames [][]byte, count int, want uint64) (time.Duration, error) {
	base := to.written.Load()
	start := time.Now()
	drained := from.load(frames, count)
	deadline := time.After(30 * time.Second)
	select {
	case <-drained:
	case <-deadline:
		return 0, fmt.Errorf("switch did not read %d frames in 30 s", count)
	}
	for to.written.Load()-base < want {
		select {
		case <-deadline:
			return 0, fmt.Errorf("only %d of %d frames came out", to.written.Load()-base, want)
		default:
			time.Sleep(50 * time.Microsecond)
		}
	}
	return time.Since(start), nil
}

// establish opens n TCP flows client→server (SYN, SYN-ACK, ACK) and returns
// the client's and the server's ACK frames of those flows in random order.
func (r *switchRig) establish(n int) (c2s, s2c [][]byte, err error) {
	var syn, synack, ack [][]byte
	for i := 0; i < n; i++ {
		sport := uint16(1024 + i)
		syn = append(syn, tcpFrame(ClientMAC, ServerMAC, ClientIPv4, ServerIPv4, sport, IperfPort, 0x02))
		synack = append(synack, tcpFrame(ServerMAC, ClientMAC, ServerIPv4, ClientIPv4, IperfPort, sport, 0x12))
		ack = append(ack, tcpFrame(ClientMAC, ServerMAC, ClientIPv4, ServerIPv4, sport, IperfPort, 0x10))
	}
	for _, step := range []struct {
		from, to *replayPort
		frames   [][]byte
	}{{r.client, r.server, syn}, {r.server, r.client, synack}, {r.client, r.server, ack}} {
		if _, err := push(step.from, step.to, step.frames, n, uint64(n)); err != nil {
			return nil, nil, fmt.Errorf("handshake: %w", err)
		}
	}
	rng := rand.New(rand.NewPCG(7, 7))
	for i := 0; i < 1<<16; i++ {
		j := rng.IntN(n)
		sport := uint16(1024 + j)
		c2s = append(c2s, ack[j])
		s2c = append(s2c, tcpFrame(ServerMAC, ClientMAC, ServerIPv4, ClientIPv4, IperfPort, sport, 0x10))
	}
	return c2s, s2c, nil
}

// switchFigures measures the switch's own pipeline in memory: established
// frames on one and two cores, new flows at each rule count, and a ruleset
// publish while established traffic flows.
func switchFigures(d time.Duration, ruleCounts []int) ([]Figure, error) {
	rig, err := newSwitchRig(10, 0) // the switch's default table size
	if err != nil {
		return nil, err
	}
	defer rig.stop()
	c2s, s2c, err := rig.establish(10000)
	if err != nil {
		return nil, err
	}
	// Calibrate, then run for about d.
	el, err := push(rig.client, rig.server, c2s, 200000, 200000)
	if err != nil {
		return nil, err
	}
	m := clampInt(int(float64(d)/(float64(el)/200000)), 200000, 20000000)
	cpu0 := processCPU()
	el, err = push(rig.client, rig.server, c2s, m, uint64(m))
	if err != nil {
		return nil, err
	}
	cpuNs := (processCPU() - cpu0) * 1e9 / float64(m)
	ns1 := float64(el.Nanoseconds()) / float64(m)
	// Two cores: both ports' receive goroutines busy at once.
	errc := make(chan error, 1)
	start := time.Now()
	go func() { _, err := push(rig.server, rig.client, s2c, m, uint64(m)); errc <- err }()
	if _, err := push(rig.client, rig.server, c2s, m, uint64(m)); err != nil {
		return nil, err
	}
	if err := <-errc; err != nil {
		return nil, err
	}
	mpps2 := float64(2*m) / time.Since(start).Seconds() / 1e6
	note := "whole switch pipeline (parse, anti-spoof, flow lookup, conntrack update, counters, forward) via in-memory replay ports; 10,000 established TCP flows in random order, 64-frame batches"
	figs := []Figure{
		{Section: "inmemory", Path: "sgswitch", Metric: MEstablishedNs, Unit: "ns/frame", Value: ns1, Note: note},
		{Section: "inmemory", Path: "sgswitch", Metric: MEstablished1Mpps, Unit: "Mpps", Value: 1e3 / ns1, Note: "1 port goroutine"},
		{Section: "inmemory", Path: "sgswitch", Metric: MEstablishedCPUNs, Unit: "CPU ns/frame", Value: cpuNs,
			Note: "process CPU time per frame during the 1-core run (includes the replay port's copy): robust to a shared machine, where wall-clock ns/frame also counts time the process waited for a core"},
		{Section: "inmemory", Path: "sgswitch", Metric: MEstablished2Mpps, Unit: "Mpps", Value: mpps2, Note: "2 port goroutines (both directions) on a shared 2-core machine"},
	}
	pub, err := rig.publishUnderLoad(c2s, d)
	if err != nil {
		return figs, err
	}
	figs = append(figs, pub...)
	for _, n := range ruleCounts {
		f, err := newFlowThroughSwitch(n, d)
		if err != nil {
			return figs, err
		}
		figs = append(figs, f)
	}
	return figs, nil
}

// publishUnderLoad publishes rulesets (one more rule each time) while the
// client sends established frames, and checks none of them is lost.
func (r *switchRig) publishUnderLoad(c2s [][]byte, d time.Duration) ([]Figure, error) {
	const frames = 2000000
	base := r.server.written.Load()
	drained := r.client.load(c2s, frames)
	srv, _ := r.st.ResolveGroup("bench-server")
	var pubs, compiles []float64
	for i := 0; i < 200; i++ {
		if _, err := r.st.AuthorizeSecurityGroupIngress(srv, []ruleset.IpPermission{FillerRule(30000 + i)}, nil); err != nil {
			return nil, err
		}
		t0 := time.Now()
		snap := r.comp.Compile(r.st)
		t1 := time.Now()
		if err := r.sw.Publish(snap); err != nil {
			return nil, err
		}
		compiles = append(compiles, float64(t1.Sub(t0).Nanoseconds())/1e3)
		pubs = append(pubs, float64(time.Since(t1).Nanoseconds())/1e3)
		select {
		case <-drained:
			i = 1 << 30 // load over: stop publishing
		default:
		}
	}
	select {
	case <-drained:
	case <-time.After(60 * time.Second):
		return nil, fmt.Errorf("publish under load: load did not finish")
	}
	deadline := time.Now().Add(5 * time.Second)
	for r.server.written.Load()-base < frames && time.Now().Before(deadline) {
		time.Sleep(100 * time.Microsecond)
	}
	lost := frames - int(r.server.written.Load()-base)
	return []Figure{
		{Section: "inmemory", Path: "sgswitch", Metric: MPublishUs, Unit: "µs", Value: median(pubs),
			Note: fmt.Sprintf("vswitch.Publish (atomic swap) during established traffic, median of %d (max %.0f µs); compile of the changed ruleset before it: median %.0f µs; tracked frames lost during the swaps: %d",
				len(pubs), maxOf(pubs), median(compiles), lost)},
	}, nil
}

// newFlowThroughSwitch sends SYNs of distinct flows through a switch whose
// server has about n ingress rules: each is a flow-table miss, two
// classifications and a conntrack insert.
func newFlowThroughSwitch(n int, d time.Duration) (Figure, error) {
	rig, err := newSwitchRig(n, 1<<20)
	if err != nil {
		return Figure{}, err
	}
	defer rig.stop()
	ports := []uint16{IperfPort, ConnPort, LatencyPort}
	var syns [][]byte
	for i := 0; i < 3*64000; i++ {
		syns = append(syns, tcpFrame(ClientMAC, ServerMAC, ClientIPv4, ServerIPv4, uint16(1024+i/3), ports[i%3], 0x02))
	}
	count := len(syns)
	if d < time.Second {
		count = 50000
	}
	el, err := push(rig.client, rig.server, syns, count, uint64(count))
	if err != nil {
		return Figure{}, err
	}
	return Figure{Section: "inmemory", Path: "sgswitch", Metric: MNewFlowNs, Rules: n, Unit: "ns/frame",
		Value: float64(el.Nanoseconds()) / float64(count),
		Note:  fmt.Sprintf("%d TCP SYNs of distinct allowed flows through the whole switch", count)}, nil
}

func clampInt(v, lo, hi int) int { return max(lo, min(hi, v)) }

// processCPU is this process's user+system CPU seconds so far.
func processCPU() float64 {
	var ru unix.Rusage
	if unix.Getrusage(unix.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
