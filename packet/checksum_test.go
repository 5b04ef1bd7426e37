package packet_test

import (
	"encoding/binary"
	"encoding/hex"
	"strconv"
	"testing"

	"pgregory.net/rapid"

	"sgswitch/packet"
)

// naiveSum is the reference: RFC 1071 byte by byte, even bytes high, odd
// bytes low, folded at the end.
func naiveSum(b []byte, initial uint32) uint32 {
	s := uint64(initial)
	for i, c := range b {
		if i%2 == 0 {
			s += uint64(c) << 8
		} else {
			s += uint64(c)
		}
	}
	for s > 0xffff {
		s = s>>16 + s&0xffff
	}
	return uint32(s)
}

func TestSumKnown(t *testing.T) {
	for _, c := range []struct {
		name    string
		data    []byte
		initial uint32
		sum     uint32 // folded, not complemented
	}{
		{"empty", nil, 0, 0},
		{"RFC 1071 section 3", []byte{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7}, 0, 0xddf2},
		{"one byte is the high half", []byte{0x01}, 0, 0x0100},
		{"three bytes", []byte{0xab, 0xcd, 0xef}, 0, 0x9ace}, // abcd + ef00 = 1_9acd
		{"end-around carry", []byte{0xff, 0xff, 0x00, 0x01}, 0, 0x0001},
		{"all ones stays ffff", []byte{0xff, 0xff, 0xff, 0xff}, 0, 0xffff},
		{"initial carried in", []byte{0x80, 0x00}, 0x8000, 0x0001},
		{"large initial", nil, 0xffffffff, 0xffff},
		{"nine bytes (word and tail)", []byte{1, 2, 3, 4, 5, 6, 7, 8, 9}, 0, 0x1914}, // 0102+0304+0506+0708+0900
		{"65 bytes of ff (unrolled loop and odd tail)", ones(65), 0, 0xff00},         // 32 × ffff = ffff; + ff00 = 1_feff,
	} {
		if got := packet.Sum(c.data, c.initial); got != c.sum {
			t.Errorf("%s: Sum %#04x, want %#04x", c.name, got, c.sum)
		}
		if got := naiveSum(c.data, c.initial); got != c.sum {
			t.Errorf("%s: the reference says %#04x, the table %#04x", c.name, got, c.sum)
		}
	}
	if got := packet.Checksum([]byte{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7}); got != 0x220d {
		t.Errorf("RFC 1071 example: checksum %#04x, want 0x220d", got)
	}
	if got := packet.Checksum(nil); got != 0xffff {
		t.Errorf("checksum of nothing %#04x, want 0xffff", got)
	}
}

func ones(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = 0xff
	}
	return b
}

// capturedFrames were captured on 2026-12-05 (kernel 6.18) on a veth whose
// peer had transmit checksum offload off, so the kernel computed every
// checksum in software: ping, ping -6 -s 13, a TCP connection's SYN and a
// data segment of 23 bytes, UDP datagrams of 19 (IPv6) and 9 (IPv4) bytes,
// and an MLDv2 report behind a hop-by-hop header. Most transport lengths
// are odd. Addresses are the benchmarking ranges of these tests.
var capturedFrames = []struct {
	name           string
	hex            string
	ipv4Sum, l4Sum uint16
}{
	{"ipv4 icmp echo", "025e5e00000b025e5e00000a0800450000540c4e40004001a233c6120001c612" +
		"00020800935f2d1f0001ddd4136b00000000856d020000000000101112131415" +
		"161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435" +
		"3637", 0xa233, 0x935f},
	{"ipv6 icmpv6 echo, 21 bytes", "025e5e00000b025e5e00000a86dd6007700000153a40fd005e5e000000000000" +
		"000000000001fd005e5e000000000000000000000002800071a92d2000010001" +
		"02030405060708090a0b0c", 0, 0x71a9},
	{"ipv4 tcp syn with options", "025e5e00000b025e5e00000a08004500003cdf7e40004006cf15c6120001c612" +
		"0002b8421389b80384c100000000a002faf06d7f0000020405b40402080a5fc3" +
		"eb10000000000103030a", 0xcf15, 0x6d7f},
	{"ipv4 tcp, 55 bytes", "025e5e00000b025e5e00000a08004500004bdf8040004006cf04c6120001c612" +
		"0002b8421389b80384c2dbff8d098018003fa7c800000101080a5fc3eb10fdf1" +
		"daa7736773776974636820636865636b73756d206672616d65", 0xcf04, 0xa7c8},
	{"ipv6 udp, 27 bytes", "025e5e00000b025e5e00000a86dd6005926f001b1140fd005e5e000000000000" +
		"000000000001fd005e5e000000000000000000000002d157138a001bd0906f64" +
		"642d6c656e677468207061796c6f616421", 0, 0xd090},
	{"ipv4 udp, 17 bytes", "025e5e00000b025e5e00000a0800450000253cea4000401171b6c6120001c612" +
		"0002ac21138b0011df3b736773776974636821", 0x71b6, 0xdf3b},
	{"ipv6 hop-by-hop mldv2", "333300000016025e5e00000a86dd6000000000380001fe80000000000000005e" +
		"5efffe00000aff0200000000000000000000000000163a000502000001008f00" +
		"117c0000000204000000ff0200000000000000000001ff00000a04000000ff02" +
		"00000000000000000001ff000001", 0, 0x117c},
}

// TestChecksumCapturedFrames: recomputing each checksum of a real frame
// gives what the kernel wrote, and verifying the frame as it is gives 0.
func TestChecksumCapturedFrames(t *testing.T) {
	for _, c := range capturedFrames {
		frame, err := hex.DecodeString(c.hex)
		if err != nil {
			t.Fatal(err)
		}
		p, r := packet.Parse(frame)
		if r != packet.OK || !p.HasL4 {
			t.Fatalf("%s: parse %v", c.name, r)
		}
		var pseudo uint32
		if p.Family == 4 {
			ip := packet.IPv4(frame[p.L3Off:])
			if ip.Checksum() != c.ipv4Sum || packet.Checksum(ip[:ip.HeaderLen()]) != 0 {
				t.Errorf("%s: IPv4 header checksum %#04x does not verify", c.name, ip.Checksum())
			}
			ip.FillChecksum()
			if ip.Checksum() != c.ipv4Sum {
				t.Errorf("%s: IPv4 header checksum recomputed %#04x, want %#04x", c.name, ip.Checksum(), c.ipv4Sum)
			}
			if p.Proto != packet.ProtoICMP {
				pseudo = ip.PseudoSum(p.Proto, int(p.End-p.L4Off))
				if s4 := packet.PseudoSum4([4]byte(p.Src[:4]), [4]byte(p.Dst[:4]), p.Proto, int(p.End-p.L4Off)); packet.Fold(s4) != packet.Fold(pseudo) {
					t.Errorf("%s: PseudoSum4 %#x, IPv4.PseudoSum %#x", c.name, s4, pseudo)
				}
			}
		} else {
			pseudo = packet.IPv6(frame[p.L3Off:]).PseudoSum(p.Proto, int(p.End-p.L4Off))
			if s6 := packet.PseudoSum6(p.Src, p.Dst, p.Proto, int(p.End-p.L4Off)); s6 != pseudo {
				t.Errorf("%s: PseudoSum6 %#x, IPv6.PseudoSum %#x", c.name, s6, pseudo)
			}
		}
		l4 := frame[p.L4Off:p.End]
		if got := packet.Fold(packet.Sum(l4, pseudo)); got != 0 {
			t.Errorf("%s: transport checksum does not verify (%#04x)", c.name, got)
		}
		var got uint16
		switch p.Proto {
		case packet.ProtoTCP:
			packet.TCP(l4).FillChecksum(pseudo)
			got = packet.TCP(l4).Checksum()
		case packet.ProtoUDP:
			packet.UDP(l4).FillChecksum(pseudo)
			got = packet.UDP(l4).Checksum()
		default:
			packet.ICMP(l4).FillChecksum(pseudo)
			got = packet.ICMP(l4).Checksum()
		}
		if got != c.l4Sum {
			t.Errorf("%s: transport checksum recomputed %#04x, want %#04x", c.name, got, c.l4Sum)
		}
	}
}

// TestSumChains: a sum taken in even-length pieces, or with a header in
// one buffer and the payload in another, equals the sum of the whole.
func TestSumChains(t *testing.T) {
	b := make([]byte, 1501)
	for i := range b {
		b[i] = byte(i*151 + i>>3)
	}
	whole := packet.Sum(b, 0)
	for _, cut := range []int{0, 2, 8, 20, 64, 66, 1000, 1500} {
		if got := packet.Sum(b[cut:], packet.Sum(b[:cut], 0)); got != whole {
			t.Errorf("cut at %d: %#04x, whole %#04x", cut, got, whole)
		}
	}
}

// TestUDPChecksumNeverZero: a UDP checksum that computes to 0 is sent as
// 0xffff (0 means none).
func TestUDPChecksumNeverZero(t *testing.T) {
	u := make([]byte, packet.UDPLen+2)
	packet.UDP(u).Encode(0, 0, uint16(len(u)))
	// Choose the payload so that the whole sums to 0xffff: the checksum
	// computes to 0.
	rest := packet.Sum(u, 0)
	binary.BigEndian.PutUint16(u[packet.UDPLen:], uint16(0xffff-rest))
	packet.UDP(u).FillChecksum(0)
	if got := packet.UDP(u).Checksum(); got != 0xffff {
		t.Fatalf("checksum %#04x, want 0xffff", got)
	}
	if packet.Fold(packet.Sum(u, 0)) != 0 {
		t.Fatal("0xffff does not verify")
	}
}

// TestSumMatchesReference: the word-at-a-time Sum equals the byte-by-byte
// reference for any bytes, length, alignment and initial sum, and a
// checksum it fills verifies.
func TestSumMatchesReference(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		b := rapid.SliceOfN(rapid.Byte(), 0, 3000).Draw(t, "b")
		skip := rapid.IntRange(0, 7).Draw(t, "skip") // alignment of the slice's start
		if skip > len(b) {
			skip = len(b)
		}
		b = b[skip:]
		initial := rapid.Uint32().Draw(t, "initial")
		if got, want := packet.Sum(b, initial), naiveSum(b, initial); got != want {
			t.Fatalf("Sum %#04x, reference %#04x (len %d)", got, want, len(b))
		}
		if len(b) >= 2 {
			at := rapid.IntRange(0, len(b)/2-1).Draw(t, "at") * 2
			packet.PutChecksum(b, at, initial)
			if v := packet.Fold(packet.Sum(b, initial)); v != 0 {
				t.Fatalf("filled checksum verifies as %#04x", v)
			}
		}
	})
}

// FuzzChecksum compares Sum with the byte-by-byte reference, whole and
// in two pieces cut at an even offset.
func FuzzChecksum(f *testing.F) {
	for _, c := range capturedFrames {
		b, _ := hex.DecodeString(c.hex)
		f.Add(b, uint32(0), uint16(14))
	}
	f.Add([]byte{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7}, uint32(0), uint16(4))
	f.Add(ones(65), uint32(0xffffffff), uint16(64))
	f.Add([]byte{0xab}, uint32(0xffff), uint16(0))
	f.Fuzz(func(t *testing.T, b []byte, initial uint32, cut uint16) {
		want := naiveSum(b, initial)
		if got := packet.Sum(b, initial); got != want {
			t.Fatalf("Sum %#04x, reference %#04x", got, want)
		}
		c := min(int(cut)&^1, len(b)&^1)
		if got := packet.Sum(b[c:], packet.Sum(b[:c], initial)); got != want {
			t.Fatalf("cut at %d: %#04x, reference %#04x", c, got, want)
		}
	})
}

func TestChecksumNoAllocs(t *testing.T) {
	seg := make([]byte, 1500)
	ip := make([]byte, packet.IPv4MinLen)
	buf := make([]byte, packet.NeighborAdvertLen)
	var src, dst [16]byte
	if n := testing.AllocsPerRun(100, func() {
		packet.IPv4(ip).Encode(&packet.IPv4Fields{TotalLen: 1500, TTL: 64, Protocol: packet.ProtoTCP})
		packet.TCP(seg).Encode(&packet.TCPFields{SrcPort: 1, DstPort: 2, Flags: packet.TCPAck})
		packet.TCP(seg).FillChecksum(packet.IPv4(ip).PseudoSum(packet.ProtoTCP, len(seg)))
		packet.BuildNeighborAdvert(buf, macA, src, macB, dst, packet.NASolicited)
	}); n != 0 {
		t.Fatalf("%v allocations", n)
	}
}

func BenchmarkSum(b *testing.B) {
	for _, n := range []int{20, 40, 1500, 65000} {
		buf := make([]byte, n)
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			b.SetBytes(int64(n))
			for b.Loop() {
				sink += packet.Sum(buf, 0)
			}
		})
	}
}

var sink uint32
