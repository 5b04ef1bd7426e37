package flowtable

import (
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
