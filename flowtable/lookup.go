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
	k, srcIsA := KeyOf(p)
	return t.lookupKey(&k, k.hash(), srcIsA)
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
// the whole batch first and touches every bucket and first entry before
// comparing keys, so that the cache misses of a batch overlap.
func (t *Table) LookupBatch(ps []*PacketInfo, out []Flow) int {
	hits := 0
	for len(ps) > 0 {
		n := min(len(ps), batchChunk, len(out))
		if n == 0 {
			break
		}
		hits += t.lookupChunk(ps[:n], out[:n])
		ps, out = ps[n:], out[n:]
	}
	return hits
}

func (t *Table) lookupChunk(ps []*PacketInfo, out []Flow) int {
	var (
		keys   [batchChunk]Key
		hashes [batchChunk]uint64
		srcIsA [batchChunk]bool
		sink   uint32
	)
	for i, p := range ps {
		keys[i], srcIsA[i] = KeyOf(p)
		hashes[i] = keys[i].hash()
	}
	for i := range ps { // independent loads: the misses of the batch overlap
		b := t.bucketOf(hashes[i])
		slots := t.slab[b*slotsPerBucket : (b+1)*slotsPerBucket : (b+1)*slotsPerBucket]
		for j := range slots {
			sink += slots[j].seq.Load()
		}
	}
	_ = sink
	hits := 0
	for i := range ps {
		f, ok := t.lookupKey(&keys[i], hashes[i], srcIsA[i])
		out[i] = f
		if ok {
			hits++
		}
	}
	return hits
}

// find returns the live entry with key k, its sequence number and state
// word, or nil.
func (t *Table) find(k *Key, h uint64) (*Entry, uint32, uint32) {
	b := t.bucketOf(h)
	if e, seq, w := t.findHome(k, b); e != nil {
		return e, seq, w
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

// findHome looks through bucket b's home slots. A slot that changes while
// it is read cannot be holding k (an entry's slot only changes when the
// entry is deleted), so it simply does not match.
func (t *Table) findHome(k *Key, b uint64) (*Entry, uint32, uint32) {
	slots := t.slab[b*slotsPerBucket : (b+1)*slotsPerBucket : (b+1)*slotsPerBucket]
	for i := range slots {
		e := &slots[i]
		s1 := e.seq.Load()
		if s1&1 != 0 || !e.keyEquals(k) {
			continue
		}
		w := e.state.Load()
		if e.seq.Load() == s1 {
			return e, s1, w
		}
	}
	return nil, 0, 0
}

// walk follows bucket b's overflow chain, whose head is the link word of
// the bucket's first home slot. ok is false if a writer changed an entry
// under it (the chain may have changed; walk again).
func (t *Table) walk(k *Key, b uint64) (e *Entry, seq, w uint32, ok bool) {
	idx := t.home(b).next.Load()
	for idx != 0 {
		e := &t.slab[idx-1]
		s1 := e.seq.Load()
		if s1&1 != 0 {
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
