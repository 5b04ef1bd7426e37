package flowtable

import (
	"errors"
	"fmt"
	"math/bits"
	"sync"
	"sync/atomic"
)

// Config sizes a table. All memory is allocated by New.
type Config struct {
	Capacity   int // entries in the table (tracked and untracked); default 65536
	MaxZones   int // zones are numbered 0..MaxZones-1; default 1024
	MaxPerZone int // entries per zone; default Capacity
	Shards     int // writer lock stripes, rounded up to a power of two; default 64
}

// Errors of Insert and Readmit. The switch maps them to drop reasons.
var (
	ErrInvalid          = errors.New("flowtable: packet fits no connection state")
	ErrConntrackFull    = errors.New("flowtable: conntrack allowance exceeded")
	ErrNewConnThrottled = errors.New("flowtable: new tracked connections per second exceeded")
	ErrZoneFull         = errors.New("flowtable: zone entry limit reached")
	ErrUntrackedFull    = errors.New("flowtable: the zone's untracked entries are at its conntrack allowance")
	ErrNoRoom           = errors.New("flowtable: the table cannot hold every zone's reserved entries")
	ErrTableFull        = errors.New("flowtable: table full")
	ErrNoZone           = errors.New("flowtable: zone out of range")
)

// Result is the outcome of Update.
type Result uint8

// Results of Update.
const (
	Accept  Result = iota // the entry admits the packet; state and counters updated
	Invalid               // tracked flow, packet fits no state (e.g. a SYN-ACK from the wrong side): drop
	Expired               // the entry is gone (idle timeout, reuse of finished TCP ports, or deleted): treat as a miss
	Recheck               // untracked flow and the ruleset generation changed: classify again, then Readmit or Delete
)

func (r Result) String() string {
	return [...]string{"accept", "invalid", "expired", "recheck"}[r]
}

// Admission is the classifier's decision that admitted a new flow.
type Admission struct {
	Tracked    bool
	Generation uint64 // ruleset generation the decision was made against
	Rule       uint32 // the admitting rule's reference (ruleset.RuleRef)
}

// Flow is the result of a lookup: the entry, whether the packet travels in
// the reply direction, and the entry's sequence number when it was found,
// so that later calls notice if the entry was deleted and reused meanwhile.
type Flow struct {
	Entry *Entry
	Reply bool
	seq   uint32
}

// Table is the flow table. See the package comment for the design.
type Table struct {
	slab       []Entry // buckets*slotsPerBucket home slots, then the overflow pool
	heads      []bucketHead
	buckets    uint64
	shards     []shard
	shardMask  uint64
	zones      []zone
	capacity   int64
	maxPerZone int64
	count      atomic.Int64
	sweep      atomic.Uint64 // expiry cursor into slab

	resMu    sync.Mutex // guards reserved and zoneRes (control path only)
	reserved int64      // sum of zoneRes
	zoneRes  []int64    // entries reserved per zone: 2 x its ConntrackMax
}

// slotsPerBucket is how many entries a bucket holds in place; more chain
// into the overflow pool.
const slotsPerBucket = 4

// shard is a writer lock stripe: it owns the buckets whose index has its
// number in the low bits, and a list of free overflow entries.
type shard struct {
	mu   sync.Mutex
	free []uint32 // indexes+1 of free overflow entries
	_    [32]byte
}

// New allocates a table: home slots for 1.25 times Capacity and an
// overflow pool of a quarter of Capacity (at least 16).
func New(c Config) *Table {
	if c.Capacity <= 0 {
		c.Capacity = 1 << 16
	}
	if c.MaxZones <= 0 {
		c.MaxZones = 1024
	}
	if c.MaxPerZone <= 0 {
		c.MaxPerZone = c.Capacity
	}
	if c.Shards <= 0 {
		c.Shards = 64
	}
	nb := (c.Capacity*5/4 + slotsPerBucket - 1) / slotsPerBucket
	home := nb * slotsPerBucket
	pool := max(c.Capacity/4, 16)
	ns := nextPow2(c.Shards)
	t := &Table{
		slab:       make([]Entry, home+pool),
		heads:      make([]bucketHead, nb),
		buckets:    uint64(nb),
		shards:     make([]shard, ns),
		shardMask:  uint64(ns - 1),
		zones:      make([]zone, c.MaxZones),
		capacity:   int64(c.Capacity),
		maxPerZone: int64(c.MaxPerZone),
		zoneRes:    make([]int64, c.MaxZones),
	}
	for i := range t.shards {
		t.shards[i].free = make([]uint32, 0, pool/ns+1)
	}
	// The slab, the bucket heads and their tags are left as allocated: all
	// zero is every entry free (Entry) and every bucket empty. Writing them
	// would fault in every page of a large table at start.
	for i := home; i < len(t.slab); i++ {
		s := &t.shards[i%ns]
		s.free = append(s.free, uint32(len(t.slab)+home-i))
	}
	def := resolveZoneConfig(ZoneConfig{})
	for i := range t.zones {
		t.zones[i].cfg.Store(def)
	}
	return t
}

// bucketOf maps a hash to a bucket (Lemire's multiply-shift range reduction).
func (t *Table) bucketOf(h uint64) uint64 {
	hi, _ := bits.Mul64(h, t.buckets)
	return hi
}

// bucketHead is where a lookup enters a bucket: the tags of its home
// slots and the head of its overflow chain. Heads sit in their own array
// rather than in the slab: 8 bytes a bucket (2.5 MB at a million flows)
// stay in the caches while the slab does not, so a lookup reads its head
// from cache and then only the one slab line whose tag matches, not all
// four home lines.
type bucketHead struct {
	tags  atomic.Uint32 // one byte per home slot (tags.go)
	chain atomic.Uint32 // index+1 of the first overflow entry; 0 ends it
}

// chain returns the head of bucket b's overflow chain.
func (t *Table) chain(b uint64) *atomic.Uint32 { return &t.heads[b].chain }

func (t *Table) shardOf(b uint64) *shard { return &t.shards[b&t.shardMask] }

func nextPow2(n int) int {
	p := 1
	for p < n {
		p <<= 1
	}
	return p
}

// Len returns the number of entries in the table.
func (t *Table) Len() int { return int(t.count.Load()) }

// Capacity returns the number of entries the table can hold.
func (t *Table) Capacity() int { return int(t.capacity) }

// Slots returns the number of entry slots (home slots and overflow pool)
// that Expire's hand sweeps: Expire(now, t.Slots()) examines every entry.
func (t *Table) Slots() int { return len(t.slab) }

// MemoryBytes returns the bytes the table allocated: slots, zones, stripes.
func (t *Table) MemoryBytes() int {
	return len(t.slab)*entrySize + len(t.zones)*zoneSize + len(t.shards)*(shardSize+cap(t.shards[0].free)*4)
}

func (t *Table) zone(z uint32) *zone {
	if int(z) >= len(t.zones) {
		return nil
	}
	return &t.zones[z]
}

func (t *Table) zoneCfg(z uint32) *zoneConfig {
	if int(z) >= len(t.zones) {
		return defaultZoneConfig
	}
	return t.zones[z].cfg.Load()
}

var defaultZoneConfig = resolveZoneConfig(ZoneConfig{})

// ConfigureZone sets a zone's timeouts and allowances. Timeouts out of
// EC2's ranges fail with an *Error of code InvalidParameterValue. New
// timeouts apply to existing entries at their next packet or expiry check.
//
// A zone with a ConntrackMax reserves 2 x ConntrackMax entries (Allowances).
// If the reservations of all zones would then exceed Capacity, the zone is
// configured all the same (its own limits hold) but keeps its previous
// reservation, and the error wraps ErrNoRoom: its entries are not
// guaranteed. Callers that size the table for their zones (the switch,
// behind ruleset's flow budget) never see it.
func (t *Table) ConfigureZone(z uint32, c ZoneConfig) error {
	if err := c.Timeouts.Validate(); err != nil {
		return err
	}
	zs := t.zone(z)
	if zs == nil {
		return fmt.Errorf("configuring zone %d: %w", z, ErrNoZone)
	}
	zs.cfg.Store(resolveZoneConfig(c))
	if err := t.reserve(z, 2*int64(c.Allowances.ConntrackMax)); err != nil {
		return fmt.Errorf("configuring zone %d: %w", z, err)
	}
	return nil
}

// reserve sets zone z's reservation to n entries, if the table holds it.
func (t *Table) reserve(z uint32, n int64) error {
	t.resMu.Lock()
	defer t.resMu.Unlock()
	next := t.reserved - t.zoneRes[z] + n
	if next > t.capacity {
		return fmt.Errorf("%w: %d entries reserved of %d, this zone asks %d", ErrNoRoom, t.reserved-t.zoneRes[z], t.capacity, n)
	}
	t.reserved, t.zoneRes[z] = next, n
	return nil
}

// ReleaseZone gives back zone z's reservation and its limits, once the
// interface that owned it is gone (its entries are the caller's to flush).
func (t *Table) ReleaseZone(z uint32) {
	zs := t.zone(z)
	if zs == nil {
		return
	}
	zs.cfg.Store(defaultZoneConfig)
	_ = t.reserve(z, 0) // giving back always fits
}

// reservation returns zone z's reserved entries.
func (t *Table) reservation(z uint32) int64 {
	t.resMu.Lock()
	defer t.resMu.Unlock()
	return t.zoneRes[z]
}

// Reserved returns the entries all zones have reserved together.
func (t *Table) Reserved() int {
	t.resMu.Lock()
	defer t.resMu.Unlock()
	return int(t.reserved)
}

// Timeout returns the idle timeout of class c in zone z, in nanoseconds.
func (t *Table) Timeout(z uint32, c Class) int64 { return t.zoneCfg(z).timeouts[c] }
