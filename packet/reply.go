package packet

// Sizes of the frames the reply builders write.
const (
	ARPReplyLen       = EthernetLen + ARPLen       // 42; ports pad to 60 if they must
	NeighborAdvertLen = EthernetLen + IPv6Len + 32 // NA with a target link-layer option
)

// Neighbor Advertisement flags (RFC 4861 4.4).
const (
	NARouter    = 0x80
	NASolicited = 0x40
	NAOverride  = 0x20
)

// BuildARPReply writes into buf (len >= ARPReplyLen) the ARP reply telling
// the requester (reqMAC, reqIP) that ip is at mac. It returns the length.
func BuildARPReply(buf []byte, mac [6]byte, ip [4]byte, reqMAC [6]byte, reqIP [4]byte) int {
	_ = buf[ARPReplyLen-1]
	Ethernet(buf).Encode(reqMAC, mac, EtherTypeARP)
	ARP(buf[EthernetLen:]).Encode(ARPReply, mac, ip, reqMAC, reqIP)
	return ARPReplyLen
}

// SolicitTarget returns the target address of a Neighbor Solicitation whose
// ICMPv6 message is icmp (from p.L4Off to p.End); ok is false when the
// message is too short or has a nonzero code (RFC 4861 7.1.1).
func SolicitTarget(icmp []byte) (target [16]byte, ok bool) {
	if len(icmp) < 24 || icmp[1] != 0 {
		return target, false
	}
	copy(target[:], icmp[8:24])
	return target, true
}

// BuildNeighborAdvert writes into buf (len >= NeighborAdvertLen) a Neighbor
// Advertisement from (mac, target) to (dstMAC, dst) saying target is at mac,
// with flags (NARouter|NASolicited|NAOverride) and a target link-layer
// address option. It returns the length.
func BuildNeighborAdvert(buf []byte, mac [6]byte, target [16]byte, dstMAC [6]byte, dst [16]byte, flags uint8) int {
	const msgLen = NeighborAdvertLen - EthernetLen - IPv6Len
	_ = buf[NeighborAdvertLen-1]
	Ethernet(buf).Encode(dstMAC, mac, EtherTypeIPv6)
	ip := IPv6(buf[EthernetLen:])
	ip.Encode(&IPv6Fields{PayloadLen: msgLen, NextHeader: ProtoICMPv6, HopLimit: 255, Src: target, Dst: dst})
	m := ICMP(buf[EthernetLen+IPv6Len : NeighborAdvertLen])
	m.Encode(ICMPv6NeighborAdvert, 0, uint32(flags)<<24)
	copy(m[8:24], target[:])
	m[24], m[25] = 2, 1 // target link-layer address, 8 bytes
	copy(m[26:32], mac[:])
	m.FillChecksum(ip.PseudoSum(ProtoICMPv6, msgLen))
	return NeighborAdvertLen
}
