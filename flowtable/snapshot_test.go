package flowtable

import (
	"bytes"
	"errors"
	"hash/crc32"
	"testing"
	"time"
)

// zones of the tests: zone 1 is "eni-a", zone 2 "eni-b".
func zoneName(z uint32) (string, bool) {
	switch z {
	case 1:
		return "eni-a", true
	case 2:
		return "eni-b", true
	}
	return "", false
}

func zoneOf(name string) (uint32, bool) {
	switch name {
	case "eni-a":
		return 1, true
	case "eni-b":
		return 2, true
	}
	return 0, false
}

func roundTrip(t *testing.T, s *Snapshot) *Snapshot {
	t.Helper()
	var buf bytes.Buffer
	if err := s.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	got, err := ReadSnapshot(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestSnapshotRestoresTrackedFlowsAcrossARestart(t *testing.T) {
	old := New(Config{Capacity: 64})
	now := 1000 * sec
	syn := tcp(1, "198.18.0.10", 40000, "198.18.0.20", 80, TCPSyn)
	mustInsert(t, old, syn, tracked, now)
	for _, p := range []PacketInfo{reverse(syn, TCPSyn|TCPAck), withFlags(syn, TCPAck)} {
		if r, _ := send(old, p, 1, now); r != Accept {
			t.Fatalf("handshake: %v", r)
		}
	}
	u := udp(2, "198.18.0.20", 5353, "198.18.0.10", 53)
	mustInsert(t, old, u, Admission{Generation: 1}, now)
	mustInsert(t, old, udp(9, "198.18.0.1", 1, "198.18.0.2", 2), tracked, now) // zone without a name: left out
	wall := time.Unix(1_800_000_000, 0)
	snap := roundTrip(t, old.Save(now+10*sec, wall, zoneName, func(_, r uint32) string { return "sgr-7" }))
	if len(snap.Entries) != 2 {
		t.Fatalf("saved %d entries, want 2: %+v", len(snap.Entries), snap.Entries)
	}

	// A new process: another clock epoch; 20 s passed on the wall clock.
	fresh := New(Config{Capacity: 64})
	now2 := int64(5 * sec)
	st := fresh.Restore(snap, now2, wall.Add(20*time.Second), zoneOf, func(uint32, string) uint32 { return 3 })
	// The UDP entry had 30-10 = 20 s left when saved: gone after the gap.
	if st.Restored != 1 || st.Expired != 1 {
		t.Fatalf("restore stats %+v, want 1 restored, 1 expired", st)
	}
	var info EntryInfo
	for info = range fresh.Entries(now2) {
	}
	if info.State != TCPEstablished || !info.Tracked || info.Rule != 3 || info.Generation != 0 ||
		info.Packets != [2]uint64{2, 1} || info.Expires()-now2 != int64(432000*time.Second)-30*sec {
		t.Errorf("restored entry %+v (expires in %v)", info, time.Duration(info.Expires()-now2))
	}
	// The stream goes on whatever generation the new switch publishes,
	// in both directions.
	if r, _ := send(fresh, withFlags(syn, TCPAck), 1, now2); r != Accept {
		t.Errorf("origin ACK after restore: %v", r)
	}
	if r, _ := send(fresh, reverse(syn, TCPAck), 1, now2); r != Accept {
		t.Errorf("reply ACK after restore: %v", r)
	}
	if zs := fresh.ZoneStats(1); zs.Entries != 1 || zs.Tracked != 1 {
		t.Errorf("zone counts after restore %+v", zs)
	}
	// Restoring again finds the flow there.
	if st := fresh.Restore(snap, now2, wall.Add(20*time.Second), zoneOf, nil); st.Present != 1 {
		t.Errorf("second restore %+v", st)
	}
}

func TestRestoredUntrackedFlowIsJudgedAgain(t *testing.T) {
	old := New(Config{Capacity: 64})
	u := udp(1, "198.18.0.10", 4000, "198.18.0.20", 53)
	mustInsert(t, old, u, Admission{Generation: 4}, 0)
	wall := time.Unix(1_800_000_000, 0)
	snap := roundTrip(t, old.Save(sec, wall, zoneName, nil))
	fresh := New(Config{Capacity: 64})
	if st := fresh.Restore(snap, 0, wall, zoneOf, nil); st.Restored != 1 {
		t.Fatalf("restore %+v", st)
	}
	if r, _ := send(fresh, u, 1, 0); r != Recheck {
		t.Errorf("untracked restored flow: %v, want recheck", r)
	}
}

func TestRestoreRespectsLimits(t *testing.T) {
	old := New(Config{Capacity: 64})
	for i := range 3 {
		mustInsert(t, old, tcp(1, "198.18.0.10", uint16(1000+i), "198.18.0.20", 80, TCPSyn), tracked, 0)
	}
	wall := time.Unix(1_800_000_000, 0)
	snap := old.Save(0, wall, zoneName, nil)
	fresh := New(Config{Capacity: 64})
	if err := fresh.ConfigureZone(1, ZoneConfig{Allowances: Allowances{ConntrackMax: 2}}); err != nil {
		t.Fatal(err)
	}
	st := fresh.Restore(snap, 0, wall, zoneOf, nil)
	if st.Restored != 2 || st.Refused != 1 {
		t.Errorf("restore into ConntrackMax 2: %+v", st)
	}
	other := New(Config{Capacity: 64})
	if st := other.Restore(snap, 0, wall, func(string) (uint32, bool) { return 0, false }, nil); st.NoZone != 3 {
		t.Errorf("restore with no zones: %+v", st)
	}
}

func TestDecodeSnapshotRefuses(t *testing.T) {
	old := New(Config{Capacity: 64})
	mustInsert(t, old, tcp(1, "198.18.0.10", 1000, "198.18.0.20", 80, TCPSyn), tracked, 0)
	var buf bytes.Buffer
	if err := old.Save(0, time.Unix(1, 0), zoneName, nil).Encode(&buf); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	cases := map[string][]byte{
		"empty":     nil,
		"magic":     append([]byte("XXXX"), good[4:]...),
		"truncated": good[:len(good)-10],
		"flipped":   flip(good, headerLen+10),
		"version":   resum(set(good, 4, 2)),
		"state":     resum(set(good, headerLen+6+8+2, 99)), // state byte of the one entry
		"family":    resum(set(good, headerLen+6+8+1, 5)),
		"huge":      resum(set(good, 20, 0xff)),
	}
	for name, b := range cases {
		if _, err := DecodeSnapshot(b); !errors.Is(err, ErrBadSnapshot) {
			t.Errorf("%s: DecodeSnapshot = %v, want ErrBadSnapshot", name, err)
		}
	}
	if _, err := DecodeSnapshot(good); err != nil {
		t.Errorf("good snapshot: %v", err)
	}
}

func flip(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i] ^= 0x40
	return c
}

func set(b []byte, i int, v byte) []byte {
	c := bytes.Clone(b)
	c[i] = v
	return c
}

// resum recomputes the checksum, so that the decoder's other checks are
// what refuses the change.
func resum(b []byte) []byte {
	body := b[:len(b)-4]
	var out bytes.Buffer
	out.Write(body)
	var sum [4]byte
	c := crc32.ChecksumIEEE(body)
	sum[0], sum[1], sum[2], sum[3] = byte(c), byte(c>>8), byte(c>>16), byte(c>>24)
	out.Write(sum[:])
	return out.Bytes()
}

func withFlags(p PacketInfo, flags uint8) PacketInfo {
	p.TCPFlags = flags
	return p
}

// An entry stamped after the save's now (a packet on another goroutine
// read the clock later) is saved with at most the longest timeout, so the
// file stays valid.
func TestSaveClampsRemaining(t *testing.T) {
	tb := New(Config{Capacity: 64})
	syn := tcp(1, "198.18.0.10", 40000, "198.18.0.20", 80, TCPSyn)
	mustInsert(t, tb, syn, tracked, 10*sec)
	for _, p := range []PacketInfo{reverse(syn, TCPSyn|TCPAck), withFlags(syn, TCPAck)} {
		if r, _ := send(tb, p, 1, 10*sec); r != Accept {
			t.Fatalf("handshake: %v", r)
		}
	}
	s := roundTrip(t, tb.Save(9*sec, time.Unix(1, 0), zoneName, nil))
	if len(s.Entries) != 1 || s.Entries[0].Remaining != time.Duration(maxRemaining) {
		t.Errorf("saved %+v", s.Entries)
	}
}
