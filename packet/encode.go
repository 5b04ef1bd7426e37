package packet

import "encoding/binary"

// Header building: each header type has an Encode that writes a whole
// header into its slice, and setters for the fields a segmenter rewrites.
// Encode writes every byte of the header (nothing is left from what the
// buffer held before), panics like a slice index when the slice is too
// short, and does not allocate. Checksums that cover more than the header
// (TCP, UDP, ICMP) are left zero by Encode and filled by FillChecksum once
// the payload is in place.

// Encode writes an Ethernet II header.
func (b Ethernet) Encode(dst, src [6]byte, etherType uint16) {
	_ = b[EthernetLen-1]
	copy(b[0:6], dst[:])
	copy(b[6:12], src[:])
	binary.BigEndian.PutUint16(b[12:], etherType)
}

// Encode writes an Ethernet/IPv4 ARP packet.
func (b ARP) Encode(op uint16, senderMAC [6]byte, senderIP [4]byte, targetMAC [6]byte, targetIP [4]byte) {
	_ = b[ARPLen-1]
	binary.BigEndian.PutUint16(b[0:], 1) // hardware type Ethernet
	binary.BigEndian.PutUint16(b[2:], EtherTypeIPv4)
	b[4], b[5] = 6, 4
	binary.BigEndian.PutUint16(b[6:], op)
	copy(b[8:14], senderMAC[:])
	copy(b[14:18], senderIP[:])
	copy(b[18:24], targetMAC[:])
	copy(b[24:28], targetIP[:])
}

// IPv4Fields are the fields of an IPv4 header that Encode writes.
type IPv4Fields struct {
	TOS            uint8
	TotalLen       uint16 // header, options and payload
	ID             uint16
	DontFragment   bool
	MoreFragments  bool
	FragmentOffset uint16 // in bytes, a multiple of 8
	TTL            uint8
	Protocol       uint8
	Src, Dst       [4]byte
	Options        []byte // a multiple of 4 bytes, at most 40
}

// Encode writes the header (IPv4MinLen+len(f.Options) bytes) and its
// checksum.
func (b IPv4) Encode(f *IPv4Fields) {
	hl := IPv4MinLen + len(f.Options)
	_ = b[hl-1]
	b[0] = 0x40 | byte(hl/4)
	b[1] = f.TOS
	binary.BigEndian.PutUint16(b[2:], f.TotalLen)
	binary.BigEndian.PutUint16(b[4:], f.ID)
	fo := f.FragmentOffset / 8
	if f.DontFragment {
		fo |= 0x4000
	}
	if f.MoreFragments {
		fo |= 0x2000
	}
	binary.BigEndian.PutUint16(b[6:], fo)
	b[8], b[9] = f.TTL, f.Protocol
	copy(b[12:16], f.Src[:])
	copy(b[16:20], f.Dst[:])
	copy(b[IPv4MinLen:hl], f.Options)
	b.FillChecksum()
}

// SetTotalLen sets the total length field.
func (b IPv4) SetTotalLen(n uint16) { binary.BigEndian.PutUint16(b[2:], n) }

// SetID sets the identification field.
func (b IPv4) SetID(id uint16) { binary.BigEndian.PutUint16(b[4:], id) }

// Checksum is the header checksum field.
func (b IPv4) Checksum() uint16 { return binary.BigEndian.Uint16(b[IPv4ChecksumOff:]) }

// FillChecksum computes the header checksum over HeaderLen bytes and
// stores it; call it after the last change to the header.
func (b IPv4) FillChecksum() { PutChecksum(b[:b.HeaderLen()], IPv4ChecksumOff, 0) }

// PseudoSum is the partial sum of the pseudo-header for an upper-layer
// message of protocol proto and length bytes carried in this datagram.
func (b IPv4) PseudoSum(proto uint8, length int) uint32 {
	return Sum(b[12:20], 0) + uint32(proto) + fold16(uint64(uint32(length)))
}

// IPv6Fields are the fields of the fixed IPv6 header that Encode writes.
type IPv6Fields struct {
	TrafficClass uint8
	FlowLabel    uint32 // 20 bits
	PayloadLen   uint16 // extension headers and upper-layer message
	NextHeader   uint8
	HopLimit     uint8
	Src, Dst     [16]byte
}

// Encode writes the fixed header (IPv6Len bytes).
func (b IPv6) Encode(f *IPv6Fields) {
	_ = b[IPv6Len-1]
	binary.BigEndian.PutUint32(b[0:], 6<<28|uint32(f.TrafficClass)<<20|f.FlowLabel&0xfffff)
	binary.BigEndian.PutUint16(b[4:], f.PayloadLen)
	b[6], b[7] = f.NextHeader, f.HopLimit
	copy(b[8:24], f.Src[:])
	copy(b[24:40], f.Dst[:])
}

// SetPayloadLen sets the payload length field.
func (b IPv6) SetPayloadLen(n uint16) { binary.BigEndian.PutUint16(b[4:], n) }

// PseudoSum is the partial sum of the pseudo-header for an upper-layer
// message of protocol proto and length bytes carried in this packet
// (without a routing header, whose last address would be the destination).
func (b IPv6) PseudoSum(proto uint8, length int) uint32 {
	return Sum(b[8:40], 0) + uint32(proto) + fold16(uint64(uint32(length)))
}

// TCPFields are the fields of a TCP header that Encode writes.
type TCPFields struct {
	SrcPort, DstPort uint16
	Seq, Ack         uint32
	Flags            uint8
	Window           uint16
	Urgent           uint16
	Options          []byte // a multiple of 4 bytes, at most 40
}

// Encode writes the header (TCPMinLen+len(f.Options) bytes) with a zero
// checksum.
func (b TCP) Encode(f *TCPFields) {
	hl := TCPMinLen + len(f.Options)
	_ = b[hl-1]
	binary.BigEndian.PutUint16(b[0:], f.SrcPort)
	binary.BigEndian.PutUint16(b[2:], f.DstPort)
	binary.BigEndian.PutUint32(b[4:], f.Seq)
	binary.BigEndian.PutUint32(b[8:], f.Ack)
	b[12], b[13] = byte(hl/4)<<4, f.Flags
	binary.BigEndian.PutUint16(b[14:], f.Window)
	b[16], b[17] = 0, 0
	binary.BigEndian.PutUint16(b[18:], f.Urgent)
	copy(b[TCPMinLen:hl], f.Options)
}

// Ack is the acknowledgment number.
func (b TCP) Ack() uint32 { return binary.BigEndian.Uint32(b[8:]) }

// SetSeq sets the sequence number.
func (b TCP) SetSeq(seq uint32) { binary.BigEndian.PutUint32(b[4:], seq) }

// SetFlags sets the eight flag bits.
func (b TCP) SetFlags(f uint8) { b[13] = f }

// Checksum is the checksum field.
func (b TCP) Checksum() uint16 { return binary.BigEndian.Uint16(b[TCPChecksumOff:]) }

// FillChecksum computes the checksum of the segment b (header and payload,
// nothing after) continuing the pseudo-header sum pseudo, and stores it.
func (b TCP) FillChecksum(pseudo uint32) { PutChecksum(b, TCPChecksumOff, pseudo) }

// Encode writes the header with a zero checksum; length covers header and
// payload.
func (b UDP) Encode(srcPort, dstPort, length uint16) {
	_ = b[UDPLen-1]
	binary.BigEndian.PutUint16(b[0:], srcPort)
	binary.BigEndian.PutUint16(b[2:], dstPort)
	binary.BigEndian.PutUint16(b[4:], length)
	b[6], b[7] = 0, 0
}

// SetLength sets the length field.
func (b UDP) SetLength(n uint16) { binary.BigEndian.PutUint16(b[4:], n) }

// Checksum is the checksum field (0: none, IPv4 only).
func (b UDP) Checksum() uint16 { return binary.BigEndian.Uint16(b[UDPChecksumOff:]) }

// FillChecksum computes the checksum of the datagram b (header and
// payload, nothing after) continuing the pseudo-header sum pseudo, and
// stores it; a computed 0 is sent as 0xffff, as 0 means "no checksum"
// (RFC 768).
func (b UDP) FillChecksum(pseudo uint32) {
	PutChecksum(b, UDPChecksumOff, pseudo)
	if b[6] == 0 && b[7] == 0 {
		b[6], b[7] = 0xff, 0xff
	}
}

// Encode writes the header with a zero checksum; rest is the
// rest-of-header word (echo identifier and sequence, NA flags, …).
func (b ICMP) Encode(typ, code uint8, rest uint32) {
	_ = b[ICMPLen-1]
	b[0], b[1], b[2], b[3] = typ, code, 0, 0
	binary.BigEndian.PutUint32(b[4:], rest)
}

// EncodeEcho writes an echo request or reply header (type typ, code 0)
// with a zero checksum.
func (b ICMP) EncodeEcho(typ uint8, ident, seq uint16) {
	b.Encode(typ, 0, uint32(ident)<<16|uint32(seq))
}

// Sequence is the echo sequence number.
func (b ICMP) Sequence() uint16 { return binary.BigEndian.Uint16(b[6:]) }

// Checksum is the checksum field.
func (b ICMP) Checksum() uint16 { return binary.BigEndian.Uint16(b[ICMPChecksumOff:]) }

// FillChecksum computes the checksum of the message b (header and body,
// nothing after) and stores it. pseudo is 0 for ICMPv4, which has no
// pseudo-header, and the pseudo-header sum for ICMPv6 (RFC 4443 2.3).
func (b ICMP) FillChecksum(pseudo uint32) { PutChecksum(b, ICMPChecksumOff, pseudo) }
