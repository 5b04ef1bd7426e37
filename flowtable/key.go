package flowtable

import "encoding/binary"

// keyWords is the number of 64-bit words in a Key.
const keyWords = 6

// Key identifies a flow within a zone. It is canonical: the two directions
// of one connection give the same Key. Side A is the (address, port) pair
// that sorts first; for ICMP queries the "ports" are the identifier and the
// request type, and side A is the requester.
//
// Layout (little-endian words, so that it hashes and compares as 48 bytes):
//
//	w0: zone(32) | proto(8)<<32 | family(8)<<40
//	w1: portA(16) | portB(16)<<16
//	w2,w3: address A      w4,w5: address B
type Key [keyWords]uint64

// Zone returns the key's zone.
func (k *Key) Zone() uint32 { return uint32(k[0]) }

// Proto returns the key's IP protocol.
func (k *Key) Proto() uint8 { return uint8(k[0] >> 32) }

// Family returns 4 or 6.
func (k *Key) Family() uint8 { return uint8(k[0] >> 40) }

// Ports returns the ports (or ICMP id and request type) of sides A and B.
func (k *Key) Ports() (a, b uint16) { return uint16(k[1]), uint16(k[1] >> 16) }

// Addrs returns the addresses of sides A and B.
func (k *Key) Addrs() (a, b [16]byte) {
	binary.LittleEndian.PutUint64(a[0:], k[2])
	binary.LittleEndian.PutUint64(a[8:], k[3])
	binary.LittleEndian.PutUint64(b[0:], k[4])
	binary.LittleEndian.PutUint64(b[8:], k[5])
	return a, b
}

// KeyOf returns the canonical key of p and whether p's source is side A.
func KeyOf(p *PacketInfo) (k Key, srcIsA bool) {
	srcIsA = k.fill(p)
	return k, srcIsA
}

// fill sets k to p's canonical key in place and reports whether p's
// source is side A.
func (k *Key) fill(p *PacketInfo) (srcIsA bool) {
	s0 := binary.LittleEndian.Uint64(p.Src[0:])
	s1 := binary.LittleEndian.Uint64(p.Src[8:])
	d0 := binary.LittleEndian.Uint64(p.Dst[0:])
	d1 := binary.LittleEndian.Uint64(p.Dst[8:])
	sp, dp := p.SrcPort, p.DstPort
	ports := true
	switch p.Proto {
	case ProtoTCP, ProtoUDP:
	case ProtoICMP, ProtoICMPv6:
		// Both directions of a query carry the same id; the request type
		// names the pair. Side A is the requester: a request is A's, a
		// reply B's. So a tracked echo from A admits B's replies, while an
		// echo request from B (even with the same id) has another key, and
		// is a new flow judged by B's egress and A's ingress, as in EC2: the
		// tracked "response traffic" of a ping is its replies.
		req, reply, query := icmpQuery(p.Proto, p.ICMPType)
		if query {
			return k.set(p, s0, s1, d0, d1, p.ICMPID, uint16(req), !reply)
		}
		sp, dp, ports = 0, 0, false // errors: never keyed (Stateless)
	default:
		// Other protocols: address pair and protocol only (EC2, spec 2.1).
		sp, dp, ports = 0, 0, false
	}
	srcIsA = addrPortLess(s0, s1, sp, d0, d1, dp, ports)
	if !srcIsA && ports {
		sp, dp = dp, sp
	}
	return k.set(p, s0, s1, d0, d1, sp, dp, srcIsA)
}

// set writes the key words: ports a and b, and the source as side A if
// srcIsA, else the destination.
func (k *Key) set(p *PacketInfo, s0, s1, d0, d1 uint64, a, b uint16, srcIsA bool) bool {
	k[0] = uint64(p.Zone) | uint64(p.Proto)<<32 | uint64(p.Family)<<40
	k[1] = uint64(a) | uint64(b)<<16
	if srcIsA {
		k[2], k[3], k[4], k[5] = s0, s1, d0, d1
	} else {
		k[2], k[3], k[4], k[5] = d0, d1, s0, s1
	}
	return srcIsA
}

// addrPortLess orders (address, port) pairs; equal pairs count as less so
// that a packet to itself is always side A.
func addrPortLess(a0, a1 uint64, ap uint16, b0, b1 uint64, bp uint16, ports bool) bool {
	if a0 != b0 {
		return a0 < b0
	}
	if a1 != b1 {
		return a1 < b1
	}
	if !ports {
		return true
	}
	return ap <= bp
}
