package flowtable

import "sync/atomic"

// Entry is one flow in the table: 128 bytes, two cache lines. A lookup
// reads only the first line (sequence, chain link, bucket, key, state
// word); a packet update also writes the second (last seen, counters).
//
// Every field is atomic because readers never lock: seq is a seqlock word
// that is even while the entry is free or being rewritten (live reports
// it) and changes each time the entry is reused, so a reader that raced
// with a writer notices. Free being even makes the all-zero Entry a free
// one: New leaves the slab as the allocator returns it (zeroed memory the
// kernel has not even mapped yet) instead of writing every slot, which
// took about 200 ms for the default table of 1<<18 entries (48 MB), on
// the way of every daemon start.
type Entry struct {
	seq   atomic.Uint32
	next  atomic.Uint32 // index+1 of the next entry in the bucket chain; 0 ends it
	key   [keyWords]atomic.Uint64
	state atomic.Uint32 // stateBits: State | tracked | origin side
	// bucket, in an overflow entry, is the chain the entry is on. A reader
	// that followed a link to an entry that was meanwhile deleted and
	// reused on another chain sees a different bucket and restarts instead
	// of walking the wrong chain. Home slots do not use it.
	bucket atomic.Uint32

	lastSeen atomic.Int64
	gen      atomic.Uint64 // ruleset generation that admitted (or re-admitted) the flow
	counts   [2]counters   // packets and bytes per direction (counters.go)
	// peer is a hint: index+1 of the entry of the same packets in the
	// other zone they were last looked up in together (LookupBatchPair,
	// link.go); 0 for none. Readers verify it like any slot.
	peer atomic.Uint32
	rule atomic.Uint32 // rule reference that admitted the flow
	// nacl caches the network ACL verdicts of the flow's packets for the
	// switch (nacl.go): in the second line, which a packet's Update
	// writes anyway.
	nacl atomic.Uint64
}

// Bits of Entry.state besides the State in its low byte.
const (
	stateMask    = 0xff
	bitTracked   = 1 << 8
	bitOriginIsA = 1 << 9 // the side that opened the flow is key side A
)

func packState(s State, tracked, originIsA bool) uint32 {
	w := uint32(s)
	if tracked {
		w |= bitTracked
	}
	if originIsA {
		w |= bitOriginIsA
	}
	return w
}

// EntryInfo is a consistent copy of an entry, for listings.
type EntryInfo struct {
	Key        Key
	State      State
	Class      Class
	Tracked    bool
	OriginIsA  bool  // the flow was opened by key side A
	LastSeen   int64 // clock reading of the last accepted packet
	Timeout    int64 // idle timeout of Class in this zone, ns
	Generation uint64
	Rule       uint32
	Packets    [2]uint64 // [0] original direction, [1] reply direction
	Bytes      [2]uint64
}

// Expires returns the clock reading at which the entry stops admitting
// packets unless one arrives first.
func (i *EntryInfo) Expires() int64 { return i.LastSeen + i.Timeout }

// Origin returns the (address, port) of the side that opened the flow and
// of the side that answered. For ICMP the ports are the id and request type.
func (i *EntryInfo) Origin() (src, dst [16]byte, sport, dport uint16) {
	a, b := i.Key.Addrs()
	pa, pb := i.Key.Ports()
	if i.OriginIsA {
		return a, b, pa, pb
	}
	p := i.Key.Proto()
	if p == ProtoICMP || p == ProtoICMPv6 {
		return b, a, pa, pb
	}
	return b, a, pb, pa
}

// live reports whether seq, an entry's sequence number, is that of a live
// entry (odd); a free entry, or one being written, has an even one.
func live(seq uint32) bool { return seq&1 != 0 }

// snapshot copies e if it is live and unchanged while copied.
func (e *Entry) snapshot() (info EntryInfo, ok bool) {
	s1 := e.seq.Load()
	if !live(s1) {
		return info, false
	}
	for i := range info.Key {
		info.Key[i] = e.key[i].Load()
	}
	w := e.state.Load()
	info.State = State(w & stateMask)
	info.Class = info.State.Class()
	info.Tracked = w&bitTracked != 0
	info.OriginIsA = w&bitOriginIsA != 0
	info.LastSeen = e.lastSeen.Load()
	info.Generation = e.gen.Load()
	info.Rule = e.rule.Load()
	for d := range 2 {
		info.Packets[d], info.Bytes[d] = e.counts[d].load()
	}
	return info, e.seq.Load() == s1
}

// holds reports whether e is live and holds key k, read consistently: its
// sequence (to carry in a Flow) and state word then. A slot that changes
// while it is read cannot be holding k (an entry's slot only changes when
// the entry is deleted), so it simply does not match.
func (e *Entry) holds(k *Key) (seq, w uint32, ok bool) {
	s1 := e.seq.Load()
	if !live(s1) || !e.keyEquals(k) {
		return 0, 0, false
	}
	w = e.state.Load()
	return s1, w, e.seq.Load() == s1
}

// keyEquals compares the entry's key with k: all six words at once, with
// no branch per word (a tag already matched, so the key nearly always
// equals, and a short-circuit would only add branches).
func (e *Entry) keyEquals(k *Key) bool {
	return (e.key[0].Load()^k[0])|(e.key[1].Load()^k[1])|(e.key[2].Load()^k[2])|
		(e.key[3].Load()^k[3])|(e.key[4].Load()^k[4])|(e.key[5].Load()^k[5]) == 0
}

func (e *Entry) loadKey() (k Key) {
	for i := range k {
		k[i] = e.key[i].Load()
	}
	return k
}

// An Entry is two cache lines exactly (a compile error otherwise).
const _ = uint(128-entrySize) + uint(entrySize-128)
