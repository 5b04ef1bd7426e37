package vswitch

import (
	"encoding/binary"
	"math/bits"
)

// addrTable4 and addrTable6 map the interfaces' addresses to the
// interfaces, for the destination lookup of every frame and for ARP/ND.
// A Go map costs a hash of the whole key and a group probe (~4-5 ns per
// frame); these are open-addressing tables with linear probing, built once
// per view (Publish) at most half full, so a lookup is one multiply, a
// shift and usually one slot compare in a table of a few cache lines.
// Any address may be stored (inside the subnet or not, any IPv6 address);
// an empty slot has a nil interface. Putting an address twice keeps the
// last interface, as a map assignment would.
//
// Addresses are read as native-endian words (addrWord4, addrWords6): only
// equality and the hash matter, not the numeric order.
type addrTable4 struct {
	slots []addrSlot4
	shift uint // 32 - log2(len(slots))
}

type addrSlot4 struct {
	ev   *eniView
	addr uint32
}

type addrTable6 struct {
	slots []addrSlot6
	shift uint // 64 - log2(len(slots))
}

type addrSlot6 struct {
	ev     *eniView
	hi, lo uint64
}

// tableBits returns log2 of the table size for n addresses: a power of two
// at least 2n (load ≤ 1/2, short probes and misses), at least 8 slots.
func tableBits(n int) uint {
	if n <= 4 {
		return 3
	}
	return uint(bits.Len(uint(2*n - 1)))
}

func addrWord4(a *[16]byte) uint32 { return binary.NativeEndian.Uint32(a[:4]) }

func addrWords6(a *[16]byte) (hi, lo uint64) {
	return binary.NativeEndian.Uint64(a[:8]), binary.NativeEndian.Uint64(a[8:])
}

func newAddrTable4(n int) addrTable4 {
	b := tableBits(n)
	return addrTable4{slots: make([]addrSlot4, 1<<b), shift: 32 - b}
}

// home is a's first slot: Fibonacci hashing, which spreads the consecutive
// host numbers of a subnet over the whole table.
func (t *addrTable4) home(a uint32) uint32 { return (a * 0x9e3779b1) >> t.shift }

func (t *addrTable4) put(a *[16]byte, ev *eniView) {
	x := addrWord4(a)
	mask := uint32(len(t.slots) - 1)
	for i := t.home(x); ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.ev == nil || s.addr == x {
			s.ev, s.addr = ev, x
			return
		}
	}
}

// get returns the interface owning IPv4 address a (first 4 bytes), or nil.
func (t *addrTable4) get(a *[16]byte) *eniView {
	x := addrWord4(a)
	mask := uint32(len(t.slots) - 1)
	for i := t.home(x); ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.ev == nil || s.addr == x {
			return s.ev
		}
	}
}

func newAddrTable6(n int) addrTable6 {
	b := tableBits(n)
	return addrTable6{slots: make([]addrSlot6, 1<<b), shift: 64 - b}
}

// home mixes both halves (a subnet's addresses differ in the low half,
// the lab's in the high half too) and keeps the top bits of the product.
func (t *addrTable6) home(hi, lo uint64) uint64 {
	return ((hi*0xff51afd7ed558ccd ^ lo) * 0x9e3779b97f4a7c15) >> t.shift
}

func (t *addrTable6) put(a *[16]byte, ev *eniView) {
	hi, lo := addrWords6(a)
	mask := uint64(len(t.slots) - 1)
	for i := t.home(hi, lo); ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.ev == nil || s.hi == hi && s.lo == lo {
			s.ev, s.hi, s.lo = ev, hi, lo
			return
		}
	}
}

// get returns the interface owning IPv6 address a, or nil.
func (t *addrTable6) get(a *[16]byte) *eniView {
	hi, lo := addrWords6(a)
	mask := uint64(len(t.slots) - 1)
	for i := t.home(hi, lo); ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.ev == nil || s.hi == hi && s.lo == lo {
			return s.ev
		}
	}
}
