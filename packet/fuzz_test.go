package packet_test

import (
	"testing"

	"sgswitch/packet"
	"sgswitch/packet/packettest"
)

// FuzzParse checks that no byte sequence makes Parse panic and that what it
// reports stays inside the frame.
func FuzzParse(f *testing.F) {
	ext := tcp6(packet.TCPSyn)
	ext.IPv6Ext = []packettest.ExtHeader{{Type: packet.ProtoHopByHop, Body: make([]byte, 6)}, {Type: packet.ProtoDstOpts, Body: make([]byte, 6)}}
	opts := tcp4(packet.TCPSyn)
	opts.IPv4Options = []byte{1, 1, 7, 7, 4, 0, 0, 0, 0}
	for _, b := range [][]byte{tcp4(packet.TCPSyn).Bytes(), tcp6(packet.TCPAck).Bytes(), ext.Bytes(), opts.Bytes(),
		packettest.ARPRequest(macA, v4A, v4B), packettest.NeighborSolicit(macA, v6A, v6B)} {
		f.Add(b)
	}
	for _, fr := range [][]byte{tcp4(0).Fragments(16, 1)[1], tcp6(0).Fragments(16, 1)[0]} {
		f.Add(fr)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, r := packet.Parse(b)
		if r >= packet.NumReasons {
			t.Fatalf("reason %d out of range", r)
		}
		if r != packet.OK {
			return
		}
		if int(p.End) > len(b) || int(p.L4Off) > int(p.End) && p.Family != 0 {
			t.Fatalf("offsets beyond frame: l4 %d end %d len %d", p.L4Off, p.End, len(b))
		}
		if p.HasL4 && (int(p.PayloadOff) > int(p.End) || p.PayloadOff < p.L4Off) {
			t.Fatalf("payload offset %d outside [%d,%d]", p.PayloadOff, p.L4Off, p.End)
		}
		if p.HasL4 && p.Frag.IsFragment && !p.Frag.First() {
			t.Fatalf("later fragment with transport fields")
		}
	})
}
