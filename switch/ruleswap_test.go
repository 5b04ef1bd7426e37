package vswitch

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sgswitch/iface/memport"
	"sgswitch/ruleset"
)

// TestRuleSwapUnderLoad publishes two rulesets in turn while two clients
// send without pause, and checks every verdict against the generation that
// judged it (recorded by the observer):
//
//   - ruleset A allows UDP 8000 and 8001 and UDP 7000 (untracked: open
//     peer, open egress) and TCP 22 from client 1 only (tracked);
//     ruleset B allows none of them.
//   - A frame to 8000 or 8001 is accepted exactly under A generations: no
//     frame is judged by a ruleset with one of the two rules but not the
//     other, or by a mix of generations on its two sides.
//   - The untracked UDP 7000 flow is accepted exactly under A: it stops at
//     once when its rule goes and comes back with it.
//   - The tracked TCP 22 flow opened under A is accepted under every
//     generation: revoking its rule does not cut it.
func TestRuleSwapUnderLoad(t *testing.T) {
	l := newLabConfig(t, Config{FlowCapacity: 1 << 16}, ruleset.VPCConfig{})
	srv, cli := l.group("srv"), l.group("cli")
	l.egress(srv, allCIDR("0.0.0.0/0"))
	l.egress(cli, allCIDR("0.0.0.0/0"))
	s := l.node("server", srv)
	l.portCfg = memport.Config{Queue: 16} // senders wait for the switch: the load spans many swaps
	c1, c2 := l.node("client1", cli), l.node("client2", cli)
	stB := l.st.Clone()
	l.ingress(srv, permCIDR("udp", 8000, 8000, "0.0.0.0/0"), permCIDR("udp", 8001, 8001, "0.0.0.0/0"),
		permCIDR("udp", 7000, 7000, "0.0.0.0/0"), tcpCIDR(22, c1.v4.String()+"/32"))
	stA := l.st
	kindA := sync.Map{} // generation → true for A
	publish := func(st *ruleset.State, a bool) {
		snap := l.comp.Compile(st)
		kindA.Store(snap.Generation, a)
		l.must(l.sw.Publish(snap))
	}
	publish(stA, true)
	l.handshake(c1, s, 4, 40022, 22)
	l.expect(true, c1, s, udp(c1, s, 4, 47000, 7000))

	rec := &recorder{}
	l.sw.SetObserver(rec)
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error)
	go func() { ran <- l.sw.Run(ctx) }()

	// Each sender sends frames frames, and more while fewer than minSwaps
	// rule swaps have happened (a fast switch must not finish the load
	// before the swaps span it), up to maxFrames.
	const frames, minSwaps, maxFrames = 3000, 24, 300000
	var swaps, sentFrames atomic.Int64
	more := func(i int) bool { return i < frames || swaps.Load() < minSwaps && i < maxFrames }
	var load, senders sync.WaitGroup
	load.Add(3)
	senders.Add(2)
	go func() { // client 1: the tracked and the untracked flow
		defer load.Done()
		defer senders.Done()
		for i := 0; more(i); i++ {
			sentFrames.Add(1)
			f := udp(c1, s, 4, 47000, 7000)
			if i%2 == 0 {
				f = tcp(c1, s, 4, 40022, 22, ack)
			}
			for !c1.port.Inject(f) {
				runtime.Gosched()
			}
		}
	}()
	go func() { // client 2: new flows to the two paired rules
		defer load.Done()
		defer senders.Done()
		for i := 0; more(i); i++ {
			sentFrames.Add(1)
			for !c2.port.Inject(udp(c2, s, 4, uint16(20000+i%frames), 8000+uint16(i%2))) {
				runtime.Gosched()
			}
		}
	}()
	go func() { // the server's instance reads what it gets
		defer load.Done()
		for {
			if _, ok := s.port.Recv(ctx.Done()); !ok {
				return
			}
		}
	}()
	sent := make(chan struct{})
	go func() { senders.Wait(); close(sent) }()
	for i := 0; ; i++ {
		select {
		case <-sent:
		default:
			if i%2 == 0 {
				publish(stB, false)
			} else {
				publish(stA, true)
			}
			swaps.Add(1)
			runtime.Gosched()
			continue
		}
		break
	}
	// Wait until the switch has taken in every frame of both clients (their
	// rx counters are added after the batch's verdicts and events).
	giveUp := time.Now().Add(2 * time.Minute) // liveness guard, not a timing assertion
	for {
		st1, _ := l.sw.Stats(c1.eni)
		st2, _ := l.sw.Stats(c2.eni)
		if int64(st1.RxFrames+st2.RxFrames) >= sentFrames.Load() {
			break
		}
		if time.Now().After(giveUp) {
			t.Fatalf("switch took in %d of %d frames", st1.RxFrames+st2.RxFrames, sentFrames.Load())
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	<-ran
	load.Wait()

	seen := map[uint16]int{}
	gens := map[uint64]bool{}
	for _, e := range rec.events() {
		if e.ENI != s.eni || e.Direction != Ingress {
			continue
		}
		a, ok := kindA.Load(e.Generation)
		if !ok {
			t.Fatalf("event judged by unknown generation %d", e.Generation)
		}
		gens[e.Generation] = true
		accepted := e.Action == Accept
		switch e.DstPort {
		case 8000, 8001, 7000:
			if accepted != a.(bool) {
				t.Fatalf("port %d under generation %d (A=%v): %v %v", e.DstPort, e.Generation, a, e.Action, e.Reason)
			}
		case 22:
			if !accepted {
				t.Fatalf("tracked flow dropped under generation %d: %v", e.Generation, e.Reason)
			}
		}
		seen[e.DstPort]++
	}
	for _, n := range []*node{c1, c2, s} {
		if d := l.dropList(n); len(d) != 0 && n != s {
			t.Errorf("%s dropped frames on its own side: %v", n.name, d)
		}
	}
	if len(gens) < 10 {
		t.Errorf("the load saw only %d generations", len(gens))
	}
	if seen[22] == 0 || seen[7000] == 0 || seen[8000] == 0 || seen[8001] == 0 {
		t.Fatalf("ports seen: %v", seen)
	}
	t.Logf("%d frames judged under %d generations", len(rec.events()), len(gens))
}
