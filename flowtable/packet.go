package flowtable

// IP protocol numbers the table treats specially.
const (
	ProtoICMP   = 1
	ProtoTCP    = 6
	ProtoUDP    = 17
	ProtoICMPv6 = 58
)

// TCP flag bits as they appear in byte 13 of the TCP header.
const (
	TCPFin = 0x01
	TCPSyn = 0x02
	TCPRst = 0x04
	TCPPsh = 0x08
	TCPAck = 0x10
)

// PacketInfo is what the table needs to know about one packet. The switch
// fills it from its parser; the table never looks at packet bytes.
type PacketInfo struct {
	Zone     uint32   // conntrack zone: the interface's dense index (ruleset CompiledInterface.Index)
	Family   uint8    // 4 or 6
	Proto    uint8    // IP protocol number (ICMP 1, TCP 6, UDP 17, ICMPv6 58, anything else)
	Src, Dst [16]byte // addresses; IPv4 in the first 4 bytes, the rest zero
	SrcPort  uint16   // TCP/UDP source port; 0 otherwise
	DstPort  uint16   // TCP/UDP destination port; 0 otherwise
	ICMPType uint8    // ICMP/ICMPv6 type
	ICMPCode uint8    // ICMP/ICMPv6 code
	ICMPID   uint16   // ICMP/ICMPv6 query identifier (echo, timestamp, ...)
	TCPFlags uint8    // TCPFin|TCPSyn|... as on the wire
	Length   uint32   // bytes to count for this packet (the IP packet length)
}

// icmpRequestType returns the request type of a query/reply pair that t
// belongs to, and whether t is one of them.
func icmpRequestType(proto, t uint8) (req uint8, ok bool) {
	switch proto {
	case ProtoICMP:
		switch t {
		case 8, 0:
			return 8, true
		case 13, 14:
			return 13, true
		case 15, 16:
			return 15, true
		case 17, 18:
			return 17, true
		}
	case ProtoICMPv6:
		switch t {
		case 128, 129:
			return 128, true
		case 139, 140:
			return 139, true
		}
	}
	return 0, false
}

// Stateless reports whether p is a packet the table never keeps state for:
// ICMP and ICMPv6 messages that are not queries or replies (errors such as
// destination-unreachable or packet-too-big, router and neighbour messages).
// EC2 does not admit ICMP errors as "related" to a tracked flow; they pass
// only if a rule allows them, so the switch classifies every such packet and
// must not call Insert for it.
func (p *PacketInfo) Stateless() bool {
	if p.Proto != ProtoICMP && p.Proto != ProtoICMPv6 {
		return false
	}
	_, ok := icmpRequestType(p.Proto, p.ICMPType)
	return !ok
}
