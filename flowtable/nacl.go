package flowtable

// The network ACL verdict cache. EC2's network ACLs are stateless: every
// packet that crosses a subnet boundary is judged, replies too. But a
// flow's packets of one direction share everything an ACL entry looks at
// (protocol, addresses, destination port, ICMP type and code), so while
// nothing the switch published has changed, their verdict is the first
// one's. An entry remembers, for the publication generation that confirmed
// them, one bit per direction (original, reply) whose packets the ACLs
// allowed; a new generation makes the next packet of every flow judge
// again. Only allows are cached: a denied packet is dropped, and judged
// again next time.
//
// The word is generation<<18 | (sequence & 0xffff)<<2 | reply<<1 | original.
// The entry's sequence in it makes a confirmation written for a flow whose
// entry was freed and reused meanwhile (a writer holding a stale Flow)
// invisible to the entry's new flow, whose sequence differs; Insert clears
// the word, so a stale word cannot match after the 16 bits wrap either. 46
// bits of generation are a publication every microsecond for two years.

const (
	naclSeqShift = 2
	naclGenShift = 18
)

func naclTag(gen uint64, seq uint32) uint64 {
	return gen<<naclGenShift | uint64(uint16(seq))<<naclSeqShift
}

// NACLConfirmed reports whether the network ACLs allowed f's direction at
// generation gen (ConfirmNACL). A stale f (its entry freed) reports false.
// No lock, no allocation.
func (t *Table) NACLConfirmed(f Flow, gen uint64) bool {
	w := f.Entry.nacl.Load()
	bit := uint64(1) << b2i(f.Reply)
	return w&^3 == naclTag(gen, f.seq) && w&bit != 0
}

// ConfirmNACL records that the network ACLs allowed a packet of f's
// direction at generation gen. A record of an older generation is
// replaced, the other direction's bit with it.
func (t *Table) ConfirmNACL(f Flow, gen uint64) {
	e := f.Entry
	tag, bit := naclTag(gen, f.seq), uint64(1)<<b2i(f.Reply)
	for {
		old := e.nacl.Load()
		w := tag | bit
		if old&^3 == tag {
			w |= old & 3
		}
		if w == old || e.nacl.CompareAndSwap(old, w) {
			return
		}
	}
}
