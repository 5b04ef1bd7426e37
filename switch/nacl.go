package vswitch

import (
	"net/netip"

	"sgswitch/packet"
	"sgswitch/vpc"
)

// nacl applies the network ACLs to a frame going from src's subnet to
// dst's: the sender subnet's outbound entries, then the receiver subnet's
// inbound ones. Network ACLs are stateless, so every packet is judged,
// replies too, each direction by its own entries; a frame within one
// subnet never meets them. It returns DropNone or the denying side.
//
// Judged in the first pass, before the security groups: a packet the
// network ACL denies never reaches the receiver, so no flow state of its
// own is created for it.
func nacl(src, dst *eniView, p *packet.Parsed) DropReason {
	if src.subnet == dst.subnet || src.subnet.cs == nil || dst.subnet.cs == nil {
		return DropNone
	}
	// A later fragment has no ports to judge; it follows its first
	// fragment's verdict in the second pass, and a first fragment the
	// ACL dropped left none (frag-no-first), so it cannot slip through.
	if p.Frag.IsFragment && p.Frag.Offset != 0 {
		return DropNone
	}
	var srcAddr, dstAddr netip.Addr
	if p.Family == 4 {
		srcAddr, dstAddr = netip.AddrFrom4([4]byte(p.Src[:4])), netip.AddrFrom4([4]byte(p.Dst[:4]))
	} else {
		srcAddr, dstAddr = netip.AddrFrom16(p.Src), netip.AddrFrom16(p.Dst)
	}
	q := vpc.Packet{Protocol: p.Proto, Remote: dstAddr}
	if p.HasL4 {
		switch p.Proto {
		case packet.ProtoTCP, packet.ProtoUDP:
			q.Port = p.DstPort
		case packet.ProtoICMP, packet.ProtoICMPv6:
			q.ICMPType, q.ICMPCode = p.ICMPType, p.ICMPCode
		}
	}
	if a := src.subnet.cs.Egress; a != nil && !a.Evaluate(q).Allow {
		return DropNACLEgress
	}
	q.Remote = srcAddr
	if a := dst.subnet.cs.Ingress; a != nil && !a.Evaluate(q).Allow {
		return DropNACLIngress
	}
	return DropNone
}
