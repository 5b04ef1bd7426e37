package packet

import "encoding/binary"

// Sum adds b to a running one's-complement sum (RFC 1071), unfolded.
func Sum(b []byte, sum uint32) uint32 {
	n := len(b) &^ 1
	for i := 0; i < n; i += 2 {
		sum += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	if len(b)&1 != 0 {
		sum += uint32(b[len(b)-1]) << 8
	}
	return sum
}

// Fold folds a running sum into the 16-bit one's-complement checksum.
func Fold(sum uint32) uint16 {
	for sum > 0xffff {
		sum = (sum >> 16) + (sum & 0xffff)
	}
	return ^uint16(sum)
}

// PseudoHeaderSum is the running sum of the TCP/UDP/ICMPv6 pseudo-header:
// source and destination addresses (4 or 16 bytes each), protocol, length.
func PseudoHeaderSum(src, dst []byte, proto uint8, length int) uint32 {
	sum := Sum(src, 0)
	sum = Sum(dst, sum)
	return sum + uint32(proto) + uint32(length)
}
