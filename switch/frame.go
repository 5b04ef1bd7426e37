package vswitch

import (
	"sgswitch/flowtable"
	"sgswitch/iface"
	"sgswitch/iface/gso"
	"sgswitch/packet"
)

// frames takes received frames bufs[:n] through the first pass: parse,
// source checks, neighbour answers, link-local bypass, destination lookup;
// a frame to forward is held (with its flow-table view) for the second
// pass. One loop over the batch rather than a call per frame: Go keeps no
// register across a call, so a call per frame spills what is live.
func (w *worker) frames(v *view, src *eniView, n int) {
	for bi := 0; bi < n; bi++ {
		buf, size := w.bufs[bi], w.sizes[bi]
		frame := buf[off : off+size]
		// The held slot this frame takes if it is forwarded: its virtio-net
		// header is decoded there, not copied there later.
		h := &w.held[w.nHeld]
		hdr := &h.hdr
		*hdr = iface.VirtioNetHdr{}
		if w.ps.gso {
			hdr.Decode(buf[off-iface.VirtioNetHdrLen : off])
		}
		p := &h.p
		w.p = p
		r := packet.ParseInto(frame, p)
		segs, bytes := uint64(1), uint64(size)
		if r == packet.OK && hdr.GSOType != iface.VirtioNetHdrGSONone {
			segs, bytes = superFrameSize(p, hdr, size)
			w.superFrames++
		}
		w.rxFrames += segs
		w.rxBytes += bytes
		switch {
		case r != packet.OK:
			w.dropSrc(DropReason(r), frame)
			continue
		case src == nil:
			w.dropSrc(DropUnknownInterface, frame)
			continue
		case p.SrcMAC != src.mac:
			w.dropSrc(DropSpoofedMAC, frame)
			continue
		case p.EtherType == packet.EtherTypeARP:
			w.arp(v, src, frame)
			continue
		case isNeighborDiscovery(p):
			w.nd(v, src, frame)
			continue
		}
		dhcp := isDHCP(p.Family, p.Proto, p.HasL4, p.SrcPort, p.DstPort)
		if p.DstMAC[0]&1 != 0 { // broadcast or multicast
			switch {
			case dhcp:
				w.service(src, frame, hdr)
			case p.DstMAC == [6]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}:
				w.dropSrc(DropBroadcast, frame)
			default:
				w.dropSrc(DropMulticast, frame)
			}
			continue
		}
		// With its source/dest check off an interface forwards for others
		// (NAT, appliances): its source IP is not checked, its MAC still is.
		if src.srcDstCheck && !src.owns(p.Family, &p.Src) {
			w.dropSrc(DropSpoofedIP, frame)
			continue
		}
		// Link-local services, then the destination interface; for IPv4
		// both checks are inlined (no call: see the hold below).
		var dst *eniView
		if p.Family == 4 {
			if dhcp || src.vpc.services.isService4(&p.Dst) || addrWord4(&p.Dst) == src.subnet.dns4Word {
				w.service(src, frame, hdr)
				continue
			}
			dst = src.vpc.v4.get(&p.Dst)
		} else {
			if dhcp || src.vpc.services.isService6(&p.Dst) {
				w.service(src, frame, hdr)
				continue
			}
			dst = src.vpc.v6.get(&p.Dst)
		}
		// Outside the sender's subnet (with a topology: without one, the
		// subnet is the VPC and nothing is routed) the VPC router forwards.
		if src.vpc.routed && !src.subnet.contains(p.Family, &p.Dst) {
			var why DropReason
			if dst, why = v.route(src, p, dst); why == DropNone && dst == src {
				why = DropHairpin
			}
			// The network ACLs are judged in the second pass, where the
			// flow's entry may hold their verdict (naclPass).
			if why == DropNone && !routed(p, frame, &dst.mac, &v.routerMAC) {
				why = DropTTLExceeded
			}
			if why != DropNone {
				w.dropSrc(why, frame)
				continue
			}
		} else {
			switch {
			case dst == nil && src.subnet.contains(p.Family, &p.Dst):
				w.dropSrc(DropNoDestination, frame)
				continue
			case dst == nil:
				w.dropSrc(DropNoRoute, frame)
				continue
			case dst == src:
				w.dropSrc(DropHairpin, frame)
				continue
			case p.DstMAC != dst.mac:
				if p.DstMAC != v.routerMAC {
					w.dropSrc(DropDstMAC, frame)
					continue
				}
				// Sent to the router: deliver as the router would, from its MAC.
				copy(frame[0:6], dst.mac[:])
				copy(frame[6:12], v.routerMAC[:])
			}
		}
		if dst.eni.port.Load() == nil {
			w.drop(dst, Ingress, DropPortDown, frame, segs, bytes)
			continue
		}
		// Hold the frame for the second pass and fill its flow-table view, in
		// the sender's zone (egress); dst's zone (ingress) goes to inZones for
		// the batch lookup, and forward switches the frame's Zone to it once
		// the sender's side is judged. Written out here rather than called: Go
		// keeps no register across a call, so every call on this path spills
		// and reloads what is live (~1.7 ns/frame for this one).
		i := w.nHeld
		h.dstZone, h.buf, h.size, h.segs, h.bytes = dst.zone, bi, size, segs, bytes
		pi := &w.pi[i]
		pi.Zone, pi.Family, pi.Proto = src.zone, p.Family, p.Proto
		if p.Family == 4 {
			// The parser has just written the IPv4 addresses with 4-byte
			// stores; a 16-byte load of them would wait for those stores to
			// retire (a failed store forward), so copy what was written.
			pi.Src, pi.Dst = [16]byte{}, [16]byte{}
			*(*[4]byte)(pi.Src[:4]), *(*[4]byte)(pi.Dst[:4]) = [4]byte(p.Src[:4]), [4]byte(p.Dst[:4])
		} else {
			pi.Src, pi.Dst = p.Src, p.Dst
		}
		pi.SrcPort, pi.DstPort = p.SrcPort, p.DstPort
		pi.ICMPType, pi.ICMPCode, pi.ICMPID = p.ICMPType, p.ICMPCode, p.ICMPID
		pi.TCPFlags, pi.Length = p.TCPFlags, uint32(bytes-segs*packet.EthernetLen)
		w.inZones[i] = dst.zone
		w.nHeld++
	}
}

// superFrameSize returns how many wire frames a GSO super-frame stands for
// and their total bytes (each segment repeats the headers).
func superFrameSize(p *packet.Parsed, h *iface.VirtioNetHdr, size int) (segs, bytes uint64) {
	if !p.HasL4 || h.GSOSize == 0 || int(p.PayloadOff) > size {
		return 1, uint64(size)
	}
	hdrLen := uint64(p.PayloadOff)
	payload := uint64(p.End) - hdrLen
	mss := uint64(h.GSOSize)
	segs = max((payload+mss-1)/mss, 1)
	return segs, payload + segs*hdrLen
}

// forward judges a held IP frame (pass 2 of the batch: its conntrack
// entries were looked up for the whole batch at once) on both sides, the
// sender's egress then the receiver's ingress, and enqueues it.
func (w *worker) forward(v *view, src *eniView, h *held, i int) {
	p := w.p
	dst := v.byZone[h.dstZone]
	pi := &w.pi[i]
	ps := dst.eni.port.Load()
	if ps == nil { // detached since the first pass
		w.drop(dst, Ingress, DropPortDown, w.frameOf(h), h.segs, h.bytes)
		return
	}
	if p.Frag.IsFragment && p.Frag.Offset != 0 {
		w.followFragment(src, dst, ps, w.bufs[h.buf], h.size, pi.Length)
		return
	}
	if src.subnet != dst.subnet {
		if r, rule := w.naclPass(v, src, dst, i); r != DropNone {
			w.dropNACL(src, dst, r, rule, h)
			return
		}
	}
	if l := w.shape(src, Egress, pi.Length); l != flowtable.LimitNone {
		w.dropFirst(src, Egress, limitReason(l), h)
		return
	}
	// Judge the sender's side (judge.go); established: Update accepts.
	r, rule := DropNone, uint32(0)
	stateless := pi.Stateless() // ICMP errors and the like: rules only, both sides
	if f := w.outFlows[i]; f.Entry == nil || stateless {
		r, rule = w.judgeNew(v, src, Egress, pi)
	} else if res := w.s.flows.Update(f, pi, src.vpc.gen, w.now); res != flowtable.Accept {
		r, rule = w.judgeHit(v, src, Egress, pi, f, res)
	}
	if r != DropNone {
		w.dropFirst(src, Egress, r, h)
		return
	}
	w.egressAccepts += h.segs
	if w.obs != nil {
		w.emit(src, Egress, Accept, DropNone, w.frameOf(h), h.segs, h.bytes, rule)
	}
	if l := w.shape(dst, Ingress, pi.Length); l != flowtable.LimitNone {
		w.dropFirst(dst, Ingress, limitReason(l), h)
		return
	}
	pi.Zone = dst.zone // the same packet, now at the receiver
	if f := w.inFlows[i]; f.Entry == nil || stateless {
		r, rule = w.judgeNew(v, dst, Ingress, pi)
	} else if res := w.s.flows.Update(f, pi, src.vpc.gen, w.now); res != flowtable.Accept {
		r, rule = w.judgeHit(v, dst, Ingress, pi, f, res)
	}
	if r != DropNone {
		w.dropFirst(dst, Ingress, r, h)
		return
	}
	if p.Frag.IsFragment {
		w.frags.record(w.fragKey(), w.now, dst.zone, DropNone, Ingress)
	}
	if w.obs != nil {
		w.emit(dst, Ingress, Accept, DropNone, w.frameOf(h), h.segs, h.bytes, rule)
	}
	// A plain frame (no segmentation, no partial checksum: the header
	// fields deliver acts on) to a plain port: no offload work.
	if !ps.gso && h.hdr.GSOType == iface.VirtioNetHdrGSONone && h.hdr.Flags&iface.VirtioNetHdrFNeedsCsum == 0 {
		w.enqueue(ps, w.bufs[h.buf], h.size, h.segs, h.bytes)
		return
	}
	w.deliver(ps, dst, w.bufs[h.buf], h.size, &h.hdr, h.segs, h.bytes)
}

// followFragment passes or drops a later fragment by its first fragment's
// verdict; it is charged to both sides' allowances but not to conntrack.
func (w *worker) followFragment(src, dst *eniView, ps *portState, buf []byte, size int, ipLen uint32) {
	frame := buf[off : off+size]
	e := w.frags.find(w.fragKey(), w.now)
	switch {
	case e == nil:
		w.dropSrc(DropFragNoFirst, frame)
		return
	case e.reason != DropNone:
		at := src
		if e.dir == Ingress {
			at = dst
		}
		w.drop(at, e.dir, DropFragDenied, frame, 1, uint64(size))
		return
	}
	if l := w.shape(src, Egress, ipLen); l != flowtable.LimitNone {
		w.drop(src, Egress, limitReason(l), frame, 1, uint64(size))
		return
	}
	if l := w.shape(dst, Ingress, ipLen); l != flowtable.LimitNone {
		w.drop(dst, Ingress, limitReason(l), frame, 1, uint64(size))
		return
	}
	w.egressAccepts++
	if w.obs != nil {
		w.emit(src, Egress, Accept, DropNone, frame, 1, uint64(size), 0)
		w.emit(dst, Ingress, Accept, DropNone, frame, 1, uint64(size), 0)
	}
	var hdr iface.VirtioNetHdr
	w.deliver(ps, dst, buf, size, &hdr, 1, uint64(size))
}

// shape charges one packet to interface e's pps and bandwidth allowances
// for direction d, if it has any.
func (w *worker) shape(e *eniView, d flowtable.Direction, ipLen uint32) flowtable.Limit {
	if !e.shaped {
		return flowtable.LimitNone
	}
	return w.s.flows.Allow(e.zone, d, ipLen, false, w.now)
}

func (w *worker) fragKey() *fragKey {
	p := w.p
	k := &w.fragScratch
	*k = fragKey{src: p.Src, dst: p.Dst, id: p.Frag.ID, proto: p.Frag.Proto, family: p.Family}
	return k
}

// dropFirst drops held frame h and, if it is a first fragment, records
// the verdict so that its later fragments are dropped too.
func (w *worker) dropFirst(at *eniView, d flowtable.Direction, r DropReason, h *held) {
	if w.p.Frag.IsFragment {
		w.frags.record(w.fragKey(), w.now, 0, r, d)
	}
	w.drop(at, d, r, w.frameOf(h), h.segs, h.bytes)
}

// service hands traffic EC2 does not filter to the Service, after the
// link-local allowance. The Service sees plain frames: a checksum the
// guest left to the "NIC" (virtio-net NEEDS_CSUM: a VM's DNS query, its
// metadata requests) is finished first, and a super-frame (a guest's TSO
// write to the metadata service) is cut into the segments a wire would
// carry, each charged to the allowance.
func (w *worker) service(src *eniView, frame []byte, hdr *iface.VirtioNetHdr) {
	svc := w.s.cfg.Service
	if hdr.GSOType != iface.VirtioNetHdrGSONone {
		n, err := gso.Segment(frame, hdr, w.segBufs, w.segSizes, 0)
		if err != nil {
			w.dropSrc(DropGSO, frame)
			return
		}
		for i := range n {
			seg := w.segBufs[i][:w.segSizes[i]]
			w.serveOne(svc, src, seg, uint32(len(seg))-uint32(w.p.L3Off))
		}
		return
	}
	if hdr.Flags&iface.VirtioNetHdrFNeedsCsum != 0 &&
		gso.CompleteChecksum(frame, int(hdr.CsumStart), int(hdr.CsumOffset)) != nil {
		w.dropSrc(DropGSO, frame)
		return
	}
	w.serveOne(svc, src, frame, w.p.End-uint32(w.p.L3Off))
}

// serveOne charges one frame to the link-local allowance and serves it.
func (w *worker) serveOne(svc Service, src *eniView, frame []byte, ipLen uint32) {
	if l := w.s.flows.Allow(src.zone, Egress, ipLen, true, w.now); l != flowtable.LimitNone {
		w.dropSrc(limitReason(l), frame)
		return
	}
	if svc == nil {
		w.dropSrc(DropNoService, frame)
		return
	}
	svc.Serve(src.ci.ID, frame, w.replyFn)
}

func limitReason(l flowtable.Limit) DropReason {
	switch l {
	case flowtable.LimitPPS:
		return DropPPS
	case flowtable.LimitBandwidthIn:
		return DropBWIn
	case flowtable.LimitBandwidthOut:
		return DropBWOut
	case flowtable.LimitLinkLocal:
		return DropLinkLocal
	case flowtable.LimitConntrack:
		return DropConntrackFull
	case flowtable.LimitNewConnections:
		return DropNewConnThrottled
	}
	return DropNone
}

// dropSrc drops a frame on the sending interface's egress side.
func (w *worker) dropSrc(r DropReason, frame []byte) {
	w.ps.eni.ctr.drop(Egress, r)
	if w.obs != nil {
		w.emitENI(w.ps.eni.id, Egress, r, frame, 1, uint64(len(frame)), 0)
	}
}

// drop drops a frame at interface at, direction d.
func (w *worker) drop(at *eniView, d flowtable.Direction, r DropReason, frame []byte, segs, bytes uint64) {
	at.eni.ctr.drop(d, r)
	if w.obs != nil {
		w.emitENI(at.eni.id, d, r, frame, segs, bytes, 0)
	}
}

func (w *worker) emit(at *eniView, d flowtable.Direction, a Action, r DropReason, frame []byte, segs, bytes uint64, rule uint32) {
	w.fillEvent(at.eni.id, d, r, frame, segs, bytes, rule)
	w.ev.Action = a
	w.obs.Observe(&w.ev)
}

func (w *worker) emitENI(id string, d flowtable.Direction, r DropReason, frame []byte, segs, bytes uint64, rule uint32) {
	w.fillEvent(id, d, r, frame, segs, bytes, rule)
	w.ev.Action = Drop
	if r.IsSecurityGroup() {
		w.ev.Action = Reject
	}
	w.obs.Observe(&w.ev)
}

func (w *worker) fillEvent(id string, d flowtable.Direction, r DropReason, frame []byte, segs, bytes uint64, rule uint32) {
	p := w.p
	ev := &w.ev
	*ev = Event{
		Time: w.now, ENI: id, Direction: d, Reason: r,
		Family: p.Family, Proto: p.Proto, Src: p.Src, Dst: p.Dst,
		SrcPort: p.SrcPort, DstPort: p.DstPort, HasPorts: p.HasL4 && (p.Proto == packet.ProtoTCP || p.Proto == packet.ProtoUDP),
		ICMPType: p.ICMPType, ICMPCode: p.ICMPCode, TCPFlags: p.TCPFlags,
		Packets: uint32(segs), Bytes: uint32(bytes), Frame: frame,
	}
	ev.Rule = ruleRef(rule)
	if w.src != nil {
		ev.Generation = w.src.vpc.gen
	}
	if p.Family != 0 && !ev.HasPorts && p.ICMPID != 0 {
		ev.SrcPort = p.ICMPID
	}
}
