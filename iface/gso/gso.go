// Package gso turns GSO super-frames into wire-size frames.
//
// What: a TAP with offloads (iface/tap) hands the switch TCP super-frames of
// up to 64 KB, and frames whose L4 checksum is only partial (the virtio-net
// NEEDS_CSUM flag: the checksum field holds the pseudo-header sum and the
// "device" must finish it). A destination that cannot take them as they are
// (an AF_XDP or AF_PACKET port, a plain TAP) needs real frames: Segment cuts
// a super-frame into GSOSize-payload frames with correct headers and
// checksums, and CompleteChecksum finishes a partial checksum in place.
//
// Design: Segment writes into buffers the caller owns (the switch's batch
// buffers, at the same offset the ports use), so it allocates nothing. Each
// segment gets the super-frame's Ethernet and IP headers with the length
// fields rewritten; IPv4 ids count up from the super-frame's id and the
// IPv4 header checksum is recomputed; TCP sequence numbers advance by the
// payload carried so far, FIN and PSH stay only on the last segment and CWR
// only on the first; TCP and UDP checksums are computed in full over the
// pseudo-header, ignoring whatever partial sum the super-frame carried.
// UDP super-frames (GSO_UDP_L4, "USO") become separate datagrams, each with
// its own UDP length and checksum. Legacy UFO (GSO_UDP, IP fragmentation) is
// not produced by kernels since 4.14 for TAP and is refused.
//
// The headers are found by packet.ParseInto, the switch's own parser, and
// the checksums are packet's: Segment accepts what the switch would parse
// (IPv4 with options, IPv6, TCP or UDP), cross-checks the L4 offset with
// csum_start when the header carries NEEDS_CSUM, and cuts the IP payload
// up to the IP length (Ethernet padding is not payload). VLAN tags are not
// expected on these ports and are refused. Fragments, IPv6 packets with
// extension headers (a routing header would change the pseudo-header) and
// protocols other than TCP and UDP are not segmented: a GSO type on them is
// refused, and without one they are copied with their IP length and IPv4
// header checksum rewritten and their payload untouched.
//
// Thread-safety: functions are pure over their arguments.
package gso

import (
	"encoding/binary"
	"errors"

	"sgswitch/iface"
	"sgswitch/packet"
)

// Errors for frames this package will not handle.
var (
	ErrMalformed    = errors.New("gso: malformed frame")
	ErrUnsupported  = errors.New("gso: unsupported GSO type")
	ErrTooManySegs  = errors.New("gso: not enough output buffers")
	ErrBufferTooSml = errors.New("gso: output buffer too small")
)

// layout locates the headers of a frame.
type layout struct {
	l3, l4, payload, end int // offsets; end is the end of the IP datagram
	v6                   bool
	proto                uint8 // TCP or UDP to segment and checksum, else 0
}

func parse(frame []byte) (layout, error) {
	var p packet.Parsed
	if packet.ParseInto(frame, &p) != packet.OK || p.Family == 0 {
		return layout{}, ErrMalformed
	}
	lo := layout{l3: int(p.L3Off), l4: int(p.L4Off), payload: int(p.L4Off), end: int(p.End), v6: p.Family == 6}
	if lo.v6 && lo.l4 != lo.l3+packet.IPv6Len {
		lo.l4, lo.payload = lo.l3+packet.IPv6Len, lo.l3+packet.IPv6Len // extension headers: opaque payload
		return lo, nil
	}
	if (p.Proto == packet.ProtoTCP || p.Proto == packet.ProtoUDP) && !p.Frag.IsFragment {
		lo.proto, lo.payload = p.Proto, int(p.PayloadOff)
	}
	return lo, nil
}

// NeedsWork reports whether a frame with header h must go through Segment
// or CompleteChecksum before a port without GSO can send it.
func NeedsWork(h *iface.VirtioNetHdr) bool {
	return h.GSOType != iface.VirtioNetHdrGSONone || h.Flags&iface.VirtioNetHdrFNeedsCsum != 0
}

// CompleteChecksum finishes a partial checksum in place: the 16-bit field at
// frame[start+off] holds the pseudo-header sum; the sum over frame[start:]
// is folded, complemented and stored there (a UDP result of 0 becomes 0xffff).
func CompleteChecksum(frame []byte, start, off int) error {
	if start < 0 || off < 0 || start+off+2 > len(frame) {
		return ErrMalformed
	}
	c := packet.Fold(packet.Sum(frame[start:], 0))
	if c == 0 && off == packet.UDPChecksumOff { // UDP: 0 means "no checksum"
		c = 0xffff
	}
	binary.BigEndian.PutUint16(frame[start+off:], c)
	return nil
}

// Count returns how many frames Segment will produce for frame, or the
// error it will return before writing anything.
func Count(frame []byte, h *iface.VirtioNetHdr) (int, error) {
	lo, mss, err := plan(frame, h)
	if err != nil {
		return 0, err
	}
	return count(lo.end-lo.payload, mss), nil
}

func count(payload, mss int) int {
	if mss <= 0 || payload <= mss {
		return 1
	}
	return (payload + mss - 1) / mss
}

// plan locates frame's headers, checks them against h, and returns the
// payload each segment carries.
func plan(frame []byte, h *iface.VirtioNetHdr) (lo layout, mss int, err error) {
	lo, err = parse(frame)
	if err != nil {
		return lo, 0, err
	}
	typ := h.GSOType &^ iface.VirtioNetHdrGSOECN
	switch typ {
	case iface.VirtioNetHdrGSONone:
	case iface.VirtioNetHdrGSOTCPv4, iface.VirtioNetHdrGSOTCPv6:
		if lo.proto != packet.ProtoTCP {
			return lo, 0, ErrMalformed
		}
	case iface.VirtioNetHdrGSOUDPL4:
		if lo.proto != packet.ProtoUDP {
			return lo, 0, ErrMalformed
		}
	default:
		return lo, 0, ErrUnsupported
	}
	if h.Flags&iface.VirtioNetHdrFNeedsCsum != 0 && int(h.CsumStart) != lo.l4 {
		return lo, 0, ErrMalformed
	}
	payload := lo.end - lo.payload
	mss = int(h.GSOSize)
	if typ == iface.VirtioNetHdrGSONone || mss <= 0 || mss > payload {
		mss = payload
	}
	return lo, mss, nil
}

// Segment writes the frames of super-frame frame (header h) into
// out[i][offset:], their lengths into sizes[i], and returns how many. It
// also accepts a frame with GSOType none (one output frame with complete
// checksums). The super-frame is not modified.
func Segment(frame []byte, h *iface.VirtioNetHdr, out [][]byte, sizes []int, offset int) (int, error) {
	lo, mss, err := plan(frame, h)
	if err != nil {
		return 0, err
	}
	payload := frame[lo.payload:lo.end]
	n := count(len(payload), mss)
	if n > len(out) || n > len(sizes) {
		return 0, ErrTooManySegs
	}
	hdrLen := lo.payload
	for i := 0; i < n; i++ {
		from := i * mss
		to := min(from+mss, len(payload))
		seg := out[i][offset:]
		if len(seg) < hdrLen+to-from {
			return 0, ErrBufferTooSml
		}
		copy(seg, frame[:hdrLen])
		copy(seg[hdrLen:], payload[from:to])
		seg = seg[:hdrLen+to-from]
		fixHeaders(seg, lo, i, n, from)
		sizes[i] = len(seg)
	}
	return n, nil
}

// fixHeaders rewrites segment i of n (whose payload starts at byte from of
// the super-frame's payload) and computes its checksums.
func fixHeaders(seg []byte, lo layout, i, n, from int) {
	if lo.v6 {
		packet.IPv6(seg[lo.l3:]).SetPayloadLen(uint16(len(seg) - lo.l3 - packet.IPv6Len))
	} else {
		ip := packet.IPv4(seg[lo.l3:])
		ip.SetTotalLen(uint16(len(seg) - lo.l3))
		ip.SetID(ip.ID() + uint16(i))
		ip.FillChecksum()
	}
	l4 := seg[lo.l4:]
	switch lo.proto {
	case packet.ProtoTCP:
		t := packet.TCP(l4)
		t.SetSeq(t.Seq() + uint32(from))
		f := t.Flags()
		if i < n-1 {
			f &^= packet.TCPFin | packet.TCPPsh
		}
		if i > 0 {
			f &^= packet.TCPCwr
		}
		t.SetFlags(f)
		t.FillChecksum(pseudo(seg, lo, len(l4)))
	case packet.ProtoUDP:
		u := packet.UDP(l4)
		u.SetLength(uint16(len(l4)))
		u.FillChecksum(pseudo(seg, lo, len(l4)))
	}
}

// pseudo is the pseudo-header sum of frame for an L4 length.
func pseudo(frame []byte, lo layout, l4len int) uint32 {
	if lo.v6 {
		return packet.IPv6(frame[lo.l3:]).PseudoSum(lo.proto, l4len)
	}
	return packet.IPv4(frame[lo.l3:]).PseudoSum(lo.proto, l4len)
}
