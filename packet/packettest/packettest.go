// Package packettest builds Ethernet frames for tests: IPv4 (with options),
// IPv6 (with extension headers), TCP, UDP, ICMP, ICMPv6, ARP, Neighbor
// Solicitation, and fragments of any of them. Checksums are correct, so the
// frames are also fit for a real stack. It allocates freely: tests only.
package packettest

import (
	"encoding/binary"
	"net/netip"

	"sgswitch/packet"
)

// Frame describes one IP frame to build.
type Frame struct {
	SrcMAC, DstMAC   [6]byte
	Src, Dst         netip.Addr // both IPv4 or both IPv6
	Proto            uint8
	SrcPort, DstPort uint16 // TCP, UDP
	TCPFlags         uint8
	ICMPType         uint8 // ICMP, ICMPv6
	ICMPCode         uint8
	ICMPID           uint16 // echo identifier
	Payload          []byte
	IPv4Options      []byte      // padded to a multiple of 4
	IPv6Ext          []ExtHeader // inserted before the upper-layer header
	ID               uint16      // IPv4 identification
	TTL              uint8       // default 64
}

// ExtHeader is an IPv6 extension header: its type and body (the bytes after
// next-header and length; padded to 6+8n bytes).
type ExtHeader struct {
	Type uint8
	Body []byte
}

// L4 builds the upper-layer header and payload, checksummed.
func (f Frame) L4() []byte {
	var b []byte
	switch f.Proto {
	case packet.ProtoTCP:
		b = make([]byte, packet.TCPMinLen+len(f.Payload))
		t := packet.TCP(b)
		t.Encode(&packet.TCPFields{SrcPort: f.SrcPort, DstPort: f.DstPort, Seq: 1000, Flags: f.TCPFlags, Window: 65535})
		copy(b[packet.TCPMinLen:], f.Payload)
		t.FillChecksum(f.pseudo(len(b)))
	case packet.ProtoUDP:
		b = make([]byte, packet.UDPLen+len(f.Payload))
		u := packet.UDP(b)
		u.Encode(f.SrcPort, f.DstPort, uint16(len(b)))
		copy(b[packet.UDPLen:], f.Payload)
		u.FillChecksum(f.pseudo(len(b)))
	case packet.ProtoICMP, packet.ProtoICMPv6:
		b = make([]byte, packet.ICMPLen+len(f.Payload))
		c := packet.ICMP(b)
		c.Encode(f.ICMPType, f.ICMPCode, uint32(f.ICMPID)<<16|1)
		copy(b[packet.ICMPLen:], f.Payload)
		var pseudo uint32 // ICMPv4 has no pseudo-header
		if f.Proto == packet.ProtoICMPv6 {
			pseudo = f.pseudo(len(b))
		}
		c.FillChecksum(pseudo)
	default:
		b = append([]byte(nil), f.Payload...)
	}
	return b
}

// pseudo is the pseudo-header sum for an upper-layer message of length n.
func (f Frame) pseudo(n int) uint32 {
	return packet.PseudoHeaderSum(f.Src.AsSlice(), f.Dst.AsSlice(), f.Proto, n)
}

// Bytes builds the whole frame.
func (f Frame) Bytes() []byte {
	return f.withL4(f.L4())
}

func (f Frame) withL4(l4 []byte) []byte {
	if f.Src.Is4() {
		return f.ipv4(l4, 0, false)
	}
	return f.ipv6(l4, nil)
}

func (f Frame) eth(typ uint16) []byte {
	b := make([]byte, packet.EthernetLen, 128)
	packet.Ethernet(b).Encode(f.DstMAC, f.SrcMAC, typ)
	return b
}

func (f Frame) ttl() uint8 {
	if f.TTL == 0 {
		return 64
	}
	return f.TTL
}

// ipv4 builds the frame with data as the IP payload at fragment offset off.
func (f Frame) ipv4(data []byte, off int, more bool) []byte {
	opts := append([]byte(nil), f.IPv4Options...)
	for len(opts)%4 != 0 {
		opts = append(opts, 0)
	}
	ip := make([]byte, packet.IPv4MinLen+len(opts))
	packet.IPv4(ip).Encode(&packet.IPv4Fields{TotalLen: uint16(len(ip) + len(data)), ID: f.ID,
		MoreFragments: more, FragmentOffset: uint16(off), TTL: f.ttl(), Protocol: f.Proto,
		Src: f.Src.As4(), Dst: f.Dst.As4(), Options: opts})
	return append(append(f.eth(packet.EtherTypeIPv4), ip...), data...)
}

// ipv6 builds the frame; frag, when set, is an 8-byte fragment header
// placed after f.IPv6Ext, and data follows it.
func (f Frame) ipv6(data []byte, frag []byte) []byte {
	var ext []byte
	types := []uint8{}
	for _, e := range f.IPv6Ext {
		types = append(types, e.Type)
	}
	if frag != nil {
		types = append(types, packet.ProtoFragment)
	}
	next := func(i int) uint8 {
		if i+1 < len(types) {
			return types[i+1]
		}
		return f.Proto
	}
	for i, e := range f.IPv6Ext {
		body := append([]byte(nil), e.Body...)
		for (len(body)+2)%8 != 0 {
			body = append(body, 0)
		}
		ext = append(ext, next(i), byte((len(body)+2)/8-1))
		ext = append(ext, body...)
	}
	if frag != nil {
		frag[0] = next(len(types) - 1)
		ext = append(ext, frag...)
	}
	first := f.Proto
	if len(types) > 0 {
		first = types[0]
	}
	ip := make([]byte, packet.IPv6Len)
	packet.IPv6(ip).Encode(&packet.IPv6Fields{PayloadLen: uint16(len(ext) + len(data)), NextHeader: first,
		HopLimit: f.ttl(), Src: f.Src.As16(), Dst: f.Dst.As16()})
	b := append(f.eth(packet.EtherTypeIPv6), ip...)
	return append(append(b, ext...), data...)
}

// Fragments splits the frame's IP payload (upper-layer header included)
// into fragments carrying at most size bytes each (size is rounded down to
// a multiple of 8), with identification id.
func (f Frame) Fragments(size int, id uint32) [][]byte {
	data := f.L4()
	size &^= 7
	if size == 0 {
		panic("packettest: fragment size below 8")
	}
	var out [][]byte
	for off := 0; off < len(data); off += size {
		end := min(off+size, len(data))
		more := end < len(data)
		if f.Src.Is4() {
			g := f
			g.ID = uint16(id)
			out = append(out, g.ipv4(data[off:end], off, more))
			continue
		}
		fh := make([]byte, 8)
		fo := uint16(off)
		if more {
			fo |= 1
		}
		binary.BigEndian.PutUint16(fh[2:], fo)
		binary.BigEndian.PutUint32(fh[4:], id)
		out = append(out, f.ipv6(data[off:end], fh))
	}
	return out
}

// ARPRequest builds a broadcast ARP request from (mac, ip) for target.
func ARPRequest(mac [6]byte, ip, target netip.Addr) []byte {
	f := Frame{SrcMAC: mac, DstMAC: [6]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}
	b := f.eth(packet.EtherTypeARP)
	a := make([]byte, packet.ARPLen)
	packet.ARP(a).Encode(packet.ARPRequest, mac, ip.As4(), [6]byte{}, target.As4())
	return append(b, a...)
}

// SolicitedNode is the solicited-node multicast address of a.
func SolicitedNode(a netip.Addr) netip.Addr {
	b := a.As16()
	m := [16]byte{0: 0xff, 1: 0x02, 11: 0x01, 12: 0xff, 13: b[13], 14: b[14], 15: b[15]}
	return netip.AddrFrom16(m)
}

// MulticastMAC is the Ethernet address of IPv6 multicast group a.
func MulticastMAC(a netip.Addr) [6]byte {
	b := a.As16()
	return [6]byte{0x33, 0x33, b[12], b[13], b[14], b[15]}
}

// NeighborSolicit builds a Neighbor Solicitation from (mac, src) for target,
// sent to target's solicited-node multicast group, with a source link-layer
// address option (left out when src is unspecified, as in DAD).
func NeighborSolicit(mac [6]byte, src, target netip.Addr) []byte {
	dst := SolicitedNode(target)
	body := make([]byte, 20)
	copy(body[4:20], target.AsSlice())
	if !src.IsUnspecified() {
		body = append(body, 1, 1)
		body = append(body, mac[:]...)
	}
	f := Frame{SrcMAC: mac, DstMAC: MulticastMAC(dst), Src: src, Dst: dst, Proto: packet.ProtoICMPv6,
		ICMPType: packet.ICMPv6NeighborSolict, TTL: 255}
	// The NS body replaces the echo-style rest-of-header: build by hand.
	m := append([]byte{packet.ICMPv6NeighborSolict, 0, 0, 0}, body...)
	packet.ICMP(m).FillChecksum(f.pseudo(len(m)))
	return f.ipv6(m, nil)
}
