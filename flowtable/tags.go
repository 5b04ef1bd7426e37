package flowtable

import (
	"math/bits"
	"sync/atomic"
)

// Bucket tags. A bucket's home slots each have a one-byte tag, all four
// in one word of the bucket's head (bucketHead, in the compact head array
// beside the slab). A tag is 0 while its slot is free and otherwise seven
// bits of the key's hash that the bucket index does not use, with the
// high bit set. A lookup reads the tag word (a cache hit: the head array
// is small) and then fetches and compares only the slots whose tag
// matches: one slab line for a hit, none for most misses.
//
// Tags are written only under the bucket's stripe lock: Insert sets a
// slot's tag before the entry goes live, remove clears it once the entry
// is free. A lock-free reader that saw a tag other than its key's on a
// slot therefore read it before that key's entry went live there, or after
// it was freed: a miss it could have had anyway.

// tags returns bucket b's tag word.
func (t *Table) tags(b uint64) *atomic.Uint32 { return &t.heads[b].tags }

// tagOf returns the tag of a key with hash h (never 0).
func tagOf(h uint64) uint32 { return uint32(h&0x7f) | 0x80 }

// tagMatches returns the tag bytes of tags that may equal tag, as the high
// bit of each such byte (bit 8i+7 for slot i). Every byte equal to tag is
// included; a byte above an equal one may be too (harmless: the slot's key
// is compared anyway).
func tagMatches(tags, tag uint32) uint32 {
	x := tags ^ tag*0x01010101
	return (x - 0x01010101) &^ x & 0x80808080
}

// slotIn returns bucket b's home slot of the lowest byte flagged in m (a
// tagMatches or freeSlots result, m != 0).
func (t *Table) slotIn(b uint64, m uint32) *Entry {
	return &t.slab[b*slotsPerBucket+uint64(bits.TrailingZeros32(m)/8)]
}

// freeSlots returns the high bit of each byte of tags that is 0: the free
// home slots (bit 8i+7 for slot i). A used slot's tag always has its high
// bit set (tagOf), so testing that bit is exact.
func freeSlots(tags uint32) uint32 { return ^tags & 0x80808080 }

// setTag sets the tag of bucket b's home slot i. Called with b's stripe
// locked (its only writers).
func (t *Table) setTag(b uint64, i int, tag uint32) {
	w := t.tags(b)
	sh := uint(8 * i)
	w.Store(w.Load()&^(0xff<<sh) | tag<<sh)
}
