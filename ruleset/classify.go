package ruleset

import (
	"encoding/binary"
	"math/bits"
)

// Classifier answers queries for one interface and direction. It is
// immutable and safe for concurrent use; Classify does not allocate.
type Classifier struct {
	t       *table   // compiled rules (shared between versions when unchanged)
	members *members // the snapshot's address → groups table
}

// table is the compiled union of an interface's rules in one direction.
type table struct {
	fam   [2]famTable // [0] IPv4, [1] IPv6
	bytes int         // approximate memory, for metrics
}

// famTable selects the protocol table: byProto[p] indexes protos;
// protos[0] holds the rules of protocol -1 only (for protocols no rule names).
type famTable struct {
	byProto [256]uint8
	protos  []protoTable
}

const (
	keyNone = iota // protocols without ports: one interval
	keyPort        // TCP/UDP destination port
	keyICMP        // ICMP type<<8 | code
)

// protoTable is a bit-vector classifier over (key, address): bit i stands
// for rule i; open rules (peer 0.0.0.0/0 or ::/0) come first, so the lowest
// matching bit is open exactly when some open rule matches.
type protoTable struct {
	keyMode     uint8
	reverseOpen bool // other direction has an open all-ports rule (TCP/UDP)
	words       int  // bitset length in uint64
	nOpen       int
	refs        []RuleRef

	keyBounds []uint32 // interval starts, keyBounds[0] == 0
	keyClass  []uint32 // interval → class
	keyBits   []uint64 // class*words …

	addr4Bounds []uint32 // IPv4: interval starts (from 0)
	addr6Bounds []u128   // IPv6
	addrClass   []uint32
	addrBits    []uint64

	refGroups []uint32 // sorted group indices referenced by rules
	refBits   []uint64 // per refGroups entry, words each
}

type u128 struct{ hi, lo uint64 }

func (a u128) less(b u128) bool { return a.hi < b.hi || a.hi == b.hi && a.lo < b.lo }

func (a u128) cmp(b u128) int {
	switch {
	case a.less(b):
		return -1
	case b.less(a):
		return 1
	}
	return 0
}

// Classify judges one packet. A nil Classifier denies everything.
func (c *Classifier) Classify(q *Query) Verdict {
	if c == nil || c.t == nil {
		return Verdict{}
	}
	var ft *famTable
	switch q.Family {
	case 4:
		ft = &c.t.fam[0]
	case 6:
		ft = &c.t.fam[1]
	default:
		return Verdict{}
	}
	if len(ft.protos) == 0 {
		return Verdict{}
	}
	pt := &ft.protos[ft.byProto[q.Proto]]
	if pt.words == 0 {
		return Verdict{}
	}
	var key uint32
	switch pt.keyMode {
	case keyPort:
		key = uint32(q.Port)
	case keyICMP:
		key = uint32(q.ICMPType)<<8 | uint32(q.ICMPCode)
	}
	w := pt.words
	kc := pt.keyClass[searchU32(pt.keyBounds, key)]
	kbits := pt.keyBits[int(kc)*w : int(kc)*w+w]

	var abits []uint64
	if q.Family == 4 {
		a := binary.BigEndian.Uint32(q.Remote[:4])
		ac := pt.addrClass[searchU32(pt.addr4Bounds, a)]
		abits = pt.addrBits[int(ac)*w : int(ac)*w+w]
	} else {
		a := u128{binary.BigEndian.Uint64(q.Remote[:8]), binary.BigEndian.Uint64(q.Remote[8:])}
		ac := pt.addrClass[searchU128(pt.addr6Bounds, a)]
		abits = pt.addrBits[int(ac)*w : int(ac)*w+w]
	}

	// Group references: which referenced groups is the remote a member of?
	var refIdx [maxStackRefs]int32
	nref := 0
	if len(pt.refGroups) > 0 && c.members != nil {
		for _, g := range c.members.lookup(q) {
			if i := searchExact(pt.refGroups, g); i >= 0 {
				if nref == maxStackRefs {
					return c.classifySlow(pt, q, kbits, abits)
				}
				refIdx[nref] = int32(i)
				nref++
			}
		}
	}
	for i := 0; i < w; i++ {
		a := abits[i]
		for j := 0; j < nref; j++ {
			a |= pt.refBits[int(refIdx[j])*w+i]
		}
		if v := kbits[i] & a; v != 0 {
			return pt.verdict(i*64+bits.TrailingZeros64(v), q.Proto)
		}
	}
	return Verdict{}
}

const maxStackRefs = 32

// classifySlow handles a remote that is a member of more than maxStackRefs
// referenced groups (only possible with quotas lifted).
func (c *Classifier) classifySlow(pt *protoTable, q *Query, kbits, abits []uint64) Verdict {
	mg := c.members.lookup(q)
	w := pt.words
	for i := 0; i < w; i++ {
		a := abits[i]
		for _, g := range mg {
			if j := searchExact(pt.refGroups, g); j >= 0 {
				a |= pt.refBits[j*w+i]
			}
		}
		if v := kbits[i] & a; v != 0 {
			return pt.verdict(i*64+bits.TrailingZeros64(v), q.Proto)
		}
	}
	return Verdict{}
}

// verdict for the lowest matching rule bit.
func (pt *protoTable) verdict(bit int, proto uint8) Verdict {
	untracked := bit < pt.nOpen && pt.reverseOpen && (proto == 6 || proto == 17)
	return Verdict{Allowed: true, Tracked: !untracked, Rule: pt.refs[bit]}
}

// searchU32 returns the largest i with b[i] <= k (b[0] == 0).
func searchU32(b []uint32, k uint32) int {
	lo, hi := 0, len(b)
	for hi-lo > 1 {
		m := int(uint(lo+hi) >> 1)
		if b[m] <= k {
			lo = m
		} else {
			hi = m
		}
	}
	return lo
}

func searchU128(b []u128, k u128) int {
	lo, hi := 0, len(b)
	for hi-lo > 1 {
		m := int(uint(lo+hi) >> 1)
		if !k.less(b[m]) {
			lo = m
		} else {
			hi = m
		}
	}
	return lo
}

// searchExact returns the index of v in sorted s, or -1.
func searchExact(s []uint32, v uint32) int {
	lo, hi := 0, len(s)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if s[m] < v {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(s) && s[lo] == v {
		return lo
	}
	return -1
}

// members maps private addresses to the sorted indices of the groups of the
// interface that owns them. One per snapshot; rebuilt when membership or
// addresses change, without touching the tables.
type members struct {
	v4 map[uint32][]uint32
	v6 map[[16]byte][]uint32
}

func (m *members) lookup(q *Query) []uint32 {
	if q.Family == 4 {
		return m.v4[binary.BigEndian.Uint32(q.Remote[:4])]
	}
	return m.v6[q.Remote]
}
