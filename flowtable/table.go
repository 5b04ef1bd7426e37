package flowtable

import (
	"errors"
	"fmt"
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
	slab       []Entry
	heads      []atomic.Uint32 // bucket -> index+1 of the first entry
	bucketMask uint64
	shards     []shard
	shardMask  uint64
	zones      []zone
	maxPerZone int64
	count      atomic.Int64
	sweep      atomic.Uint64 // expiry cursor into slab
}

// shard is a writer lock stripe: it owns the buckets whose index has its
// number in the low bits, and a list of free entries.
type shard struct {
	mu   sync.Mutex
	free []uint32 // indexes+1 of free entries
	_    [32]byte
}

// New allocates a table.
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
	nb := nextPow2(2 * c.Capacity) // chains average under half an entry
	ns := min(nextPow2(c.Shards), nb)
	t := &Table{
		slab:       make([]Entry, c.Capacity),
		heads:      make([]atomic.Uint32, nb),
		bucketMask: uint64(nb - 1),
		shards:     make([]shard, ns),
		shardMask:  uint64(ns - 1),
		zones:      make([]zone, c.MaxZones),
		maxPerZone: int64(c.MaxPerZone),
	}
	for i := range t.shards {
		t.shards[i].free = make([]uint32, 0, c.Capacity/ns+1)
	}
	for i := range t.slab {
		t.slab[i].seq.Store(1) // odd: free
		s := &t.shards[i%ns]
		s.free = append(s.free, uint32(len(t.slab)-i))
	}
	def := resolveZoneConfig(ZoneConfig{})
	for i := range t.zones {
		t.zones[i].cfg.Store(def)
	}
	return t
}

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
func (t *Table) Capacity() int { return len(t.slab) }

// MemoryBytes returns the bytes the table allocated for entries and buckets.
func (t *Table) MemoryBytes() int {
	return len(t.slab)*entrySize + len(t.heads)*4 + len(t.zones)*zoneSize + len(t.shards)*shardSize
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
func (t *Table) ConfigureZone(z uint32, c ZoneConfig) error {
	if err := c.Timeouts.Validate(); err != nil {
		return err
	}
	zs := t.zone(z)
	if zs == nil {
		return fmt.Errorf("configuring zone %d: %w", z, ErrNoZone)
	}
	zs.cfg.Store(resolveZoneConfig(c))
	return nil
}

// Timeout returns the idle timeout of class c in zone z, in nanoseconds.
func (t *Table) Timeout(z uint32, c Class) int64 { return t.zoneCfg(z).timeouts[c] }
