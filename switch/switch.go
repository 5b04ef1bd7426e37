package vswitch

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"

	"sgswitch/flowtable"
	"sgswitch/iface"
	"sgswitch/ruleset"
	"sgswitch/vpc"
)

// Config sets up a Switch. Zero values take the defaults.
type Config struct {
	// Clock is read once per batch; default flowtable.SystemClock.
	Clock flowtable.Clock
	// FlowCapacity is the number of flow-table entries (both sides of a
	// flow take one each); default DefaultFlowCapacity. Each interface
	// reserves 2 x its conntrack allowance of them (ruleset.Allowances):
	// the table must hold the sum.
	FlowCapacity int
	// MaxInterfaces bounds the interfaces published at once, over every
	// VPC (each is a conntrack zone); default 1024.
	MaxInterfaces int
	// RouterMAC is the MAC the switch answers ARP/ND with for the VPC
	// router (subnet base+1, ::1, fe80:ec2::1) and the DNS resolver
	// (base+2); default 02:5e:5e:00:00:01.
	RouterMAC [6]byte
	// Service, if set, receives link-local service and DHCP traffic
	// (after the link-local allowance); without it such frames are dropped
	// as no-service.
	Service Service
	// FragTimeout is how long a first fragment's verdict is kept for its
	// later fragments; default 10 s.
	FragTimeout time.Duration
	// FragEntries is the per-port bound on remembered first fragments;
	// default 256.
	FragEntries int
	// ExpireInterval is how often Run's expiry goroutine sweeps the flow
	// table; default 100 ms.
	ExpireInterval time.Duration
}

// Service serves traffic EC2 does not filter (DHCP, DNS resolver,
// metadata, time sync). Serve runs on the packet path of the sending
// interface's port: it must not block and must not retain frame; it may
// call reply (at most a few times) to send frames back to the instance.
type Service interface {
	Serve(eniID string, frame []byte, reply func(frame []byte))
}

// DefaultFlowCapacity is the flow table's default size: 262,144 entries
// (about 50 MB), 32 interfaces at the default conntrack allowance.
const DefaultFlowCapacity = 1 << 18

// FlowCapacity returns the flow table's size in entries.
func (s *Switch) FlowCapacity() int { return s.flows.Capacity() }

// ErrNoSuchPort is returned by RemovePort for an interface with no port.
var ErrNoSuchPort = errors.New("vswitch: no port attached to that interface")

// Switch is the virtual subnet. See the package comment.
type Switch struct {
	cfg      Config
	flows    *flowtable.Table
	view     atomic.Pointer[view]
	observer atomic.Pointer[observerBox]

	mu        sync.Mutex // control path: enis, ports, running, zone configs
	enis      map[string]*eni
	ports     map[string]*portState
	zoneCfg   map[uint32]flowtable.ZoneConfig
	zoneOwner map[uint32]string // zone → interface id, as last published
	published uint64            // publications so far: view.gen
	runCtx    context.Context   // non-nil while Run runs
	wg        sync.WaitGroup
}

// eni is the live object of one interface id: its counters and its port.
// It outlives views, so counters survive rule changes.
type eni struct {
	id   string
	ctr  counters
	port atomic.Pointer[portState]
}

// portState is an attached port and its transmit lock (Port.Write may not
// be called concurrently with itself; every sender's worker writes to it).
type portState struct {
	eni    *eni
	port   iface.Port
	gso    bool
	txMu   sync.Mutex
	worker *worker
	done   chan struct{} // closed when its receive goroutine ends
}

// New returns a switch with no ruleset: every frame is dropped as
// unknown-interface until the first Publish.
func New(cfg Config) *Switch {
	if cfg.Clock == nil {
		cfg.Clock = flowtable.SystemClock{}
	}
	if cfg.FlowCapacity == 0 {
		cfg.FlowCapacity = DefaultFlowCapacity
	}
	if cfg.MaxInterfaces == 0 {
		cfg.MaxInterfaces = 1024
	}
	if cfg.RouterMAC == ([6]byte{}) {
		cfg.RouterMAC = [6]byte{0x02, 0x5e, 0x5e, 0, 0, 1}
	}
	if cfg.FragTimeout == 0 {
		cfg.FragTimeout = 10 * time.Second
	}
	if cfg.FragEntries == 0 {
		cfg.FragEntries = 256
	}
	if cfg.ExpireInterval == 0 {
		cfg.ExpireInterval = 100 * time.Millisecond
	}
	return &Switch{
		cfg:     cfg,
		flows:   flowtable.New(flowtable.Config{Capacity: cfg.FlowCapacity, MaxZones: cfg.MaxInterfaces}),
		enis:    map[string]*eni{},
		ports:   map[string]*portState{},
		zoneCfg: map[uint32]flowtable.ZoneConfig{},

		zoneOwner: map[uint32]string{},
	}
}

// eniLocked returns the live object for id, creating it. s.mu held.
func (s *Switch) eniLocked(id string) *eni {
	e := s.enis[id]
	if e == nil {
		e = &eni{id: id}
		s.enis[id] = e
	}
	return e
}

// Publish makes snap the ruleset every following frame is judged by: one
// VPC, without the VPC layer (PublishVPCs with a nil topology).
func (s *Switch) Publish(snap *ruleset.Snapshot) error {
	return s.PublishNetwork(snap, nil)
}

// PublishNetwork publishes one VPC, snap, placed in subnets by topo
// (PublishVPCs with that one VPC).
func (s *Switch) PublishNetwork(snap *ruleset.Snapshot, topo *vpc.Topology) error {
	return s.PublishVPCs(topo, map[string]*ruleset.Snapshot{snap.VPC().VpcId: snap})
}

// PublishVPCs makes groups (one security-group Snapshot per VPC id) and
// topo (the VPC layer of them all: subnets, network ACLs, route tables,
// where each interface sits; nil for none) what every following frame is
// judged by. The caller compiles both off the packet path; PublishVPCs
// assigns each interface its conntrack zone and configures it (timeouts,
// allowances), derives each VPC's address tables and swaps one pointer:
// a frame sees the old or the new publication, never a mixture. VPCs are
// isolated: a frame only reaches interfaces of its sender's VPC, so VPCs
// may use the same addresses. An interface of a snapshot that topo does
// not place is in one subnet, its VPC's CIDR, with its source/dest check
// on. Each VPC's snapshots must come from one Compiler (generations
// increase). The error lists interfaces left out or not configured; the
// rest is published all the same.
func (s *Switch) PublishVPCs(topo *vpc.Topology, groups map[string]*ruleset.Snapshot) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, snap := range groups {
		if snap == nil {
			return fmt.Errorf("vswitch: VPC %s has no snapshot", id)
		}
	}
	zones, errs := s.assignZones(groups)
	stale := s.reassignedZones(zones)
	configured := map[string]bool{}
	for _, id := range sortedKeys(groups) {
		for _, ci := range groups[id].Interfaces() {
			s.eniLocked(ci.ID)
			z, ok := zones[ci.ID]
			if !ok || configured[ci.ID] {
				continue // no zone, or the copy in a second VPC (assignZones said so)
			}
			configured[ci.ID] = true
			zc := zoneConfig(ci)
			if old, ok := s.zoneCfg[z]; ok && old == zc {
				continue
			}
			if err := s.flows.ConfigureZone(z, zc); err != nil {
				errs = append(errs, fmt.Errorf("interface %s: %w", ci.ID, err))
				continue
			}
			s.zoneCfg[z] = zc
		}
	}
	s.published++
	s.view.Store(newView(s.published, topo, groups, zones, s.enis, s.cfg.RouterMAC))
	// Zones that changed owner are emptied once the old owner is no longer
	// used (a new owner's flows of the first instants may go too: they are
	// then judged again as new).
	s.flushZones(stale)
	return errors.Join(errs...)
}

func zoneConfig(ci *ruleset.CompiledInterface) flowtable.ZoneConfig {
	ct, a := ci.Conntrack, ci.Allowances
	return flowtable.ZoneConfig{
		Timeouts: flowtable.Timeouts{TcpEstablishedTimeout: ct.TcpEstablishedTimeout,
			UdpStreamTimeout: ct.UdpStreamTimeout, UdpTimeout: ct.UdpTimeout},
		Allowances: flowtable.Allowances{ConntrackMax: a.ConntrackMax, NewConnectionsPerSecond: a.NewConnectionsPerSecond,
			PPS: a.PPS, BandwidthInMbps: a.BandwidthInMbps, BandwidthOutMbps: a.BandwidthOutMbps},
	}
}

// Snapshot returns the published snapshot when one VPC is published (nil
// before the first Publish, and with several VPCs: see Snapshots).
func (s *Switch) Snapshot() *ruleset.Snapshot {
	if v := s.view.Load(); v != nil && len(v.vpcs) == 1 {
		for _, vv := range v.vpcs {
			return vv.snap
		}
	}
	return nil
}

// Snapshots returns the published snapshot of each VPC, by VPC id.
func (s *Switch) Snapshots() map[string]*ruleset.Snapshot {
	m := map[string]*ruleset.Snapshot{}
	if v := s.view.Load(); v != nil {
		for id, vv := range v.vpcs {
			m[id] = vv.snap
		}
	}
	return m
}

// Zone returns the conntrack zone of interface eniID in the published
// view (flow-table keys carry it); ok is false for an interface not
// published.
func (s *Switch) Zone(eniID string) (zone uint32, ok bool) {
	if v := s.view.Load(); v != nil {
		if ev := v.byID[eniID]; ev != nil {
			return ev.zone, true
		}
	}
	return 0, false
}

// AddPort attaches p as the port of interface eniID. The interface need not
// be published yet (its frames are dropped as unknown-interface until it
// is). The switch owns p from now on: RemovePort and the end of Run close
// it. Safe while Run runs: the port's receive goroutine starts at once.
func (s *Switch) AddPort(eniID string, p iface.Port) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.ports[eniID]; ok {
		return fmt.Errorf("vswitch: interface %s already has a port", eniID)
	}
	e := s.eniLocked(eniID)
	ps := &portState{eni: e, port: p, done: make(chan struct{})}
	if g, ok := p.(iface.GSOPort); ok && g.GSO() {
		ps.gso = true
	}
	ps.worker = newWorker(s, ps)
	s.ports[eniID] = ps
	e.port.Store(ps)
	if s.runCtx != nil {
		s.startReceiver(s.runCtx, ps)
	}
	return nil
}

// RemovePort detaches and closes the port of eniID and waits for its
// receive goroutine to end. Frames for the interface are then dropped as
// port-down; its flows stay in the table until they expire.
func (s *Switch) RemovePort(eniID string) error {
	s.mu.Lock()
	ps, ok := s.ports[eniID]
	if ok {
		delete(s.ports, eniID)
		ps.eni.port.CompareAndSwap(ps, nil)
	}
	running := s.runCtx != nil
	s.mu.Unlock()
	if !ok {
		return fmt.Errorf("removing port of %s: %w", eniID, ErrNoSuchPort)
	}
	err := ps.port.Close()
	if running {
		<-ps.done // its receive goroutine released the buffers
	} else {
		ps.worker.mem.release() // never read
	}
	// A sender that loaded the port just before it was detached may still
	// Write to it: the closed port returns ErrClosed, counted as tx-error.
	return err
}

// Run moves frames until ctx is done: one receive goroutine per port
// (receiveFrames) and one that expires idle flows (expireFlows). Ports
// added while it runs start at once. When ctx is done it closes every port
// and returns after all goroutines ended.
func (s *Switch) Run(ctx context.Context) error {
	s.mu.Lock()
	if s.runCtx != nil {
		s.mu.Unlock()
		return errors.New("vswitch: already running")
	}
	s.runCtx = ctx
	for _, ps := range s.ports {
		s.startReceiver(ctx, ps)
	}
	s.mu.Unlock()
	s.wg.Add(1)
	go pprof.Do(ctx, pprof.Labels("vswitch", "expire-flows"), func(ctx context.Context) {
		defer s.wg.Done()
		s.expireFlows(ctx)
	})
	<-ctx.Done()
	s.mu.Lock()
	for _, ps := range s.ports {
		ps.port.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	s.mu.Lock()
	s.runCtx = nil
	s.mu.Unlock()
	return nil
}

// startReceiver starts ps's receive goroutine. s.mu held.
func (s *Switch) startReceiver(ctx context.Context, ps *portState) {
	s.wg.Add(1)
	go pprof.Do(ctx, pprof.Labels("vswitch", "receive-frames", "port", ps.port.Name()), func(context.Context) {
		defer s.wg.Done()
		defer close(ps.done)
		defer ps.worker.mem.release() // no one uses the port's buffers after its loop
		ps.worker.receiveFrames()
	})
}

// expireFlows sweeps the flow table in slices so that idle entries give
// back their memory and conntrack allowance; correctness does not depend on
// it (the table refuses an idle entry itself).
func (s *Switch) expireFlows(ctx context.Context) {
	t := time.NewTicker(s.cfg.ExpireInterval)
	defer t.Stop()
	budget := max(s.flows.Capacity()/50, 1024)
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.flows.Expire(s.cfg.Clock.Now(), budget)
		}
	}
}

// Stats returns the counters of interface eniID; ok is false for an
// interface the switch has never heard of.
func (s *Switch) Stats(eniID string) (st Stats, ok bool) {
	s.mu.Lock()
	e := s.enis[eniID]
	s.mu.Unlock()
	if e == nil {
		return Stats{}, false
	}
	st = e.ctr.snapshot(eniID)
	if v := s.view.Load(); v != nil {
		if ev := v.byID[eniID]; ev != nil {
			st.Conntrack = s.flows.ZoneStats(ev.zone)
		}
	}
	return st, true
}

// Flows returns the flow table, for listings and metrics (read-only use).
func (s *Switch) Flows() *flowtable.Table { return s.flows }

// Conntrack yields every live flow-table entry with the id of the interface
// whose zone holds it (each side of a flow has its own entry).
func (s *Switch) Conntrack() iter.Seq2[string, flowtable.EntryInfo] {
	return func(yield func(string, flowtable.EntryInfo) bool) {
		v := s.view.Load()
		for info := range s.flows.Entries(s.cfg.Clock.Now()) {
			id := ""
			if v != nil {
				if z := int(info.Key.Zone()); z < len(v.byZone) && v.byZone[z] != nil {
					id = v.byZone[z].ci.ID
				}
			}
			if !yield(id, info) {
				return
			}
		}
	}
}
