package flowtable

import "testing"

func TestNACLVerdictPerDirectionAndGeneration(t *testing.T) {
	tb := New(Config{Capacity: 16})
	p := tcp(0, "10.0.1.10", 40000, "10.0.2.10", 80, TCPSyn)
	mustInsert(t, tb, p, tracked, 0)
	orig, _ := tb.Lookup(&p)
	r := reverse(p, TCPSyn|TCPAck)
	reply, _ := tb.Lookup(&r)
	if orig.Reply || !reply.Reply {
		t.Fatalf("directions: %v %v", orig.Reply, reply.Reply)
	}
	if tb.NACLConfirmed(orig, 1) {
		t.Fatal("a new entry holds a verdict")
	}
	tb.ConfirmNACL(orig, 1)
	if !tb.NACLConfirmed(orig, 1) || tb.NACLConfirmed(reply, 1) || tb.NACLConfirmed(orig, 2) {
		t.Fatal("the original direction's verdict is not its own, of its generation only")
	}
	tb.ConfirmNACL(reply, 1)
	if !tb.NACLConfirmed(orig, 1) || !tb.NACLConfirmed(reply, 1) {
		t.Fatal("confirming the reply lost the original direction")
	}
	// A new generation clears the other direction.
	tb.ConfirmNACL(reply, 2)
	if tb.NACLConfirmed(orig, 2) || !tb.NACLConfirmed(reply, 2) || tb.NACLConfirmed(reply, 1) {
		t.Fatal("generation 2 kept generation 1's verdict of the original direction")
	}
}

// A verdict never outlives its flow: neither the entry's next flow nor a
// late confirmation through the old flow's handle makes it hold one.
func TestNACLVerdictNotInheritedByReusedEntry(t *testing.T) {
	tb := New(Config{Capacity: 16})
	p := udp(0, "10.0.1.10", 5000, "10.0.2.10", 53)
	old := mustInsert(t, tb, p, tracked, 0)
	tb.ConfirmNACL(old, 1)
	if !tb.Delete(old) {
		t.Fatal("delete failed")
	}
	cur := mustInsert(t, tb, p, tracked, 0)
	if cur.Entry != old.Entry {
		t.Fatal("the same key took another slot: the test needs the slot reused")
	}
	if tb.NACLConfirmed(cur, 1) {
		t.Fatal("the entry's new flow inherited the old flow's verdict")
	}
	tb.ConfirmNACL(old, 1) // a worker still holding the old flow
	if tb.NACLConfirmed(cur, 1) {
		t.Fatal("a stale handle confirmed the new flow")
	}
}
