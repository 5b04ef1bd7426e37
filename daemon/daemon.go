package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"sync"
	"time"

	"sgswitch/account"
	"sgswitch/flowtable"
	"sgswitch/iface"
	"sgswitch/ruleset"
	"sgswitch/store"
	"sgswitch/testbed"
	"sgswitch/vpcsvc"
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
	// Clock, when set, is the virtual clock the dataplane runs on
	// (daemon/clock.go); nil: the real clock.
	Clock *flowtable.VirtualClock
}

// DefaultVPC is the daemon's own VPC (the account's default VPC, one subnet of
// the same block) as a fresh daemon makes it.
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
	acct       *account.Account
	generation uint64
	labs       map[string]store.LabRecord
	// details is instanceDetails(labs), kept by publishInstances.
	details map[string]vpcsvc.Instance
	ports   map[string]*attachment // by ENI id
	listen  Listen                 // set by Run
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
	acct, fresh, err := d.loadAccount(snap)
	if err != nil {
		return err
	}
	if fresh {
		// Persist the new or converted account now, so that its
		// generated ids survive a restart and the file is schema 3.
		if err := d.store.Update(func(tx *store.Tx) error { return tx.SaveAccount(nil, acct) }); err != nil {
			return err
		}
	}
	d.budget(acct)
	tl.step("state")
	d.mu.Lock()
	defer d.mu.Unlock()
	d.acct = acct
	d.labs = snap.Labs
	d.publishInstances()
	d.generation = d.dp.Publish(acct)
	tl.step("publish")
	d.restoreConntrack() // before any port moves a packet
	tl.step("conntrack restore")
	for _, rec := range snap.Labs {
		for _, n := range rec.Nodes {
			d.attach(rec.Name, n, tl)
		}
		// VMs outlive the daemon; after a reboot they start again here.
		if err := d.startVMs(context.Background(), rec); err != nil {
			d.log.Warn("VM not started", "lab", rec.Name, "err", err)
		}
	}
	return nil
}

// loadAccount is the model the store holds: its account (schema 3), the
// account made from a one-VPC model (schema 1 or 2: that VPC becomes the
// default VPC, keeping every id), or for an empty store a new account
// whose default VPC is Config.VPC. fresh says the store must be written.
func (d *Daemon) loadAccount(snap *store.Snapshot) (acct *account.Account, fresh bool, err error) {
	if snap.Account != nil || snap.Spec != nil {
		return storedAccount(d.store.Path(), snap)
	}
	st, err := ruleset.NewState(d.cfg.VPC)
	if err != nil {
		return nil, false, fmt.Errorf("daemon VPC: %w", err)
	}
	if acct, err = account.FromOneVPC(account.Config{}, st.Spec()); err != nil {
		return nil, false, fmt.Errorf("daemon VPC: %w", err)
	}
	return acct, true, nil
}

// storedAccount rebuilds the account a store holds (read from path), or
// converts its one-VPC model (converted is then true); a model that does
// not validate marks the store corrupt.
func storedAccount(path string, snap *store.Snapshot) (acct *account.Account, converted bool, err error) {
	if snap.Account != nil {
		if acct, err = account.FromSpec(*snap.Account); err != nil {
			return nil, false, fmt.Errorf("%s: %w (account: %v)", path, store.ErrCorrupt, err)
		}
		return acct, false, nil
	}
	sp := *snap.Spec
	attachLabInterfaces(&sp)
	if acct, err = account.FromOneVPC(account.Config{}, sp); err != nil {
		return nil, false, fmt.Errorf("%s: %w (converting the one-VPC model: %v)", path, store.ErrCorrupt, err)
	}
	return acct, true, nil
}

// budget gives the account the switch's flow budget (account.SetFlowBudget):
// models rebuilt from a spec start without it, and after each change every
// VPC's share follows the others' reservations.
func (d *Daemon) budget(a *account.Account) { a.SetFlowBudget(d.cfg.FlowBudget) }

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

// ReadAccount runs fn on the live account. fn must not keep it or
// change it.
func (d *Daemon) ReadAccount(fn func(*account.Account) error) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return fn(d.acct)
}

// WriteAccount runs fn on a clone of the live account; if fn succeeds
// the clone is saved durably, published to the switch and swapped in. On
// any failure nothing changes. An interface fn attached to a lab node is
// wired first and its lab record saved with the model; one it detached
// loses its port after the commit (attachments.go).
func (d *Daemon) WriteAccount(fn func(*account.Account) error) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	next := d.acct.Clone()
	if err := fn(next); err != nil {
		return err
	}
	ch, err := d.attachmentChanges(d.acct, next)
	if err != nil {
		return err
	}
	wired, err := d.wireAttached(next, ch)
	if err != nil {
		return err
	}
	err = d.store.Update(func(tx *store.Tx) error {
		if err := tx.SaveAccount(d.acct, next); err != nil {
			return err
		}
		for _, rec := range ch.records {
			if err := tx.PutLab(rec); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		for lab, ws := range wired {
			d.unwire(lab, ws)
		}
		return fmt.Errorf("saving state: %w", err)
	}
	d.swap(next)
	for lab, rec := range ch.records {
		d.labs[lab] = rec
	}
	d.publishInstances()
	for lab, ws := range wired {
		d.addPorts(lab, ws)
	}
	d.unwireDetached(ch)
	return nil
}

// swap publishes next and makes it live, then drops ports whose ENI no
// longer exists (deleted through the EC2 API). Callers hold d.mu and have
// persisted next.
func (d *Daemon) swap(next *account.Account) {
	d.budget(next)
	d.generation = d.dp.Publish(next)
	d.acct = next
	live := map[string]bool{}
	for _, e := range next.Interfaces() {
		live[e.ID] = true
	}
	for eni := range d.ports {
		if !live[eni] {
			d.detach(eni)
			delete(d.ports, eni)
		}
	}
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

// pid is reported by Status.
var pid = os.Getpid()
