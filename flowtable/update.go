package flowtable

import "unsafe"

// lastSeenGrainShift sets how stale an entry's last-seen time may get
// before a packet refreshes it: 1/1024 of the entry's idle timeout (29 ms
// for UDP's 30 s, 7 minutes for TCP's 5 days). Every refresh is a locked
// write to a line two goroutines share (both directions of a flow update
// it), and with a real clock each batch reads a new time: without a grain
// a busy flow paid one more locked instruction per packet. An entry may
// therefore idle out up to 0.1% of its timeout early, never late.
const lastSeenGrainShift = 10

// Update applies packet p, found by Lookup as f, to its entry: it checks
// the idle timeout, runs the protocol state machine and counts the packet.
// gen is the ruleset generation the switch is using now. It takes no lock
// (except to delete an entry it finds expired) and allocates nothing.
func (t *Table) Update(f Flow, p *PacketInfo, gen uint64, now int64) Result {
	e := f.Entry
	if e == nil || e.seq.Load() != f.seq {
		return Expired
	}
	// The bulk of all packets: a plain ACK of a tracked, established TCP
	// flow within its timeout changes no state. Kept apart from the general
	// path below so that it sets up no call and reads no class table.
	if w := e.state.Load(); w&bitTracked != 0 && establishedAck(State(w&stateMask), p) {
		timeout := t.zoneCfg(p.Zone).timeouts[ClassTCPEstablished]
		last := e.lastSeen.Load()
		if age := now - last; age < timeout {
			e.refresh(last, now, timeout)
			// counters.add written out: add itself cannot inline (it calls move).
			c := &e.counts[b2i(f.Reply)]
			if crossed := c.addLive(p.Length); crossed != 0 {
				c.move(crossed)
			}
			if e.seq.Load() != f.seq {
				return Expired
			}
			return Accept
		}
	}
	return t.update(f, p, gen, now)
}

// update is Update's general path: any state, any protocol.
func (t *Table) update(f Flow, p *PacketInfo, gen uint64, now int64) Result {
	e := f.Entry
	if e.state.Load()&bitTracked == 0 && e.gen.Load() != gen {
		return Recheck
	}
	return t.apply(f, p, now)
}

// Pass applies p to untracked entry f whatever ruleset generation admitted
// it. The switch calls it for a flow that the current rules no longer make
// untracked, once they have allowed p in its own direction: such a flow
// stays untracked (EC2 decides untracked flows by the rules, packet by
// packet, in both directions, and never starts tracking a flow midway),
// and its entry only remembers the flow so that its later packets are not
// mistaken for a new connection until it idles out or TCP ends it. Results
// as Update, except Recheck.
func (t *Table) Pass(f Flow, p *PacketInfo, now int64) Result {
	e := f.Entry
	if e == nil || e.seq.Load() != f.seq {
		return Expired
	}
	return t.apply(f, p, now)
}

// apply checks f's idle timeout, runs the state machine for p and counts it.
func (t *Table) apply(f Flow, p *PacketInfo, now int64) Result {
	e := f.Entry
	cfg := t.zoneCfg(p.Zone)
	for {
		w := e.state.Load()
		st := State(w & stateMask)
		tracked := w&bitTracked != 0
		last := e.lastSeen.Load()
		timeout := cfg.timeouts[st.Class()]
		if now-last >= timeout {
			t.Delete(f)
			return Expired
		}
		next, step := advance(p.Proto, st, p, f.Reply)
		switch step {
		case stepRestart:
			t.Delete(f)
			return Expired
		case stepInvalid:
			if tracked {
				return Invalid
			}
			next = st // untracked flows are a cache of the rules, not state
		}
		if next != st && !e.state.CompareAndSwap(w, w&^stateMask|uint32(next)) {
			continue
		}
		e.refresh(last, now, timeout)
		break
	}
	return t.countPacket(f, p.Length)
}

// countPacket adds a packet of length bytes to f's counters in its direction,
// then reports Expired if the entry was deleted meanwhile (the count may
// then have gone to the entry's next flow: at most one packet).
func (t *Table) countPacket(f Flow, length uint32) Result {
	e := f.Entry
	e.counts[b2i(f.Reply)].add(length)
	if e.seq.Load() != f.seq {
		return Expired
	}
	return Accept
}

// Readmit records a new classifier decision for an untracked entry after
// Update returned Recheck. If the flow is now tracked it takes a tracked
// entry from the zone's allowance (ErrConntrackFull) but not a token of the
// new-connection bucket: the connection is not new.
func (t *Table) Readmit(f Flow, a Admission) error {
	e := f.Entry
	k := e.loadKey()
	z := t.zone(k.Zone())
	if z == nil {
		return ErrNoZone
	}
	s := t.shardOf(t.bucketOf(k.bucketHash()))
	s.mu.Lock()
	defer s.mu.Unlock()
	if e.seq.Load() != f.seq {
		return nil // gone; the next Update reports Expired
	}
	for {
		w := e.state.Load()
		was := w&bitTracked != 0
		if a.Tracked && !was {
			if err := t.reserveTracked(z, 0, false); err != nil {
				return err
			}
		}
		nw := w &^ bitTracked
		if a.Tracked {
			nw |= bitTracked
		}
		if e.state.CompareAndSwap(w, nw) {
			switch {
			case was && !a.Tracked:
				z.tracked.Add(-1)
				z.untracked.Add(1) // an existing entry: not refused, but counted
			case !was && a.Tracked:
				z.untracked.Add(-1)
			}
			break
		}
		if a.Tracked && !was {
			z.tracked.Add(-1)
		}
	}
	e.rule.Store(a.Rule)
	e.gen.Store(a.Generation)
	return nil
}

// Delete removes f's entry if it is still the entry Lookup found. It
// reports whether it removed it.
func (t *Table) Delete(f Flow) bool {
	e := f.Entry
	if e == nil || e.seq.Load() != f.seq {
		return false
	}
	k := e.loadKey()
	b := t.bucketOf(k.bucketHash())
	s := t.shardOf(b)
	s.mu.Lock()
	defer s.mu.Unlock()
	if e.seq.Load() != f.seq {
		return false
	}
	t.remove(s, b, e, k.Zone())
	return true
}

// remove takes e out of bucket b and frees it. Called with s, b's stripe,
// locked and e live.
func (t *Table) remove(s *shard, b uint64, e *Entry, zoneID uint32) {
	overflow := t.indexOf(e) > uint32(t.buckets*slotsPerBucket)
	if overflow {
		t.unlink(b, e)
	}
	t.release(e, zoneID)
	if overflow {
		s.free = append(s.free, t.indexOf(e))
	} else {
		t.setTag(b, int(t.indexOf(e)-1)%slotsPerBucket, 0)
	}
}

// unlink removes overflow entry e from bucket b's chain. e.next is left as
// it was, so a reader standing on e still reaches the rest of the chain.
// Called with the bucket's stripe locked.
func (t *Table) unlink(b uint64, e *Entry) {
	idx := t.indexOf(e)
	head := t.chain(b)
	if head.Load() == idx {
		head.Store(e.next.Load())
		return
	}
	for cur := head.Load(); cur != 0; {
		c := &t.slab[cur-1]
		next := c.next.Load()
		if next == idx {
			c.next.Store(e.next.Load())
			return
		}
		cur = next
	}
}

// release marks e free (even sequence) and gives back its zone's counts.
func (t *Table) release(e *Entry, zoneID uint32) {
	w := e.state.Load()
	e.seq.Add(1)
	if z := t.zone(zoneID); z != nil {
		z.entries.Add(-1)
		if w&bitTracked != 0 {
			z.tracked.Add(-1)
		} else {
			z.untracked.Add(-1)
		}
	}
	t.count.Add(-1)
}

// indexOf returns e's index+1 in the slab.
func (t *Table) indexOf(e *Entry) uint32 {
	return uint32((uintptr(unsafe.Pointer(e))-uintptr(unsafe.Pointer(&t.slab[0])))/uintptr(entrySize)) + 1
}

// refresh stores now as e's last-seen time, read as last, if last is a
// grain old (lastSeenGrainShift). A lost race stored a time as recent.
func (e *Entry) refresh(last, now, timeout int64) {
	if now-last >= timeout>>lastSeenGrainShift {
		e.lastSeen.CompareAndSwap(last, now)
	}
}

// b2i is 1 for true, 0 for false: a direction index.
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
