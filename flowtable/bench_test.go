package flowtable

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"sgswitch/internal/cputime"
)

// benchPacket returns the i-th distinct UDP flow of the benchmarks.
func benchPacket(i int) PacketInfo {
	p := PacketInfo{Zone: uint32(i % 64), Family: 4, Proto: ProtoUDP,
		SrcPort: uint16(1024 + i>>17), DstPort: 53, Length: 100}
	p.Src = [16]byte{198, 18 + byte(i>>16&1), byte(i >> 8), byte(i)}
	p.Dst = [16]byte{198, 19, 255, 1}
	return p
}

// benchTable is a table holding n flows and the flows' packets in random
// order (so that walking them visits the table in random order).
type benchTable struct {
	tb            *Table
	pkts          []PacketInfo
	bytesPerEntry float64 // heap bytes the table took, per entry
}

var (
	benchTablesMu sync.Mutex
	benchTables   = map[int]*benchTable{}
)

func getBenchTable(b *testing.B, n int) *benchTable {
	benchTablesMu.Lock()
	defer benchTablesMu.Unlock()
	if bt := benchTables[n]; bt != nil {
		return bt
	}
	for k := range benchTables { // keep one big table alive at a time
		delete(benchTables, k)
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	tb := New(Config{Capacity: n})
	pkts := make([]PacketInfo, n)
	runtime.ReadMemStats(&after)
	tableBytes := after.HeapAlloc - before.HeapAlloc - uint64(n)*uint64(pktSize)
	for i := range pkts {
		pkts[i] = benchPacket(i)
		if _, err := tb.Insert(&pkts[i], Admission{Tracked: true, Generation: 1}, 0); err != nil {
			b.Fatalf("insert %d: %v", i, err)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	rng.Shuffle(n, func(i, j int) { pkts[i], pkts[j] = pkts[j], pkts[i] })
	bt := &benchTable{tb: tb, pkts: pkts, bytesPerEntry: float64(tableBytes) / float64(n)}
	benchTables[n] = bt
	return bt
}

var pktSize = int(sizeofPacketInfo())

func sizeofPacketInfo() uintptr {
	var p [2]PacketInfo
	return uintptr(unsafeAddr(&p[1]) - unsafeAddr(&p[0]))
}

var benchSizes = []struct {
	name string
	n    int
}{{"entries=10k", 10_000}, {"entries=1M", 1_000_000}}

// BenchmarkLookupHit: one lookup per op, keys in random order.
func BenchmarkLookupHit(b *testing.B) {
	for _, s := range benchSizes {
		b.Run(s.name, func(b *testing.B) {
			bt := getBenchTable(b, s.n)
			b.ReportAllocs()
			b.ResetTimer()
			var cpu cputime.Meter
			cpu.Start()
			j, miss := 0, 0
			for range b.N {
				if _, ok := bt.tb.Lookup(&bt.pkts[j]); !ok {
					miss++
				}
				if j++; j == len(bt.pkts) {
					j = 0
				}
			}
			cpu.Stop()
			cpu.Report(b)
			b.StopTimer()
			if miss != 0 {
				b.Fatalf("%d misses", miss)
			}
			b.ReportMetric(bt.bytesPerEntry, "bytes/entry")
		})
	}
}

// BenchmarkLookupHitBatch: LookupBatch over batches of 32; ns/op is per packet.
func BenchmarkLookupHitBatch(b *testing.B) {
	const batch = 32
	for _, s := range benchSizes {
		b.Run(s.name, func(b *testing.B) {
			bt := getBenchTable(b, s.n)
			ptrs := make([]*PacketInfo, len(bt.pkts))
			for i := range ptrs {
				ptrs[i] = &bt.pkts[i]
			}
			out := make([]Flow, batch)
			b.ReportAllocs()
			b.ResetTimer()
			var cpu cputime.Meter
			cpu.Start()
			j := 0
			for i := 0; i < b.N; i += batch {
				if j+batch > len(ptrs) {
					j = 0
				}
				if n := bt.tb.LookupBatch(ptrs[j:j+batch], out); n != batch {
					b.Fatalf("hits %d", n)
				}
				j += batch
			}
			cpu.Stop()
			cpu.Report(b)
		})
	}
}

// BenchmarkLookupHitParallel: lookups from every P (run with -cpu 1,2).
func BenchmarkLookupHitParallel(b *testing.B) {
	for _, s := range benchSizes {
		b.Run(s.name, func(b *testing.B) {
			bt := getBenchTable(b, s.n)
			var seed sync.Mutex
			var cpuTotal atomic.Int64
			next := 0
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				seed.Lock()
				j := next * 7919 % len(bt.pkts)
				next++
				seed.Unlock()
				var cpu cputime.Meter
				cpu.Start()
				defer func() { cpuTotal.Add(cpu.Stop()) }()
				for pb.Next() {
					if _, ok := bt.tb.Lookup(&bt.pkts[j]); !ok {
						panic("miss")
					}
					if j++; j == len(bt.pkts) {
						j = 0
					}
				}
			})
			cputime.ReportPerOp(b, cpuTotal.Load())
		})
	}
}

// BenchmarkNewConnection: insert a SYN and complete the TCP handshake to
// ESTABLISHED (SYN-ACK and ACK through Lookup+Update). The table is
// replaced, untimed, whenever it is full.
func BenchmarkNewConnection(b *testing.B) {
	const capacity = 1 << 17
	tb := New(Config{Capacity: capacity})
	b.ReportAllocs()
	b.ResetTimer()
	var cpu cputime.Meter
	cpu.Start()
	var untimed int64
	for i := range b.N {
		if i%capacity == capacity-1 {
			b.StopTimer()
			t0 := cputime.Thread()
			tb = New(Config{Capacity: capacity})
			untimed += cputime.Thread() - t0
			b.StartTimer()
		}
		syn := benchPacket(i % capacity)
		syn.Proto, syn.TCPFlags = ProtoTCP, TCPSyn
		if _, err := tb.Insert(&syn, Admission{Tracked: true, Generation: 1}, int64(i)); err != nil {
			b.Fatal(err)
		}
		sa := reverse(syn, TCPSyn|TCPAck)
		f, ok := tb.Lookup(&sa)
		if !ok || tb.Update(f, &sa, 1, int64(i)) != Accept {
			b.Fatal("syn-ack")
		}
		syn.TCPFlags = TCPAck
		f, ok = tb.Lookup(&syn)
		if !ok || tb.Update(f, &syn, 1, int64(i)) != Accept {
			b.Fatal("ack")
		}
	}
	cputime.ReportPerOp(b, cpu.Stop()-untimed)
}

// BenchmarkUpdateEstablished: Lookup + Update of an established flow (the
// per-packet conntrack cost of the fast path), 10k flows, random order.
func BenchmarkUpdateEstablished(b *testing.B) {
	bt := getBenchTable(b, 10_000)
	b.ReportAllocs()
	b.ResetTimer()
	var cpu cputime.Meter
	cpu.Start()
	j := 0
	for i := range b.N {
		f, ok := bt.tb.Lookup(&bt.pkts[j])
		if !ok || bt.tb.Update(f, &bt.pkts[j], 1, int64(i)) != Accept {
			b.Fatal("update")
		}
		if j++; j == len(bt.pkts) {
			j = 0
		}
	}
	cpu.Stop()
	cpu.Report(b)
}

// BenchmarkAllow: the per-packet allowance charge with every bucket on.
func BenchmarkAllow(b *testing.B) {
	tb := New(Config{Capacity: 16})
	tb.ConfigureZone(0, ZoneConfig{Allowances: Allowances{PPS: 1 << 40, BandwidthInMbps: 1 << 30, LinkLocalPPS: 1 << 40}})
	b.ReportAllocs()
	for i := range b.N {
		if tb.Allow(0, Ingress, 1500, true, int64(i)*1000) != LimitNone {
			b.Fatal("limited")
		}
	}
}

func ExampleFormatConntrack() {
	tb := New(Config{Capacity: 16})
	p := PacketInfo{Zone: 0, Family: 4, Proto: ProtoUDP, Src: [16]byte{198, 18, 0, 1}, Dst: [16]byte{198, 18, 0, 2},
		SrcPort: 5000, DstPort: 53, Length: 60}
	tb.Insert(&p, Admission{Tracked: true, Generation: 1}, 0)
	for info := range tb.Entries(0) {
		fmt.Println(FormatConntrack(info, "eni-0a1b2c3d", 0))
	}
	// Output: udp      17 30 src=198.18.0.1 dst=198.18.0.2 sport=5000 dport=53 packets=1 bytes=60 [UNREPLIED] src=198.18.0.2 dst=198.18.0.1 sport=53 dport=5000 packets=0 bytes=0 mark=0 zone=eni-0a1b2c3d use=1
}

// BenchmarkRandomLineReference is no part of the table: it follows a
// random cycle through a 128 MB array, one dependent cache line read per
// op: the latency of one cache and TLB miss on this machine in this run,
// to compare LookupHit/entries=1M with.
func BenchmarkRandomLineReference(b *testing.B) {
	const lines = 128 << 20 / 64
	mem := make([]uint32, lines*16)
	perm := rand.New(rand.NewPCG(3, 4)).Perm(lines)
	for i := range lines {
		mem[perm[i]*16] = uint32(perm[(i+1)%lines])
	}
	b.ResetTimer()
	var cpu cputime.Meter
	cpu.Start()
	cur := uint32(perm[0])
	for range b.N {
		cur = mem[cur*16]
	}
	cpu.Stop()
	cpu.Report(b)
	if cur == 1<<31 {
		b.Log(cur)
	}
}

// BenchmarkEstablishedPair is the switch's conntrack work per frame: a
// batch of 64 frames of 10,000 established TCP flows, in random order,
// each looked up in its sender's and receiver's zones at once
// (LookupBatchPair, links in place after the first pass) and both entries
// updated. ns/op is per frame.
func BenchmarkEstablishedPair(b *testing.B) {
	const flows, batch = 10_000, 64
	tb := New(Config{Capacity: 4 * flows})
	pkts := make([]PacketInfo, flows)
	zones := make([]uint32, flows)
	for i := range pkts {
		p := benchPacket(i)
		p.Zone, p.Proto, p.TCPFlags = 1, ProtoTCP, TCPSyn
		in := p
		in.Zone = 2
		for _, q := range []*PacketInfo{&p, &in} {
			if _, err := tb.Insert(q, Admission{Tracked: true, Generation: 1}, 0); err != nil {
				b.Fatal(err)
			}
			sa := reverse(*q, TCPSyn|TCPAck)
			f, _ := tb.Lookup(&sa)
			tb.Update(f, &sa, 1, 0)
		}
		p.TCPFlags = TCPAck
		pkts[i], zones[i] = p, 2
	}
	rand.New(rand.NewPCG(7, 8)).Shuffle(flows, func(i, j int) { pkts[i], pkts[j] = pkts[j], pkts[i] })
	ptrs := make([]*PacketInfo, flows)
	for i := range ptrs {
		ptrs[i] = &pkts[i]
	}
	out, in := make([]Flow, batch), make([]Flow, batch)
	run := func(n int, now int64) {
		j := 0
		for i := 0; i < n; i += batch {
			if j+batch > flows {
				j = 0
			}
			if tb.LookupBatchPair(ptrs[j:j+batch], zones[j:j+batch], out, in) != 2*batch {
				b.Fatal("miss")
			}
			for k := range batch {
				p := ptrs[j+k]
				if tb.Update(out[k], p, 1, now) != Accept {
					b.Fatal("egress update")
				}
				p.Zone = 2
				if tb.Update(in[k], p, 1, now) != Accept {
					b.Fatal("ingress update")
				}
				p.Zone = 1
			}
			j += batch
		}
	}
	run(flows, 1) // ACKs: SYN_RECV -> ESTABLISHED, links made
	b.ReportAllocs()
	b.ResetTimer()
	var cpu cputime.Meter
	cpu.Start()
	run(b.N, 1)
	cpu.Stop()
	cpu.Report(b)
}
