package flowtable

import "testing"

func TestHandshakeSmoke(t *testing.T) {
	tb := New(Config{Capacity: 1024})
	syn := tcp(1, "198.18.0.1", 40000, "198.18.0.2", 80, TCPSyn)
	mustInsert(t, tb, syn, tracked, 0)
	if r, f := send(tb, reverse(syn, TCPSyn|TCPAck), 1, sec); r != Accept || !f.Reply {
		t.Fatalf("synack: %v reply=%v", r, f.Reply)
	}
	if r, f := send(tb, tcp(1, "198.18.0.1", 40000, "198.18.0.2", 80, TCPAck), 1, 2*sec); r != Accept || f.Reply {
		t.Fatalf("ack: %v", r)
	}
	for info := range tb.Entries(2 * sec) {
		t.Log(FormatConntrack(info, "eni-1", 2*sec))
		if info.State != TCPEstablished {
			t.Fatalf("state %v", info.State)
		}
	}
}
