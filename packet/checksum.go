package packet

import (
	"encoding/binary"
	"math/bits"
)

// The Internet checksum (RFC 1071): the 16-bit one's complement of the
// one's-complement sum of the data taken as big-endian 16-bit words, an odd
// last byte padded with a zero byte.
//
// A partial sum is a uint32 holding a one's-complement sum not yet folded
// or complemented. Sum continues one (so a pseudo-header, a header and a
// payload in separate buffers add up as if they were one buffer), small
// quantities such as a protocol number and a length may be added to one
// with +, and Fold turns one into the value a checksum field holds. Sum
// returns at most 0xffff, so adding to its result cannot overflow.
//
// Only the last piece of a chained sum may have an odd length: an odd
// piece is padded with a zero byte where it ends, not where the data ends.

// Checksum offsets inside their headers.
const (
	IPv4ChecksumOff = 10
	TCPChecksumOff  = 16
	UDPChecksumOff  = 6
	ICMPChecksumOff = 2 // ICMPv4 and ICMPv6
)

// Sum adds b to the partial sum initial and returns the new partial sum,
// at most 0xffff. It does not allocate.
//
// How: the data is read as little-endian 64-bit words and added with
// end-around carry. One's-complement addition is the same in either byte
// order up to a swap of the result's two bytes (RFC 1071 2(B)), and 2^16,
// 2^32 and 2^48 are all 1 modulo 2^16-1, so the 64-bit sum folds to the
// 16-bit one. One add-with-carry per 8 bytes, unrolled, is several times
// faster than a loop over 16-bit words; it is on the GSO path, where every
// byte of a super-frame is summed.
func Sum(b []byte, initial uint32) uint32 {
	var s, c uint64
	for len(b) >= 64 {
		s, c = bits.Add64(s, binary.LittleEndian.Uint64(b[0:8]), c)
		s, c = bits.Add64(s, binary.LittleEndian.Uint64(b[8:16]), c)
		s, c = bits.Add64(s, binary.LittleEndian.Uint64(b[16:24]), c)
		s, c = bits.Add64(s, binary.LittleEndian.Uint64(b[24:32]), c)
		s, c = bits.Add64(s, binary.LittleEndian.Uint64(b[32:40]), c)
		s, c = bits.Add64(s, binary.LittleEndian.Uint64(b[40:48]), c)
		s, c = bits.Add64(s, binary.LittleEndian.Uint64(b[48:56]), c)
		s, c = bits.Add64(s, binary.LittleEndian.Uint64(b[56:64]), c)
		b = b[64:]
	}
	for len(b) >= 8 {
		s, c = bits.Add64(s, binary.LittleEndian.Uint64(b), c)
		b = b[8:]
	}
	// The last 0-7 bytes, as 16-bit little-endian words; the total stays
	// below 2^33, so it is added once.
	var t uint64
	if len(b) >= 4 {
		t = uint64(binary.LittleEndian.Uint32(b))
		b = b[4:]
	}
	if len(b) >= 2 {
		t += uint64(binary.LittleEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		t += uint64(b[0]) // the high byte of a big-endian word padded with zero
	}
	s, c = bits.Add64(s, t, c)
	s += c // cannot carry again: a carry left s at most 2^64-2
	// Fold 64 bits to 16 (each step keeps the sum modulo 2^16-1), swap
	// back to big-endian, add initial.
	s = s>>32 + s&0xffffffff
	s = s>>16 + s&0xffff
	s = s>>16 + s&0xffff
	s = s>>16 + s&0xffff
	return fold16(uint64(bits.ReverseBytes16(uint16(s))) + uint64(initial))
}

// fold16 folds a sum of up to 48 bits to 16 bits with end-around carry.
func fold16(s uint64) uint32 {
	s = s>>16 + s&0xffff
	s = s>>16 + s&0xffff
	s = s>>16 + s&0xffff
	return uint32(s)
}

// Fold folds the partial sum to 16 bits and complements it: the value a
// checksum field holds. Verifying data that includes its checksum field
// gives 0 when the checksum is right.
func Fold(sum uint32) uint16 {
	return ^uint16(fold16(uint64(sum)))
}

// Checksum is the Internet checksum of b: Fold(Sum(b, 0)). For an IPv4
// header (with its checksum field zero) or an ICMPv4 message.
func Checksum(b []byte) uint16 {
	return Fold(Sum(b, 0))
}

// PseudoHeaderSum is the partial sum of the TCP/UDP/ICMPv6 pseudo-header:
// source and destination addresses (4 bytes each for IPv4, RFC 793/768;
// 16 for IPv6, RFC 8200 8.1), the upper-layer protocol and length.
func PseudoHeaderSum(src, dst []byte, proto uint8, length int) uint32 {
	return Sum(dst, Sum(src, 0)) + uint32(proto) + fold16(uint64(uint32(length)))
}

// PseudoSum4 is PseudoHeaderSum for IPv4 addresses given as arrays.
func PseudoSum4(src, dst [4]byte, proto uint8, length int) uint32 {
	s := uint64(binary.BigEndian.Uint32(src[:])) + uint64(binary.BigEndian.Uint32(dst[:]))
	return fold16(s + uint64(proto) + uint64(uint32(length)))
}

// PseudoSum6 is PseudoHeaderSum for IPv6 addresses given as arrays.
func PseudoSum6(src, dst [16]byte, proto uint8, length int) uint32 {
	return PseudoHeaderSum(src[:], dst[:], proto, length)
}

// PutChecksum computes the checksum of b with the 16-bit field at b[off:]
// taken as zero, continuing the partial sum pseudo (0 when there is no
// pseudo-header), and stores it there. b must hold the field.
func PutChecksum(b []byte, off int, pseudo uint32) {
	b[off], b[off+1] = 0, 0
	binary.BigEndian.PutUint16(b[off:], Fold(Sum(b, pseudo)))
}
