package flowtable

import (
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
)

// TestConcurrentReadersWritersExpiry runs lookups and updates of stable
// flows against concurrent inserts, deletes, expiry, listing and
// allowance charges. Stable flows must never be missed: a lookup that
// misses a live entry would re-judge a tracked flow by the current rules.
func TestConcurrentReadersWritersExpiry(t *testing.T) {
	const (
		stable = 200
		churn  = 2000
		ops    = 20000
	)
	tb := New(Config{Capacity: 1024, Shards: 8, MaxZones: 4})
	clk := NewManualClock(0)
	// Each stable flow lives in its sender's zone and, as a frame between
	// two interfaces does, in a receiver's zone (the next one), so that
	// pair lookups follow and verify links while the table churns.
	var stableFlows []PacketInfo
	receiver := func(z uint32) uint32 { return (z + 1) % 4 }
	for i := range stable {
		syn := tcp(uint32(i%4), "198.18.0.1", uint16(10000+i), "198.18.0.2", 443, TCPSyn)
		for _, z := range []uint32{syn.Zone, receiver(syn.Zone)} {
			syn.Zone = z
			mustInsert(t, tb, syn, tracked, 0)
			if r, _ := send(tb, reverse(syn, TCPSyn|TCPAck), 1, 0); r != Accept {
				t.Fatal(r)
			}
			ack := syn
			ack.TCPFlags = TCPAck
			if r, _ := send(tb, ack, 1, 0); r != Accept {
				t.Fatal(r)
			}
		}
		syn.Zone = uint32(i % 4)
		syn.TCPFlags = TCPAck
		stableFlows = append(stableFlows, syn)
	}
	var wg sync.WaitGroup
	var failures atomic.Int64
	fail := func(format string, args ...any) {
		if failures.Add(1) < 5 {
			t.Errorf(format, args...)
		}
	}
	for r := range 2 { // readers
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(r), 1))
			batch := make([]*PacketInfo, 16)
			out := make([]Flow, 16)
			for i := range ops {
				p := stableFlows[rng.IntN(stable)]
				if rng.IntN(2) == 0 {
					p = reverse(p, TCPAck)
				}
				f, ok := tb.Lookup(&p)
				if !ok {
					fail("stable flow missed: %+v", p)
					continue
				}
				if res := tb.Update(f, &p, 1, clk.Now()); res != Accept {
					fail("stable flow update: %v", res)
				}
				if i%64 == 0 {
					for j := range batch {
						batch[j] = &stableFlows[rng.IntN(stable)]
					}
					if n := tb.LookupBatch(batch, out); n != len(batch) {
						fail("batch found %d of %d", n, len(batch))
					}
				}
			}
		})
	}
	wg.Go(func() { // pair reader: both zones of stable flows, through links
		rng := rand.New(rand.NewPCG(7, 7))
		ps, zones := make([]*PacketInfo, 16), make([]uint32, 16)
		own, other := make([]Flow, 16), make([]Flow, 16)
		for range ops / 16 {
			for j := range ps {
				ps[j] = &stableFlows[rng.IntN(stable)]
				zones[j] = receiver(ps[j].Zone)
			}
			if n := tb.LookupBatchPair(ps, zones, own, other); n != 2*len(ps) {
				fail("pair lookup found %d of %d", n, 2*len(ps))
			}
			for j := range ps {
				if own[j].Entry == other[j].Entry || own[j].Reply || other[j].Reply {
					fail("pair lookup %d: own %+v other %+v", j, own[j], other[j])
				}
			}
		}
	})
	wg.Go(func() { // writer: churn of UDP flows
		rng := rand.New(rand.NewPCG(9, 9))
		for range ops {
			p := udp(uint32(rng.IntN(4)), "198.18.2.1", uint16(rng.IntN(churn)), "198.18.2.2", 53)
			if rng.IntN(3) == 0 {
				if f, ok := tb.Lookup(&p); ok {
					tb.Delete(f)
				}
				continue
			}
			_, err := tb.Insert(&p, Admission{Tracked: rng.IntN(2) == 0, Generation: 1}, clk.Now())
			if err != nil && !errors.Is(err, ErrTableFull) && !errors.Is(err, ErrZoneFull) {
				fail("insert: %v", err)
			}
		}
	})
	wg.Go(func() { // expiry, with the clock moving past the UDP timeout
		for i := range ops / 10 {
			if i%100 == 0 {
				clk.Advance(31 * 1e9)
			}
			tb.Expire(clk.Now(), 64)
		}
	})
	wg.Go(func() { // listing and allowances
		for i := range 50 {
			for info := range tb.Entries(clk.Now()) {
				_ = FormatConntrack(info, "eni", clk.Now())
			}
			for range 200 {
				tb.Allow(uint32(i%4), Egress, 100, i%2 == 0, clk.Now())
			}
			_ = tb.ZoneStats(uint32(i % 4))
		}
	})
	wg.Wait()
	var entries, trackedN uint64
	for z := range uint32(4) {
		st := tb.ZoneStats(z)
		entries += st.Entries
		trackedN += st.Tracked
	}
	live := 0
	for info := range tb.Entries(0) { // now=0: nothing counts as idle
		live++
		if info.Tracked {
			trackedN--
		}
	}
	if entries != uint64(tb.Len()) || live != tb.Len() || trackedN != 0 {
		t.Fatalf("counts disagree: zones %d, len %d, listed %d, tracked left %d", entries, tb.Len(), live, trackedN)
	}
}
