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

func (k *Key) hash() uint64 {
	v1 := xxRound(lane1, k[0])
	v2 := xxRound(prime2, k[1])
	v3 := xxRound(0, k[2])
	v4 := xxRound(lane4, k[3])
	h := bits.RotateLeft64(v1, 1) + bits.RotateLeft64(v2, 7) +
		bits.RotateLeft64(v3, 12) + bits.RotateLeft64(v4, 18)
	h = xxMerge(h, v1)
	h = xxMerge(h, v2)
	h = xxMerge(h, v3)
	h = xxMerge(h, v4)
	h += keyWords * 8
	for _, w := range k[4:] {
		h ^= xxRound(0, w)
		h = bits.RotateLeft64(h, 27)*prime1 + prime4
	}
	h ^= h >> 33
	h *= prime2
	h ^= h >> 29
	h *= prime3
	h ^= h >> 32
	return h
}
