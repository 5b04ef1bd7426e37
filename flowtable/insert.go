package flowtable

// Insert admits a new flow for p, which the classifier has allowed with
// decision a, and applies p to it (state and counters): after a nil error
// the packet is accepted. If the flow already exists (another goroutine
// inserted it, or an untracked cache entry needs the new decision), p is
// applied to the existing entry instead. Errors:
//
//	ErrInvalid          p cannot open a flow (TCP without SYN or a bare ACK: see the package comment)
//	ErrConntrackFull    tracked flow beyond the zone's ConntrackMax (counted: conntrack_allowance_exceeded)
//	ErrNewConnThrottled tracked flow beyond NewConnectionsPerSecond (counted)
//	ErrUntrackedFull    untracked flow beyond the zone's ConntrackMax untracked entries (counted)
//	ErrZoneFull         zone at MaxPerZone entries
//	ErrTableFull        no free entry
//	ErrNoZone           p.Zone >= MaxZones
func (t *Table) Insert(p *PacketInfo, a Admission, now int64) (Flow, error) {
	z := t.zone(p.Zone)
	if z == nil {
		return Flow{}, ErrNoZone
	}
	k, srcIsA := KeyOf(p)
	h := k.bucketHash()
	for range 4 {
		f, done, err := t.insertOnce(z, p, &k, h, srcIsA, a, now)
		if done {
			return f, err
		}
	}
	return Flow{}, ErrInvalid
}

// insertOnce inserts, or applies p to an existing entry; done is false if
// that entry vanished meanwhile and the caller should try again.
func (t *Table) insertOnce(z *zone, p *PacketInfo, k *Key, h uint64, srcIsA bool, a Admission, now int64) (Flow, bool, error) {
	b := t.bucketOf(h)
	s := t.shardOf(b)
	s.mu.Lock()
	e, seq, w := t.findHome(k, b, tagOf(h))
	if e == nil {
		e, seq, w, _ = t.walk(k, b)
	}
	if e != nil {
		s.mu.Unlock()
		f := Flow{Entry: e, Reply: srcIsA != (w&bitOriginIsA != 0), seq: seq}
		return t.applyExisting(f, p, a, now)
	}
	f, err := t.insertNew(s, z, p, k, h, srcIsA, a, now)
	s.mu.Unlock()
	return f, true, err
}

func (t *Table) applyExisting(f Flow, p *PacketInfo, a Admission, now int64) (Flow, bool, error) {
	r := t.Update(f, p, a.Generation, now)
	if r == Recheck {
		if err := t.Readmit(f, a); err != nil {
			return Flow{}, true, err
		}
		r = t.Update(f, p, a.Generation, now)
	}
	switch r {
	case Accept:
		return f, true, nil
	case Invalid:
		return Flow{}, true, ErrInvalid
	}
	return Flow{}, false, nil
}

// insertNew takes a free entry, charging the zone's allowances. Called
// with s locked.
func (t *Table) insertNew(s *shard, z *zone, p *PacketInfo, k *Key, h uint64, srcIsA bool, a Admission, now int64) (Flow, error) {
	b := t.bucketOf(h)
	st, step := advance(p.Proto, StateNone, p, false)
	if step != stepAccept {
		return Flow{}, ErrInvalid
	}
	if z.entries.Add(1) > t.maxPerZone {
		z.entries.Add(-1)
		return Flow{}, ErrZoneFull
	}
	if a.Tracked {
		if err := t.reserveTracked(z, now, true); err != nil {
			z.entries.Add(-1)
			return Flow{}, err
		}
	} else if err := t.reserveUntracked(z); err != nil {
		z.entries.Add(-1)
		return Flow{}, err
	}
	if t.count.Add(1) > t.capacity {
		t.count.Add(-1)
		return t.unreserve(z, a.Tracked, ErrTableFull)
	}
	e, overflow := t.freeSlot(s, b)
	if e == nil {
		t.count.Add(-1)
		return t.unreserve(z, a.Tracked, ErrTableFull)
	}
	for i := range k {
		e.key[i].Store(k[i])
	}
	e.state.Store(packState(st, a.Tracked, srcIsA))
	e.rule.Store(a.Rule)
	e.gen.Store(a.Generation)
	e.lastSeen.Store(now)
	e.counts[0].reset(1, uint64(p.Length))
	e.counts[1].reset(0, 0)
	e.peer.Store(0)
	e.nacl.Store(0)
	if !overflow {
		t.setTag(b, int(t.indexOf(e)-1)%slotsPerBucket, tagOf(h)) // before it goes live
		seq := e.seq.Add(1)                                       // odd: live
		return Flow{Entry: e, seq: seq}, nil
	}
	e.bucket.Store(uint32(b))
	head := t.chain(b)
	e.next.Store(head.Load())
	seq := e.seq.Add(1)
	head.Store(t.indexOf(e))
	return Flow{Entry: e, seq: seq}, nil
}

// unreserve gives back what insertNew reserved before failing with err.
func (t *Table) unreserve(z *zone, tracked bool, err error) (Flow, error) {
	z.entries.Add(-1)
	if tracked {
		z.tracked.Add(-1)
	} else {
		z.untracked.Add(-1)
	}
	return Flow{}, err
}

// reserveUntracked takes one untracked entry of the zone's share: as many
// as its ConntrackMax (none: unlimited). EC2 keeps no state for untracked
// flows and counts them in no allowance; sgswitch caches them, and the
// cache must be bounded per interface for the table to be shared fairly.
func (t *Table) reserveUntracked(z *zone) error {
	n := z.untracked.Add(1)
	if max := z.cfg.Load().allow.ConntrackMax; max != 0 && uint64(n) > max {
		z.untracked.Add(-1)
		z.untrackedFull.Add(1)
		return ErrUntrackedFull
	}
	return nil
}

// freeSlot returns a free home slot of bucket b, or else an entry of the
// overflow pool. Called with b's stripe s locked, under which a home
// slot's tag is 0 exactly when the slot is free: the tags tell without
// reading the slots' lines.
func (t *Table) freeSlot(s *shard, b uint64) (e *Entry, overflow bool) {
	if free := freeSlots(t.tags(b).Load()); free != 0 {
		return t.slotIn(b, free), false
	}
	if idx := t.popFree(s); idx != 0 {
		return &t.slab[idx-1], true
	}
	return nil, false
}

// reserveTracked takes one tracked entry from the zone's allowance and,
// for a new connection, one token of the new-connection bucket.
func (t *Table) reserveTracked(z *zone, now int64, newConn bool) error {
	cfg := z.cfg.Load()
	n := z.tracked.Add(1)
	if max := cfg.allow.ConntrackMax; max != 0 && uint64(n) > max {
		z.tracked.Add(-1)
		z.conntrackExceeded.Add(1)
		return ErrConntrackFull
	}
	if newConn && !z.newConn.take(cfg.newConn, now, 1) {
		z.tracked.Add(-1)
		z.newConnThrottled.Add(1)
		return ErrNewConnThrottled
	}
	return nil
}

// popFree takes a free entry from s, or from another shard if s has none.
// Called with s locked; other shards are only tried, never waited for.
func (t *Table) popFree(s *shard) uint32 {
	if n := len(s.free); n > 0 {
		idx := s.free[n-1]
		s.free = s.free[:n-1]
		return idx
	}
	for i := range t.shards {
		o := &t.shards[i]
		if o == s || !o.mu.TryLock() {
			continue
		}
		var idx uint32
		if n := len(o.free); n > 0 {
			idx = o.free[n-1]
			o.free = o.free[:n-1]
		}
		o.mu.Unlock()
		if idx != 0 {
			return idx
		}
	}
	return 0
}
