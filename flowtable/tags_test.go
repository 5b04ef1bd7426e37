package flowtable

import (
	"math/rand/v2"
	"testing"
)

// Every tag byte equal to the tag looked for must be reported (a missed
// one would be a false miss on a live flow); free slots (0) never are.
func TestTagMatchesFindsEveryEqualByte(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 100000 {
		tag := tagOf(rng.Uint64())
		var tags uint32
		for i := range 4 {
			switch rng.IntN(3) {
			case 0: // free
			case 1:
				tags |= tag << (8 * i)
			default:
				tags |= tagOf(rng.Uint64()) << (8 * i)
			}
		}
		m := tagMatches(tags, tag)
		for i := range 4 {
			b := tags >> (8 * i) & 0xff
			if b == tag && m&(0x80<<(8*i)) == 0 {
				t.Fatalf("tags %#08x tag %#x: slot %d missed (%#08x)", tags, tag, i, m)
			}
			if b == 0 && m&(0x80<<(8*i)) != 0 {
				t.Fatalf("tags %#08x tag %#x: free slot %d reported", tags, tag, i)
			}
		}
	}
}

func TestFreeSlots(t *testing.T) {
	for _, c := range []struct{ tags, want uint32 }{
		{0, 0x80808080},
		{0x80, 0x80808000},
		{0xff00_0081, 0x00808000},
		{0x8181_8181, 0},
		{0x00ff_0000, 0x80008080},
	} {
		if got := freeSlots(c.tags); got != c.want {
			t.Errorf("freeSlots(%#x) = %#x, want %#x", c.tags, got, c.want)
		}
	}
}
