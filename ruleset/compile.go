package ruleset

import (
	"encoding/binary"
	"net/netip"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/cespare/xxhash/v2"
)

// Compiler turns States into Snapshots and keeps what it can between
// versions: a table whose inputs did not change (same groups, same rules,
// same prefix-list contents) is reused, and interfaces with the same groups
// share one table. A membership or address change only rebuilds the
// snapshot's address → groups table. Compile is safe to call from several
// goroutines (calls are serialised); snapshots are immutable.
type Compiler struct {
	mu         sync.Mutex
	gen        uint64
	ruleRefs   map[string]RuleRef
	ruleIDs    []string
	ruleGroups []string
	groupIdx   map[string]uint32
	tables     map[string]*table
	members    *members
	membersKey string
	classifier map[*table]*Classifier // tables × current members
}

// NewCompiler returns a Compiler with empty caches.
func NewCompiler() *Compiler {
	return &Compiler{
		ruleRefs:   map[string]RuleRef{},
		ruleIDs:    []string{""},
		ruleGroups: []string{""},
		groupIdx:   map[string]uint32{},
		tables:     map[string]*table{},
	}
}

// Compile compiles a State with a fresh Compiler (no reuse).
func Compile(st *State) *Snapshot { return NewCompiler().Compile(st) }

// Compile builds the next Snapshot of st. st is only read; the caller must
// not mutate it concurrently.
func (c *Compiler) Compile(st *State) *Snapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for _, g := range st.s.Groups {
		if _, ok := c.groupIdx[g.ID]; !ok {
			c.groupIdx[g.ID] = uint32(len(c.groupIdx))
		}
		for _, rs := range [][]RuleSpec{g.Ingress, g.Egress} {
			for i := range rs {
				if _, ok := c.ruleRefs[rs[i].ID]; !ok {
					c.ruleRefs[rs[i].ID] = RuleRef(len(c.ruleIDs))
					c.ruleIDs = append(c.ruleIDs, rs[i].ID)
					c.ruleGroups = append(c.ruleGroups, g.ID)
				}
			}
		}
	}
	c.updateMembers(st)
	hashes := c.groupHashes(st)
	snap := &Snapshot{
		Generation: c.gen,
		vpc:        st.VPC(),
		byID:       make(map[string]*CompiledInterface, len(st.s.Interfaces)),
		byAddr:     map[netip.Addr]*CompiledInterface{},
		ruleIDs:    c.ruleIDs[:len(c.ruleIDs):len(c.ruleIDs)],
		ruleGroups: c.ruleGroups[:len(c.ruleGroups):len(c.ruleGroups)],
	}
	usedTables := c.buildMissing(st, hashes)
	classifiers := map[*table]*Classifier{}
	for i := range st.s.Interfaces {
		e := &st.s.Interfaces[i]
		ci := &CompiledInterface{
			ID: e.ID, Name: e.Name, Index: e.Index, MAC: macBytes(e.MAC),
			IPv4: slices.Clone(e.IPv4), IPv6: slices.Clone(e.IPv6), Groups: slices.Clone(e.Groups),
			Conntrack: e.Conntrack.WithDefaults(), Allowances: e.Allowances.Effective(e.InstanceType),
		}
		for _, egress := range []bool{false, true} {
			t := usedTables[tableKey(e.Groups, egress, hashes)]
			cl := classifiers[t]
			if cl == nil {
				if old := c.classifier[t]; old != nil && old.members == c.members {
					cl = old
				} else {
					cl = &Classifier{t: t, members: c.members}
				}
				classifiers[t] = cl
			}
			if egress {
				ci.Out = cl
			} else {
				ci.In = cl
			}
		}
		snap.ifaces = append(snap.ifaces, ci)
		snap.byID[ci.ID] = ci
		for int(ci.Index) >= len(snap.byIndex) {
			snap.byIndex = append(snap.byIndex, nil)
		}
		snap.byIndex[ci.Index] = ci
		for _, a := range append(slices.Clone(ci.IPv4), ci.IPv6...) {
			snap.byAddr[a] = ci
		}
	}
	c.tables, c.classifier = usedTables, classifiers
	return snap
}

// buildMissing returns the tables this version needs, by key: reused ones
// from the previous version, new ones built in parallel (one goroutine per
// CPU; building only reads st and the Compiler's interned ids).
func (c *Compiler) buildMissing(st *State, hashes map[string]string) map[string]*table {
	type job struct {
		key    string
		groups []string
		egress bool
	}
	used := map[string]*table{}
	var jobs []job
	for i := range st.s.Interfaces {
		e := &st.s.Interfaces[i]
		for _, egress := range []bool{false, true} {
			key := tableKey(e.Groups, egress, hashes)
			if _, ok := used[key]; ok {
				continue
			}
			used[key] = c.tables[key]
			if used[key] == nil {
				jobs = append(jobs, job{key, e.Groups, egress})
			}
		}
	}
	built := make([]*table, len(jobs))
	workers := min(runtime.GOMAXPROCS(0), len(jobs))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := int(next.Add(1) - 1); j < len(jobs); j = int(next.Add(1) - 1) {
				built[j] = c.buildTable(st, jobs[j].groups, jobs[j].egress)
			}
		}()
	}
	wg.Wait()
	for j, jb := range jobs {
		used[jb.key] = built[j]
	}
	return used
}

// groupHashes fingerprints each group's rules per direction (ids, properties,
// and the contents of referenced prefix lists).
func (c *Compiler) groupHashes(st *State) map[string]string {
	out := make(map[string]string, len(st.s.Groups))
	for _, g := range st.s.Groups {
		var h [2]uint64
		for d, rs := range [][]RuleSpec{g.Ingress, g.Egress} {
			x := xxhash.New()
			for i := range rs {
				_, _ = x.WriteString(rs[i].ID)
				_, _ = x.WriteString(ruleKey(&rs[i]))
				if pl := st.prefixList(rs[i].PrefixListId); pl != nil {
					_, _ = x.WriteString(pl.AddressFamily)
					for _, en := range pl.Entries {
						_, _ = x.WriteString(en.Cidr + ",")
					}
				}
			}
			h[d] = x.Sum64()
		}
		out[g.ID] = "|" + g.ID + ":" + strconv.FormatUint(h[0], 16) + ":" + strconv.FormatUint(h[1], 16)
	}
	return out
}

// tableKey identifies a table's inputs: the groups in order and both
// directions' hashes (the other direction decides tracked/untracked).
func tableKey(groups []string, egress bool, hashes map[string]string) string {
	var b strings.Builder
	if egress {
		b.WriteString("out")
	} else {
		b.WriteString("in")
	}
	for _, g := range groups {
		b.WriteString(hashes[g])
	}
	return b.String()
}

// updateMembers rebuilds the address → groups table when membership or
// addresses changed, and keeps the old one (same pointer) otherwise.
func (c *Compiler) updateMembers(st *State) {
	var kb strings.Builder
	for _, e := range st.s.Interfaces {
		kb.WriteString(e.ID)
		for _, g := range e.Groups {
			kb.WriteString("," + g)
		}
		for _, a := range e.IPv4 {
			kb.WriteString("," + a.String())
		}
		for _, a := range e.IPv6 {
			kb.WriteString("," + a.String())
		}
		kb.WriteByte(';')
	}
	key := kb.String()
	if c.members != nil && key == c.membersKey {
		return
	}
	m := &members{v4: map[uint32][]uint32{}, v6: map[[16]byte][]uint32{}}
	for _, e := range st.s.Interfaces {
		gs := make([]uint32, 0, len(e.Groups))
		for _, g := range e.Groups {
			gs = append(gs, c.groupIdx[g])
		}
		slices.Sort(gs)
		for _, a := range e.IPv4 {
			b := a.As4()
			m.v4[binary.BigEndian.Uint32(b[:])] = gs
		}
		for _, a := range e.IPv6 {
			m.v6[a.As16()] = gs
		}
	}
	c.members, c.membersKey = m, key
}

// crule is a rule prepared for table building.
type crule struct {
	ref    RuleRef
	proto  int // -1 = all
	from   int32
	to     int32
	v4, v6 []netip.Prefix // CIDR or prefix-list entries
	group  int64          // referenced group index, -1 if none
	open4  bool
	open6  bool
}

func (c *Compiler) prepare(st *State, groups []string, egress bool) []crule {
	n := 0
	for _, gid := range groups {
		if g := st.group(gid); g != nil {
			n += len(*g.rules(egress))
		}
	}
	out := make([]crule, 0, n)
	single := make([]netip.Prefix, n) // backing for one-CIDR rules
	plCache := map[string][2][]netip.Prefix{}
	for _, gid := range groups {
		g := st.group(gid)
		if g == nil {
			continue
		}
		rs := *g.rules(egress)
		for i := range rs {
			r := &rs[i]
			p, _ := canonicalProtocol(r.Protocol)
			cr := crule{ref: c.ruleRefs[r.ID], proto: p.num, from: r.FromPort, to: r.ToPort, group: -1,
				open4: isOpen(r, 4), open6: isOpen(r, 6)}
			switch {
			case r.CidrIpv4 != "" || r.CidrIpv6 != "":
				k := len(out)
				single[k] = netip.MustParsePrefix(r.CidrIpv4 + r.CidrIpv6)
				if r.CidrIpv4 != "" {
					cr.v4 = single[k : k+1 : k+1]
				} else {
					cr.v6 = single[k : k+1 : k+1]
				}
			case r.PrefixListId != "":
				ps, ok := plCache[r.PrefixListId]
				if !ok {
					ps = parsePrefixList(st.prefixList(r.PrefixListId))
					plCache[r.PrefixListId] = ps
				}
				cr.v4, cr.v6 = ps[0], ps[1]
			default:
				if gi, ok := c.groupIdx[r.ReferencedGroupId]; ok {
					cr.group = int64(gi)
				}
			}
			out = append(out, cr)
		}
	}
	return out
}

// parsePrefixList splits a prefix list's entries by family.
func parsePrefixList(pl *PrefixListSpec) (out [2][]netip.Prefix) {
	if pl == nil {
		return out
	}
	for _, en := range pl.Entries {
		pfx, err := netip.ParsePrefix(en.Cidr)
		if err != nil {
			continue
		}
		if pfx.Addr().Is4() {
			out[0] = append(out[0], pfx)
		} else {
			out[1] = append(out[1], pfx)
		}
	}
	return out
}

func (r *crule) inFamily(fam int) bool {
	if r.group >= 0 {
		return true
	}
	if fam == 4 {
		return len(r.v4) > 0
	}
	return len(r.v6) > 0
}

func (r *crule) open(fam int) bool {
	if fam == 4 {
		return r.open4
	}
	return r.open6
}

func (c *Compiler) buildTable(st *State, groups []string, egress bool) *table {
	rules := c.prepare(st, groups, egress)
	t := &table{}
	for fi, fam := range []int{4, 6} {
		fr := make([]*crule, 0, len(rules))
		protos := map[int]bool{}
		for i := range rules {
			if r := &rules[i]; r.inFamily(fam) {
				fr = append(fr, r)
				if r.proto >= 0 {
					protos[r.proto] = true
				}
			}
		}
		if len(fr) == 0 {
			continue // no protocol tables: Classify denies
		}
		// TCP and UDP always get their own table: their tracked or
		// untracked answer depends on the reverse direction.
		protos[6], protos[17] = true, true
		ft := &t.fam[fi]
		ft.protos = append(ft.protos, buildProto(fr, -1, fam, false))
		ps := make([]int, 0, len(protos))
		for p := range protos {
			ps = append(ps, p)
		}
		sort.Ints(ps)
		for _, p := range ps {
			if len(ft.protos) > 255 {
				break
			}
			ft.byProto[p] = uint8(len(ft.protos))
			ft.protos = append(ft.protos, buildProto(fr, p, fam, reverseOpen(st, groups, !egress, fam, p)))
		}
		for i := range ft.protos {
			t.bytes += ft.protos[i].size()
		}
	}
	t.bytes += int(unsafe.Sizeof(*t))
	return t
}

// reverseOpen: a rule in the other direction to 0.0.0.0/0 (::/0) for all
// ports: protocol -1, or protocol p with ports 0-65535 (TCP/UDP only).
func reverseOpen(st *State, groups []string, egress bool, fam, p int) bool {
	if p != 6 && p != 17 {
		return false
	}
	for _, gid := range groups {
		g := st.group(gid)
		if g == nil {
			continue
		}
		rs := *g.rules(egress)
		for i := range rs {
			if isOpen(&rs[i], uint8(fam)) && coversAllPorts(&rs[i], uint8(p)) {
				return true
			}
		}
	}
	return false
}

// interval is a closed range of a dimension, for one rule bit.
type interval struct {
	lo, hi u128
	bit    int
}

func buildProto(fr []*crule, proto, fam int, revOpen bool) protoTable {
	rs := make([]*crule, 0, len(fr))
	for _, r := range fr {
		if r.proto == -1 || r.proto == proto && proto >= 0 {
			rs = append(rs, r)
		}
	}
	// Open rules first so that the lowest matching bit is open when any is.
	slices.SortStableFunc(rs, func(a, b *crule) int {
		switch ao, bo := a.open(fam), b.open(fam); {
		case ao && !bo:
			return -1
		case bo && !ao:
			return 1
		}
		return 0
	})
	pt := protoTable{reverseOpen: revOpen, words: (len(rs) + 63) / 64}
	switch proto {
	case 6, 17:
		pt.keyMode = keyPort
	case 1, 58:
		pt.keyMode = keyICMP
	}
	keys := make([]interval, 0, len(rs))
	addrs := make([]interval, 0, len(rs))
	pt.refs = make([]RuleRef, 0, len(rs))
	for i, r := range rs {
		pt.refs = append(pt.refs, r.ref)
		if r.open(fam) {
			pt.nOpen = i + 1
		}
		lo, hi := keyRange(pt.keyMode, r)
		keys = append(keys, interval{u128{0, uint64(lo)}, u128{0, uint64(hi)}, i})
		pfxs := r.v4
		if fam == 6 {
			pfxs = r.v6
		}
		for _, p := range pfxs {
			lo, hi := prefixRange(p)
			addrs = append(addrs, interval{lo, hi, i})
		}
		if r.group >= 0 {
			pt.refGroups = append(pt.refGroups, uint32(r.group))
		}
	}
	kb, kc, kbits := sweep(keys, pt.words, u128{0, 0xffff})
	pt.keyClass, pt.keyBits = kc, kbits
	for _, b := range kb {
		pt.keyBounds = append(pt.keyBounds, uint32(b.lo))
	}
	amax := u128{^uint64(0), ^uint64(0)}
	if fam == 4 {
		amax = u128{0, 0xffffffff}
	}
	ab, ac, abits := sweep(addrs, pt.words, amax)
	pt.addrClass, pt.addrBits = ac, abits
	if fam == 4 {
		for _, b := range ab {
			pt.addr4Bounds = append(pt.addr4Bounds, uint32(b.lo))
		}
	} else {
		pt.addr6Bounds = ab
	}
	slices.Sort(pt.refGroups)
	pt.refGroups = slices.Compact(pt.refGroups)
	pt.refBits = make([]uint64, len(pt.refGroups)*pt.words)
	for bit, r := range rs {
		if r.group >= 0 {
			j := searchExact(pt.refGroups, uint32(r.group))
			pt.refBits[j*pt.words+bit/64] |= 1 << (bit % 64)
		}
	}
	return pt
}

// keyRange is the rule's range in the table's key dimension.
func keyRange(mode uint8, r *crule) (uint32, uint32) {
	if r.proto == -1 {
		return 0, 0xffff
	}
	switch mode {
	case keyPort:
		return uint32(r.from), uint32(r.to)
	case keyICMP:
		switch {
		case r.from == -1:
			return 0, 0xffff
		case r.to == -1:
			return uint32(r.from) << 8, uint32(r.from)<<8 | 0xff
		}
		k := uint32(r.from)<<8 | uint32(r.to)
		return k, k
	}
	return 0, 0xffff
}

func prefixRange(p netip.Prefix) (u128, u128) {
	p = p.Masked()
	if p.Addr().Is4() {
		b := p.Addr().As4()
		lo := uint64(binary.BigEndian.Uint32(b[:]))
		span := uint64(1)<<(32-p.Bits()) - 1
		return u128{0, lo}, u128{0, lo + span}
	}
	b := p.Addr().As16()
	lo := u128{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}
	hi := lo
	n := 128 - p.Bits()
	switch {
	case n >= 64:
		hi.lo = ^uint64(0)
		if n == 128 {
			hi.hi = ^uint64(0)
		} else {
			hi.hi |= uint64(1)<<(n-64) - 1
		}
	case n > 0:
		hi.lo |= uint64(1)<<n - 1
	}
	return lo, hi
}

func (a u128) next() u128 {
	if a.lo == ^uint64(0) {
		return u128{a.hi + 1, 0}
	}
	return u128{a.hi, a.lo + 1}
}

// sweep partitions [0, max] into intervals of constant rule set and returns
// the interval starts, each interval's class and the classes' bitsets
// (words each). Adjacent intervals with the same class are merged and equal
// bitsets share one class.
func sweep(ivs []interval, words int, max u128) ([]u128, []uint32, []uint64) {
	type event struct {
		pos   u128
		bit   int
		delta int32
	}
	evs := make([]event, 0, 2*len(ivs))
	for _, iv := range ivs {
		evs = append(evs, event{iv.lo, iv.bit, 1})
		if iv.hi != max {
			evs = append(evs, event{iv.hi.next(), iv.bit, -1})
		}
	}
	slices.SortFunc(evs, func(a, b event) int { return a.pos.cmp(b.pos) })
	counts := make([]int32, words*64)
	cur := make([]uint64, words)
	bounds := make([]u128, 0, len(evs)+1)
	classes := make([]uint32, 0, len(evs)+1)
	bitsets := make([]uint64, 0, words*min(len(evs)+1, 64))
	// index maps a bitset's hash to its class; on a (never seen) hash
	// collision the new bitset simply gets a class of its own.
	index := make(map[uint64]uint32, min(len(evs)+1, 64))
	nclass := uint32(0)
	intern := func() uint32 {
		h := xxhash.Sum64(u64bytes(cur))
		c, ok := index[h]
		if ok && slices.Equal(bitsets[int(c)*words:int(c)*words+words], cur) {
			return c
		}
		c = nclass
		nclass++
		bitsets = append(bitsets, cur...)
		if !ok {
			index[h] = c
		}
		return c
	}
	emit := func(pos u128) {
		c := intern()
		if n := len(classes); n > 0 && classes[n-1] == c {
			return
		}
		bounds = append(bounds, pos)
		classes = append(classes, c)
	}
	j := 0
	apply := func(pos u128) {
		for ; j < len(evs) && evs[j].pos == pos; j++ {
			e := evs[j]
			counts[e.bit] += e.delta
			if counts[e.bit] > 0 {
				cur[e.bit/64] |= 1 << (e.bit % 64)
			} else {
				cur[e.bit/64] &^= 1 << (e.bit % 64)
			}
		}
	}
	apply(u128{})
	emit(u128{})
	for j < len(evs) {
		pos := evs[j].pos
		apply(pos)
		emit(pos)
	}
	if words == 0 {
		bitsets = []uint64{}
	}
	return bounds, classes, bitsets
}

func u64bytes(w []uint64) []byte {
	if len(w) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&w[0])), len(w)*8)
}

func (pt *protoTable) size() int {
	return int(unsafe.Sizeof(*pt)) + 4*(len(pt.refs)+len(pt.keyBounds)+len(pt.keyClass)+len(pt.addr4Bounds)+len(pt.addrClass)+len(pt.refGroups)) +
		8*(len(pt.keyBits)+len(pt.addrBits)+len(pt.refBits)) + 16*len(pt.addr6Bounds)
}

// Bytes is the approximate memory of the interface's two classifiers
// (shared tables are counted for each interface that uses them).
func (ci *CompiledInterface) Bytes() int {
	n := int(unsafe.Sizeof(*ci))
	if ci.In != nil && ci.In.t != nil {
		n += ci.In.t.bytes
	}
	if ci.Out != nil && ci.Out.t != nil {
		n += ci.Out.t.bytes
	}
	return n
}
