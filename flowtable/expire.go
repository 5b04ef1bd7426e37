package flowtable

import "iter"

// Expire examines up to budget entry slots, continuing where the previous
// call stopped (a clock hand over the slab; [Table.Slots] slots make a full
// turn), and deletes the entries idle past their class's timeout at now. It returns how many it deleted. Work is bounded by
// budget; lookups never wait for it (it locks one chain's stripe per
// deletion). Correctness does not depend on it: Update refuses an expired
// entry at the exact nanosecond its timeout passes; Expire only returns
// memory and allowance. Safe to call from several goroutines.
func (t *Table) Expire(now int64, budget int) int {
	n := uint64(len(t.slab))
	if budget <= 0 || n == 0 {
		return 0
	}
	budget = min(budget, len(t.slab))
	start := t.sweep.Add(uint64(budget)) - uint64(budget)
	removed := 0
	for i := range uint64(budget) {
		e := &t.slab[(start+i)%n]
		seq := e.seq.Load()
		if !live(seq) {
			continue
		}
		zoneID := uint32(e.key[0].Load())
		st := State(e.state.Load() & stateMask)
		last := e.lastSeen.Load()
		if e.seq.Load() != seq || now-last < t.zoneCfg(zoneID).timeouts[st.Class()] {
			continue
		}
		if t.deleteIfIdle(Flow{Entry: e, seq: seq}, now) {
			removed++
		}
	}
	return removed
}

// Entries yields a consistent copy of every entry live at now (not idle
// past its timeout), bucket by bucket: a bucket's home slots whose tag
// says they are used, then its overflow chain. It reads the compact head
// array and only the slab lines that hold entries, never the rest of the
// slab: most of a large table's slab has never been touched (New leaves
// it as allocated), and reading it would fault in every page of it
// (about 100 ms for the default table at a daemon's graceful stop, when
// conntrack is saved). Entries inserted or deleted during the walk may or
// may not be seen; a chain changed under the walk is left at that point.
func (t *Table) Entries(now int64) iter.Seq[EntryInfo] {
	return func(yield func(EntryInfo) bool) {
		emit := func(e *Entry) bool {
			info, ok := e.snapshot()
			if !ok {
				return true
			}
			info.Timeout = t.zoneCfg(info.Key.Zone()).timeouts[info.Class]
			if now-info.LastSeen >= info.Timeout {
				return true
			}
			return yield(info)
		}
		for b := range uint64(len(t.heads)) {
			used := t.tags(b).Load()
			for i := uint64(0); i < slotsPerBucket; i++ {
				if used>>(8*i)&0xff != 0 && !emit(&t.slab[b*slotsPerBucket+i]) {
					return
				}
			}
			idx := t.chain(b).Load()
			// Bounded: a chain has at most the pool's entries, even when
			// entries are reused in another chain during the walk.
			for n := 0; idx != 0 && n < len(t.slab); n++ {
				e := &t.slab[idx-1]
				if e.bucket.Load() != uint32(b) {
					break // reused in another chain: this one changed
				}
				if !emit(e) {
					return
				}
				idx = e.next.Load()
			}
		}
	}
}

// deleteIfIdle deletes f's entry if it is still idle past its timeout at
// now, checked again under the stripe lock.
func (t *Table) deleteIfIdle(f Flow, now int64) bool {
	e := f.Entry
	k := e.loadKey()
	b := t.bucketOf(k.bucketHash())
	s := t.shardOf(b)
	s.mu.Lock()
	defer s.mu.Unlock()
	st := State(e.state.Load() & stateMask)
	if e.seq.Load() != f.seq || now-e.lastSeen.Load() < t.zoneCfg(k.Zone()).timeouts[st.Class()] {
		return false
	}
	t.remove(s, b, e, k.Zone())
	return true
}
