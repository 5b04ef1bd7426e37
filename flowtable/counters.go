package flowtable

import (
	"runtime"
	"sync/atomic"
)

// Packet and byte counters of one direction of an entry, counted with one
// locked add per packet instead of two (a locked add costs about as much
// as a key compare on the established path).
//
// The live word packs a packet count in its top 24 bits and a byte count
// in its low 40 bits; a packet adds 1<<40|length. Before either field can
// overflow, the add that crosses its half (2^23 packets or 2^39 bytes)
// moves exactly that half, a quantum, out of the live word into the
// quanta word: quanta counts byte quanta (low 26 bits) and packet quanta
// (next 30 bits), so a direction counts up to 2^53 packets and 2^65 bytes.
// Only the add that crossed a half moves it (its bit went from 0 to 1), so
// each quantum moves once; a length is below 2^32, so the live word cannot
// carry from bytes into packets before the move.
//
// Reads stay exact: a move first adds its quantum to quanta together with
// one in its moving count (top 8 bits), then takes it out of the live
// word, then drops the moving count. A reader reads quanta, live, quanta
// and retries unless both quanta reads are equal and nothing was moving.
type counters struct {
	live   atomic.Uint64
	quanta atomic.Uint64
}

const (
	liveBytesBits = 40
	livePacket    = 1 << liveBytesBits // one packet in the live word
	liveBytesMask = livePacket - 1
	livePktHalf   = 1 << 63 // 2^23 packets: a packet quantum
	liveByteHalf  = 1 << 39 // 2^39 bytes: a byte quantum

	quantumBytes   = 1       // one byte quantum in the quanta word
	quantumPackets = 1 << 26 // one packet quantum
	quantaMoving   = 1 << 56 // one move in progress
	quantaMask     = quantaMoving - 1
)

// reset sets the counters to packets and bytes (entry not yet live).
func (c *counters) reset(packets, bytes uint64) {
	c.live.Store(packets<<liveBytesBits | bytes)
	c.quanta.Store(0)
}

// add counts one packet of length bytes.
func (c *counters) add(length uint32) {
	if crossed := c.addLive(length); crossed != 0 {
		c.move(crossed)
	}
}

// addLive adds one packet of length bytes to the live word and returns
// the halves the add crossed, which the caller must move (0 nearly
// always). Split from add so that it inlines: a call in a function costs
// more than Go's inlining budget allows.
func (c *counters) addLive(length uint32) (crossed uint64) {
	d := livePacket | uint64(length)
	n := c.live.Add(d)
	return ^(n - d) & n & (livePktHalf | liveByteHalf)
}

// move takes the quanta whose halves an add crossed out of the live word.
// It runs once per 2^23 packets or 2^39 bytes: kept out of line so that
// add inlines into Update.
//
//go:noinline
func (c *counters) move(crossed uint64) {
	var q, out uint64
	if crossed&livePktHalf != 0 {
		q, out = q+quantumPackets, out+livePktHalf
	}
	if crossed&liveByteHalf != 0 {
		q, out = q+quantumBytes, out+liveByteHalf
	}
	c.quanta.Add(q + quantaMoving)
	c.live.Add(-out)
	c.quanta.Add(^uint64(quantaMoving - 1)) // minus quantaMoving
}

// load returns exact packet and byte counts.
func (c *counters) load() (packets, bytes uint64) {
	for try := 0; ; try++ {
		q1 := c.quanta.Load()
		l := c.live.Load()
		if q2 := c.quanta.Load(); q1 == q2 && q1&^quantaMask == 0 {
			pq, bq := q1/quantumPackets&(1<<30-1), q1&(quantumPackets-1)
			packets = l>>liveBytesBits + pq*(livePktHalf>>liveBytesBits)
			bytes = l&liveBytesMask + bq*liveByteHalf
			return packets, bytes
		}
		if try > 16 {
			runtime.Gosched() // a mover was preempted between its adds
		}
	}
}
