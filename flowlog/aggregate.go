package flowlog

import (
	"net/netip"
	"sort"
	"sync"
)

// Key identifies one record within a window.
type Key struct {
	Src, Dst         netip.Addr
	SrcPort, DstPort uint16
	Protocol         uint8
	HasPorts         bool // TCP, UDP (and SCTP): ports are printed
	Action           Action
	Direction        Direction
}

type counters struct {
	packets, bytes uint64
	first, last    int64
	flags          uint8
}

// Config of an Aggregator.
type Config struct {
	AccountID string
	// MaxRecordsPerWindow bounds each interface's table; traffic of further
	// flows in that window is lost and reported as one SKIPDATA record.
	MaxRecordsPerWindow int
}

// DefaultMaxRecords is used when Config.MaxRecordsPerWindow is zero.
const DefaultMaxRecords = 10000

type ifaceWindow struct {
	mu      sync.Mutex
	flows   map[Key]*counters
	skipped uint64 // packets not recorded for capacity
}

// Aggregator turns observed frames into flow-log records.
type Aggregator struct {
	cfg         Config
	mu          sync.Mutex // guards ifaces and windowStart
	ifaces      map[string]*ifaceWindow
	windowStart int64
}

// NewAggregator starts the first window at start (unix seconds).
func NewAggregator(cfg Config, start int64) *Aggregator {
	if cfg.MaxRecordsPerWindow <= 0 {
		cfg.MaxRecordsPerWindow = DefaultMaxRecords
	}
	return &Aggregator{cfg: cfg, ifaces: map[string]*ifaceWindow{}, windowStart: start}
}

// AddInterface makes eni report NODATA for windows without traffic.
func (a *Aggregator) AddInterface(eni string) { a.window(eni) }

// RemoveInterface stops reporting eni after its pending records are flushed.
func (a *Aggregator) RemoveInterface(eni string) {
	a.mu.Lock()
	delete(a.ifaces, eni)
	a.mu.Unlock()
}

func (a *Aggregator) window(eni string) *ifaceWindow {
	a.mu.Lock()
	defer a.mu.Unlock()
	w := a.ifaces[eni]
	if w == nil {
		w = &ifaceWindow{flows: map[Key]*counters{}}
		a.ifaces[eni] = w
	}
	return w
}

// Observe counts one frame (or one GSO super-frame of packets segments) of
// flow k at interface eni, seen at now (unix seconds).
func (a *Aggregator) Observe(eni string, k Key, packets, bytes uint64, tcpFlags uint8, now int64) {
	w := a.window(eni)
	w.mu.Lock()
	c := w.flows[k]
	if c == nil {
		if len(w.flows) >= a.cfg.MaxRecordsPerWindow {
			w.skipped += packets
			w.mu.Unlock()
			return
		}
		c = &counters{first: now}
		w.flows[k] = c
	}
	c.packets += packets
	c.bytes += bytes
	c.last = now
	c.flags |= tcpFlags
	w.mu.Unlock()
}

// Flush closes the window ending at end (unix seconds) and returns its
// records: per interface (sorted by id), data records sorted by key, then a
// SKIPDATA record if anything was lost, or a single NODATA record if the
// interface saw nothing.
func (a *Aggregator) Flush(end int64) []Record {
	a.mu.Lock()
	start := a.windowStart
	a.windowStart = end
	ids := make([]string, 0, len(a.ifaces))
	for id := range a.ifaces {
		ids = append(ids, id)
	}
	wins := make([]*ifaceWindow, len(ids))
	sort.Strings(ids)
	for i, id := range ids {
		wins[i] = a.ifaces[id]
	}
	a.mu.Unlock()

	var out []Record
	for i, id := range ids {
		w := wins[i]
		w.mu.Lock()
		flows, skipped := w.flows, w.skipped
		w.flows, w.skipped = map[Key]*counters{}, 0
		w.mu.Unlock()
		out = append(out, a.records(id, flows, skipped, start, end)...)
	}
	return out
}

func (a *Aggregator) records(eni string, flows map[Key]*counters, skipped uint64, start, end int64) []Record {
	base := Record{Version: 2, AccountID: a.cfg.AccountID, InterfaceID: eni, Start: start, End: end}
	if len(flows) == 0 && skipped == 0 {
		r := base
		r.LogStatus = NoData
		return []Record{r}
	}
	keys := make([]Key, 0, len(flows))
	for k := range flows {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keyLess(&keys[i], &keys[j]) })
	out := make([]Record, 0, len(keys)+1)
	for _, k := range keys {
		c := flows[k]
		r := base
		r.SrcAddr, r.DstAddr = k.Src, k.Dst
		r.SrcPort, r.DstPort, r.hasPorts = k.SrcPort, k.DstPort, k.HasPorts
		r.Protocol, r.Action, r.Direction = k.Protocol, k.Action, k.Direction
		r.Packets, r.Bytes, r.TCPFlags = c.packets, c.bytes, c.flags
		out = append(out, r)
	}
	if skipped > 0 {
		r := base
		r.LogStatus = SkipData
		out = append(out, r)
	}
	return out
}

func keyLess(a, b *Key) bool {
	if c := a.Src.Compare(b.Src); c != 0 {
		return c < 0
	}
	if c := a.Dst.Compare(b.Dst); c != 0 {
		return c < 0
	}
	if a.Protocol != b.Protocol {
		return a.Protocol < b.Protocol
	}
	if a.SrcPort != b.SrcPort {
		return a.SrcPort < b.SrcPort
	}
	if a.DstPort != b.DstPort {
		return a.DstPort < b.DstPort
	}
	if a.Direction != b.Direction {
		return a.Direction < b.Direction
	}
	return a.Action < b.Action
}
