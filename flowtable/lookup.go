package flowtable

import "unsafe"

const (
	entrySize = int(unsafe.Sizeof(Entry{}))
	zoneSize  = int(unsafe.Sizeof(zone{}))
	shardSize = int(unsafe.Sizeof(shard{}))
	// lockFreeTries bounds how often a lookup restarts after racing with
	// writers on its chain before it takes the chain's lock and walks it.
	lockFreeTries = 8
	// batchChunk is how many lookups LookupBatch overlaps at once.
	batchChunk = 16
)

// Lookup finds the flow of p in p's zone. It takes no lock and allocates
// nothing. It does not judge expiry: Update does.
func (t *Table) Lookup(p *PacketInfo) (Flow, bool) {
	var k Key
	srcIsA := k.fill(p)
	return t.lookupKey(&k, k.bucketHash(), srcIsA)
}

// probe is a batch lookup's first look at a packet's bucket: the bucket
// and its home slots whose tag matches (tagMatches), read before any key
// is compared.
type probe struct {
	b uint64
	m uint32
}

// touch reads bucket b's tags and the first word of the slab line a
// lookup of hash h will compare first: the home slot whose tag matches,
// else the head of the bucket's overflow chain. Batch lookups touch every
// packet's line before comparing any key, so that their cache misses
// overlap. With no tag matching, the packet most likely opens a new flow:
// the first free home slot, which Insert would take, is touched too.
func (t *Table) touch(h uint64, pr *probe) uint32 {
	b := t.bucketOf(h)
	hd := &t.heads[b]
	tags := hd.tags.Load()
	m := tagMatches(tags, tagOf(h))
	pr.b, pr.m = b, m
	if m != 0 {
		return t.slotIn(b, m).seq.Load()
	}
	var sink uint32
	if free := freeSlots(tags); free != 0 {
		sink = t.slotIn(b, free).seq.Load()
	}
	if c := hd.chain.Load(); c != 0 {
		sink += t.slab[c-1].seq.Load()
	}
	return sink
}

// resolve finishes a batch lookup of key k from its probe: the matching
// home slots, then the chain. It stores the flow (zero on a miss) in out.
// The tags were read (by touch) before any slot is: findHome's argument.
func (t *Table) resolve(k *Key, pr probe, srcIsA bool, out *Flow) int {
	if m := pr.m; m != 0 && m&(m-1) == 0 { // one candidate: the common case, in place
		e := t.slotIn(pr.b, m)
		if seq, w, ok := e.holds(k); ok {
			*out = Flow{Entry: e, Reply: srcIsA != (w&bitOriginIsA != 0), seq: seq}
			return 1
		}
	}
	e, seq, w := t.matchHome(k, pr.b, pr.m)
	if e == nil {
		if e, seq, w = t.findChain(k, pr.b); e == nil {
			*out = Flow{}
			return 0
		}
	}
	*out = Flow{Entry: e, Reply: srcIsA != (w&bitOriginIsA != 0), seq: seq}
	return 1
}

func (t *Table) lookupKey(k *Key, h uint64, srcIsA bool) (Flow, bool) {
	e, seq, w := t.find(k, h)
	if e == nil {
		return Flow{}, false
	}
	return Flow{Entry: e, Reply: srcIsA != (w&bitOriginIsA != 0), seq: seq}, true
}

// LookupBatch looks up every packet of ps and stores the result in out
// (out[i].Entry == nil on a miss); it returns the number of hits. It hashes
// the whole batch first and touches every packet's candidate line before
// comparing keys, so that the cache misses of a batch overlap.
func (t *Table) LookupBatch(ps []*PacketInfo, out []Flow) int {
	return t.LookupBatchPair(ps, nil, out, nil)
}

// LookupBatchPair is LookupBatch for a batch of packets that each cross
// two zones: ps[i] is looked up in its own zone (result in out[i]) and, if
// zones is not nil, in zone zones[i] too (result in zoneOut[i]), as if it
// were a copy of ps[i] with Zone zones[i]. The switch uses it for a frame's
// sender (egress) and receiver (ingress) zones: the canonical key and its
// xxhash are computed once per packet for both, and both buckets of every
// packet are touched before any key is compared. It returns the number of
// hits in both zones. The batch is cut to the shortest of the slices.
func (t *Table) LookupBatchPair(ps []*PacketInfo, zones []uint32, out, zoneOut []Flow) int {
	n := min(len(ps), len(out))
	if zones != nil {
		n = min(n, len(zones), len(zoneOut))
	}
	hits := 0
	for i := 0; i < n; i += batchChunk {
		j := min(i+batchChunk, n)
		if zones == nil {
			hits += t.lookupChunk(ps[i:j], nil, out[i:j], nil)
		} else {
			hits += t.lookupChunk(ps[i:j], zones[i:j], out[i:j], zoneOut[i:j])
		}
	}
	return hits
}

// lookupChunk looks up at most batchChunk packets in one or two zones.
func (t *Table) lookupChunk(ps []*PacketInfo, zones []uint32, out, zoneOut []Flow) int {
	var (
		keys   [batchChunk]Key
		own    [batchChunk]uint64 // hash in ps[i].Zone
		probes [batchChunk]probe
		srcIsA [batchChunk]bool
		sink   uint32
	)
	ps = ps[:min(len(ps), batchChunk)]
	out = out[:len(ps)]
	for i, p := range ps {
		k := &keys[i]
		srcIsA[i] = k.fill(p)
		own[i] = zoneHash(k.tupleHash(), p.Zone)
	}
	// A loop of loads alone, so that the CPU has all of them in flight at
	// once (interleaved with hashing, the window holds only a few).
	for i := range ps {
		sink += t.touch(own[i], &probes[i])
	}
	hits := 0
	for i := range ps {
		hits += t.resolve(&keys[i], probes[i], srcIsA[i], &out[i])
	}
	_ = sink
	if zones != nil {
		hits += t.lookupOther(ps, zones, zoneOut, &keys, &own, &srcIsA, out)
	}
	return hits
}

// lookupOther is lookupChunk's second zone: through the link of the
// packet's entry in its own zone when that holds (link.go), else in the
// bucket, linking the two entries when both are found. keys come with
// their own zone and own holds their hashes there.
func (t *Table) lookupOther(ps []*PacketInfo, zones []uint32, zoneOut []Flow, keys *[batchChunk]Key, own *[batchChunk]uint64, srcIsA *[batchChunk]bool, out []Flow) int {
	var (
		other   [batchChunk]uint64 // hash in zones[i]
		pending [batchChunk]uint8  // packets not found through a link
		np      int
		sink    uint32
	)
	n := min(len(ps), batchChunk) // lookupChunk's cut: no bounds checks below
	ps, zones, zoneOut, out = ps[:n], zones[:n], zoneOut[:n], out[:n]
	// The links and the lines they point to, in one loop of loads.
	var links [batchChunk]uint32
	for i, f := range out {
		if f.Entry != nil {
			if l := f.Entry.peer.Load(); l != 0 {
				links[i] = l
				sink += t.slab[l-1].seq.Load()
			}
		}
	}
	hits := 0
	for i, z := range zones {
		k := &keys[i]
		k[0] = k[0]&^zoneBits | uint64(z)
		if l := links[i]; l != 0 && t.linkedInto(l, k, srcIsA[i], &zoneOut[i]) {
			hits++
			continue
		}
		other[i] = zoneHash(zoneHash(own[i], ps[i].Zone), z) // XOR undoes the own zone: the tuple hash, then zone z
		pending[np] = uint8(i)
		np++
	}
	var probes [batchChunk]probe
	for _, i := range pending[:np] {
		sink += t.touch(other[i], &probes[i])
	}
	for _, i := range pending[:np] {
		if t.resolve(&keys[i], probes[i], srcIsA[i], &zoneOut[i]) == 0 {
			continue
		}
		hits++
		if e := out[i].Entry; e != nil {
			t.link(e, zoneOut[i].Entry)
		}
	}
	_ = sink
	return hits
}

// find returns the live entry with key k (hash h), its sequence number
// and state word, or nil.
func (t *Table) find(k *Key, h uint64) (*Entry, uint32, uint32) {
	b := t.bucketOf(h)
	if e, seq, w := t.findHome(k, b, tagOf(h)); e != nil {
		return e, seq, w
	}
	return t.findChain(k, b)
}

// findChain looks for k in bucket b's overflow chain: lock-free first,
// under the stripe lock after lockFreeTries walks raced with writers.
func (t *Table) findChain(k *Key, b uint64) (*Entry, uint32, uint32) {
	if t.chain(b).Load() == 0 {
		return nil, 0, 0
	}
	for range lockFreeTries {
		if e, seq, w, ok := t.walk(k, b); ok {
			return e, seq, w
		}
	}
	s := t.shardOf(b)
	s.mu.Lock()
	e, seq, w, _ := t.walk(k, b)
	s.mu.Unlock()
	return e, seq, w
}

// findHome looks through those of bucket b's home slots whose tag is tag.
// A slot that changes while it is read cannot be holding k (an entry's
// slot only changes when the entry is deleted), so it simply does not
// match. The tags are read first: a slot holding k live throughout the
// call has carried k's tag since before it went live (see setTag).
func (t *Table) findHome(k *Key, b uint64, tag uint32) (*Entry, uint32, uint32) {
	return t.matchHome(k, b, tagMatches(t.tags(b).Load(), tag))
}

// matchHome compares k with the keys of bucket b's home slots in m (a
// tagMatches result read before the call).
func (t *Table) matchHome(k *Key, b uint64, m uint32) (*Entry, uint32, uint32) {
	for ; m != 0; m &= m - 1 {
		e := t.slotIn(b, m)
		if seq, w, ok := e.holds(k); ok {
			return e, seq, w
		}
	}
	return nil, 0, 0
}

// walk follows bucket b's overflow chain, whose head is in the bucket's
// head. ok is false if a writer changed an entry
// under it (the chain may have changed; walk again).
func (t *Table) walk(k *Key, b uint64) (e *Entry, seq, w uint32, ok bool) {
	idx := t.chain(b).Load()
	for idx != 0 {
		e := &t.slab[idx-1]
		s1 := e.seq.Load()
		if !live(s1) {
			return nil, 0, 0, false
		}
		match := e.keyEquals(k)
		w := e.state.Load()
		next := e.next.Load()
		if e.bucket.Load() != uint32(b) || e.seq.Load() != s1 {
			return nil, 0, 0, false
		}
		if match {
			return e, s1, w, true
		}
		idx = next
	}
	return nil, 0, 0, true
}
