package vswitch

import (
	"net/netip"

	"sgswitch/flowtable"
	"sgswitch/packet"
	"sgswitch/vpc"
)

// nacl applies the network ACLs to a frame going from src's subnet to
// dst's: the sender subnet's outbound entries, then the receiver subnet's
// inbound ones. Network ACLs are stateless, so every packet is judged,
// replies too, each direction by its own entries; a frame within one
// subnet never meets them. It returns DropNone, or the denying side and
// the number of the entry that denied. naclPass calls it only when the
// flow's entry holds no verdict, and never for a later fragment (no ports
// to judge): that follows its first fragment's verdict, which dropNACL
// records for a denied one.
func nacl(src, dst *eniView, p *packet.Parsed) (DropReason, int32) {
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

// naclPass judges held frame i, from src to dst in another subnet, by
// the network ACLs. It runs first in the second pass, before either side's
// security groups: a packet the ACLs deny creates no flow state. The
// sender's entry, looked up with the batch, caches the verdict per
// direction for the view's generation (flowtable/nacl.go), so an
// established flow's packet costs one load here; any publication changes
// the generation, and the next packet of every flow is judged again.
// ICMP is judged every time: its entry does not tell packets apart by
// code, which an ACL entry may name.
func (w *worker) naclPass(v *view, src, dst *eniView, i int) (DropReason, int32) {
	if src.subnet.cs == nil || dst.subnet.cs == nil {
		return DropNone, 0
	}
	pi := &w.pi[i]
	f := w.outFlows[i]
	cache := f.Entry != nil && pi.Proto != packet.ProtoICMP && pi.Proto != packet.ProtoICMPv6 && !pi.Stateless()
	if cache && w.s.flows.NACLConfirmed(f, v.gen) {
		return DropNone, 0
	}
	r, rule := nacl(src, dst, w.p)
	if r == DropNone && cache {
		w.s.flows.ConfirmNACL(f, v.gen)
	}
	return r, rule
}

// dropNACL drops held frame h that the network ACLs denied: a denial of
// the sender subnet's outbound entries is counted on the sender (egress),
// one of the receiver subnet's inbound entries on the receiver (ingress),
// as the two ACLs stand at the two ends. The observer's event names the
// denying entry. A denied first fragment takes its later fragments along.
func (w *worker) dropNACL(src, dst *eniView, r DropReason, rule int32, h *held) {
	at, d := src, flowtable.Egress
	if r == DropNACLIngress {
		at, d = dst, flowtable.Ingress
	}
	if w.p.Frag.IsFragment {
		w.frags.record(w.fragKey(), w.now, 0, r, d)
	}
	at.eni.ctr.drop(d, r)
	if w.obs != nil {
		w.fillEvent(at.eni.id, d, r, w.frameOf(h), h.segs, h.bytes, 0)
		w.ev.Action = Drop
		w.ev.NACLRule = rule
		w.obs.Observe(&w.ev)
	}
}
