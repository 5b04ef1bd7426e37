package packet

import "encoding/binary"

// Sizes and field values of the headers this package understands.
const (
	EthernetLen = 14
	ARPLen      = 28
	IPv4MinLen  = 20
	IPv6Len     = 40
	TCPMinLen   = 20
	UDPLen      = 8
	ICMPLen     = 8 // ICMPv4 and ICMPv6: type, code, checksum, 4 bytes of rest-of-header

	EtherTypeIPv4 = 0x0800
	EtherTypeARP  = 0x0806
	EtherTypeIPv6 = 0x86dd
	EtherTypeVLAN = 0x8100
	EtherTypeQinQ = 0x88a8

	ProtoICMP     = 1
	ProtoTCP      = 6
	ProtoUDP      = 17
	ProtoICMPv6   = 58
	ProtoHopByHop = 0
	ProtoRouting  = 43
	ProtoFragment = 44
	ProtoESP      = 50
	ProtoAH       = 51
	ProtoNoNext   = 59
	ProtoDstOpts  = 60
)

// Ethernet is an Ethernet II header at the start of a frame.
type Ethernet []byte

// IsValid reports whether the slice holds a whole header.
func (b Ethernet) IsValid() bool { return len(b) >= EthernetLen }

// Dst is the destination MAC address.
func (b Ethernet) Dst() (m [6]byte) { copy(m[:], b[0:6]); return }

// Src is the source MAC address.
func (b Ethernet) Src() (m [6]byte) { copy(m[:], b[6:12]); return }

// EtherType is the type of the payload.
func (b Ethernet) EtherType() uint16 { return binary.BigEndian.Uint16(b[12:]) }

// ARP is an ARP packet for IPv4 over Ethernet.
type ARP []byte

// ARP operations.
const (
	ARPRequest = 1
	ARPReply   = 2
)

// IsValid reports whether the packet is Ethernet/IPv4 ARP and whole.
func (b ARP) IsValid() bool {
	return len(b) >= ARPLen && binary.BigEndian.Uint16(b[0:]) == 1 &&
		binary.BigEndian.Uint16(b[2:]) == EtherTypeIPv4 && b[4] == 6 && b[5] == 4
}

// Op is the operation (ARPRequest, ARPReply).
func (b ARP) Op() uint16 { return binary.BigEndian.Uint16(b[6:]) }

// SenderMAC is the sender hardware address.
func (b ARP) SenderMAC() []byte { return b[8:14] }

// SenderIP is the sender protocol address.
func (b ARP) SenderIP() []byte { return b[14:18] }

// TargetMAC is the target hardware address.
func (b ARP) TargetMAC() []byte { return b[18:24] }

// TargetIP is the target protocol address.
func (b ARP) TargetIP() []byte { return b[24:28] }

// IPv4 is an IPv4 header, options included.
type IPv4 []byte

// IsValid reports whether the header is version 4 with a sane header length
// and a total length that fits in the slice.
func (b IPv4) IsValid() bool {
	if len(b) < IPv4MinLen || b[0]>>4 != 4 {
		return false
	}
	hl := b.HeaderLen()
	tl := int(b.TotalLen())
	return hl >= IPv4MinLen && tl >= hl && tl <= len(b)
}

// HeaderLen is the header length in bytes (IHL × 4).
func (b IPv4) HeaderLen() int { return int(b[0]&0x0f) * 4 }

// TotalLen is the length of the datagram, header included.
func (b IPv4) TotalLen() uint16 { return binary.BigEndian.Uint16(b[2:]) }

// ID is the identification field.
func (b IPv4) ID() uint16 { return binary.BigEndian.Uint16(b[4:]) }

// MoreFragments reports the MF flag.
func (b IPv4) MoreFragments() bool { return b[6]&0x20 != 0 }

// FragmentOffset is the fragment offset in bytes.
func (b IPv4) FragmentOffset() uint16 { return (binary.BigEndian.Uint16(b[6:]) & 0x1fff) * 8 }

// TTL is the time to live.
func (b IPv4) TTL() uint8 { return b[8] }

// Protocol is the payload's IP protocol number.
func (b IPv4) Protocol() uint8 { return b[9] }

// Src is the source address.
func (b IPv4) Src() []byte { return b[12:16] }

// Dst is the destination address.
func (b IPv4) Dst() []byte { return b[16:20] }

// Options is the options area (empty without options).
func (b IPv4) Options() []byte { return b[IPv4MinLen:b.HeaderLen()] }

// validOptions walks the IPv4 options TLVs: every option must fit in the
// header (RFC 791: EOL and NOP are one byte, others carry a length >= 2).
func validOptions(opts []byte) bool {
	for i := 0; i < len(opts); {
		switch opts[i] {
		case 0: // end of option list
			return true
		case 1: // no-operation
			i++
		default:
			if i+1 >= len(opts) {
				return false
			}
			l := int(opts[i+1])
			if l < 2 || i+l > len(opts) {
				return false
			}
			i += l
		}
	}
	return true
}

// IPv6 is the fixed IPv6 header.
type IPv6 []byte

// IsValid reports whether the header is version 6 and its payload fits.
func (b IPv6) IsValid() bool {
	return len(b) >= IPv6Len && b[0]>>4 == 6 && IPv6Len+int(b.PayloadLen()) <= len(b)
}

// PayloadLen is the length after the fixed header (extension headers included).
func (b IPv6) PayloadLen() uint16 { return binary.BigEndian.Uint16(b[4:]) }

// NextHeader is the type of the first header after the fixed header.
func (b IPv6) NextHeader() uint8 { return b[6] }

// HopLimit is the hop limit.
func (b IPv6) HopLimit() uint8 { return b[7] }

// Src is the source address.
func (b IPv6) Src() []byte { return b[8:24] }

// Dst is the destination address.
func (b IPv6) Dst() []byte { return b[24:40] }

// IPv6Fragment is an IPv6 fragment extension header (8 bytes).
type IPv6Fragment []byte

// IsValid reports whether the header is whole.
func (b IPv6Fragment) IsValid() bool { return len(b) >= 8 }

// NextHeader is the type of the fragmentable part's first header.
func (b IPv6Fragment) NextHeader() uint8 { return b[0] }

// Offset is the fragment offset in bytes.
func (b IPv6Fragment) Offset() uint16 { return binary.BigEndian.Uint16(b[2:]) &^ 7 }

// More reports the M flag.
func (b IPv6Fragment) More() bool { return b[3]&1 != 0 }

// ID is the identification field.
func (b IPv6Fragment) ID() uint32 { return binary.BigEndian.Uint32(b[4:]) }

// TCP is a TCP header, options included.
type TCP []byte

// TCP flags.
const (
	TCPFin = 0x01
	TCPSyn = 0x02
	TCPRst = 0x04
	TCPPsh = 0x08
	TCPAck = 0x10
	TCPUrg = 0x20
	TCPEce = 0x40
	TCPCwr = 0x80
)

// IsValid reports whether the header, with its options, fits in the slice.
func (b TCP) IsValid() bool {
	return len(b) >= TCPMinLen && b.HeaderLen() >= TCPMinLen && b.HeaderLen() <= len(b)
}

// SrcPort is the source port.
func (b TCP) SrcPort() uint16 { return binary.BigEndian.Uint16(b[0:]) }

// DstPort is the destination port.
func (b TCP) DstPort() uint16 { return binary.BigEndian.Uint16(b[2:]) }

// Seq is the sequence number.
func (b TCP) Seq() uint32 { return binary.BigEndian.Uint32(b[4:]) }

// HeaderLen is the header length in bytes (data offset × 4).
func (b TCP) HeaderLen() int { return int(b[12]>>4) * 4 }

// Flags are the eight flag bits (TCPFin … TCPCwr).
func (b TCP) Flags() uint8 { return b[13] }

// UDP is a UDP header.
type UDP []byte

// IsValid reports whether the header is whole.
func (b UDP) IsValid() bool { return len(b) >= UDPLen }

// SrcPort is the source port.
func (b UDP) SrcPort() uint16 { return binary.BigEndian.Uint16(b[0:]) }

// DstPort is the destination port.
func (b UDP) DstPort() uint16 { return binary.BigEndian.Uint16(b[2:]) }

// Length is the UDP length field (header and payload).
func (b UDP) Length() uint16 { return binary.BigEndian.Uint16(b[4:]) }

// ICMP is an ICMPv4 or ICMPv6 header (they share the first 8 bytes' layout).
type ICMP []byte

// ICMP types the switch looks at.
const (
	ICMPv4EchoReply      = 0
	ICMPv4Unreachable    = 3
	ICMPv4EchoRequest    = 8
	ICMPv6EchoRequest    = 128
	ICMPv6EchoReply      = 129
	ICMPv6RouterSolicit  = 133
	ICMPv6RouterAdvert   = 134
	ICMPv6NeighborSolict = 135
	ICMPv6NeighborAdvert = 136
)

// IsValid reports whether the header is whole.
func (b ICMP) IsValid() bool { return len(b) >= ICMPLen }

// Type is the message type.
func (b ICMP) Type() uint8 { return b[0] }

// Code is the message code.
func (b ICMP) Code() uint8 { return b[1] }

// Ident is the query identifier (meaningful for the messages HasIdent
// names).
func (b ICMP) Ident() uint16 { return binary.BigEndian.Uint16(b[4:]) }

// HasIdent reports whether an ICMP message of this family and type carries
// an identifier in bytes 4-5 that its reply repeats: echo (ICMPv4 and
// ICMPv6), timestamp, information and address mask (RFC 792, 950). These
// identifiers are a query flow's "port". ICMPv6 node information (RFC 4620)
// matches its reply by a 64-bit nonce instead and is keyed without one.
func HasIdent(family, typ uint8) bool {
	if family == 4 {
		switch typ {
		case ICMPv4EchoRequest, ICMPv4EchoReply, 13, 14, 15, 16, 17, 18:
			return true
		}
		return false
	}
	return typ == ICMPv6EchoRequest || typ == ICMPv6EchoReply
}
