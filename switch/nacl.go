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
// subnet never meets them. It returns DropNone, or the denying side and
// the number of the entry that denied.
//
// Judged in the first pass, before the security groups: a packet the
// network ACL denies never reaches the receiver, so no flow state of its
// own is created for it.
func nacl(src, dst *eniView, p *packet.Parsed) (DropReason, int32) {
	if src.subnet == dst.subnet || src.subnet.cs == nil || dst.subnet.cs == nil {
		return DropNone, 0
	}
	// A later fragment has no ports to judge; it follows its first
	// fragment's verdict in the second pass, and a first fragment the
	// ACL dropped left none (frag-no-first), so it cannot slip through.
	if p.Frag.IsFragment && p.Frag.Offset != 0 {
		return DropNone, 0
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
	if a := src.subnet.cs.Egress; a != nil {
		if v := a.Evaluate(q); !v.Allow {
			return DropNACLEgress, v.Rule
		}
	}
	q.Remote = srcAddr
	if a := dst.subnet.cs.Ingress; a != nil {
		if v := a.Evaluate(q); !v.Allow {
			return DropNACLIngress, v.Rule
		}
	}
	return DropNone, 0
}

// dropNACL drops a frame the network ACLs denied, counted at the sender
// (the switch judges both subnets' ACLs on the sender's worker), with the
// denying entry's number in the observer's event.
func (w *worker) dropNACL(r DropReason, rule int32, frame []byte) {
	w.ps.eni.ctr.drop(Egress, r)
	if w.obs != nil {
		w.fillEvent(w.ps.eni.id, Egress, r, frame, 1, uint64(len(frame)), 0)
		w.ev.Action = Drop
		w.ev.NACLRule = rule
		w.obs.Observe(&w.ev)
	}
}
