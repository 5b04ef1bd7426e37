package flowtable

import "testing"

// TestExpireBoundedWork: each call examines at most budget entries, only
// idle entries are removed, and the hand eventually covers the whole slab.
func TestExpireBoundedWork(t *testing.T) {
	const capacity = 256
	tb := New(Config{Capacity: capacity})
	for i := range 100 {
		p := udp(0, "198.18.0.1", uint16(i), "198.18.0.2", 53)
		mustInsert(t, tb, p, tracked, 0)
	}
	now := 31 * sec
	for i := range 50 {
		p := udp(1, "198.18.0.1", uint16(i), "198.18.0.2", 53)
		mustInsert(t, tb, p, tracked, now)
	}
	total, calls := 0, 0
	for total < 100 {
		n := tb.Expire(now, 10)
		if n > 10 {
			t.Fatalf("removed %d with budget 10", n)
		}
		total += n
		if calls++; calls > tb.Slots()/10+1 {
			t.Fatalf("hand did not cover the slab: %d removed after %d calls", total, calls)
		}
	}
	if tb.Len() != 50 || tb.ZoneStats(0).Entries != 0 || tb.ZoneStats(1).Entries != 50 {
		t.Fatalf("len %d, zone stats %+v %+v", tb.Len(), tb.ZoneStats(0), tb.ZoneStats(1))
	}
	if tb.Expire(now, tb.Slots()) != 0 {
		t.Fatal("live entries expired")
	}
	if tb.Expire(now, 0) != 0 || tb.Expire(now+30*sec, 1<<20) != 50 {
		t.Fatal("budget edge cases")
	}
}

// TestDeleteStaleFlow: a Flow whose entry was deleted and reused for
// another key is refused by Update and Delete.
func TestDeleteStaleFlow(t *testing.T) {
	tb := New(Config{Capacity: 1, Shards: 1, MaxPerZone: 2})
	a := udp(0, "198.18.0.1", 1, "198.18.0.2", 2)
	b := udp(0, "198.18.0.1", 3, "198.18.0.2", 4)
	fa := mustInsert(t, tb, a, tracked, 0)
	if !tb.Delete(fa) || tb.Delete(fa) {
		t.Fatal("delete twice")
	}
	fb := mustInsert(t, tb, b, tracked, 0)
	if fb.Entry != fa.Entry {
		t.Fatal("expected the one entry to be reused")
	}
	if r := tb.Update(fa, &a, 1, 0); r != Expired {
		t.Fatalf("stale update: %v", r)
	}
	if tb.Delete(fa) {
		t.Fatal("stale delete removed the new flow")
	}
	if _, err := tb.Insert(&a, tracked, 0); err != ErrTableFull {
		t.Fatalf("got %v", err)
	}
	if tb.ZoneStats(0).Entries != 1 || tb.Len() != 1 {
		t.Fatal("counts")
	}
}
