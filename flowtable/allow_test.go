package flowtable

import (
	"errors"
	"testing"
	"time"
)

func TestConntrackMax(t *testing.T) {
	tb := New(Config{Capacity: 64})
	if err := tb.ConfigureZone(5, ZoneConfig{Allowances: Allowances{ConntrackMax: 3}}); err != nil {
		t.Fatal(err)
	}
	if got := tb.ZoneStats(5).ConntrackAllowanceAvailable; got != 3 {
		t.Fatalf("available %d", got)
	}
	var flows []Flow
	exceeded := 0
	for i := range 5 {
		p := tcp(5, "198.18.0.1", uint16(1000+i), "198.18.0.2", 80, TCPSyn)
		f, err := tb.Insert(&p, tracked, 0)
		switch {
		case err == nil:
			flows = append(flows, f)
		case errors.Is(err, ErrConntrackFull):
			exceeded++
		default:
			t.Fatal(err)
		}
	}
	// Untracked flows do not use the allowance; they have as many entries
	// again of their own.
	for i := range 4 {
		p := tcp(5, "198.18.0.1", uint16(2000+i), "198.18.0.2", 80, TCPSyn)
		_, err := tb.Insert(&p, Admission{Generation: 1}, 0)
		if want := error(nil); i == 3 {
			if !errors.Is(err, ErrUntrackedFull) {
				t.Fatalf("fourth untracked flow: %v, want ErrUntrackedFull", err)
			}
		} else if err != want {
			t.Fatal(err)
		}
	}
	st := tb.ZoneStats(5)
	if len(flows) != 3 || exceeded != 2 || st.ConntrackAllowanceExceeded != 2 || st.UntrackedFull != 1 ||
		st.ConntrackAllowanceAvailable != 0 || st.Tracked != 3 || st.Entries != 6 || st.Reserved != 6 {
		t.Fatalf("flows %d exceeded %d stats %+v", len(flows), exceeded, st)
	}
	// Another zone is not affected.
	p := tcp(6, "198.18.0.1", 1, "198.18.0.2", 80, TCPSyn)
	if _, err := tb.Insert(&p, tracked, 0); err != nil {
		t.Fatal(err)
	}
	// Freeing one (delete, or expiry) makes room for one.
	tb.Delete(flows[0])
	if got := tb.ZoneStats(5).ConntrackAllowanceAvailable; got != 1 {
		t.Fatalf("available after delete %d", got)
	}
	if n := tb.Expire(121*sec, tb.Slots()); n != 2+3+1 {
		t.Fatalf("expired %d", n)
	}
	if st := tb.ZoneStats(5); st.ConntrackAllowanceAvailable != 3 || st.Entries != 0 {
		t.Fatalf("%+v", st)
	}
}

func TestNewConnectionBucket(t *testing.T) {
	tb := New(Config{Capacity: 256})
	tb.ConfigureZone(0, ZoneConfig{Allowances: Allowances{NewConnectionsPerSecond: 10}})
	port := uint16(0)
	insert := func(now int64, a Admission) error {
		port++
		p := udp(0, "198.18.0.1", port, "198.18.0.2", 53)
		_, err := tb.Insert(&p, a, now)
		return err
	}
	ok, throttled := 0, 0
	for range 25 {
		switch err := insert(0, tracked); {
		case err == nil:
			ok++
		case errors.Is(err, ErrNewConnThrottled):
			throttled++
		default:
			t.Fatal(err)
		}
	}
	if ok != 10 || throttled != 15 || tb.ZoneStats(0).NewConnectionsThrottled != 15 {
		t.Fatalf("ok %d throttled %d", ok, throttled)
	}
	if insert(0, Admission{Generation: 1}) != nil { // untracked: not throttled
		t.Fatal("untracked flow throttled")
	}
	if insert(100*int64(time.Millisecond)-1, tracked) == nil {
		t.Fatal("token before 100 ms")
	}
	if insert(100*int64(time.Millisecond), tracked) != nil {
		t.Fatal("no token after 100 ms")
	}
	if st := tb.ZoneStats(0); st.Tracked != 11 {
		t.Fatalf("throttled connections hold allowance: %+v", st)
	}
}

// countExceeded sends n packets at now and returns how many were refused.
func countExceeded(tb *Table, zone uint32, d Direction, bytes uint32, ll bool, now int64, n int, want Limit) (int, Limit) {
	exceeded := 0
	other := LimitNone
	for range n {
		switch l := tb.Allow(zone, d, bytes, ll, now); l {
		case LimitNone:
		case want:
			exceeded++
		default:
			other = l
		}
	}
	return exceeded, other
}

func TestPacketAllowances(t *testing.T) {
	tb := New(Config{Capacity: 8})
	tb.ConfigureZone(1, ZoneConfig{Allowances: Allowances{PPS: 1000}})
	tb.ConfigureZone(2, ZoneConfig{Allowances: Allowances{BandwidthInMbps: 1, BandwidthOutMbps: 2}})
	tb.ConfigureZone(3, ZoneConfig{})

	// PPS: both directions share one bucket of 1000.
	if n, o := countExceeded(tb, 1, Ingress, 64, false, 0, 600, LimitPPS); n != 0 || o != LimitNone {
		t.Fatal(n, o)
	}
	if n, _ := countExceeded(tb, 1, Egress, 64, false, 0, 900, LimitPPS); n != 500 {
		t.Fatalf("pps exceeded %d, want 500", n)
	}
	if n, _ := countExceeded(tb, 1, Egress, 64, false, int64(time.Millisecond), 3, LimitPPS); n != 2 {
		t.Fatalf("after 1 ms: exceeded %d, want 2", n)
	}
	// Bandwidth: 1 Mbps in = 125000 bytes in a full bucket; out is separate.
	if n, _ := countExceeded(tb, 2, Ingress, 1000, false, 0, 200, LimitBandwidthIn); n != 75 {
		t.Fatalf("bw in exceeded %d, want 75", n)
	}
	if n, _ := countExceeded(tb, 2, Egress, 1000, false, 0, 300, LimitBandwidthOut); n != 50 {
		t.Fatalf("bw out exceeded %d, want 50", n)
	}
	// Link-local: EC2's 1024 pps by default; other traffic unaffected.
	if n, _ := countExceeded(tb, 3, Egress, 100, true, 0, 1500, LimitLinkLocal); n != 476 {
		t.Fatalf("link-local exceeded %d, want 476", n)
	}
	if n, o := countExceeded(tb, 3, Egress, 100, false, 0, 100000, LimitNone); n != 0 || o != LimitNone {
		t.Fatal("unlimited zone refused packets")
	}
	st1, st2, st3 := tb.ZoneStats(1), tb.ZoneStats(2), tb.ZoneStats(3)
	if st1.PPSAllowanceExceeded != 502 || st2.BWInAllowanceExceeded != 75 ||
		st2.BWOutAllowanceExceeded != 50 || st3.LinklocalAllowanceExceeded != 476 {
		t.Fatalf("%+v %+v %+v", st1, st2, st3)
	}
}

func TestLimitNames(t *testing.T) {
	want := map[Limit]string{
		LimitConntrack:      "conntrack_allowance_exceeded",
		LimitPPS:            "pps_allowance_exceeded",
		LimitBandwidthIn:    "bw_in_allowance_exceeded",
		LimitBandwidthOut:   "bw_out_allowance_exceeded",
		LimitLinkLocal:      "linklocal_allowance_exceeded",
		LimitNewConnections: "conntrack_new_connections_throttled",
	}
	for l, n := range want {
		if l.String() != n {
			t.Errorf("%d: %q", l, l.String())
		}
	}
}

// TestZoneReservations: each zone with an allowance reserves 2 x
// ConntrackMax entries; the table refuses reservations beyond its capacity,
// and a zone that floods new flows, tracked or not, cannot take the entries
// another zone reserved (issue 13 item 9).
func TestZoneReservations(t *testing.T) {
	tb := New(Config{Capacity: 100})
	cfg := func(n uint64) ZoneConfig { return ZoneConfig{Allowances: Allowances{ConntrackMax: n}} }
	if err := tb.ConfigureZone(1, cfg(30)); err != nil {
		t.Fatal(err)
	}
	if err := tb.ConfigureZone(2, cfg(30)); !errors.Is(err, ErrNoRoom) {
		t.Fatalf("zone 2 beyond capacity: %v, want ErrNoRoom", err)
	}
	if tb.Reserved() != 60 {
		t.Fatalf("reserved %d, want 60", tb.Reserved())
	}
	if err := tb.ConfigureZone(2, cfg(20)); err != nil {
		t.Fatal(err)
	}
	if err := tb.ConfigureZone(3, cfg(1)); !errors.Is(err, ErrNoRoom) {
		t.Fatalf("zone 3: %v, want ErrNoRoom", err)
	}
	// Zone 1 floods: 100 tracked and 100 untracked new flows.
	var full, untrackedFull int
	for i := range 100 {
		for _, a := range []Admission{tracked, {Generation: 1}} {
			p := udp(1, "198.18.0.1", uint16(i), "198.18.0.2", uint16(1000+b2i(a.Tracked)))
			switch _, err := tb.Insert(&p, a, 0); {
			case err == nil:
			case errors.Is(err, ErrConntrackFull):
				full++
			case errors.Is(err, ErrUntrackedFull):
				untrackedFull++
			default:
				t.Fatalf("zone 1 flood: %v", err)
			}
		}
	}
	if full != 70 || untrackedFull != 70 {
		t.Fatalf("zone 1 refused %d tracked, %d untracked; want 70 each", full, untrackedFull)
	}
	// Zone 2 still gets every entry it reserved.
	for i := range 20 {
		for _, a := range []Admission{tracked, {Generation: 1}} {
			p := udp(2, "198.18.0.3", uint16(i), "198.18.0.4", uint16(1000+b2i(a.Tracked)))
			if _, err := tb.Insert(&p, a, 0); err != nil {
				t.Fatalf("zone 2 flow %d: %v", i, err)
			}
		}
	}
	st := tb.ZoneStats(2)
	if st.Tracked != 20 || st.Entries != 40 || st.ConntrackAllowanceAvailable != 0 || st.Reserved != 40 {
		t.Fatalf("zone 2: %+v", st)
	}
	// Releasing zone 1 makes room for zone 3.
	tb.ReleaseZone(1)
	if err := tb.ConfigureZone(3, cfg(1)); err != nil {
		t.Fatal(err)
	}
}
