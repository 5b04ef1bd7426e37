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
	Zone     uint32   // conntrack zone: the interface's, as the switch numbers them (dense)
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

// icmpQuery tells whether ICMP/ICMPv6 type t is a query (ok): a request or
// the reply that answers it (reply), and the request type that names the
// pair: echo, timestamp, information and address mask (RFC 792, 950); echo
// and node information (RFC 4443, 4620).
func icmpQuery(proto, t uint8) (req uint8, reply, ok bool) {
	switch proto {
	case ProtoICMP:
		switch t {
		case 8, 13, 15, 17:
			return t, false, true
		case 0:
			return 8, true, true
		case 14, 16, 18:
			return t - 1, true, true
		}
	case ProtoICMPv6:
		switch t {
		case 128, 139:
			return t, false, true
		case 129, 140:
			return t - 1, true, true
		}
	}
	return 0, false, false
}

// ICMPReply reports whether p is an ICMP/ICMPv6 query reply (echo reply,
// timestamp reply, ...). A reply belongs to the flow its request opened;
// one that finds no such entry opens none (judgeNew): like an error, it is
// decided by the rules alone, so an unsolicited reply cannot make an entry
// that the requests of the other side would then match.
func (p *PacketInfo) ICMPReply() bool {
	if p.Proto != ProtoICMP && p.Proto != ProtoICMPv6 {
		return false
	}
	_, reply, _ := icmpQuery(p.Proto, p.ICMPType)
	return reply
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
	_, _, ok := icmpQuery(p.Proto, p.ICMPType)
	return !ok
}
