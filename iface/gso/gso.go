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
// The L4 header is found by parsing (Ethernet, IPv4 with options, IPv6 with
// no extension headers before TCP/UDP), and cross-checked with csum_start
// when the header carries NEEDS_CSUM. VLAN tags are not expected on these
// ports and are refused.
//
// Thread-safety: functions are pure over their arguments.
package gso

import (
	"encoding/binary"
	"errors"

	"sgswitch/iface"
)

// Errors for frames this package will not handle.
var (
	ErrMalformed    = errors.New("gso: malformed frame")
	ErrUnsupported  = errors.New("gso: unsupported GSO type")
	ErrTooManySegs  = errors.New("gso: not enough output buffers")
	ErrBufferTooSml = errors.New("gso: output buffer too small")
)

const (
	ethLen       = 14
	etherTypeIP4 = 0x0800
	etherTypeIP6 = 0x86dd
	protoTCP     = 6
	protoUDP     = 17
)

// layout locates the headers of a frame.
type layout struct {
	l3, l4, payload int // offsets
	v6              bool
	proto           uint8
}

func parse(frame []byte) (layout, error) {
	var lo layout
	if len(frame) < ethLen {
		return lo, ErrMalformed
	}
	lo.l3 = ethLen
	switch binary.BigEndian.Uint16(frame[12:]) {
	case etherTypeIP4:
		if len(frame) < lo.l3+20 || frame[lo.l3]>>4 != 4 {
			return lo, ErrMalformed
		}
		ihl := int(frame[lo.l3]&0xf) * 4
		if ihl < 20 || len(frame) < lo.l3+ihl {
			return lo, ErrMalformed
		}
		lo.proto = frame[lo.l3+9]
		lo.l4 = lo.l3 + ihl
	case etherTypeIP6:
		if len(frame) < lo.l3+40 || frame[lo.l3]>>4 != 6 {
			return lo, ErrMalformed
		}
		lo.v6 = true
		lo.proto = frame[lo.l3+6]
		lo.l4 = lo.l3 + 40
	default:
		return lo, ErrMalformed
	}
	switch lo.proto {
	case protoTCP:
		if len(frame) < lo.l4+20 {
			return lo, ErrMalformed
		}
		doff := int(frame[lo.l4+12]>>4) * 4
		if doff < 20 || len(frame) < lo.l4+doff {
			return lo, ErrMalformed
		}
		lo.payload = lo.l4 + doff
	case protoUDP:
		if len(frame) < lo.l4+8 {
			return lo, ErrMalformed
		}
		lo.payload = lo.l4 + 8
	default:
		lo.payload = lo.l4
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
	c := ^fold(sum(frame[start:], 0))
	if c == 0 && off == 6 { // UDP: 0 means "no checksum"
		c = 0xffff
	}
	binary.BigEndian.PutUint16(frame[start+off:], c)
	return nil
}

// Count returns how many frames Segment will produce for frame.
func Count(frame []byte, h *iface.VirtioNetHdr) (int, error) {
	lo, err := parse(frame)
	if err != nil {
		return 0, err
	}
	return count(len(frame)-lo.payload, int(h.GSOSize)), nil
}

func count(payload, mss int) int {
	if mss <= 0 || payload <= mss {
		return 1
	}
	return (payload + mss - 1) / mss
}

// Segment writes the frames of super-frame frame (header h) into
// out[i][offset:], their lengths into sizes[i], and returns how many. It
// also accepts a frame with GSOType none (one output frame with complete
// checksums). The super-frame is not modified.
func Segment(frame []byte, h *iface.VirtioNetHdr, out [][]byte, sizes []int, offset int) (int, error) {
	lo, err := parse(frame)
	if err != nil {
		return 0, err
	}
	switch h.GSOType &^ iface.VirtioNetHdrGSOECN {
	case iface.VirtioNetHdrGSONone:
	case iface.VirtioNetHdrGSOTCPv4, iface.VirtioNetHdrGSOTCPv6:
		if lo.proto != protoTCP {
			return 0, ErrMalformed
		}
	case iface.VirtioNetHdrGSOUDPL4:
		if lo.proto != protoUDP {
			return 0, ErrMalformed
		}
	default:
		return 0, ErrUnsupported
	}
	if h.Flags&iface.VirtioNetHdrFNeedsCsum != 0 && int(h.CsumStart) != lo.l4 {
		return 0, ErrMalformed
	}
	payload := frame[lo.payload:]
	mss := int(h.GSOSize)
	if h.GSOType == iface.VirtioNetHdrGSONone || mss <= 0 || mss > len(payload) {
		mss = len(payload)
	}
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
	ip := seg[lo.l3:]
	if lo.v6 {
		binary.BigEndian.PutUint16(ip[4:], uint16(len(seg)-lo.l3-40))
	} else {
		binary.BigEndian.PutUint16(ip[2:], uint16(len(seg)-lo.l3))
		id := binary.BigEndian.Uint16(ip[4:])
		binary.BigEndian.PutUint16(ip[4:], id+uint16(i))
		ip[10], ip[11] = 0, 0
		binary.BigEndian.PutUint16(ip[10:], ^fold(sum(ip[:lo.l4-lo.l3], 0)))
	}
	l4 := seg[lo.l4:]
	var csumOff int
	switch lo.proto {
	case protoTCP:
		seq := binary.BigEndian.Uint32(l4[4:])
		binary.BigEndian.PutUint32(l4[4:], seq+uint32(from))
		const fin, psh, cwr = 0x01, 0x08, 0x80
		if i < n-1 {
			l4[13] &^= fin | psh
		}
		if i > 0 {
			l4[13] &^= cwr
		}
		csumOff = 16
	case protoUDP:
		binary.BigEndian.PutUint16(l4[4:], uint16(len(l4)))
		csumOff = 6
	default:
		return
	}
	l4[csumOff], l4[csumOff+1] = 0, 0
	c := ^fold(sum(l4, pseudo(seg, lo, len(l4))))
	if c == 0 && lo.proto == protoUDP {
		c = 0xffff
	}
	binary.BigEndian.PutUint16(l4[csumOff:], c)
}

// pseudo returns the unfolded pseudo-header sum for an L4 length.
func pseudo(frame []byte, lo layout, l4len int) uint64 {
	ip := frame[lo.l3:]
	var s uint64
	if lo.v6 {
		s = sum(ip[8:40], 0)
	} else {
		s = sum(ip[12:20], 0)
	}
	return s + uint64(lo.proto) + uint64(l4len)
}

// sum adds b as big-endian 16-bit words to initial, unfolded.
func sum(b []byte, initial uint64) uint64 {
	s := initial
	for len(b) >= 8 {
		v := binary.BigEndian.Uint64(b)
		s += v >> 48
		s += (v >> 32) & 0xffff
		s += (v >> 16) & 0xffff
		s += v & 0xffff
		b = b[8:]
	}
	for len(b) >= 2 {
		s += uint64(binary.BigEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		s += uint64(b[0]) << 8
	}
	return s
}

func fold(s uint64) uint16 {
	for s > 0xffff {
		s = s>>16 + s&0xffff
	}
	return uint16(s)
}
