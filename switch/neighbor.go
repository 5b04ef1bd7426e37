package vswitch

import "sgswitch/packet"

// The switch answers ARP requests and IPv6 Neighbor Solicitations itself,
// for the addresses it knows: every interface's addresses, the VPC router
// (subnet base+1, subnet ::1, fe80:ec2::1) and the DNS resolver (base+2),
// the last three with Config.RouterMAC. Nothing is flooded: a request for
// an unknown address gets no answer, as in a VPC. ARP probes (sender
// 0.0.0.0), gratuitous ARP, DAD solicitations (source ::) and every other
// ND message (RA, NA, redirect; RS from an interface without IPv6) are
// consumed without an answer and counted as neighbor-ignored. A Router
// Solicitation from an interface with IPv6 is service traffic: it is
// charged to the link-local allowance and goes to Config.Service, which
// answers with a router advertisement. Replies are built in the worker's
// preallocated reply buffers and sent back on the asking port at the end
// of the batch.

// arp answers an ARP request from src.
func (w *worker) arp(v *view, src *eniView, frame []byte) {
	p := w.p
	a := packet.ARP(frame[packet.EthernetLen:])
	if [6]byte(a.SenderMAC()) != src.mac {
		w.dropSrc(DropSpoofedMAC, frame)
		return
	}
	sender, target := [4]byte(p.Src[:4]), [4]byte(p.Dst[:4])
	if p.ARPOp != packet.ARPRequest || sender == ([4]byte{}) || sender == target {
		w.dropSrc(DropNeighborIgnored, frame)
		return
	}
	// An interface with its source/dest check off may ask from any
	// address: a forwarding instance's Linux names, by default, the source
	// of the packet it is about to send (arp_announce 0), which can be its
	// other interface's address. The reply goes only back to this port.
	if src.srcDstCheck && !src.owns(4, &p.Src) {
		w.dropSrc(DropSpoofedIP, frame)
		return
	}
	var mac [6]byte
	switch d := src.vpc.v4.get(&p.Dst); {
	case src.subnet.prefix4.IsValid() && (target == src.subnet.router4 || target == src.subnet.dns4):
		mac = v.routerMAC
	case d != nil && d != src && d.subnet == src.subnet: // other subnets are behind the router
		mac = d.mac
	default:
		w.dropSrc(DropNeighborIgnored, frame)
		return
	}
	b := w.replyBuf()
	if b == nil {
		w.dropSrc(DropNeighborIgnored, frame)
		return
	}
	w.commitReply(packet.BuildARPReply(b[off:], mac, target, src.mac, sender))
	w.arpReplies++
}

// isNeighborDiscovery reports whether a parsed ICMPv6 message is one of
// the ND messages (RS, RA, NS, NA, redirect) the switch consumes.
func isNeighborDiscovery(p *packet.Parsed) bool {
	return p.Family == 6 && p.Proto == packet.ProtoICMPv6 && p.HasL4 &&
		p.ICMPType >= packet.ICMPv6RouterSolicit && p.ICMPType <= packet.ICMPv6NeighborAdvert+1
}

func isLinkLocal6(a *[16]byte) bool { return a[0] == 0xfe && a[1]&0xc0 == 0x80 }

// nd answers a Neighbor Solicitation from src; a Router Solicitation from
// an interface with IPv6 goes to the Service, which advertises the
// subnet's router (off the hot path: only ND reaches here).
func (w *worker) nd(v *view, src *eniView, frame []byte) {
	p := w.p
	if p.ICMPType == packet.ICMPv6RouterSolicit && len(src.v6) > 0 {
		w.service(src, frame, &w.held[w.nHeld].hdr) // decoded there by frames
		return
	}
	if p.ICMPType != packet.ICMPv6NeighborSolict || p.Src == ([16]byte{}) {
		w.dropSrc(DropNeighborIgnored, frame)
		return
	}
	if src.srcDstCheck && !isLinkLocal6(&p.Src) && !src.owns(6, &p.Src) { // as for ARP
		w.dropSrc(DropSpoofedIP, frame)
		return
	}
	target, ok := packet.SolicitTarget(frame[p.L4Off:p.End])
	if !ok {
		w.dropSrc(DropNeighborIgnored, frame)
		return
	}
	flags := uint8(packet.NASolicited | packet.NAOverride)
	var mac [6]byte
	switch d := src.vpc.v6.get(&target); {
	case src.subnet.prefix6.IsValid() && (target == src.subnet.router6 || target == routerLinkLocal):
		mac = v.routerMAC
		flags |= packet.NARouter
	case d != nil && d != src && d.subnet == src.subnet: // other subnets are behind the router
		mac = d.mac
	default:
		w.dropSrc(DropNeighborIgnored, frame)
		return
	}
	b := w.replyBuf()
	if b == nil {
		w.dropSrc(DropNeighborIgnored, frame)
		return
	}
	w.commitReply(packet.BuildNeighborAdvert(b[off:], mac, target, p.SrcMAC, p.Src, flags))
	w.ndReplies++
}
