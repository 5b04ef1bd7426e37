package gso

import (
	"bytes"
	"encoding/binary"
	"net"
	"net/netip"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"sgswitch/iface"
	"sgswitch/packet"
	"sgswitch/packet/packettest"
)

var (
	srcMAC = net.HardwareAddr{2, 0x5e, 0x5e, 0, 0, 0x11}
	dstMAC = net.HardwareAddr{2, 0x5e, 0x5e, 0, 0, 0x12}
	src4   = net.IP{198, 18, 0, 11}
	dst4   = net.IP{198, 18, 0, 12}
	src6   = net.ParseIP("fd00:5e5e:0:1::11")
	dst6   = net.ParseIP("fd00:5e5e:0:1::12")
)

type frameSpec struct {
	v6      bool
	udp     bool
	id      uint16
	seq     uint32
	flags   string // subset of "SFPAC" (syn fin psh ack cwr)
	payload []byte
}

// build serialises a frame with correct lengths and checksums (gopacket).
func build(t testing.TB, s frameSpec) []byte {
	t.Helper()
	eth := &layers.Ethernet{SrcMAC: srcMAC, DstMAC: dstMAC, EthernetType: layers.EthernetTypeIPv4}
	var net gopacket.NetworkLayer
	var ls []gopacket.SerializableLayer
	ls = append(ls, eth)
	proto := layers.IPProtocolTCP
	if s.udp {
		proto = layers.IPProtocolUDP
	}
	if s.v6 {
		eth.EthernetType = layers.EthernetTypeIPv6
		ip := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: proto, SrcIP: src6, DstIP: dst6}
		net, ls = ip, append(ls, ip)
	} else {
		ip := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Id: s.id, Flags: layers.IPv4DontFragment, Protocol: proto, SrcIP: src4, DstIP: dst4}
		net, ls = ip, append(ls, ip)
	}
	if s.udp {
		u := &layers.UDP{SrcPort: 40000, DstPort: 5001}
		_ = u.SetNetworkLayerForChecksum(net)
		ls = append(ls, u)
	} else {
		tcp := &layers.TCP{SrcPort: 40000, DstPort: 5001, Seq: s.seq, Ack: 77, Window: 512,
			Options: []layers.TCPOption{{OptionType: layers.TCPOptionKindNop}, {OptionType: layers.TCPOptionKindNop},
				{OptionType: layers.TCPOptionKindTimestamps, OptionLength: 10, OptionData: make([]byte, 8)}}}
		for _, c := range s.flags {
			switch c {
			case 'S':
				tcp.SYN = true
			case 'F':
				tcp.FIN = true
			case 'P':
				tcp.PSH = true
			case 'A':
				tcp.ACK = true
			case 'C':
				tcp.CWR = true
			}
		}
		_ = tcp.SetNetworkLayerForChecksum(net)
		ls = append(ls, tcp)
	}
	ls = append(ls, gopacket.Payload(s.payload))
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		t.Fatal(err)
	}
	return append([]byte(nil), buf.Bytes()...)
}

func payload(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

func outBufs(n, size int) ([][]byte, []int) {
	b := make([][]byte, n)
	for i := range b {
		b[i] = make([]byte, iface.Headroom+size)
	}
	return b, make([]int, n)
}

// TestSegmentMatchesIndependentlyBuiltFrames: each segment equals the frame
// gopacket builds for that piece of the stream.
func TestSegmentMatchesIndependentlyBuiltFrames(t *testing.T) {
	cases := []struct {
		name    string
		v6, udp bool
		gsoType uint8
		mss     int
		size    int
		flags   string
	}{
		{"tcp4 exact multiple", false, false, iface.VirtioNetHdrGSOTCPv4, 1448, 1448 * 4, "AP"},
		{"tcp4 remainder fin cwr", false, false, iface.VirtioNetHdrGSOTCPv4, 1448, 65000, "APFC"},
		{"tcp6", true, false, iface.VirtioNetHdrGSOTCPv6, 1428, 30000, "AP"},
		{"tcp4 single segment", false, false, iface.VirtioNetHdrGSOTCPv4, 1448, 100, "AP"},
		{"udp4 uso", false, true, iface.VirtioNetHdrGSOUDPL4, 1472, 5000, ""},
		{"udp6 uso odd", true, true, iface.VirtioNetHdrGSOUDPL4, 1001, 3001, ""},
		{"no gso tcp6", true, false, iface.VirtioNetHdrGSONone, 0, 1000, "A"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data := payload(c.size)
			super := build(t, frameSpec{v6: c.v6, udp: c.udp, id: 0xfff0, seq: 0xffffff00, flags: c.flags, payload: data})
			// The super-frame's L4 checksum is partial, as a TAP hands it over.
			l4 := 14 + 20
			if c.v6 {
				l4 = 14 + 40
			}
			h := iface.VirtioNetHdr{Flags: iface.VirtioNetHdrFNeedsCsum, GSOType: c.gsoType, GSOSize: uint16(c.mss), CsumStart: uint16(l4)}
			csumAt := l4 + 16
			if c.udp {
				csumAt = l4 + 6
			}
			super[csumAt] ^= 0xde // not the full checksum, as with a partial sum
			out, sizes := outBufs(64, 1600)
			n, err := Segment(super, &h, out, sizes, iface.Headroom)
			if err != nil {
				t.Fatal(err)
			}
			mss := c.mss
			if mss == 0 {
				mss = c.size
			}
			if want := (c.size + mss - 1) / mss; n != want {
				t.Fatalf("got %d segments, want %d", n, want)
			}
			for i := 0; i < n; i++ {
				from, to := i*mss, min((i+1)*mss, c.size)
				flags := c.flags
				if i < n-1 {
					flags = stripAll(flags, "FP")
				}
				if i > 0 {
					flags = stripAll(flags, "C")
				}
				want := build(t, frameSpec{v6: c.v6, udp: c.udp, id: 0xfff0 + uint16(i), seq: 0xffffff00 + uint32(from), flags: flags, payload: data[from:to]})
				got := out[i][iface.Headroom : iface.Headroom+sizes[i]]
				if !bytes.Equal(got, want) {
					t.Fatalf("segment %d differs:\n got %x\nwant %x", i, got[:min(len(got), 80)], want[:min(len(want), 80)])
				}
			}
		})
	}
}

func stripAll(s, cut string) string {
	return string(bytes.Map(func(r rune) rune {
		if bytes.ContainsRune([]byte(cut), r) {
			return -1
		}
		return r
	}, []byte(s)))
}

func TestCompleteChecksum(t *testing.T) {
	for _, v6 := range []bool{false, true} {
		for _, udp := range []bool{false, true} {
			want := build(t, frameSpec{v6: v6, udp: udp, flags: "A", payload: payload(777)})
			l4 := 14 + 20
			if v6 {
				l4 = 14 + 40
			}
			off := 16
			if udp {
				off = 6
			}
			lo, err := parse(want)
			if err != nil {
				t.Fatal(err)
			}
			frame := append([]byte(nil), want...)
			// What a TAP hands over: the pseudo-header sum, folded, not inverted.
			binary.BigEndian.PutUint16(frame[l4+off:], ^packet.Fold(pseudo(frame, lo, len(frame)-l4)))
			if err := CompleteChecksum(frame, l4, off); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(frame, want) {
				t.Errorf("v6=%v udp=%v: checksum %x, want %x", v6, udp, frame[l4+off:l4+off+2], want[l4+off:l4+off+2])
			}
		}
	}
}

func TestSegmentRefusals(t *testing.T) {
	super := build(t, frameSpec{flags: "A", payload: payload(10000)})
	out, sizes := outBufs(3, 1600)
	h := iface.VirtioNetHdr{GSOType: iface.VirtioNetHdrGSOTCPv4, GSOSize: 1448}
	if _, err := Segment(super, &h, out, sizes, iface.Headroom); err != ErrTooManySegs {
		t.Errorf("7 segments into 3 buffers: err %v", err)
	}
	h.GSOType = iface.VirtioNetHdrGSOUDP
	if _, err := Segment(super, &h, out, sizes, iface.Headroom); err != ErrUnsupported {
		t.Errorf("UFO: err %v", err)
	}
	h.GSOType = iface.VirtioNetHdrGSOUDPL4
	if _, err := Segment(super, &h, out, sizes, iface.Headroom); err != ErrMalformed {
		t.Errorf("USO on a TCP frame: err %v", err)
	}
	if _, err := Segment(super[:30], &h, out, sizes, iface.Headroom); err != ErrMalformed {
		t.Errorf("truncated: err %v", err)
	}
}

// TestSegmentEdges: what Segment takes from the switch's parser. Ethernet
// padding is not payload; fragments, IPv6 extension headers and other
// protocols are refused a GSO type and otherwise copied untouched.
func TestSegmentEdges(t *testing.T) {
	out, sizes := outBufs(8, 1600)
	tcpGSO := iface.VirtioNetHdr{GSOType: iface.VirtioNetHdrGSOTCPv4, GSOSize: 100}

	padded := append(build(t, frameSpec{flags: "A", payload: payload(250)}), 0, 0, 0, 0)
	n, err := Segment(padded, &tcpGSO, out, sizes, iface.Headroom)
	if err != nil || n != 3 {
		t.Fatalf("padded super-frame: %d segments, %v", n, err)
	}
	if last := sizes[2] - (14 + 20 + 32); last != 50 {
		t.Errorf("last segment carries %d bytes, want 50 (padding left out)", last)
	}

	mac := [6]byte(srcMAC)
	f := packettest.Frame{SrcMAC: mac, DstMAC: mac, Src: netip.AddrFrom4([4]byte(src4)), Dst: netip.AddrFrom4([4]byte(dst4)),
		Proto: packet.ProtoTCP, SrcPort: 1, DstPort: 2, Payload: payload(300)}
	ext := f
	ext.Src, ext.Dst = netip.AddrFrom16([16]byte(src6)), netip.AddrFrom16([16]byte(dst6))
	ext.IPv6Ext = []packettest.ExtHeader{{Type: packet.ProtoDstOpts, Body: make([]byte, 6)}}
	icmp := f
	icmp.Proto = packet.ProtoICMP
	for _, c := range []struct {
		name  string
		frame []byte
	}{
		{"ipv4 first fragment", f.Fragments(160, 9)[0]},
		{"ipv6 extension header", ext.Bytes()},
		{"icmp", icmp.Bytes()},
	} {
		h := tcpGSO
		if _, err := Segment(c.frame, &h, out, sizes, iface.Headroom); err != ErrMalformed {
			t.Errorf("%s with TCP GSO: err %v", c.name, err)
		}
		h = iface.VirtioNetHdr{}
		n, err := Segment(c.frame, &h, out, sizes, iface.Headroom)
		if err != nil || n != 1 || !bytes.Equal(out[0][iface.Headroom:iface.Headroom+sizes[0]], c.frame) {
			t.Errorf("%s without GSO: %d frames, %v, or not copied as it was", c.name, n, err)
		}
	}
	arp := packettest.ARPRequest(mac, netip.AddrFrom4([4]byte(src4)), netip.AddrFrom4([4]byte(dst4)))
	if _, err := Segment(arp, &iface.VirtioNetHdr{}, out, sizes, iface.Headroom); err != ErrMalformed {
		t.Errorf("ARP: err %v", err)
	}
}

func TestSegmentAllocatesNothing(t *testing.T) {
	super := build(t, frameSpec{flags: "A", payload: payload(60000)})
	out, sizes := outBufs(64, 1600)
	h := iface.VirtioNetHdr{GSOType: iface.VirtioNetHdrGSOTCPv4, GSOSize: 1448}
	if a := testing.AllocsPerRun(20, func() { _, _ = Segment(super, &h, out, sizes, iface.Headroom) }); a != 0 {
		t.Errorf("%v allocations per Segment", a)
	}
}

// FuzzSegment: any input either is refused or yields segments whose
// payloads, concatenated, are the super-frame's payload, each within mss.
func FuzzSegment(f *testing.F) {
	f.Add(build(f, frameSpec{flags: "AP", payload: payload(5000)}), uint8(iface.VirtioNetHdrGSOTCPv4), uint16(1448))
	f.Add(build(f, frameSpec{v6: true, udp: true, payload: payload(3000)}), uint8(iface.VirtioNetHdrGSOUDPL4), uint16(1000))
	out, sizes := outBufs(64, 2048)
	f.Fuzz(func(t *testing.T, frame []byte, gsoType uint8, mss uint16) {
		h := iface.VirtioNetHdr{GSOType: gsoType, GSOSize: mss}
		n, err := Segment(frame, &h, out, sizes, iface.Headroom)
		if err != nil {
			return
		}
		if c, err := Count(frame, &h); err != nil || c != n {
			t.Fatalf("Count says %d (%v), Segment wrote %d", c, err, n)
		}
		lo, _ := parse(frame)
		typ := h.GSOType &^ iface.VirtioNetHdrGSOECN
		if typ != iface.VirtioNetHdrGSONone && lo.proto == 0 {
			t.Fatalf("GSO type %d accepted on a frame not segmented", h.GSOType)
		}
		var got []byte
		for i := 0; i < n; i++ {
			seg := out[i][iface.Headroom : iface.Headroom+sizes[i]]
			p := seg[lo.payload:]
			if mss > 0 && typ != iface.VirtioNetHdrGSONone && len(p) > int(mss) {
				t.Fatalf("segment %d carries %d > mss %d", i, len(p), mss)
			}
			got = append(got, p...)
		}
		if !bytes.Equal(got, frame[lo.payload:lo.end]) {
			t.Fatal("segments do not reassemble to the payload")
		}
	})
}

// BenchmarkSegment cuts super-frames of 64 KB (TCP) and 16 KB (UDP) into
// wire-size frames; bytes/s is super-frame bytes.
func BenchmarkSegment(b *testing.B) {
	for _, c := range []struct {
		name    string
		v6, udp bool
		gsoType uint8
		mss     int
		size    int
	}{
		{"tcp4-64k", false, false, iface.VirtioNetHdrGSOTCPv4, 1448, 65000},
		{"tcp6-64k", true, false, iface.VirtioNetHdrGSOTCPv6, 1428, 65000},
		{"udp4-16k", false, true, iface.VirtioNetHdrGSOUDPL4, 1472, 16000},
	} {
		b.Run(c.name, func(b *testing.B) {
			super := build(b, frameSpec{v6: c.v6, udp: c.udp, flags: "A", payload: payload(c.size)})
			h := iface.VirtioNetHdr{GSOType: c.gsoType, GSOSize: uint16(c.mss)}
			out, sizes := outBufs(64, 1600)
			b.SetBytes(int64(len(super)))
			for b.Loop() {
				if _, err := Segment(super, &h, out, sizes, iface.Headroom); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCompleteChecksum finishes the partial checksum of a 1500-byte
// TCP frame.
func BenchmarkCompleteChecksum(b *testing.B) {
	frame := build(b, frameSpec{flags: "A", payload: payload(1448)})
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		_ = CompleteChecksum(frame, 34, 16)
	}
}
