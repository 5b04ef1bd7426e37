package flowtable

// Links between a flow's entries in two zones. A frame between two
// interfaces is looked up in its sender's zone and its receiver's zone with
// the same canonical 5-tuple. Once both are found, the sender's entry keeps
// the slab index of the receiver's (Entry.peer), and the next lookup of
// the pair reads that entry directly instead of hashing into its bucket,
// reading the bucket's tags and lines.
//
// The link is only a hint: it is written without a lock, is not cleared
// when either entry is deleted, and may be written by a lookup racing with
// the reuse of the entry it sits on. A reader therefore checks the linked
// entry exactly as findHome checks a slot (live sequence, full key with
// the receiver's zone, sequence unchanged) and falls back to the bucket
// lookup when it does not match. A wrong link costs a bucket lookup, never
// a wrong flow.

// linkedInto stores the flow of key k in out if slab entry idx-1 holds it,
// and reports whether it did.
func (t *Table) linkedInto(idx uint32, k *Key, srcIsA bool, out *Flow) bool {
	p := &t.slab[idx-1]
	seq, w, ok := p.holds(k)
	if ok {
		*out = Flow{Entry: p, Reply: srcIsA != (w&bitOriginIsA != 0), seq: seq}
	}
	return ok
}

// link makes e's link point at p, unless it already does.
func (t *Table) link(e, p *Entry) {
	if idx := t.indexOf(p); e.peer.Load() != idx {
		e.peer.Store(idx)
	}
}
