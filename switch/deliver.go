package vswitch

import (
	"sgswitch/iface"
	"sgswitch/iface/gso"
)

// deliver hands an accepted frame to its destination port. Offloads meet
// here: a GSO-capable destination takes a super-frame (or a frame with a
// partial checksum) as it is, its virtio-net header already in the
// buffer's headroom; a plain destination gets a partial checksum completed
// in place, or a super-frame cut into wire-size frames (iface/gso) and
// written at once. A frame from a plain port to a GSO port gets a zeroed
// header ("no offload").
func (w *worker) deliver(ps *portState, dst *eniView, buf []byte, size int, hdr *iface.VirtioNetHdr, segs, bytes uint64) {
	switch {
	case ps.gso:
		if !w.ps.gso {
			clear(buf[off-iface.VirtioNetHdrLen : off])
		}
	case hdr.GSOType != iface.VirtioNetHdrGSONone:
		w.segment(ps, dst, buf[off:off+size], hdr, segs, bytes)
		return
	case hdr.Flags&iface.VirtioNetHdrFNeedsCsum != 0:
		frame := buf[off : off+size]
		if gso.CompleteChecksum(frame, int(hdr.CsumStart), int(hdr.CsumOffset)) != nil {
			w.drop(dst, Ingress, DropGSO, frame, segs, bytes)
			return
		}
	}
	w.enqueue(ps, buf, size, segs, bytes)
}

// segment cuts a super-frame for a port without GSO and writes the pieces.
func (w *worker) segment(ps *portState, dst *eniView, frame []byte, hdr *iface.VirtioNetHdr, segs, bytes uint64) {
	n, err := gso.Segment(frame, hdr, w.segBufs, w.segSizes, off)
	if err != nil {
		w.drop(dst, Ingress, DropGSO, frame, segs, bytes)
		return
	}
	// Frames of this batch already queued for ps go first: a flow's
	// packets must not be reordered.
	for i := range w.groups {
		if g := &w.groups[i]; g.ps == ps && len(g.bufs) > 0 {
			w.write(ps, g.bufs, g.frames, g.bytes, true)
			g.bufs, g.frames, g.bytes = g.bufs[:0], 0, 0
		}
	}
	out := w.segOut[:0]
	var total uint64
	for i := 0; i < n; i++ {
		out = append(out, w.segBufs[i][:off+w.segSizes[i]])
		total += uint64(w.segSizes[i])
	}
	w.write(ps, out, uint64(n), total, true)
	ps.eni.ctr.segmented.Add(1)
}
