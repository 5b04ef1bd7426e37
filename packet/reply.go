package packet

import "encoding/binary"

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
	copy(buf[0:6], reqMAC[:])
	copy(buf[6:12], mac[:])
	binary.BigEndian.PutUint16(buf[12:], EtherTypeARP)
	a := buf[EthernetLen:]
	binary.BigEndian.PutUint16(a[0:], 1)
	binary.BigEndian.PutUint16(a[2:], EtherTypeIPv4)
	a[4], a[5] = 6, 4
	binary.BigEndian.PutUint16(a[6:], ARPReply)
	copy(a[8:14], mac[:])
	copy(a[14:18], ip[:])
	copy(a[18:24], reqMAC[:])
	copy(a[24:28], reqIP[:])
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
	_ = buf[NeighborAdvertLen-1]
	copy(buf[0:6], dstMAC[:])
	copy(buf[6:12], mac[:])
	binary.BigEndian.PutUint16(buf[12:], EtherTypeIPv6)
	ip := buf[EthernetLen:]
	ip[0], ip[1], ip[2], ip[3] = 0x60, 0, 0, 0
	binary.BigEndian.PutUint16(ip[4:], 32)
	ip[6], ip[7] = ProtoICMPv6, 255
	copy(ip[8:24], target[:])
	copy(ip[24:40], dst[:])
	m := ip[IPv6Len : IPv6Len+32]
	m[0], m[1], m[2], m[3] = ICMPv6NeighborAdvert, 0, 0, 0
	m[4], m[5], m[6], m[7] = flags, 0, 0, 0
	copy(m[8:24], target[:])
	m[24], m[25] = 2, 1 // target link-layer address, 8 bytes
	copy(m[26:32], mac[:])
	sum := PseudoHeaderSum(target[:], dst[:], ProtoICMPv6, 32)
	binary.BigEndian.PutUint16(m[2:], Fold(Sum(m, sum)))
	return NeighborAdvertLen
}
