package flowtable

import "testing"

// lookupPair looks p up in its zone and in zone other with LookupBatchPair.
func lookupPair(tb *Table, p PacketInfo, other uint32) (own, peer Flow) {
	out, zoneOut := make([]Flow, 1), make([]Flow, 1)
	tb.LookupBatchPair([]*PacketInfo{&p}, []uint32{other}, out, zoneOut)
	return out[0], zoneOut[0]
}

// A pair lookup links the sender's entry to the receiver's and then finds
// the receiver's through the link; a link to an entry that no longer holds
// the flow (deleted, or pointing anywhere else) is never taken for it.
func TestPairLinkIsOnlyAHint(t *testing.T) {
	tb := New(Config{Capacity: 64})
	p := tcp(1, "198.18.0.1", 1000, "198.18.0.2", 80, TCPSyn)
	q := p
	q.Zone = 2
	e1 := mustInsert(t, tb, p, tracked, 0)
	e2 := mustInsert(t, tb, q, tracked, 0)
	other := mustInsert(t, tb, tcp(2, "198.18.0.3", 1000, "198.18.0.2", 80, TCPSyn), tracked, 0)

	own, peer := lookupPair(tb, p, 2)
	if own.Entry != e1.Entry || peer.Entry != e2.Entry {
		t.Fatalf("pair lookup: %p %p, want %p %p", own.Entry, peer.Entry, e1.Entry, e2.Entry)
	}
	if got := e1.Entry.peer.Load(); got != tb.indexOf(e2.Entry) {
		t.Fatalf("link %d, want %d", got, tb.indexOf(e2.Entry))
	}
	reply := reverse(p, TCPSyn|TCPAck)
	reply.Zone = 2
	if _, peer = lookupPair(tb, reply, 1); peer.Entry != e1.Entry || !peer.Reply {
		t.Fatalf("reply through the bucket: %+v", peer)
	}
	if _, peer = lookupPair(tb, p, 2); peer.Entry != e2.Entry || peer.Reply || peer.seq != e2.seq {
		t.Fatalf("through the link: %+v, want %+v", peer, e2)
	}

	// A link to another flow's entry: found in the bucket, and relinked.
	e1.Entry.peer.Store(tb.indexOf(other.Entry))
	if _, peer = lookupPair(tb, p, 2); peer.Entry != e2.Entry {
		t.Fatalf("wrong link followed: %p, want %p", peer.Entry, e2.Entry)
	}
	if got := e1.Entry.peer.Load(); got != tb.indexOf(e2.Entry) {
		t.Fatalf("not relinked: %d", got)
	}
	// The same flow in a third zone is not the linked entry.
	if _, peer = lookupPair(tb, p, 3); peer.Entry != nil {
		t.Fatalf("zone 3: found %p through the link", peer.Entry)
	}
	// The linked entry deleted: a miss, even though the link is left.
	if !tb.Delete(e2) {
		t.Fatal("delete")
	}
	if _, peer = lookupPair(tb, p, 2); peer.Entry != nil {
		t.Fatalf("deleted peer found: %p", peer.Entry)
	}
}
