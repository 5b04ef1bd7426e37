package vswitch

import "sgswitch/flowtable"

// fragTable remembers, for the frames of one port, the verdict of each
// fragmented datagram's first fragment, so that its later fragments (which
// carry no ports) follow it: same (source, destination, protocol, id) →
// same verdict. It is bounded (entries × 4-way probing, the oldest entry of
// a full probe window is evicted) and entries live timeout ns after their
// first fragment. A later fragment with no live entry is dropped
// (frag-no-first): the switch does not hold fragments that arrive before
// their first one. Linux sends a datagram's fragments in order, so this
// only drops what arrives out of order, and no fragment ever passes without
// the verdict of a first fragment that held its ports. A first fragment
// seen again (a retransmission or id reuse) is judged afresh and replaces
// the entry.
//
// Only the port's worker uses it: the source address is the port's own
// (anti-spoofing runs first), so fragments of one datagram always reach the
// same worker and the table needs no lock.
type fragTable struct {
	slots   []fragEntry
	mask    uint64
	timeout int64
}

type fragKey struct {
	src, dst [16]byte
	id       uint32
	proto    uint8
	family   uint8
}

type fragEntry struct {
	key     fragKey
	expires int64 // 0: free
	dst     uint32
	reason  DropReason // DropNone: the datagram was accepted
	dir     flowtable.Direction
}

const fragProbe = 4

func newFragTable(entries int, timeout int64) fragTable {
	n := 1
	for n < entries {
		n <<= 1
	}
	return fragTable{slots: make([]fragEntry, n), mask: uint64(n - 1), timeout: timeout}
}

func (k *fragKey) hash() uint64 {
	h := uint64(k.id)*0x9e3779b97f4a7c15 ^ uint64(k.proto)<<56 ^ uint64(k.family)<<48
	for i := 0; i < 16; i += 4 {
		h ^= uint64(k.src[i])<<24 | uint64(k.src[i+1])<<16 | uint64(k.src[i+2])<<8 | uint64(k.src[i+3])
		h ^= (uint64(k.dst[i])<<24 | uint64(k.dst[i+1])<<16 | uint64(k.dst[i+2])<<8 | uint64(k.dst[i+3])) << 29
		h *= 0xff51afd7ed558ccd
		h ^= h >> 33
	}
	return h
}

// find returns the live entry for k, or nil.
func (t *fragTable) find(k *fragKey, now int64) *fragEntry {
	h := k.hash()
	for i := uint64(0); i < fragProbe; i++ {
		e := &t.slots[(h+i)&t.mask]
		if e.expires > now && e.key == *k {
			return e
		}
	}
	return nil
}

// record stores the verdict of a first fragment (reason DropNone: accepted
// towards interface zone dst; otherwise dropped for reason in direction dir).
func (t *fragTable) record(k *fragKey, now int64, dst uint32, reason DropReason, dir flowtable.Direction) {
	h := k.hash()
	victim := &t.slots[h&t.mask]
	for i := uint64(0); i < fragProbe; i++ {
		e := &t.slots[(h+i)&t.mask]
		if e.key == *k || e.expires <= now {
			victim = e
			break
		}
		if e.expires < victim.expires {
			victim = e
		}
	}
	*victim = fragEntry{key: *k, expires: now + t.timeout, dst: dst, reason: reason, dir: dir}
}
