package daemon

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"sync"
	"time"

	"sgswitch/iface"
	"sgswitch/ruleset"
	"sgswitch/store"
	"sgswitch/testbed"
)

// DefaultStateDir is where a daemon keeps its state (store.FileName, its
// flow logs, LogName) unless told otherwise: `sgswitch run`'s --state-dir,
// and where `lab up` and `lab down` look.
const DefaultStateDir = "/var/lib/sgswitch"

// StateDirEnv names the environment variable that overrides
// DefaultStateDir for `lab up` and `lab down`, so tests use a private one.
const StateDirEnv = "SGSWITCH_STATE_DIR"

// Config configures a Daemon.
type Config struct {
	// StateDir holds state.db (created if missing).
	StateDir string
	// VPC is used when the store holds no state yet.
	VPC ruleset.VPCConfig
	// Dataplane is the switch (required).
	Dataplane Dataplane
	// Wirer wires lab nodes (required to apply labs with nodes).
	Wirer Wirer
	// Log receives operational messages (default: discard).
	Log *slog.Logger
	// Version is reported by Status.
	Version string
	// FlowBudget is the switch's flow-table size in entries: an interface
	// whose reservation (2 x its conntrack allowance) the table cannot hold
	// beside the others' is refused (ruleset.State.SetFlowBudget). 0: no
	// check.
	FlowBudget int
}

// DefaultVPC is the VPC of a fresh daemon before any lab re-bases it.
func DefaultVPC() ruleset.VPCConfig {
	return ruleset.VPCConfig{
		CIDR:     netip.MustParsePrefix("198.18.0.0/24"),
		IPv6CIDR: netip.MustParsePrefix("fd00:5e5e:0:1::/64"),
	}
}

// Daemon holds the model, the store, the switch and the ports.
type Daemon struct {
	cfg     Config
	log     *slog.Logger
	store   *store.Store
	dp      Dataplane
	started time.Time

	mu         sync.Mutex // guards everything below
	state      *ruleset.State
	generation uint64
	labs       map[string]store.LabRecord
	ports      map[string]*attachment // by ENI id
	listen     Listen                 // set by Run
}

// attachment is one ENI's port, or why it has none.
type attachment struct {
	lab    string
	wiring store.NodeWiring
	port   iface.Port // nil when not attached
	err    error
}

// Open opens the store, restores the state and re-attaches every lab
// node's port. A node that cannot be re-wired is reported by Status, not
// fatal: the rest of the switch keeps working.
func Open(cfg Config) (*Daemon, error) {
	if cfg.Dataplane == nil {
		return nil, errors.New("daemon: no dataplane")
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	tl := newTimeline(cfg.Log, "start")
	st, err := store.Open(cfg.StateDir)
	if err != nil {
		return nil, err
	}
	tl.step("store open")
	d := &Daemon{
		cfg: cfg, log: cfg.Log, store: st, dp: cfg.Dataplane, started: time.Now(),
		labs: map[string]store.LabRecord{}, ports: map[string]*attachment{},
	}
	if err := d.restore(tl); err != nil {
		st.Close()
		return nil, err
	}
	return d, nil
}

// restore loads the store into memory, publishes it and re-wires labs.
func (d *Daemon) restore(tl *timeline) error {
	snap, err := d.store.Load()
	if err != nil {
		return err
	}
	tl.step("store load")
	var state *ruleset.State
	if snap.Spec != nil {
		if state, err = loadState(d.store.Path(), *snap.Spec); err != nil {
			return err
		}
	} else {
		if state, err = ruleset.NewState(d.cfg.VPC); err != nil {
			return fmt.Errorf("daemon VPC: %w", err)
		}
		// Persist the fresh VPC so its generated ids survive a restart.
		if err := d.store.Update(func(tx *store.Tx) error { return saveSpec(tx, nil, state) }); err != nil {
			return err
		}
	}
	state.SetFlowBudget(d.cfg.FlowBudget)
	tl.step("state")
	d.mu.Lock()
	defer d.mu.Unlock()
	d.state = state
	d.labs = snap.Labs
	d.generation = d.dp.Publish(state)
	tl.step("publish")
	d.restoreConntrack() // before any port moves a packet
	tl.step("conntrack restore")
	for _, rec := range snap.Labs {
		for _, n := range rec.Nodes {
			d.attach(rec.Name, n, tl)
		}
	}
	return nil
}

// Close saves the connection-tracking entries for the next start
// (ConntrackFile), detaches and closes every port (leaving namespaces and
// the store contents in place, ready for the next start) and closes the
// store. Call it after Run ended, so that no packet changes the entries
// after they are saved.
func (d *Daemon) Close() error {
	tl := newTimeline(d.log, "stop")
	d.mu.Lock()
	defer d.mu.Unlock()
	d.saveConntrack()
	tl.step("conntrack save")
	for eni := range d.ports {
		d.detach(eni)
	}
	tl.step("ports detached")
	err := d.store.Close()
	tl.step("store close")
	return err
}

// Read runs fn on the live state. fn must not keep st or mutate it.
func (d *Daemon) Read(fn func(st *ruleset.State) error) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return fn(d.state)
}

// Write runs fn on a clone of the live state; if fn succeeds the clone is
// saved durably, published to the switch and swapped in. On any failure
// nothing changes.
func (d *Daemon) Write(fn func(st *ruleset.State) error) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	next := d.state.Clone()
	if err := fn(next); err != nil {
		return err
	}
	if err := d.store.Update(func(tx *store.Tx) error { return saveSpec(tx, d.state, next) }); err != nil {
		return fmt.Errorf("saving state: %w", err)
	}
	d.swap(next)
	return nil
}

// swap publishes next and makes it live, then drops ports whose ENI no
// longer exists (deleted through the EC2 API). Callers hold d.mu and have
// persisted next.
func (d *Daemon) swap(next *ruleset.State) {
	next.SetFlowBudget(d.cfg.FlowBudget) // states rebuilt from a spec start without it
	d.generation = d.dp.Publish(next)
	d.state = next
	live := map[string]bool{}
	for _, e := range next.View().Interfaces {
		live[e.ID] = true
	}
	for eni := range d.ports {
		if !live[eni] {
			d.detach(eni)
			delete(d.ports, eni)
		}
	}
}

// loadState rebuilds the model from the spec a store holds (read from
// path); one that does not validate marks the store corrupt.
func loadState(path string, spec ruleset.Spec) (*ruleset.State, error) {
	attachLabInterfaces(&spec)
	state, err := ruleset.StateFromSpec(spec)
	if err != nil {
		return nil, fmt.Errorf("%s: %w (ruleset spec: %v)", path, store.ErrCorrupt, err)
	}
	return state, nil
}

// attachLabInterfaces marks the interfaces of lab nodes attached in a
// spec stored before interfaces recorded their attachment: every lab
// interface carries testbed.LabTag and the node's name, so it is attached
// to that node. (The record is rewritten with the attachment at the
// interface's next change.)
func attachLabInterfaces(sp *ruleset.Spec) {
	for i := range sp.Interfaces {
		e := &sp.Interfaces[i]
		if e.AttachedTo != "" || e.Name == "" {
			continue
		}
		for _, t := range e.Tags {
			if t.Key == testbed.LabTag {
				e.AttachedTo = testbed.AttachmentOf(t.Value, e.Name)
			}
		}
	}
}

// saveSpec records the change from prev (the state the store holds; nil
// for none) to next: the store writes only the objects that differ. When
// next is a Clone of prev, next's journal says which objects those are
// (ChangesSince) and the store writes them without looking at the rest
// of the model; otherwise (a State rebuilt from a Spec: a lab removed, a
// VPC re-based) the store compares the two models. It reads both without
// copying them (View): neither changes meanwhile, since callers hold d.mu
// and the live state is never mutated.
func saveSpec(tx *store.Tx, prev, next *ruleset.State) error {
	if prev == nil {
		return tx.SaveSpec(nil, next.View())
	}
	if ch, ok := next.ChangesSince(prev); ok {
		return tx.SaveChanges(prev.View(), next.View(), ch)
	}
	return tx.SaveSpec(prev.View(), next.View())
}

// pid is reported by Status.
var pid = os.Getpid()
