package flowtable

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"
	"unsafe"

	"github.com/cespare/xxhash/v2"
)

// hashWith takes shortcuts when words 3 and 5 are zero (IPv4): keys with
// every combination of zero and non-zero words still hash as xxhash.
func TestKeyHashIsXXHashAnyWords(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 4000 {
		var k Key
		for w := range k {
			if i>>(w%4)&1 == 0 || rng.IntN(2) == 0 {
				k[w] = rng.Uint64()
			}
		}
		if got, want := k.hash(), xxhash.Sum64(unsafe.Slice((*byte)(unsafe.Pointer(&k)), keyWords*8)); got != want {
			t.Fatalf("key %x: %x, want %x", k, got, want)
		}
	}
	p := tcp(5, "fd00:5e5e::1", 1000, "fd00:5e5e::2:1", 80, TCPSyn)
	k, _ := KeyOf(&p)
	if k[3] == 0 || k[5] == 0 {
		t.Fatalf("IPv6 key %x: low address words zero", k)
	}
	z := k
	z[0] &^= zoneBits
	if got, want := k.tupleHash(), xxhash.Sum64(unsafe.Slice((*byte)(unsafe.Pointer(&z)), keyWords*8)); got != want {
		t.Fatalf("IPv6 key %x: %x, want %x", k, got, want)
	}
}

// An IPv4 key's tuple hash is xxhash64 of its 16-byte packing: ports,
// protocol and family, then the two addresses.
func TestIPv4TupleHashIsXXHashOfPacking(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for range 2000 {
		a, b := rng.Uint64(), rng.Uint64()
		var buf [16]byte
		binary.LittleEndian.PutUint64(buf[0:], a)
		binary.LittleEndian.PutUint64(buf[8:], b)
		if got, want := hashIPv4(a, b), xxhash.Sum64(buf[:]); got != want {
			t.Fatalf("hashIPv4(%x, %x) = %x, want %x", a, b, got, want)
		}
	}
	p := tcp(7, "198.18.0.5", 40000, "198.18.0.9", 443, TCPSyn)
	k, _ := KeyOf(&p)
	var buf [16]byte
	binary.LittleEndian.PutUint16(buf[0:], 40000) // side A: the lower address
	binary.LittleEndian.PutUint16(buf[2:], 443)
	buf[4], buf[5] = ProtoTCP, 4
	copy(buf[8:], []byte{198, 18, 0, 5, 198, 18, 0, 9})
	if got, want := k.tupleHash(), xxhash.Sum64(buf[:]); got != want {
		t.Fatalf("IPv4 key %x: tuple hash %x, want xxhash of %x = %x", k, got, buf, want)
	}
	// The zone does not enter the tuple hash; it enters the bucket hash.
	q := tcp(8, "198.18.0.9", 443, "198.18.0.5", 40000, TCPAck)
	kq, _ := KeyOf(&q)
	if kq.tupleHash() != k.tupleHash() || kq.bucketHash() == k.bucketHash() {
		t.Fatal("tuple hash must ignore the zone and direction; bucket hash must not ignore the zone")
	}
}
