package perf

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"time"

	"sgswitch/flowtable"
	"sgswitch/ruleset"
)

// In-memory figures exercise the public APIs in-process: the whole switch
// through replay ports (switchbench.go), and flowtable and ruleset on their
// own; no syscalls, keys in random order (an in-order walk would measure
// the prefetcher, not the table).

// Metric keys of the in-memory section.
const (
	MEstablishedNs    = "established_ns_per_frame"
	MEstablished1Mpps = "established_mpps_1core"
	MEstablished2Mpps = "established_mpps_2cores"
	MNewFlowNs        = "new_flow_ns_per_frame"
	MSetupsPerS       = "conntrack_setups_per_s"
	MBytesPerEntry    = "flowtable_bytes_per_entry_1M"
	MLookup1MNs       = "flowtable_lookup_ns_1M_flows"
	MPublishUs        = "rule_swap_publish_us"
	MClassifyNs       = "classify_ns"
	MEstablishedCPUNs = "established_cpu_ns_per_frame"
)

// InMemoryMetrics are the in-memory figures a run must report (or explain).
var InMemoryMetrics = []string{MEstablishedNs, MEstablishedCPUNs, MEstablished1Mpps, MEstablished2Mpps, MNewFlowNs, MSetupsPerS, MBytesPerEntry, MPublishUs}

func init() {
	units[MEstablishedNs] = "ns/frame"
	units[MEstablished1Mpps] = "Mpps"
	units[MEstablished2Mpps] = "Mpps"
	units[MNewFlowNs] = "ns/frame"
	units[MSetupsPerS] = "setups/s"
	units[MBytesPerEntry] = "bytes/entry"
	units[MLookup1MNs] = "ns/lookup"
	units[MPublishUs] = "µs"
	units[MClassifyNs] = "ns/classify"
	units[MEstablishedCPUNs] = "CPU ns/frame"
}

// timeLoop runs fn(n) (n operations) in growing chunks until dur has passed
// or maxOps operations ran, and returns ns per operation.
func timeLoop(dur time.Duration, maxOps int, fn func(n int)) (nsPerOp float64, ops int) {
	n := 256
	start := time.Now()
	for {
		if maxOps > 0 && ops+n > maxOps {
			n = maxOps - ops
		}
		if n <= 0 {
			break
		}
		fn(n)
		ops += n
		el := time.Since(start)
		if el >= dur || (maxOps > 0 && ops >= maxOps) {
			break
		}
		if n < 1<<16 {
			n *= 2
		}
	}
	return float64(time.Since(start).Nanoseconds()) / float64(ops), ops
}

// tcpFlow is the i-th synthetic flow from 198.18.x.y to 198.18.0.2:443 in zone.
func tcpFlow(zone uint32, i int, flags uint8) flowtable.PacketInfo {
	p := flowtable.PacketInfo{Zone: zone, Family: 4, Proto: 6, SrcPort: uint16(1024 + i%60000), DstPort: 443, TCPFlags: flags, Length: 64}
	copy(p.Src[:4], []byte{198, 18, byte(1 + (i/60000)%250), byte(i / 60000 / 250)})
	copy(p.Dst[:4], []byte{198, 18, 0, 2})
	return p
}

// randomOrder returns m indexes into [0, n) in random order.
func randomOrder(n, m int, seed uint64) []int32 {
	r := rand.New(rand.NewPCG(seed, 1))
	out := make([]int32, m)
	for i := range out {
		out[i] = int32(r.IntN(n))
	}
	return out
}

// establishedFigures: flow-table lookup + conntrack update of established
// flows (10,000 flows, random order) on 1 and 2 goroutines.
func establishedFigures(d time.Duration) ([]Figure, error) {
	const flows = 10000
	t := flowtable.New(flowtable.Config{Capacity: 1 << 15})
	pkts := make([]flowtable.PacketInfo, flows)
	for i := range pkts {
		syn := tcpFlow(0, i, flowtable.TCPSyn)
		if _, err := t.Insert(&syn, flowtable.Admission{Tracked: true, Generation: 1}, 0); err != nil {
			return nil, fmt.Errorf("insert: %w", err)
		}
		pkts[i] = tcpFlow(0, i, flowtable.TCPAck)
	}
	run := func(workers int) (float64, float64) {
		var wg sync.WaitGroup
		per := make([]int, workers)
		start := time.Now()
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				order := randomOrder(flows, 1<<16, uint64(w))
				j := 0
				_, per[w] = timeLoop(d, 0, func(n int) {
					for k := 0; k < n; k++ {
						p := &pkts[order[j&(1<<16-1)]]
						j++
						if f, ok := t.Lookup(p); ok {
							t.Update(f, p, 1, 1)
						}
					}
				})
			}(w)
		}
		wg.Wait()
		total := 0
		for _, o := range per {
			total += o
		}
		el := time.Since(start).Seconds()
		return el * 1e9 / float64(total) * float64(workers), float64(total) / el / 1e6
	}
	ns1, mpps1 := run(1)
	_, mpps2 := run(min(2, runtime.GOMAXPROCS(0)))
	note := "flowtable Lookup+Update (no parse, no port I/O), 10,000 flows, random order"
	return []Figure{
		{Section: "inmemory", Path: "flowtable", Metric: MEstablishedNs, Unit: units[MEstablishedNs], Value: ns1, Note: note},
		{Section: "inmemory", Path: "flowtable", Metric: MEstablished1Mpps, Unit: "Mpps", Value: mpps1, Note: note},
		{Section: "inmemory", Path: "flowtable", Metric: MEstablished2Mpps, Unit: "Mpps", Value: mpps2, Note: note + "; 2 goroutines on a shared 2-core machine"},
	}, nil
}

// newFlowFigures: a new flow's work without parsing — the client's egress
// classifier, the server's ingress classifier, and a conntrack insert —
// for 10, 1,000 and 10,000 rules, remote addresses and ports random.
func newFlowFigures(d time.Duration, ruleCounts []int) ([]Figure, error) {
	var figs []Figure
	for _, n := range ruleCounts {
		st, err := BenchState(n)
		if err != nil {
			return nil, err
		}
		snap := ruleset.NewCompiler().Compile(st)
		cli, srv := ifaceByName(snap, ClientENIName), ifaceByName(snap, ServerENIName)
		if cli == nil || srv == nil {
			return nil, fmt.Errorf("bench interfaces missing from the snapshot")
		}
		const maxOps = 1 << 18
		t := flowtable.New(flowtable.Config{Capacity: maxOps + 1024})
		prefault(t, srv.Index, maxOps)
		r := rand.New(rand.NewPCG(uint64(n), 2))
		ports := []uint16{IperfPort, ConnPort, LatencyPort, 10000 + uint16(r.IntN(1000))}
		i := 0
		ns, _ := timeLoop(d, maxOps, func(k int) {
			for ; k > 0; k-- {
				p := tcpFlow(srv.Index, i, flowtable.TCPSyn)
				p.Src[2], p.Src[3] = 0, byte(10+i%200) // clients inside the subnet
				p.SrcPort = uint16(1024 + (i/200)%60000)
				p.DstPort = ports[i&3]
				i++
				var out, in ruleset.Query
				out.Family, out.Proto, out.Port = 4, 6, p.DstPort
				copy(out.Remote[:4], p.Dst[:4])
				in = out
				copy(in.Remote[:4], p.Src[:4])
				if v := cli.Out.Classify(&out); v.Allowed {
					if v := srv.In.Classify(&in); v.Allowed {
						_, _ = t.Insert(&p, flowtable.Admission{Tracked: v.Tracked, Generation: snap.Generation, Rule: uint32(v.Rule)}, 1)
					}
				}
			}
		})
		var q ruleset.Query
		q.Family, q.Proto = 4, 6
		j := 0
		cns, _ := timeLoop(d/2, 0, func(k int) {
			for ; k > 0; k-- {
				q.Port = ports[j&3]
				q.Remote[3] = byte(10 + j%200)
				q.Remote[0], q.Remote[1] = 198, 18
				j++
				srv.In.Classify(&q)
			}
		})
		figs = append(figs,
			Figure{Section: "inmemory", Path: "ruleset+flowtable", Metric: MNewFlowNs, Rules: n, Unit: "ns/frame", Value: ns,
				Note: "egress classify + ingress classify + conntrack insert into a warmed table, no parse; 3/4 of flows allowed"},
			Figure{Section: "inmemory", Path: "ruleset", Metric: MClassifyNs, Rules: n, Unit: "ns/classify", Value: cns,
				Note: "one ingress Classify of the server's groups"})
	}
	return figs, nil
}

// prefault inserts and deletes n flows so the table's pages are touched
// before timing (a steady-state table, not first-touch page faults).
func prefault(t *flowtable.Table, zone uint32, n int) {
	for i := 0; i < n; i++ {
		p := tcpFlow(zone, i+(1<<22), flowtable.TCPSyn)
		if f, err := t.Insert(&p, flowtable.Admission{Tracked: true, Generation: 1}, 1); err == nil {
			t.Delete(f)
		}
	}
}

func ifaceByName(s *ruleset.Snapshot, name string) *ruleset.CompiledInterface {
	for _, c := range s.Interfaces() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// tableFigures: conntrack setups/s, then bytes per entry and random lookups
// with 1,000,000 flows in the table.
func tableFigures(d time.Duration) []Figure {
	const flows = 1000000
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	t := flowtable.New(flowtable.Config{Capacity: flows})
	runtime.ReadMemStats(&m1)
	prefault(t, 1, flows)
	start := time.Now()
	inserted := 0
	for i := 0; i < flows; i++ {
		p := tcpFlow(0, i, flowtable.TCPSyn)
		if _, err := t.Insert(&p, flowtable.Admission{Tracked: true, Generation: 1}, 1); err == nil {
			inserted++
		}
	}
	setups := float64(inserted) / time.Since(start).Seconds()
	heap := float64(m1.HeapAlloc) - float64(m0.HeapAlloc)
	pkts := make([]flowtable.PacketInfo, 1<<16)
	order := randomOrder(flows, len(pkts), 3)
	for i := range pkts {
		pkts[i] = tcpFlow(0, int(order[i]), flowtable.TCPAck)
	}
	j := 0
	ns, _ := timeLoop(d, 0, func(n int) {
		for ; n > 0; n-- {
			t.Lookup(&pkts[j&(len(pkts)-1)])
			j++
		}
	})
	return []Figure{
		{Section: "inmemory", Path: "flowtable", Metric: MSetupsPerS, Unit: units[MSetupsPerS], Value: setups,
			Note: fmt.Sprintf("1 goroutine, %d tracked TCP SYN inserts into an empty, warmed 1M table", inserted)},
		{Section: "inmemory", Path: "flowtable", Metric: MBytesPerEntry, Unit: units[MBytesPerEntry], Value: float64(t.MemoryBytes()) / flows,
			Note: fmt.Sprintf("MemoryBytes()/1M; heap growth at New: %.0f bytes/entry", heap/flows)},
		{Section: "inmemory", Path: "flowtable", Metric: MLookup1MNs, Unit: units[MLookup1MNs], Value: ns,
			Note: "random order, 1 goroutine, 1M flows (cache and TLB misses)"},
	}
}

// InMemory measures every in-memory figure it can; the switch-level ones
// come from SwitchBench when registered (the switch package is optional to
// this file so the harness builds without it).
func InMemory(ctx context.Context, quick bool, progress func(string, ...any)) ([]Figure, []NotMeasured) {
	d := time.Second
	if quick {
		d = 200 * time.Millisecond
	}
	var figs []Figure
	var nm []NotMeasured
	add := func(name string, f []Figure, err error) {
		if err != nil {
			nm = append(nm, NotMeasured{Section: "inmemory", Path: name, Reason: err.Error()})
			progress("in memory: %s failed: %v", name, err)
			return
		}
		for _, x := range f {
			progress("in memory: %-18s %-32s %10s %s", x.Path, x.Metric+ruleSuffix(x.Rules), num(x.Value), x.Unit)
		}
		figs = append(figs, f...)
	}
	f, err := switchFigures(d, []int{10, 1000, 10000})
	add("switch", f, err)
	if ctx.Err() == nil {
		f, err = establishedFigures(d)
		add("established", f, err)
	}
	if ctx.Err() == nil {
		f, err = newFlowFigures(d, []int{10, 1000, 10000})
		add("new flow", f, err)
	}
	if ctx.Err() == nil {
		add("flow table", tableFigures(d), nil)
	}
	if ctx.Err() == nil {
		f, err = publishFigures(d)
		add("rule swap", f, err)
	}
	return figs, nm
}

func ruleSuffix(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(" (%d rules)", n)
}

// publishFigures: compiling a changed 1,000-rule ruleset and swapping the
// snapshot pointer while another goroutine classifies and looks up flows
// (the load). The figure is compile + publish, which is what a rule change
// waits for; the switch-level figure (switchbench.go) times Publish alone.
func publishFigures(d time.Duration) ([]Figure, error) {
	st, err := BenchState(1000)
	if err != nil {
		return nil, err
	}
	c := ruleset.NewCompiler()
	var cur atomicSnapshot
	cur.Store(c.Compile(st))
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // load: classify on whatever snapshot is current
		defer wg.Done()
		var q ruleset.Query
		q.Family, q.Proto, q.Port = 4, 6, IperfPort
		copy(q.Remote[:4], ClientIPv4.AsSlice())
		for {
			select {
			case <-stop:
				return
			default:
			}
			for i := 0; i < 1000; i++ {
				if s := ifaceByName(cur.Load(), ServerENIName); s != nil {
					s.In.Classify(&q)
				}
			}
		}
	}()
	srv, _ := st.ResolveGroup("bench-server")
	var lat []float64
	deadline := time.Now().Add(d)
	for i := 0; time.Now().Before(deadline) && i < 1000; i++ {
		perm := FillerRule(20000 + i)
		t0 := time.Now()
		if _, err := st.AuthorizeSecurityGroupIngress(srv, []ruleset.IpPermission{perm}, nil); err != nil {
			close(stop)
			wg.Wait()
			return nil, err
		}
		cur.Store(c.Compile(st))
		lat = append(lat, float64(time.Since(t0).Nanoseconds())/1e3)
	}
	close(stop)
	wg.Wait()
	return []Figure{{Section: "inmemory", Path: "ruleset", Metric: MPublishUs, Rules: 1000, Unit: units[MPublishUs], Value: median(lat), Samples: nil,
		Note: fmt.Sprintf("authorize one rule + Compile + atomic swap, 1,000-rule group, under classify load; median of %d, max %.0f µs", len(lat), maxOf(lat))}}, nil
}

func maxOf(v []float64) float64 {
	m := 0.0
	for _, x := range v {
		m = max(m, x)
	}
	return m
}
