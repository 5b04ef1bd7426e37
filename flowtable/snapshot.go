package flowtable

// Saving and restoring the table across a restart of the process that
// owns it (the daemon), so that a graceful restart does not cut tracked
// flows: a flow admitted by a rule revoked since keeps living from its
// entry, as in EC2, and the entry must therefore outlive the process.
//
// The table's own numbers do not survive a restart: zones are the
// switch's interface indexes, rule references belong to one compiler, and
// clock readings count from process start. So an entry is saved with its
// zone's and its rule's names (strings the caller maps, e.g. an eni- id
// and an sgr- id), and with the time it has left rather than its last-seen
// reading; the header carries the wall-clock time of the save, and
// Restore takes the gap since then off every entry.
//
// Format, version 1, all integers little-endian:
//
//	magic "SGCT" | version u16 | 0 u16 | saved (Unix ns) i64 | names u32 | entries u32
//	names × (len u8 | bytes)                       string table: zones and rules
//	entries × 88 bytes:
//	  zone u32 (name index) | rule u32 (name index, noName for none)
//	  proto u8 | family u8 | state u8 | flags u8 (1 tracked, 2 origin is side A)
//	  portA u16 | portB u16 | addrA [16] | addrB [16]
//	  remaining (ns) i64 | packets[0] u64 | bytes[0] u64 | packets[1] u64 | bytes[1] u64
//	crc32 (IEEE) of everything before it
//
// DecodeSnapshot checks everything a hostile file could get wrong (sizes
// first, then each entry: a known family and protocol, a state of that
// protocol, a canonical key, a remaining time within the longest timeout)
// and refuses the whole file on the first problem: a partly trusted
// snapshot is worse than none, since a missing entry only makes a flow be
// judged again by the current rules.

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"time"
)

// Snapshot limits: a saved table is at most MaxSnapshotEntries entries
// (twice the switch's default table of 1<<18) and
// MaxSnapshotBytes bytes, so that reading one is bounded.
const (
	MaxSnapshotEntries = 1 << 19
	maxSnapshotNames   = 1 << 16
	maxNameLen         = 255
	MaxSnapshotBytes   = headerLen + maxSnapshotNames*(1+maxNameLen) + MaxSnapshotEntries*entryLen + 4
)

const (
	snapshotMagic   = "SGCT"
	snapshotVersion = 1
	headerLen       = 4 + 2 + 2 + 8 + 4 + 4
	entryLen        = 4 + 4 + 4 + 2 + 2 + 16 + 16 + 8 + 4*8
	noName          = ^uint32(0)
	flagTracked     = 1
	flagOriginIsA   = 2
	// maxRemaining bounds the time a saved entry may have left: the
	// longest timeout EC2 allows (TCP established, 5 days).
	maxRemaining = int64(432000 * time.Second)
)

// ErrBadSnapshot is returned (wrapped, with the reason) by DecodeSnapshot
// for a file that is not a valid snapshot.
var ErrBadSnapshot = errors.New("flowtable: not a valid conntrack snapshot")

// SavedEntry is one entry of a Snapshot.
type SavedEntry struct {
	Zone      string // the zone's name (the caller's: an interface id)
	Rule      string // the admitting rule's name, "" if none
	Proto     uint8
	Family    uint8 // 4 or 6
	State     State
	Tracked   bool
	OriginIsA bool
	PortA     uint16 // ports (ICMP: id and request type) of sides A and B
	PortB     uint16
	AddrA     [16]byte
	AddrB     [16]byte
	Remaining time.Duration // idle time left when saved
	Packets   [2]uint64     // original, reply direction
	Bytes     [2]uint64
}

// Snapshot is a saved table: the entries live at Saved.
type Snapshot struct {
	Saved   time.Time
	Entries []SavedEntry
}

// Save returns the table's live entries at now (on the table's clock) as a
// Snapshot taken at wall-clock time wall. zoneName names a zone (false:
// the zone has no owner, its entries are left out); ruleName names a rule
// reference of a zone ("" for none): rule references are numbered per
// ruleset, and the zone says whose. Entries are copied one by one, so a table in
// use gives a snapshot of entries, not of a single instant: callers stop
// the packet path first.
func (t *Table) Save(now int64, wall time.Time, zoneName func(zone uint32) (string, bool), ruleName func(zone, rule uint32) string) *Snapshot {
	s := &Snapshot{Saved: wall}
	for info := range t.Entries(now) {
		zone, ok := zoneName(info.Key.Zone())
		if !ok || len(zone) > maxNameLen || len(s.Entries) >= MaxSnapshotEntries {
			continue
		}
		rule := ""
		if info.Rule != 0 && ruleName != nil {
			rule = ruleName(info.Key.Zone(), info.Rule)
		}
		if len(rule) > maxNameLen {
			rule = ""
		}
		a, b := info.Key.Addrs()
		pa, pb := info.Key.Ports()
		s.Entries = append(s.Entries, SavedEntry{
			Zone: zone, Rule: rule, Proto: info.Key.Proto(), Family: info.Key.Family(),
			State: info.State, Tracked: info.Tracked, OriginIsA: info.OriginIsA,
			PortA: pa, PortB: pb, AddrA: a, AddrB: b,
			// At most the longest timeout, which the decoder holds a file
			// to: a packet of another goroutine may have stamped a
			// last-seen time a little after now.
			Remaining: time.Duration(min(info.Expires()-now, maxRemaining)),
			Packets:   info.Packets, Bytes: info.Bytes,
		})
	}
	return s
}

// Encode writes s in the snapshot format.
func (s *Snapshot) Encode(w io.Writer) error {
	names := map[string]uint32{}
	var table []string
	index := func(n string) uint32 {
		if i, ok := names[n]; ok {
			return i
		}
		names[n] = uint32(len(table))
		table = append(table, n)
		return names[n]
	}
	n := min(len(s.Entries), MaxSnapshotEntries)
	body := make([]byte, 0, n*entryLen)
	var e [entryLen]byte
	for _, se := range s.Entries[:n] {
		if len(se.Zone) > maxNameLen || len(se.Rule) > maxNameLen {
			return fmt.Errorf("conntrack snapshot: name longer than %d bytes", maxNameLen)
		}
		rule := noName
		if se.Rule != "" {
			rule = index(se.Rule)
		}
		putEntry(e[:], se, index(se.Zone), rule)
		body = append(body, e[:]...)
	}
	if len(table) > maxSnapshotNames {
		return fmt.Errorf("conntrack snapshot: more than %d names", maxSnapshotNames)
	}
	out := make([]byte, headerLen, headerLen+len(body)+len(table)*16+4)
	copy(out, snapshotMagic)
	binary.LittleEndian.PutUint16(out[4:], snapshotVersion)
	binary.LittleEndian.PutUint64(out[8:], uint64(s.Saved.UnixNano()))
	binary.LittleEndian.PutUint32(out[16:], uint32(len(table)))
	binary.LittleEndian.PutUint32(out[20:], uint32(n))
	for _, name := range table {
		out = append(out, byte(len(name)))
		out = append(out, name...)
	}
	out = append(out, body...)
	out = binary.LittleEndian.AppendUint32(out, crc32.ChecksumIEEE(out))
	_, err := w.Write(out)
	return err
}

func putEntry(b []byte, se SavedEntry, zone, rule uint32) {
	le := binary.LittleEndian
	le.PutUint32(b[0:], zone)
	le.PutUint32(b[4:], rule)
	b[8], b[9], b[10] = se.Proto, se.Family, uint8(se.State)
	var flags uint8
	if se.Tracked {
		flags |= flagTracked
	}
	if se.OriginIsA {
		flags |= flagOriginIsA
	}
	b[11] = flags
	le.PutUint16(b[12:], se.PortA)
	le.PutUint16(b[14:], se.PortB)
	copy(b[16:32], se.AddrA[:])
	copy(b[32:48], se.AddrB[:])
	le.PutUint64(b[48:], uint64(se.Remaining))
	for d := range 2 {
		le.PutUint64(b[56+16*d:], se.Packets[d])
		le.PutUint64(b[64+16*d:], se.Bytes[d])
	}
}

// ReadSnapshot reads and decodes a snapshot of at most MaxSnapshotBytes.
func ReadSnapshot(r io.Reader) (*Snapshot, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxSnapshotBytes+1))
	if err != nil {
		return nil, err
	}
	return DecodeSnapshot(b)
}

// DecodeSnapshot decodes and checks a snapshot; anything wrong fails the
// whole of it with ErrBadSnapshot.
func DecodeSnapshot(b []byte) (*Snapshot, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrBadSnapshot, fmt.Sprintf(format, args...))
	}
	le := binary.LittleEndian
	if len(b) > MaxSnapshotBytes {
		return nil, bad("larger than %d bytes", MaxSnapshotBytes)
	}
	if len(b) < headerLen+4 || string(b[:4]) != snapshotMagic {
		return nil, bad("no snapshot header")
	}
	if v := le.Uint16(b[4:]); v != snapshotVersion {
		return nil, bad("version %d (this sgswitch reads version %d)", v, snapshotVersion)
	}
	if sum := le.Uint32(b[len(b)-4:]); sum != crc32.ChecksumIEEE(b[:len(b)-4]) {
		return nil, bad("checksum mismatch (truncated or altered)")
	}
	b = b[:len(b)-4]
	nNames, nEntries := le.Uint32(b[16:]), le.Uint32(b[20:])
	if nNames > maxSnapshotNames || nEntries > MaxSnapshotEntries {
		return nil, bad("%d names, %d entries: beyond the limits", nNames, nEntries)
	}
	s := &Snapshot{Saved: time.Unix(0, int64(le.Uint64(b[8:])))}
	rest := b[headerLen:]
	names := make([]string, 0, nNames)
	for range nNames {
		if len(rest) < 1 || len(rest) < 1+int(rest[0]) {
			return nil, bad("name table truncated")
		}
		names = append(names, string(rest[1:1+rest[0]]))
		rest = rest[1+rest[0]:]
	}
	if len(rest) != int(nEntries)*entryLen {
		return nil, bad("%d bytes of entries, want %d × %d", len(rest), nEntries, entryLen)
	}
	s.Entries = make([]SavedEntry, 0, nEntries)
	for i := range int(nEntries) {
		se, err := decodeEntry(rest[i*entryLen:(i+1)*entryLen], names)
		if err != nil {
			return nil, bad("entry %d: %v", i, err)
		}
		s.Entries = append(s.Entries, se)
	}
	return s, nil
}

func decodeEntry(b []byte, names []string) (SavedEntry, error) {
	le := binary.LittleEndian
	var se SavedEntry
	zone, rule := le.Uint32(b[0:]), le.Uint32(b[4:])
	if int(zone) >= len(names) || names[zone] == "" {
		return se, fmt.Errorf("zone name %d out of the table", zone)
	}
	se.Zone = names[zone]
	if rule != noName {
		if int(rule) >= len(names) {
			return se, fmt.Errorf("rule name %d out of the table", rule)
		}
		se.Rule = names[rule]
	}
	se.Proto, se.Family, se.State = b[8], b[9], State(b[10])
	if b[11]&^(flagTracked|flagOriginIsA) != 0 {
		return se, fmt.Errorf("unknown flags %#x", b[11])
	}
	se.Tracked, se.OriginIsA = b[11]&flagTracked != 0, b[11]&flagOriginIsA != 0
	se.PortA, se.PortB = le.Uint16(b[12:]), le.Uint16(b[14:])
	copy(se.AddrA[:], b[16:32])
	copy(se.AddrB[:], b[32:48])
	se.Remaining = time.Duration(le.Uint64(b[48:]))
	for d := range 2 {
		se.Packets[d] = le.Uint64(b[56+16*d:])
		se.Bytes[d] = le.Uint64(b[64+16*d:])
	}
	if err := se.check(); err != nil {
		return se, err
	}
	return se, nil
}

// check refuses what the table could not have held: an unknown family, a
// state of another protocol, a key that is not canonical (Lookup would
// never find it), a remaining time beyond the longest timeout.
func (se *SavedEntry) check() error {
	switch se.Family {
	case 4:
		var zero [12]byte
		if !bytes.Equal(se.AddrA[4:], zero[:]) || !bytes.Equal(se.AddrB[4:], zero[:]) {
			return errors.New("IPv4 address with bytes beyond the fourth")
		}
		if se.Proto == ProtoICMPv6 {
			return errors.New("ICMPv6 over IPv4")
		}
	case 6:
		if se.Proto == ProtoICMP {
			return errors.New("ICMP over IPv6")
		}
	default:
		return fmt.Errorf("family %d", se.Family)
	}
	if !stateFits(se.Proto, se.State) {
		return fmt.Errorf("state %s for protocol %d", se.State, se.Proto)
	}
	ports := se.Proto == ProtoTCP || se.Proto == ProtoUDP
	if !ports && se.Proto != ProtoICMP && se.Proto != ProtoICMPv6 && (se.PortA != 0 || se.PortB != 0) {
		return fmt.Errorf("ports on protocol %d", se.Proto)
	}
	le := binary.LittleEndian
	if !addrPortLess(le.Uint64(se.AddrA[0:]), le.Uint64(se.AddrA[8:]), se.PortA,
		le.Uint64(se.AddrB[0:]), le.Uint64(se.AddrB[8:]), se.PortB, ports) {
		return errors.New("sides out of canonical order")
	}
	if se.Remaining <= 0 || int64(se.Remaining) > maxRemaining {
		return fmt.Errorf("remaining time %v out of (0, 5 days]", se.Remaining)
	}
	return nil
}

// stateFits reports whether an entry of proto can be in state s.
func stateFits(proto uint8, s State) bool {
	switch proto {
	case ProtoTCP:
		return s >= TCPSynSent && s <= TCPClose
	case ProtoUDP:
		return s >= UDPUnreplied && s <= UDPStream
	case ProtoICMP, ProtoICMPv6:
		return s == ICMPUnreplied || s == ICMPReplied
	}
	return s == OtherUnreplied || s == OtherReplied
}

// RestoreStats says what Restore did with a snapshot's entries.
type RestoreStats struct {
	Restored int
	Expired  int // their remaining time ran out before the restore
	NoZone   int // their zone's name is unknown now
	Present  int // the table already held the flow
	Refused  int // no room: table or zone full, or beyond the zone's ConntrackMax
}

// Restore inserts s's entries into the table at now (on the table's clock)
// and wall (wall-clock time): each keeps the time it had left less the
// time since s was saved. zoneOf maps a zone name to the zone (false:
// dropped); ruleOf maps a rule name to a rule reference (0: unknown).
//
// Restored entries carry generation 0, which the switch never publishes:
// an untracked entry is judged again by the current rules at its next
// packet, as after any rule change, while a tracked one keeps admitting
// its flow until it idles out. They charge their zone's entry and tracked
// counts (not the new-connection rate: they are not new); counters are
// restored up to 2^23-1 packets and 2^39-1 bytes per direction.
func (t *Table) Restore(s *Snapshot, now int64, wall time.Time, zoneOf func(name string) (uint32, bool), ruleOf func(zone uint32, name string) uint32) RestoreStats {
	var st RestoreStats
	gap := max(wall.Sub(s.Saved), 0)
	for i := range s.Entries {
		se := &s.Entries[i]
		left := se.Remaining - gap
		if left <= 0 {
			st.Expired++
			continue
		}
		zone, ok := zoneOf(se.Zone)
		if !ok || t.zone(zone) == nil {
			st.NoZone++
			continue
		}
		var rule uint32
		if se.Rule != "" && ruleOf != nil {
			rule = ruleOf(zone, se.Rule)
		}
		switch t.restoreOne(zone, se, rule, now, int64(left)) {
		case nil:
			st.Restored++
		case errPresent:
			st.Present++
		default:
			st.Refused++
		}
	}
	return st
}

var errPresent = errors.New("flow already in the table")

// restoreOne inserts one saved entry into zone, idle so that it has left
// nanoseconds to live (capped at its class's timeout in the zone now).
func (t *Table) restoreOne(zone uint32, se *SavedEntry, rule uint32, now, left int64) error {
	z := t.zone(zone)
	le := binary.LittleEndian
	k := Key{uint64(zone) | uint64(se.Proto)<<32 | uint64(se.Family)<<40, uint64(se.PortA) | uint64(se.PortB)<<16,
		le.Uint64(se.AddrA[0:]), le.Uint64(se.AddrA[8:]), le.Uint64(se.AddrB[0:]), le.Uint64(se.AddrB[8:])}
	h := k.bucketHash()
	b := t.bucketOf(h)
	s := t.shardOf(b)
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, _, _ := t.findHome(&k, b, tagOf(h)); e != nil {
		return errPresent
	}
	if e, _, _, _ := t.walk(&k, b); e != nil {
		return errPresent
	}
	if z.entries.Add(1) > t.maxPerZone {
		z.entries.Add(-1)
		return ErrZoneFull
	}
	if se.Tracked {
		n := z.tracked.Add(1)
		if max := z.cfg.Load().allow.ConntrackMax; max != 0 && uint64(n) > max {
			z.tracked.Add(-1)
			z.entries.Add(-1)
			return ErrConntrackFull
		}
	} else if err := t.reserveUntracked(z); err != nil {
		z.entries.Add(-1)
		return err
	}
	if t.count.Add(1) > t.capacity {
		t.count.Add(-1)
		_, err := t.unreserve(z, se.Tracked, ErrTableFull)
		return err
	}
	e, overflow := t.freeSlot(s, b)
	if e == nil {
		t.count.Add(-1)
		_, err := t.unreserve(z, se.Tracked, ErrTableFull)
		return err
	}
	for i := range k {
		e.key[i].Store(k[i])
	}
	e.state.Store(packState(se.State, se.Tracked, se.OriginIsA))
	e.rule.Store(rule)
	e.gen.Store(0)
	timeout := t.zoneCfg(zone).timeouts[se.State.Class()]
	e.lastSeen.Store(min(now, now+left-timeout))
	for d := range 2 {
		e.counts[d].reset(min(se.Packets[d], livePktHalf>>liveBytesBits-1), min(se.Bytes[d], liveByteHalf-1))
	}
	e.peer.Store(0)
	e.nacl.Store(0)
	if !overflow {
		t.setTag(b, int(t.indexOf(e)-1)%slotsPerBucket, tagOf(h))
		e.seq.Add(1)
		return nil
	}
	e.bucket.Store(uint32(b))
	head := t.chain(b)
	e.next.Store(head.Load())
	e.seq.Add(1)
	head.Store(t.indexOf(e))
	return nil
}
