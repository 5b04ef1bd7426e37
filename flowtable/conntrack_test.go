package flowtable

import (
	"encoding/binary"
	"errors"
	"unsafe"

	"github.com/cespare/xxhash/v2"
	"testing"
)

func TestKeyBothDirections(t *testing.T) {
	for _, p := range []PacketInfo{
		tcp(1, "198.18.0.1", 1234, "198.18.0.2", 80, TCPSyn),
		tcp(1, "198.18.0.2", 80, "198.18.0.1", 1234, TCPSyn),
		udp(9, "fd00:5e5e::1", 53, "fd00:5e5e::2", 53),
		udp(9, "198.18.0.1", 53, "198.18.0.1", 54), // same address
		icmp(1, "198.18.0.1", "198.18.0.2", 8, 5),
		{Zone: 4, Family: 6, Proto: 50, Src: addr("fd00:5e5e::1"), Dst: addr("fd00:5e5e::9")},
	} {
		k1, a1 := KeyOf(&p)
		r := reverse(p, 0)
		if p.Proto == ProtoICMP {
			r.ICMPType = 0
		}
		k2, a2 := KeyOf(&r)
		if k1 != k2 || a1 == a2 {
			t.Errorf("%+v: keys %v / %v, srcIsA %v / %v", p, k1, k2, a1, a2)
		}
		if k1.Zone() != p.Zone || k1.Proto() != p.Proto || k1.Family() != p.Family {
			t.Errorf("key fields: %v", k1)
		}
	}
	// Different zones, ids, ports are different flows.
	a := icmp(1, "198.18.0.1", "198.18.0.2", 8, 5)
	b := icmp(1, "198.18.0.1", "198.18.0.2", 8, 6)
	c := icmp(2, "198.18.0.1", "198.18.0.2", 8, 5)
	ka, _ := KeyOf(&a)
	kb, _ := KeyOf(&b)
	kc, _ := KeyOf(&c)
	if ka == kb || ka == kc {
		t.Error("distinct flows share a key")
	}
}

// TestTrackedSurvivesRuleChange / untracked cut at once (spec 2.4).
func TestRuleChangeTrackedVersusUntracked(t *testing.T) {
	tb := New(Config{Capacity: 16})
	ssh := tcp(0, "203.0.113.1", 50000, "198.18.0.2", 22, TCPSyn)
	mustInsert(t, tb, ssh, Admission{Tracked: true, Generation: 1}, 0)
	web := tcp(0, "198.18.7.7", 50001, "198.18.0.2", 80, TCPSyn)
	mustInsert(t, tb, web, Admission{Tracked: false, Generation: 1}, 0)
	if st := tb.ZoneStats(0); st.Tracked != 1 || st.Entries != 2 {
		t.Fatalf("untracked flow used the allowance: %+v", st)
	}
	// Generation 2: the rules changed.
	if r, _ := send(tb, reverse(ssh, TCPSyn|TCPAck), 2, sec); r != Accept {
		t.Fatalf("tracked reply after rule change: %v", r)
	}
	r, f := send(tb, reverse(web, TCPSyn|TCPAck), 2, sec)
	if r != Recheck {
		t.Fatalf("untracked after rule change: %v", r)
	}
	// The switch re-classifies: denied -> Delete.
	if !tb.Delete(f) {
		t.Fatal("delete failed")
	}
	if _, ok := tb.Lookup(&web); ok {
		t.Fatal("untracked flow still cached")
	}
	// Same generation: untracked cache admits both directions.
	mustInsert(t, tb, web, Admission{Tracked: false, Generation: 2}, 2*sec)
	if r, _ := send(tb, reverse(web, TCPSyn|TCPAck), 2, 3*sec); r != Accept {
		t.Fatal(r)
	}
	// Untracked entries never say Invalid.
	if r, _ := send(tb, reverse(web, TCPSyn|TCPAck|TCPFin), 2, 3*sec); r != Accept {
		t.Fatal(r)
	}
}

func TestReadmit(t *testing.T) {
	tb := New(Config{Capacity: 16})
	if err := tb.ConfigureZone(0, ZoneConfig{Allowances: Allowances{ConntrackMax: 2}}); err != nil {
		t.Fatal(err)
	}
	a := udp(0, "198.18.0.1", 1, "198.18.0.2", 2)
	b := udp(0, "198.18.0.1", 3, "198.18.0.2", 4)
	c := udp(0, "198.18.0.1", 5, "198.18.0.2", 6)
	mustInsert(t, tb, a, Admission{Generation: 1}, 0)
	mustInsert(t, tb, b, Admission{Generation: 1}, 0)
	mustInsert(t, tb, c, Admission{Tracked: true, Generation: 2, Rule: 9}, 0) // one tracked slot left
	r, fa := send(tb, a, 2, sec)
	if r != Recheck {
		t.Fatal(r)
	}
	// Re-classified as tracked now: takes the one tracked slot.
	if err := tb.Readmit(fa, Admission{Tracked: true, Generation: 2, Rule: 9}); err != nil {
		t.Fatal(err)
	}
	if r := tb.Update(fa, &a, 3, sec); r != Accept { // tracked: generation no longer matters
		t.Fatal(r)
	}
	_, fb := send(tb, b, 2, sec)
	if err := tb.Readmit(fb, Admission{Tracked: true, Generation: 2}); !errors.Is(err, ErrConntrackFull) {
		t.Fatalf("got %v", err)
	}
	// Insert on a Recheck entry applies the new decision itself.
	if _, err := tb.Insert(&b, Admission{Generation: 2}, sec); err != nil {
		t.Fatal(err)
	}
	if r, _ := send(tb, b, 2, sec); r != Accept {
		t.Fatal(r)
	}
	st := tb.ZoneStats(0)
	if st.Tracked != 2 || st.ConntrackAllowanceExceeded != 1 || st.ConntrackAllowanceAvailable != 0 {
		t.Fatalf("%+v", st)
	}
	// a moved from the untracked share to the tracked one: room for an
	// untracked flow again.
	d := udp(0, "198.18.0.1", 7, "198.18.0.2", 8)
	mustInsert(t, tb, d, Admission{Generation: 2}, sec)
	for info := range tb.Entries(sec) {
		if info.Tracked && (info.Rule != 9 || info.Generation != 2) {
			t.Fatalf("%+v", info)
		}
	}
}

func TestUDPStreamNeedsTwoTransactions(t *testing.T) {
	tb := New(Config{Capacity: 16})
	q := udp(0, "198.18.0.1", 1, "198.18.0.2", 2)
	mustInsert(t, tb, q, tracked, 0)
	steps := []struct {
		p    PacketInfo
		want State
	}{
		{q, UDPUnreplied}, {q, UDPUnreplied}, // one direction only
		{reverse(q, 0), UDPReplied}, {reverse(q, 0), UDPReplied},
		{q, UDPRequestAgain}, {reverse(q, 0), UDPStream}, {q, UDPStream},
	}
	for i, s := range steps {
		r, f := send(tb, s.p, 1, int64(i)*sec)
		if r != Accept {
			t.Fatal(r)
		}
		if stateOf(f) != s.want {
			t.Fatalf("step %d: %v, want %v", i, stateOf(f), s.want)
		}
	}
}

func TestICMP(t *testing.T) {
	tb := New(Config{Capacity: 16})
	req := icmp(0, "198.18.0.1", "198.18.0.2", 8, 42)
	mustInsert(t, tb, req, tracked, 0)
	rep := reverse(req, 0)
	rep.ICMPType = 0
	if r, f := send(tb, rep, 1, sec); r != Accept || !f.Reply {
		t.Fatalf("echo reply: %v", r)
	}
	other := rep
	other.ICMPID = 43
	if _, ok := tb.Lookup(&other); ok {
		t.Fatal("reply with another id matched")
	}
	ts := rep
	ts.ICMPType = 14 // timestamp reply: another query pair
	if _, ok := tb.Lookup(&ts); ok {
		t.Fatal("timestamp reply matched an echo flow")
	}
	// ICMP errors are never related to a flow: stateless, explicit rule needed.
	for _, typ := range []uint8{3, 4, 5, 11, 12} {
		e := icmp(0, "198.18.0.2", "198.18.0.1", typ, 0)
		if !e.Stateless() {
			t.Errorf("ICMP type %d not stateless", typ)
		}
	}
	for _, typ := range []uint8{1, 2, 3, 4, 133, 135} {
		e := icmp(0, "fd00:5e5e::2", "fd00:5e5e::1", typ, 0)
		if !e.Stateless() {
			t.Errorf("ICMPv6 type %d not stateless", typ)
		}
	}
	plain := tcp(0, "198.18.0.1", 1, "198.18.0.2", 2, 0)
	if req.Stateless() || plain.Stateless() {
		t.Error("query or TCP reported stateless")
	}
}

// TestICMPQueryKeyHasDirection: the requester is side A of a query's key,
// so the other side's request with the same id is another flow, and a reply
// type is a reply whichever addresses sort first (issue 13 item 2).
func TestICMPQueryKeyHasDirection(t *testing.T) {
	for _, pair := range [][3]uint8{{ProtoICMP, 8, 0}, {ProtoICMP, 13, 14}, {ProtoICMPv6, 128, 129}, {ProtoICMPv6, 139, 140}} {
		for _, hi := range []bool{false, true} { // requester's address sorts first, or last
			a, b := "198.18.0.1", "198.18.0.2"
			if pair[0] == ProtoICMPv6 {
				a, b = "fd00:5e5e::1", "fd00:5e5e::2"
			}
			if hi {
				a, b = b, a
			}
			req := icmp(0, a, b, pair[1], 7)
			req.Proto = pair[0]
			rep := reverse(req, 0)
			rep.ICMPType = pair[2]
			back := reverse(req, 0) // the other side's request, same id
			kq, aq := KeyOf(&req)
			kr, ar := KeyOf(&rep)
			kb, _ := KeyOf(&back)
			if kq != kr || !aq || ar {
				t.Errorf("%v hi=%v: request/reply keys %v/%v srcIsA %v/%v", pair, hi, kq, kr, aq, ar)
			}
			if kb == kq {
				t.Errorf("%v hi=%v: the other side's request shares the requester's key", pair, hi)
			}
			if !rep.ICMPReply() || req.ICMPReply() || rep.Stateless() {
				t.Errorf("%v: ICMPReply %v/%v, reply stateless %v", pair, req.ICMPReply(), rep.ICMPReply(), rep.Stateless())
			}
		}
	}
}

// TestPassIgnoresGeneration: Pass applies a packet to an untracked entry
// of an older generation (the switch has judged it by the rules), keeps it
// untracked, and reports Expired for a finished TCP entry's new SYN.
func TestPassIgnoresGeneration(t *testing.T) {
	tb := New(Config{Capacity: 16})
	web := tcp(0, "198.18.7.7", 50001, "198.18.0.2", 80, TCPSyn)
	mustInsert(t, tb, web, Admission{Generation: 1}, 0)
	r, f := send(tb, reverse(web, TCPSyn|TCPAck), 2, sec)
	if r != Recheck {
		t.Fatalf("untracked after rule change: %v", r)
	}
	if r := tb.Pass(f, ptr(reverse(web, TCPSyn|TCPAck)), sec); r != Accept {
		t.Fatalf("Pass: %v", r)
	}
	if r, _ := send(tb, reverse(web, TCPAck), 2, sec); r != Recheck {
		t.Fatalf("after Pass the entry must still ask for a recheck, got %v", r)
	}
	if st := tb.ZoneStats(0); st.Tracked != 0 || st.Entries != 1 {
		t.Fatalf("Pass changed the entry's tracking: %+v", st)
	}
	if r := tb.Pass(f, ptr(reverse(web, TCPRst)), sec); r != Accept {
		t.Fatalf("RST: %v", r)
	}
	if r := tb.Pass(f, ptr(web), 2*sec); r != Expired {
		t.Fatalf("SYN on a closed untracked entry: %v, want Expired", r)
	}
}

func ptr(p PacketInfo) *PacketInfo { return &p }

func TestOtherProtocolAddressPair(t *testing.T) {
	tb := New(Config{Capacity: 16})
	esp := PacketInfo{Zone: 0, Family: 4, Proto: 50, Src: addr("198.18.0.1"), Dst: addr("198.18.0.2"), Length: 100}
	mustInsert(t, tb, esp, tracked, 0)
	if r, f := send(tb, reverse(esp, 0), 1, 599*sec); r != Accept || !f.Reply {
		t.Fatal(r)
	}
	if r, _ := send(tb, esp, 1, 1199*sec); r != Expired {
		t.Fatal(r)
	}
}

func TestInsertExistingAppliesPacket(t *testing.T) {
	tb := New(Config{Capacity: 16})
	syn := tcp(0, "198.18.0.1", 1, "198.18.0.2", 2, TCPSyn)
	mustInsert(t, tb, syn, tracked, 0)
	// A racing goroutine inserting the SYN-ACK side finds the entry.
	sa := reverse(syn, TCPSyn|TCPAck)
	f, err := tb.Insert(&sa, tracked, sec)
	if err != nil || !f.Reply || stateOf(f) != TCPSynRecv || tb.Len() != 1 {
		t.Fatalf("%v %v %v", err, f.Reply, stateOf(f))
	}
	if st := tb.ZoneStats(0); st.Tracked != 1 {
		t.Fatalf("charged twice: %+v", st)
	}
	bad := syn
	bad.TCPFlags = 0
	if _, err := tb.Insert(&bad, tracked, sec); !errors.Is(err, ErrInvalid) {
		t.Fatal(err)
	}
	// Insert over an expired entry replaces it.
	if _, err := tb.Insert(&syn, tracked, 1000*sec); err != nil {
		t.Fatal(err)
	}
	if f, _ := tb.Lookup(&syn); stateOf(f) != TCPSynSent || tb.Len() != 1 {
		t.Fatal("not replaced")
	}
}

func TestFormatConntrack(t *testing.T) {
	tb := New(Config{Capacity: 16})
	syn := tcp(0, "198.18.0.2", 40000, "198.18.0.1", 80, TCPSyn) // origin is side B
	mustInsert(t, tb, syn, tracked, 0)
	send(tb, reverse(syn, TCPSyn|TCPAck), 1, sec)
	send(tb, tcp(0, "198.18.0.2", 40000, "198.18.0.1", 80, TCPAck), 1, sec)
	q := udp(0, "fd00:5e5e::1", 5000, "fd00:5e5e::2", 53)
	mustInsert(t, tb, q, Admission{Generation: 1}, sec)
	req := icmp(0, "198.18.0.1", "198.18.0.3", 8, 7)
	mustInsert(t, tb, req, tracked, sec)
	var lines []string
	for info := range tb.Entries(2 * sec) {
		lines = append(lines, FormatConntrack(info, "eni-0abc", 2*sec))
	}
	want := map[string]bool{
		"tcp      6 431999 ESTABLISHED src=198.18.0.2 dst=198.18.0.1 sport=40000 dport=80 packets=2 bytes=120 src=198.18.0.1 dst=198.18.0.2 sport=80 dport=40000 packets=1 bytes=60 [ASSURED] mark=0 zone=eni-0abc use=1":     true,
		"udp      17 29 src=fd00:5e5e::1 dst=fd00:5e5e::2 sport=5000 dport=53 packets=1 bytes=100 [UNREPLIED] src=fd00:5e5e::2 dst=fd00:5e5e::1 sport=53 dport=5000 packets=0 bytes=0 [UNTRACKED] mark=0 zone=eni-0abc use=1": true,
		"icmp     1 29 src=198.18.0.1 dst=198.18.0.3 type=8 code=0 id=7 packets=1 bytes=84 [UNREPLIED] src=198.18.0.3 dst=198.18.0.1 type=0 code=0 id=7 packets=0 bytes=0 mark=0 zone=eni-0abc use=1":                         true,
	}
	if len(lines) != len(want) {
		t.Fatalf("%d lines: %q", len(lines), lines)
	}
	for _, l := range lines {
		if !want[l] {
			t.Errorf("unexpected line:\n%s", l)
		}
	}
	// Expired entries are not listed.
	n := 0
	for range tb.Entries(10000 * sec) {
		n++
	}
	if n != 1 {
		t.Fatalf("%d entries live after 10000 s", n)
	}
}

func TestZoneRange(t *testing.T) {
	tb := New(Config{Capacity: 8, MaxZones: 4})
	p := udp(4, "198.18.0.1", 1, "198.18.0.2", 2)
	if _, err := tb.Insert(&p, tracked, 0); !errors.Is(err, ErrNoZone) {
		t.Fatal(err)
	}
	if err := tb.ConfigureZone(4, ZoneConfig{}); !errors.Is(err, ErrNoZone) {
		t.Fatal(err)
	}
	if tb.Allow(4, Ingress, 100, false, 0) != LimitNone || tb.ZoneStats(4) != (ZoneStats{}) {
		t.Fatal("out-of-range zone")
	}
}

func TestKeyHashIsXXHash(t *testing.T) {
	for i := range 1000 {
		p := benchPacket(i * 7919)
		p.Family = uint8(4 + i%3)
		k, _ := KeyOf(&p)
		k[1] ^= uint64(i) << 40
		if got, want := k.hash(), xxhash.Sum64(unsafe.Slice((*byte)(unsafe.Pointer(&k)), keyWords*8)); got != want {
			t.Fatalf("key %v: %x, want %x", k, got, want)
		}
	}
}

// The table places a key by the xxhash of its 5-tuple without the zone,
// mixed with the zone: one hash serves a packet's two zones. The 5-tuple
// of an IPv4 key is its 16-byte packing (hashIPv4).
func TestTupleHashIsXXHashWithoutZone(t *testing.T) {
	for i := range 1000 {
		p := benchPacket(i * 7919)
		p.Zone = uint32(i)
		k, _ := KeyOf(&p)
		var packed [16]byte
		binary.LittleEndian.PutUint64(packed[0:], k[0]&^zoneBits|k[1])
		binary.LittleEndian.PutUint32(packed[8:], uint32(k[2]))
		binary.LittleEndian.PutUint32(packed[12:], uint32(k[4]))
		if got, want := k.tupleHash(), xxhash.Sum64(packed[:]); got != want {
			t.Fatalf("key %v: %x, want %x", k, got, want)
		}
		if got, want := k.bucketHash(), zoneHash(k.tupleHash(), uint32(i)); got != want {
			t.Fatalf("key %v: bucket hash %x, want %x", k, got, want)
		}
		if i > 0 && k.bucketHash() == k.tupleHash() {
			t.Fatalf("zone %d does not change the bucket hash", i)
		}
	}
}

func TestEntryLayout(t *testing.T) {
	if entrySize != 128 {
		t.Fatalf("Entry is %d bytes", entrySize)
	}
	var e Entry
	if off := unsafe.Offsetof(e.bucket); off >= 64 {
		t.Fatalf("lookup fields spill into the second line (bucket at %d)", off)
	}
}
