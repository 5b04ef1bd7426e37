package vswitch

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"sgswitch/flowtable"
	"sgswitch/iface/memport"
	"sgswitch/internal/cputime"
	"sgswitch/ruleset"
)

// benchFrames preloads frames in their own buffers (frame at off), so a
// benchmark hands the worker batch after batch without copying: exactly
// what a port's Read leaves behind.
type benchFrames struct {
	bufs  [][]byte
	sizes []int
}

func newBenchFrames(frames [][]byte) *benchFrames {
	bf := &benchFrames{}
	for _, f := range frames {
		b := make([]byte, off+len(f))
		copy(b[off:], f)
		bf.bufs = append(bf.bufs, b)
		bf.sizes = append(bf.sizes, len(f))
	}
	return bf
}

// run processes n frames through w in batches of 64, cycling over bf.
func (bf *benchFrames) run(w *worker, n int) {
	const batch = 64
	total := len(bf.bufs) / batch * batch
	pos := 0
	saved, savedSizes := w.bufs, w.sizes
	for done := 0; done < n; done += batch {
		if pos >= total {
			pos = 0
		}
		w.bufs, w.sizes = bf.bufs[pos:pos+batch], bf.sizes[pos:pos+batch]
		w.process(min(batch, n-done))
		pos += batch
	}
	w.bufs, w.sizes = saved, savedSizes
}

// benchLab is a client and a server; the server's port only counts frames.
// clock nil: the lab's manual clock (l.clock).
func benchLab(b *testing.B, capacity int, clock flowtable.Clock) (*lab, *node, *node, string) {
	l := newLabConfig(b, Config{FlowCapacity: capacity, Clock: clock}, ruleset.VPCConfig{LiftQuotas: true})
	srv, cli := l.group("srv"), l.group("cli")
	l.egress(cli, allCIDR("0.0.0.0/0"))
	// Each side's allowance takes half of the table (2 x ConntrackMax
	// entries are reserved per interface): the flows benchmarked fit.
	a := ruleset.Allowances{ConntrackMax: uint64(capacity / 4)}
	c := l.nodeSpec("client", ruleset.ENISpec{Groups: []string{cli}, Allowances: a})
	l.portCfg = memport.Config{Sink: true, Queue: 1}
	s := l.nodeSpec("server", ruleset.ENISpec{Groups: []string{srv}, Allowances: a})
	return l, c, s, srv
}

func BenchmarkPipeline(b *testing.B) {
	// The switch's production clock: each batch reads a new now, so every
	// hit also refreshes its entries' last-seen time, as in production.
	sysClock := flowtable.SystemClock{}
	b.Run("established", func(b *testing.B) { benchEstablished(b, 10000, sysClock) })
	b.Run("new-flow", benchNewFlow)
	// The same with flows that fit in the caches: the floor of the path.
	b.Run("established-640-flows", func(b *testing.B) { benchEstablished(b, 640, sysClock) })
	// The same 10,000 flows with a clock that never moves (the figure
	// before the benchmark took the real clock; last-seen is never written).
	b.Run("established-frozen-clock", func(b *testing.B) { benchEstablished(b, 10000, nil) })
}

// benchEstablished: 10,000 tracked TCP flows client→server, their frames
// in random order, batches of 64; both sides' conntrack entries are hit.
func benchEstablished(b *testing.B, flows int, clock flowtable.Clock) {
	l, c, s, srv := benchLab(b, max(1<<12, 4*flows), clock) // each side reserves 2 x its allowance
	l.ingress(srv, tcpCIDR(80, "198.18.0.0/24"))
	l.publish()
	syns, acks := make([][]byte, flows), make([][]byte, flows)
	for i := range flows {
		syns[i] = tcp(c, s, 4, uint16(10000+i), 80, syn)
		acks[i] = tcp(c, s, 4, uint16(10000+i), 80, ack)
	}
	w := l.sw.ports[c.eni].worker
	newBenchFrames(syns).run(w, flows/64*64)
	// The server's SYN-ACKs, from its own worker, then the data frames.
	sw := l.sw.ports[s.eni].worker
	synAcks := make([][]byte, flows)
	for i := range flows {
		synAcks[i] = tcp(s, c, 4, 80, uint16(10000+i), synAck)
	}
	newBenchFrames(synAcks).run(sw, flows/64*64)
	rand.Shuffle(len(acks), func(i, j int) { acks[i], acks[j] = acks[j], acks[i] })
	bf := newBenchFrames(acks)
	bf.run(w, flows/64*64) // SYN_RECV → ESTABLISHED on both sides
	before, _ := l.sw.Stats(s.eni)
	if l.sw.flows.Len() < 2*(flows/64*64) {
		b.Fatalf("only %d flow entries", l.sw.flows.Len())
	}
	var cpu cputime.Meter
	b.ReportAllocs()
	b.ResetTimer()
	cpu.Start()
	bf.run(w, b.N)
	cpu.Stop()
	b.StopTimer()
	cpu.Report(b)
	after, _ := l.sw.Stats(s.eni)
	if got := after.TxFrames - before.TxFrames; got != uint64(b.N) {
		b.Fatalf("delivered %d of %d frames (drops %v %v)", got, b.N, l.dropList(c), l.dropList(s))
	}
}

// benchNewFlow: every frame is a SYN of a new connection, classified on
// both sides; the server has 1,000 inbound rules in 16 groups.
func benchNewFlow(b *testing.B) {
	l, c, s, _ := benchLab(b, 1<<18, nil)
	rng := rand.New(rand.NewPCG(1, 2))
	var groups []string
	for g := range 16 {
		id := l.group(fmt.Sprintf("rules%d", g))
		groups = append(groups, id)
		var perms []ruleset.IpPermission
		for r := range 63 {
			port := int32(1000 + g*63 + r)
			cidr := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(rng.IntN(256)), byte(rng.IntN(256)), 0}), 24).String()
			if r%4 == 0 {
				cidr = "198.18.0.0/24"
			}
			perms = append(perms, permCIDR("tcp", port, port+int32(rng.IntN(3)), cidr))
		}
		l.ingress(id, perms...)
	}
	l.must(l.st.ModifyNetworkInterfaceAttribute(s.eni, groups, nil))
	l.publish()
	if n := countRules(l.st, groups); n < 1000 {
		b.Fatalf("%d rules", n)
	}
	// Frames to the allowed ports (every 4th rule admits the client).
	const distinct = 1 << 16
	frames := make([][]byte, distinct)
	for i := range frames {
		g, r := rng.IntN(16), rng.IntN(16)*4
		frames[i] = tcp(c, s, 4, uint16(1024+i%60000), uint16(1000+g*63+r), syn)
	}
	w := l.sw.ports[c.eni].worker
	bf := newBenchFrames(frames)
	var cpu cputime.Meter
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; done += distinct / 2 {
		n := min(distinct/2, b.N-done)
		cpu.Start()
		bf.run(w, n)
		cpu.Stop()
		b.StopTimer()
		// Let every entry go idle and sweep it, so each frame is new again.
		l.clock.Advance(time.Hour)
		l.sw.flows.Expire(l.clock.Now(), l.sw.flows.Capacity())
		b.StartTimer()
	}
	b.StopTimer()
	cpu.Report(b)
	st, _ := l.sw.Stats(s.eni)
	if st.Accepts[Ingress] < uint64(b.N)*9/10 {
		b.Fatalf("only %d of %d new flows accepted (drops %v)", st.Accepts[Ingress], b.N, l.dropList(s))
	}
}

func countRules(st *ruleset.State, groups []string) int {
	rules, err := st.DescribeSecurityGroupRules(nil, []ruleset.Filter{{Name: "group-id", Values: groups}})
	if err != nil {
		return 0
	}
	return len(rules)
}

// BenchmarkRuleSwap measures a rule change going live (compile the changed
// 1,000-rule state, publish it) while another goroutine pushes frames
// through the switch.
func BenchmarkRuleSwap(b *testing.B) {
	l, c, s, srv := benchLab(b, 1<<16, nil)
	var perms []ruleset.IpPermission
	for r := range 1000 {
		perms = append(perms, permCIDR("tcp", int32(1000+r), int32(1000+r), fmt.Sprintf("10.%d.%d.0/24", r/256, r%256)))
	}
	perms = append(perms, tcpCIDR(80, "198.18.0.0/24"))
	l.ingress(srv, perms...)
	l.publish()
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error)
	go func() { ran <- l.sw.Run(ctx) }()
	var stop atomic.Bool
	traffic := make(chan struct{})
	go func() { // frames flow for as long as the benchmark runs
		defer close(traffic)
		// Bursts of one batch, paced: the traffic shares the two cores
		// with the swaps instead of starving them.
		f := tcp(c, s, 4, 40000, 80, syn)
		for i := 0; !stop.Load() && i < 1e6; i++ {
			for range 64 {
				c.port.Inject(f)
			}
			time.Sleep(20 * time.Microsecond)
		}
	}()
	// Two versions of the state that differ by one rule: each iteration
	// publishes the other one, so every swap is a real change (the
	// Compiler reuses what did not change, as it does for an API call).
	stA := l.st
	stB := stA.Clone()
	_, err := stB.AuthorizeSecurityGroupIngress(srv, []ruleset.IpPermission{permCIDR("tcp", 9999, 9999, "192.0.2.0/24")}, nil)
	l.must(err)
	// Swaps are timed only once frames flow (the traffic goroutine may
	// not have run yet, and a run of b.N=1 is over in a millisecond).
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(100 * time.Microsecond) {
		if st, _ := l.sw.Stats(s.eni); st.TxFrames > 0 {
			break
		}
		if time.Now().After(deadline) {
			b.Fatal("no frame reached the server within 5 s")
		}
	}
	before, _ := l.sw.Stats(c.eni)
	var cpu cputime.Meter
	b.ResetTimer()
	cpu.Start()
	for i := range b.N {
		st := stA
		if i%2 == 0 {
			st = stB
		}
		l.must(l.sw.Publish(l.comp.Compile(st)))
	}
	cpu.Stop()
	b.StopTimer()
	cpu.Report(b)
	st, _ := l.sw.Stats(c.eni)
	b.ReportMetric(float64(st.RxFrames-before.RxFrames)/float64(b.N), "frames/swap")
	stop.Store(true)
	<-traffic
	cancel()
	<-ran
	if st, _ := l.sw.Stats(s.eni); st.TxFrames == 0 {
		b.Fatal("no frames flowed during the swaps")
	}
}
