package flowtable

import "math/bits"

// xxhash64 (seed 0) of a Key's 48 bytes, unrolled for that one length: the
// same value as xxhash.Sum64 of the key's bytes (TestKeyHashIsXXHash), about
// twice as fast because the words are already in registers.
const (
	prime1 uint64 = 11400714785074694791
	prime2 uint64 = 14029467366897019727
	prime3 uint64 = 1609587929392839161
	prime4 uint64 = 9650029242287828579
	prime5 uint64 = 2870177450012600261
)

func xxRound(acc, input uint64) uint64 {
	acc += input * prime2
	acc = bits.RotateLeft64(acc, 31)
	return acc * prime1
}

func xxMerge(acc, val uint64) uint64 {
	val = xxRound(0, val)
	acc ^= val
	return acc*prime1 + prime4
}

// Seeds of the four lanes (seed 0), wrapping as in the reference.
var (
	p1, p2 = prime1, prime2
	lane1  = p1 + p2
	lane4  = -p1
)

// hash is xxhash64 of the whole key (zone included); the table places
// entries by bucketHash instead.
func (k *Key) hash() uint64 { return k.hashWith(k[0]) }

// tupleHash is xxhash64 of the key with its zone bits zeroed: the hash of
// the canonical 5-tuple alone, the same for every zone. The switch looks a
// packet up in two zones (its sender's and its receiver's) and hashes the
// tuple once for both.
//
// An IPv4 key is hashed from a 16-byte packing of its tuple instead of its
// 48 bytes (hashIPv4): its address words 3 and 5 are zero and the rest
// fits two words, and xxhash64's short-input path over 16 bytes costs
// about a third of the full one.
func (k *Key) tupleHash() uint64 {
	w0 := k[0] &^ zoneBits
	if k.Family() == 4 {
		return hashIPv4(w0|k[1], k[2]&(1<<32-1)|k[4]<<32)
	}
	return k.hashWith(w0)
}

// hashIPv4 is xxhash64 (seed 0) of the 16 little-endian bytes of a and b:
// a holds the ports, protocol and family as in key words 0 and 1 (no
// zone); b the two IPv4 addresses, side A in the low half.
func hashIPv4(a, b uint64) uint64 {
	h := prime5 + 16
	h ^= xxRound(0, a)
	h = bits.RotateLeft64(h, 27)*prime1 + prime4
	h ^= xxRound(0, b)
	h = bits.RotateLeft64(h, 27)*prime1 + prime4
	return avalanche(h)
}

// avalanche is xxhash64's final mix.
func avalanche(h uint64) uint64 {
	h ^= h >> 33
	h *= prime2
	h ^= h >> 29
	h *= prime3
	h ^= h >> 32
	return h
}

// zoneBits are the bits of key word 0 that hold the zone.
const zoneBits = 1<<32 - 1

// zoneMix is 2^64 divided by the golden ratio: multiplying a zone id by it
// spreads consecutive ids over the high bits, which pick the bucket.
const zoneMix uint64 = 0x9e3779b97f4a7c15

// zoneHash derives a zone's bucket hash from the tuple hash. XOR with a
// per-zone constant is a bijection, so a zone's keys stay as uniform as
// the tuple hashes, and one tuple in two zones lands in unrelated buckets.
func zoneHash(tuple uint64, zone uint32) uint64 { return tuple ^ uint64(zone)*zoneMix }

// bucketHash is the hash that places k in the table.
func (k *Key) bucketHash() uint64 { return zoneHash(k.tupleHash(), k.Zone()) }

// hashWith hashes k with w0 in place of its first word. For IPv4 the
// last 8 bytes of each address (words 3 and 5) are zero: their rounds are
// constants then, which saves a quarter of the multiplies.
func (k *Key) hashWith(w0 uint64) uint64 {
	v1 := xxRound(lane1, w0)
	v2 := xxRound(prime2, k[1])
	v3 := xxRound(0, k[2])
	v4, m4 := v4Zero, m4Zero
	if k[3] != 0 {
		v4 = xxRound(lane4, k[3])
		m4 = xxRound(0, v4)
	}
	h := bits.RotateLeft64(v1, 1) + bits.RotateLeft64(v2, 7) +
		bits.RotateLeft64(v3, 12) + bits.RotateLeft64(v4, 18)
	h = xxMerge(h, v1)
	h = xxMerge(h, v2)
	h = xxMerge(h, v3)
	h = (h^m4)*prime1 + prime4 // xxMerge(h, v4)
	h += keyWords * 8
	h ^= xxRound(0, k[4])
	h = bits.RotateLeft64(h, 27)*prime1 + prime4
	if k[5] != 0 {
		h ^= xxRound(0, k[5]) // xxRound(0, 0) is 0
	}
	h = bits.RotateLeft64(h, 27)*prime1 + prime4
	return avalanche(h)
}

// v4Zero and m4Zero are lane 4 and its merge value for a zero word 3.
var (
	v4Zero = xxRound(lane4, 0)
	m4Zero = xxRound(0, v4Zero)
)
