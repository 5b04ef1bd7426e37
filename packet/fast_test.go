package packet_test

import (
	"encoding/binary"
	"testing"

	"sgswitch/packet"
)

// fastSeeds are frames at the edges of the fast path: what it takes, and
// frames one field away from it (options, fragments, other protocols,
// lengths just too short, padding, a bad TCP data offset).
func fastSeeds() [][]byte {
	udp := tcp4(0)
	udp.Proto = packet.ProtoUDP
	opts := tcp4(packet.TCPSyn)
	opts.IPv4Options = []byte{1, 1, 1, 0}
	echo := tcp4(0)
	echo.Proto = packet.ProtoICMP
	seeds := [][]byte{tcp4(packet.TCPSyn).Bytes(), tcp4(packet.TCPAck).Bytes(), udp.Bytes(), opts.Bytes(),
		echo.Bytes(), tcp6(packet.TCPAck).Bytes(), tcp4(0).Fragments(16, 7)[0], tcp4(0).Fragments(16, 7)[1]}
	edit := func(b []byte, f func(b []byte)) []byte {
		c := append([]byte(nil), b...)
		f(c)
		return c
	}
	t := tcp4(packet.TCPAck).Bytes()
	u := udp.Bytes()
	seeds = append(seeds,
		append(append([]byte(nil), t...), 0, 0, 0, 0), // Ethernet padding
		edit(t, func(b []byte) { b[46] = 0x40 }),      // TCP data offset 4
		edit(t, func(b []byte) { b[46] = 0xf0 }),      // TCP data offset beyond the datagram
		edit(t, func(b []byte) { binary.BigEndian.PutUint16(b[16:], 39) }),
		edit(t, func(b []byte) { binary.BigEndian.PutUint16(b[16:], uint16(len(b)-13)) }),
		edit(t, func(b []byte) { b[20] |= 0x40 }), // DF: still plain
		edit(t, func(b []byte) { b[20] |= 0x80 }), // reserved flag
		edit(t, func(b []byte) { b[14] = 0x65 }),  // version 6 in an IPv4 frame
		edit(u, func(b []byte) { binary.BigEndian.PutUint16(b[16:], 27) }),
		edit(u, func(b []byte) { binary.BigEndian.PutUint16(b[16:], 28) }),
		t[:53], u[:41], t[:14+20],
	)
	return seeds
}

// FuzzParseFast: ParseInto (with its IPv4 TCP/UDP fast path) and the
// general parser agree on every byte sequence, reason and every field.
func FuzzParseFast(f *testing.F) {
	for _, b := range fastSeeds() {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var fast, general packet.Parsed
		// Garbage in both, so a field left unwritten shows.
		for i := range 2 {
			fast.Src[i], general.Src[i] = 0xee, 0xee
		}
		fast.ICMPID, fast.ARPOp, general.ICMPID, general.ARPOp = 7, 7, 7, 7
		rf, rg := packet.ParseInto(b, &fast), packet.ParseGeneral(b, &general)
		if rf != rg || fast != general {
			t.Fatalf("frame %x:\nParseInto %v %+v\ngeneral   %v %+v", b, rf, fast, rg, general)
		}
	})
}
