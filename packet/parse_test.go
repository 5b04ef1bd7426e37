package packet_test

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"sgswitch/packet"
	"sgswitch/packet/packettest"
)

var (
	macA = [6]byte{2, 0, 0, 0, 0, 0xa}
	macB = [6]byte{2, 0, 0, 0, 0, 0xb}
	v4A  = netip.MustParseAddr("198.18.0.10")
	v4B  = netip.MustParseAddr("198.18.0.11")
	v6A  = netip.MustParseAddr("fd00:5e5e:0:1::10")
	v6B  = netip.MustParseAddr("fd00:5e5e:0:1::11")
)

func tcp4(flags uint8) packettest.Frame {
	return packettest.Frame{SrcMAC: macA, DstMAC: macB, Src: v4A, Dst: v4B, Proto: packet.ProtoTCP,
		SrcPort: 40000, DstPort: 80, TCPFlags: flags, Payload: []byte("hello")}
}

func tcp6(flags uint8) packettest.Frame {
	f := tcp4(flags)
	f.Src, f.Dst = v6A, v6B
	return f
}

func addr16(a netip.Addr) (b [16]byte) {
	copy(b[:], a.AsSlice())
	return b
}

func TestParseTable(t *testing.T) {
	withOpts := tcp4(packet.TCPSyn)
	withOpts.IPv4Options = []byte{1, 1, 7, 7, 4, 0, 0, 0, 0} // NOP NOP record-route(len 7) EOL
	withExt := tcp6(packet.TCPSyn)
	withExt.IPv6Ext = []packettest.ExtHeader{{Type: packet.ProtoHopByHop, Body: []byte{1, 4, 0, 0, 0, 0}},
		{Type: packet.ProtoRouting, Body: make([]byte, 6)}, {Type: packet.ProtoDstOpts, Body: make([]byte, 6)}}
	esp := tcp6(0)
	esp.Proto = packet.ProtoESP
	esp.Payload = make([]byte, 16)
	echo := packettest.Frame{SrcMAC: macA, DstMAC: macB, Src: v4A, Dst: v4B, Proto: packet.ProtoICMP,
		ICMPType: 8, ICMPID: 0x1234}
	echo6 := echo
	echo6.Src, echo6.Dst, echo6.Proto, echo6.ICMPType = v6A, v6B, packet.ProtoICMPv6, 128
	unreach := echo
	unreach.ICMPType, unreach.ICMPCode = 3, 4
	udp := tcp4(0)
	udp.Proto = packet.ProtoUDP
	gre := tcp4(0)
	gre.Proto = 47

	cases := []struct {
		name  string
		frame []byte
		want  packet.Parsed // only the fields checked below
		r     packet.Reason
	}{
		{"tcp4", tcp4(packet.TCPSyn).Bytes(), packet.Parsed{Family: 4, Proto: 6, SrcPort: 40000, DstPort: 80, TCPFlags: packet.TCPSyn, HasL4: true}, packet.OK},
		{"tcp4 options", withOpts.Bytes(), packet.Parsed{Family: 4, Proto: 6, SrcPort: 40000, DstPort: 80, TCPFlags: packet.TCPSyn, HasL4: true}, packet.OK},
		{"tcp6", tcp6(packet.TCPAck).Bytes(), packet.Parsed{Family: 6, Proto: 6, SrcPort: 40000, DstPort: 80, TCPFlags: packet.TCPAck, HasL4: true}, packet.OK},
		{"tcp6 ext chain", withExt.Bytes(), packet.Parsed{Family: 6, Proto: 6, SrcPort: 40000, DstPort: 80, TCPFlags: packet.TCPSyn, HasL4: true}, packet.OK},
		{"esp6 is other", esp.Bytes(), packet.Parsed{Family: 6, Proto: packet.ProtoESP}, packet.OK},
		{"udp4", udp.Bytes(), packet.Parsed{Family: 4, Proto: 17, SrcPort: 40000, DstPort: 80, HasL4: true}, packet.OK},
		{"gre4 is other", gre.Bytes(), packet.Parsed{Family: 4, Proto: 47}, packet.OK},
		{"echo4", echo.Bytes(), packet.Parsed{Family: 4, Proto: 1, ICMPType: 8, ICMPID: 0x1234, HasL4: true}, packet.OK},
		{"echo6", echo6.Bytes(), packet.Parsed{Family: 6, Proto: 58, ICMPType: 128, ICMPID: 0x1234, HasL4: true}, packet.OK},
		{"unreachable4", unreach.Bytes(), packet.Parsed{Family: 4, Proto: 1, ICMPType: 3, ICMPCode: 4, HasL4: true}, packet.OK},
		{"arp", packettest.ARPRequest(macA, v4A, v4B), packet.Parsed{ARPOp: 1}, packet.OK},
		{"runt", []byte{1, 2, 3}, packet.Parsed{}, packet.EthTruncated},
		{"vlan", append(tcp4(0).Bytes()[:12], 0x81, 0, 0, 1), packet.Parsed{}, packet.VLANTagged},
		{"ipx", append(tcp4(0).Bytes()[:12], 0x81, 0x37), packet.Parsed{}, packet.EtherTypeOther},
		{"ipv4 cut", tcp4(0).Bytes()[:30], packet.Parsed{}, packet.IPv4Malformed},
		{"tcp cut", tcp4(0).Bytes()[:14+20+10], packet.Parsed{}, packet.IPv4Malformed},
		{"ipv6 cut", tcp6(0).Bytes()[:50], packet.Parsed{}, packet.IPv6Malformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, r := packet.Parse(c.frame)
			if r != c.r {
				t.Fatalf("reason %v, want %v", r, c.r)
			}
			if r != packet.OK {
				return
			}
			got := packet.Parsed{Family: p.Family, Proto: p.Proto, SrcPort: p.SrcPort, DstPort: p.DstPort,
				TCPFlags: p.TCPFlags, HasL4: p.HasL4, ICMPType: p.ICMPType, ICMPCode: p.ICMPCode, ICMPID: p.ICMPID, ARPOp: p.ARPOp}
			if got != c.want {
				t.Fatalf("parsed %+v\nwant %+v", got, c.want)
			}
			if p.SrcMAC != macA {
				t.Fatalf("src mac %x", p.SrcMAC)
			}
		})
	}
}

// A TCP header whose data offset says more than the datagram holds.
func TestParseTCPBadOffset(t *testing.T) {
	b := tcp4(0).Bytes()
	b[14+20+12] = 15 << 4
	if _, r := packet.Parse(b); r != packet.L4Truncated {
		t.Fatalf("reason %v", r)
	}
}

// Ethernet padding after the datagram is not payload.
func TestParseIgnoresPadding(t *testing.T) {
	f := tcp4(0)
	f.Payload = nil
	b := f.Bytes()
	n := len(b)
	b = append(b, make([]byte, 60-n+10)...)
	p, r := packet.Parse(b)
	if r != packet.OK || int(p.End) != n {
		t.Fatalf("reason %v end %d want %d", r, p.End, n)
	}
}

func TestParseMalformedIPv4Options(t *testing.T) {
	f := tcp4(0)
	f.IPv4Options = []byte{7, 9, 0, 0} // record route claiming 9 bytes in a 4-byte area
	if _, r := packet.Parse(f.Bytes()); r != packet.IPv4Malformed {
		t.Fatalf("reason %v", r)
	}
}

func TestParseIPv6HopByHopNotFirst(t *testing.T) {
	f := tcp6(0)
	f.IPv6Ext = []packettest.ExtHeader{{Type: packet.ProtoDstOpts, Body: make([]byte, 6)}, {Type: packet.ProtoHopByHop, Body: make([]byte, 6)}}
	if _, r := packet.Parse(f.Bytes()); r != packet.IPv6ExtMalformed {
		t.Fatalf("reason %v", r)
	}
}

func TestParseIPv6ChainTooLong(t *testing.T) {
	f := tcp6(0)
	for i := 0; i < 9; i++ {
		f.IPv6Ext = append(f.IPv6Ext, packettest.ExtHeader{Type: packet.ProtoDstOpts, Body: make([]byte, 6)})
	}
	if _, r := packet.Parse(f.Bytes()); r != packet.IPv6ExtMalformed {
		t.Fatalf("reason %v", r)
	}
}

func TestParseFragments(t *testing.T) {
	for _, f := range []packettest.Frame{tcp4(packet.TCPSyn), tcp6(packet.TCPSyn)} {
		f.Payload = make([]byte, 100)
		frags := f.Fragments(48, 77)
		if len(frags) != 3 {
			t.Fatalf("%d fragments", len(frags))
		}
		p, r := packet.Parse(frags[0])
		if r != packet.OK || !p.Frag.First() || !p.HasL4 || p.DstPort != 80 || p.Frag.ID != 77 || p.Frag.Proto != 6 {
			t.Fatalf("first fragment: %v %+v", r, p)
		}
		p, r = packet.Parse(frags[1])
		if r != packet.OK || !p.Frag.IsFragment || p.Frag.First() || p.HasL4 || p.Frag.Offset != 48 || !p.Frag.More || p.Frag.Proto != 6 {
			t.Fatalf("second fragment: %v %+v", r, p)
		}
		p, r = packet.Parse(frags[2])
		if r != packet.OK || p.Frag.More || p.Frag.Offset != 96 {
			t.Fatalf("last fragment: %v %+v", r, p)
		}
		// First fragment too short to hold the TCP header.
		tiny := f.Fragments(8, 78)
		if _, r := packet.Parse(tiny[0]); r != packet.L4Truncated {
			t.Fatalf("tiny first fragment: %v", r)
		}
		if _, r := packet.Parse(tiny[1]); r != packet.FragMalformed {
			t.Fatalf("TCP fragment at offset 8: %v", r)
		}
	}
}

func TestParseAddresses(t *testing.T) {
	p, _ := packet.Parse(tcp6(0).Bytes())
	if p.Src != addr16(v6A) || p.Dst != addr16(v6B) {
		t.Fatalf("v6 addrs %x %x", p.Src, p.Dst)
	}
	p, _ = packet.Parse(tcp4(0).Bytes())
	var want [16]byte
	copy(want[:], v4A.AsSlice())
	if p.Src != want {
		t.Fatalf("v4 src %x", p.Src)
	}
}

// TestParseAgreesWithGopacket checks the hand parser against gopacket's
// decoders on the frames of the table.
func TestParseAgreesWithGopacket(t *testing.T) {
	frames := [][]byte{tcp4(packet.TCPSyn | packet.TCPAck).Bytes(), tcp6(packet.TCPFin).Bytes()}
	u := tcp6(0)
	u.Proto = packet.ProtoUDP
	u.IPv6Ext = []packettest.ExtHeader{{Type: packet.ProtoHopByHop, Body: make([]byte, 6)}}
	frames = append(frames, u.Bytes())
	for _, b := range frames {
		p, r := packet.Parse(b)
		if r != packet.OK {
			t.Fatal(r)
		}
		g := gopacket.NewPacket(b, layers.LayerTypeEthernet, gopacket.Default)
		if tl, ok := g.Layer(layers.LayerTypeTCP).(*layers.TCP); ok {
			if uint16(tl.SrcPort) != p.SrcPort || uint16(tl.DstPort) != p.DstPort || tl.SYN != (p.TCPFlags&packet.TCPSyn != 0) {
				t.Fatalf("tcp disagrees: %+v vs %+v", tl, p)
			}
			if !bytes.Equal(tl.Payload, b[p.PayloadOff:p.End]) {
				t.Fatalf("payload disagrees")
			}
		} else if ul, ok := g.Layer(layers.LayerTypeUDP).(*layers.UDP); ok {
			if uint16(ul.DstPort) != p.DstPort {
				t.Fatalf("udp disagrees")
			}
		} else {
			t.Fatalf("gopacket found no transport layer: %v", g)
		}
	}
}

func TestBuildNeighborAdvertChecksum(t *testing.T) {
	buf := make([]byte, packet.NeighborAdvertLen)
	n := packet.BuildNeighborAdvert(buf, macB, addr16(v6B), macA, addr16(v6A), packet.NASolicited|packet.NAOverride)
	g := gopacket.NewPacket(buf[:n], layers.LayerTypeEthernet, gopacket.Default)
	na, ok := g.Layer(layers.LayerTypeICMPv6NeighborAdvertisement).(*layers.ICMPv6NeighborAdvertisement)
	if !ok {
		t.Fatalf("not an NA: %v", g)
	}
	if !na.TargetAddress.Equal(v6B.AsSlice()) || !na.Solicited() || len(na.Options) != 1 || !bytes.Equal(na.Options[0].Data, macB[:]) {
		t.Fatalf("NA %+v", na)
	}
	icmp := buf[14+40 : n]
	sum := packet.PseudoHeaderSum(v6B.AsSlice(), v6A.AsSlice(), packet.ProtoICMPv6, len(icmp))
	if packet.Fold(packet.Sum(icmp, sum)) != 0 {
		t.Fatalf("bad ICMPv6 checksum %x", binary.BigEndian.Uint16(icmp[2:]))
	}
}

func TestBuildARPReply(t *testing.T) {
	buf := make([]byte, packet.ARPReplyLen)
	n := packet.BuildARPReply(buf, macB, v4B.As4(), macA, v4A.As4())
	g := gopacket.NewPacket(buf[:n], layers.LayerTypeEthernet, gopacket.Default)
	a, ok := g.Layer(layers.LayerTypeARP).(*layers.ARP)
	if !ok || a.Operation != 2 || !bytes.Equal(a.SourceHwAddress, macB[:]) || !bytes.Equal(a.SourceProtAddress, v4B.AsSlice()) ||
		!bytes.Equal(a.DstHwAddress, macA[:]) {
		t.Fatalf("ARP reply %+v", a)
	}
}

func TestParseNoAllocs(t *testing.T) {
	b := tcp4(0).Bytes()
	var p packet.Parsed
	if n := testing.AllocsPerRun(100, func() { packet.ParseInto(b, &p) }); n != 0 {
		t.Fatalf("%v allocs per parse", n)
	}
}

func BenchmarkParse(b *testing.B) {
	for _, c := range []struct {
		name  string
		frame []byte
	}{{"ipv4-tcp", tcp4(packet.TCPAck).Bytes()}, {"ipv6-tcp", tcp6(packet.TCPAck).Bytes()}} {
		b.Run(c.name, func(b *testing.B) {
			var p packet.Parsed
			for b.Loop() {
				packet.ParseInto(c.frame, &p)
			}
		})
	}
	b.Run("gopacket-ipv4-tcp", func(b *testing.B) {
		var eth layers.Ethernet
		var ip4 layers.IPv4
		var tcp layers.TCP
		parser := gopacket.NewDecodingLayerParser(layers.LayerTypeEthernet, &eth, &ip4, &tcp)
		decoded := make([]gopacket.LayerType, 0, 4)
		frame := tcp4(packet.TCPAck).Bytes()
		for b.Loop() {
			_ = parser.DecodeLayers(frame, &decoded)
		}
	})
}
