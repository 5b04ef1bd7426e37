package flowtable

import (
	"errors"
	"testing"
)

// TestTCPStateTable walks the state machine through the documented paths.
func TestTCPStateTable(t *testing.T) {
	const (
		S  = TCPSyn
		SA = TCPSyn | TCPAck
		A  = TCPAck
		F  = TCPFin | TCPAck
		R  = TCPRst
	)
	type pkt struct {
		reply bool
		flags uint8
		want  Result
		state State
	}
	o := func(f uint8, r Result, s State) pkt { return pkt{false, f, r, s} }
	r := func(f uint8, res Result, s State) pkt { return pkt{true, f, res, s} }
	cases := []struct {
		name  string
		first uint8 // flags of the packet Insert sees (from the originator)
		start State
		pkts  []pkt
	}{
		{"handshake", S, TCPSynSent, []pkt{r(SA, Accept, TCPSynRecv), o(A, Accept, TCPEstablished)}},
		{"syn retransmit", S, TCPSynSent, []pkt{o(S, Accept, TCPSynSent), r(SA, Accept, TCPSynRecv)}},
		{"ack before synack is invalid", S, TCPSynSent, []pkt{o(A, Invalid, TCPSynSent)}},
		{"refused", S, TCPSynSent, []pkt{r(R|A, Accept, TCPClose)}},
		{"synack from originator invalid", S, TCPSynSent, []pkt{o(SA, Invalid, TCPSynSent)}},
		{"active close by originator", S, TCPSynSent, []pkt{
			r(SA, Accept, TCPSynRecv), o(A, Accept, TCPEstablished),
			o(F, Accept, TCPFinWait), r(A, Accept, TCPCloseWait),
			r(F, Accept, TCPLastAck), o(A, Accept, TCPTimeWait)}},
		{"close by responder, FIN+ACK together", S, TCPSynSent, []pkt{
			r(SA, Accept, TCPSynRecv), o(A, Accept, TCPEstablished),
			r(F, Accept, TCPFinWait), o(F, Accept, TCPLastAck), r(A, Accept, TCPTimeWait)}},
		{"rst while established", S, TCPSynSent, []pkt{
			r(SA, Accept, TCPSynRecv), o(A, Accept, TCPEstablished), r(R, Accept, TCPClose),
			o(A, Accept, TCPClose)}},
		{"no flags invalid", S, TCPSynSent, []pkt{r(SA, Accept, TCPSynRecv), o(A, Accept, TCPEstablished),
			o(0, Invalid, TCPEstablished)}},
		{"port reuse after time-wait", S, TCPSynSent, []pkt{
			r(SA, Accept, TCPSynRecv), o(A, Accept, TCPEstablished),
			o(F, Accept, TCPFinWait), r(F, Accept, TCPLastAck), o(A, Accept, TCPTimeWait),
			o(S, Expired, StateNone)}},
		{"reply syn in close restarts", S, TCPSynSent, []pkt{r(R, Accept, TCPClose), r(S, Expired, StateNone)}},
		{"mid-stream pickup", A, TCPEstablished, []pkt{r(A, Accept, TCPEstablished), o(F, Accept, TCPFinWait)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tb := New(Config{Capacity: 64})
			first := tcp(3, "198.18.0.9", 1000, "198.18.0.1", 22, c.first)
			f := mustInsert(t, tb, first, tracked, 0)
			if got := stateOf(f); got != c.start {
				t.Fatalf("after insert: %v, want %v", got, c.start)
			}
			for i, p := range c.pkts {
				pi := first
				pi.TCPFlags = p.flags
				if p.reply {
					pi = reverse(first, p.flags)
				}
				res, g := send(tb, pi, 1, int64(i+1)*sec)
				if res != p.want {
					t.Fatalf("packet %d (reply=%v flags=%#x): %v, want %v", i, p.reply, p.flags, res, p.want)
				}
				if res == Expired {
					if tb.Len() != 0 {
						t.Fatalf("entry not deleted on restart")
					}
					continue
				}
				if g.Reply != p.reply {
					t.Fatalf("packet %d: reply=%v", i, g.Reply)
				}
				if got := stateOf(g); got != p.state {
					t.Fatalf("packet %d: state %v, want %v", i, got, p.state)
				}
			}
		})
	}
}

func stateOf(f Flow) State { return State(f.Entry.state.Load() & stateMask) }

// TestTCPNoEntryPolicy: which packets may open a flow.
func TestTCPNoEntryPolicy(t *testing.T) {
	for _, c := range []struct {
		flags uint8
		err   error
	}{
		{TCPSyn, nil},
		{TCPAck, nil},
		{TCPAck | TCPPsh, nil},
		{TCPSyn | TCPAck, ErrInvalid},
		{TCPFin | TCPAck, ErrInvalid},
		{TCPRst, ErrInvalid},
		{TCPRst | TCPAck, ErrInvalid},
		{0, ErrInvalid},
	} {
		tb := New(Config{Capacity: 16})
		p := tcp(0, "198.18.0.1", 5, "198.18.0.2", 6, c.flags)
		_, err := tb.Insert(&p, tracked, 0)
		if !errors.Is(err, c.err) {
			t.Errorf("flags %#x: err %v, want %v", c.flags, err, c.err)
		}
		if c.err != nil && tb.Len() != 0 {
			t.Errorf("flags %#x: entry created", c.flags)
		}
	}
}

// TestInvalidDoesNotRefresh: an invalid packet leaves last-seen alone.
func TestInvalidDoesNotRefresh(t *testing.T) {
	tb := New(Config{Capacity: 16})
	syn := tcp(0, "198.18.0.1", 5, "198.18.0.2", 6, TCPSyn)
	mustInsert(t, tb, syn, tracked, 0)
	if r, _ := send(tb, syn, 1, 100*sec); r != Accept { // retransmitted SYN refreshes
		t.Fatal(r)
	}
	if r, _ := send(tb, tcp(0, "198.18.0.1", 5, "198.18.0.2", 6, TCPAck), 1, 200*sec); r != Invalid {
		t.Fatal(r)
	}
	if r, _ := send(tb, syn, 1, 220*sec); r != Expired { // 120 s after the last accepted packet
		t.Fatalf("got %v, want expired (invalid packet must not refresh)", r)
	}
}

// The fast path of Update agrees with the state table: exactly the plain
// ACKs of an ESTABLISHED flow leave it ESTABLISHED without a table step.
func TestEstablishedAckFastPath(t *testing.T) {
	for flags := range 256 {
		p := PacketInfo{Proto: ProtoTCP, TCPFlags: uint8(flags)}
		if !establishedAck(TCPEstablished, &p) {
			continue
		}
		for _, reply := range []bool{false, true} {
			if next, step := tcpAdvance(TCPEstablished, uint8(flags), reply); next != TCPEstablished || step != stepAccept {
				t.Errorf("flags %#x reply %v: table says %v/%v, fast path says established/accept", flags, reply, next, step)
			}
		}
	}
	for _, p := range []PacketInfo{{Proto: ProtoUDP, TCPFlags: TCPAck}, {Proto: ProtoTCP, TCPFlags: TCPAck | TCPFin}, {Proto: ProtoTCP}} {
		if establishedAck(TCPEstablished, &p) {
			t.Errorf("%+v taken for a plain ACK", p)
		}
	}
	if p := (PacketInfo{Proto: ProtoTCP, TCPFlags: TCPAck}); establishedAck(TCPSynRecv, &p) {
		t.Error("an ACK in SYN_RECV must go through the table (it moves to ESTABLISHED)")
	}
}
