package flowtable

import (
	"sync"
	"testing"
)

// The packed counters stay exact across the moves of packet and byte
// quanta out of the live word.
func TestCountersExactAcrossQuanta(t *testing.T) {
	var c counters
	startP, startB := uint64(1<<23-3), uint64(1<<39-5000)
	c.reset(startP, startB)
	wantP, wantB := startP, startB
	for i := range 10 {
		l := uint32(1000 + i)
		c.add(l)
		wantP++
		wantB += uint64(l)
		if p, b := c.load(); p != wantP || b != wantB {
			t.Fatalf("after %d adds: %d packets %d bytes, want %d %d", i+1, p, b, wantP, wantB)
		}
	}
	// Many byte quanta: every add of 2^32-1 bytes crosses soon.
	for range 1000 {
		c.add(1<<32 - 1)
		wantP++
		wantB += 1<<32 - 1
	}
	if p, b := c.load(); p != wantP || b != wantB {
		t.Fatalf("%d packets %d bytes, want %d %d", p, b, wantP, wantB)
	}
	if c.quanta.Load()&(quantumPackets-1) < 7 {
		t.Fatalf("quanta %#x: byte quanta not moved", c.quanta.Load())
	}
}

// Concurrent adders and a reader: every read is a count that existed
// (never above the final total, never going backwards), and the total is
// exact.
func TestCountersConcurrent(t *testing.T) {
	var c counters
	c.reset(1<<23-100, 1<<39-100_000)
	const adders, each, length = 4, 5000, 1500
	var wg sync.WaitGroup
	for range adders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				c.add(length)
			}
		}()
	}
	done := make(chan struct{})
	var lastP, lastB uint64
	bad := ""
	go func() {
		defer close(done)
		for range 20000 {
			p, b := c.load()
			if p < lastP || b < lastB || b-(1<<39-100_000) != (p-(1<<23-100))*length {
				bad = "inconsistent read"
				return
			}
			lastP, lastB = p, b
		}
	}()
	wg.Wait()
	<-done
	if bad != "" {
		t.Fatal(bad)
	}
	p, b := c.load()
	if wantP := uint64(1<<23 - 100 + adders*each); p != wantP || b != 1<<39-100_000+adders*each*length {
		t.Fatalf("%d packets %d bytes, want %d packets", p, b, wantP)
	}
}
