package daemon

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"

	"sgswitch/account"
	"sgswitch/admin"
	"sgswitch/iface"
	"sgswitch/ruleset"
	"sgswitch/store"
	"sgswitch/testbed"
)

var labNameRE = regexp.MustCompile(`^[a-z0-9-]{1,12}$`)

// ApplyLab creates the lab's groups, prefix lists and ENIs, wires its nodes
// and commits, all or nothing. Applying the same lab again re-attaches any
// node that is not attached; applying a changed lab of the same name
// replaces the old one.
//
// VM nodes that sgswitch boots start once their ports are wired; a VM
// that fails to start fails the call, and the lab stays applied, so
// applying it again (once the cause is fixed) starts it.
func (d *Daemon) ApplyLab(ctx context.Context, raw json.RawMessage) (*admin.LabStatus, error) {
	var lab testbed.Lab
	if err := json.Unmarshal(raw, &lab); err != nil {
		return nil, fmt.Errorf("%w: lab: %v", admin.ErrInvalid, err)
	}
	if !labNameRE.MatchString(lab.Name) {
		return nil, fmt.Errorf("%w: lab name %q: want [a-z0-9-]{1,12}", admin.ErrInvalid, lab.Name)
	}
	canon, err := json.Marshal(&lab)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if old, ok := d.labs[lab.Name]; ok {
		if bytes.Equal(old.Lab, canon) {
			return d.reattach(ctx, old)
		}
		if err := d.removeLab(old); err != nil {
			return nil, fmt.Errorf("replacing lab %s: %w", lab.Name, err)
		}
	}
	return d.applyNew(ctx, &lab, canon)
}

// reattach attaches the lab's nodes that are not attached, and starts
// its VMs that do not run.
func (d *Daemon) reattach(ctx context.Context, rec store.LabRecord) (*admin.LabStatus, error) {
	var errs []error
	for _, n := range rec.Nodes {
		if a := d.ports[n.ENI]; a == nil || a.port == nil {
			if err := d.attach(rec.Name, n, nil); err != nil {
				errs = append(errs, fmt.Errorf("node %s: %w", n.Name(), err))
			}
		}
	}
	errs = append(errs, d.startVMs(ctx, rec))
	return d.labStatus(rec), errors.Join(errs...)
}

// wiredPort is a node wired during ApplyLab, not yet committed.
type wiredPort struct {
	n    store.NodeWiring
	port iface.Port
}

func (d *Daemon) applyNew(ctx context.Context, lab *testbed.Lab, canon []byte) (*admin.LabStatus, error) {
	next := d.acct.Clone()
	ap, err := testbed.Apply(next, lab)
	if err != nil {
		return nil, withCode(err)
	}
	rec := labRecord(lab, canon, ap)
	wired, err := d.wireAll(next, rec)
	if err != nil {
		return nil, err
	}
	err = d.store.Update(func(tx *store.Tx) error {
		if err := tx.SaveAccount(d.acct, next); err != nil {
			return err
		}
		return tx.PutLab(rec)
	})
	if err != nil {
		d.unwire(lab.Name, wired)
		return nil, fmt.Errorf("saving lab %s: %w", lab.Name, err)
	}
	d.swap(next)
	d.labs[rec.Name] = rec
	d.publishInstances()
	d.addPorts(rec.Name, wired)
	return d.labStatus(rec), d.startVMs(ctx, rec)
}

// addPorts adds ports wired before a commit to the switch; a port the
// switch refuses keeps its error for Status, as any port's.
func (d *Daemon) addPorts(lab string, wired []wiredPort) {
	for _, w := range wired {
		a := &attachment{lab: lab, wiring: w.n, port: w.port}
		if err := d.dp.AddPort(w.n.ENI, w.port); err != nil {
			w.port.Close()
			a.port, a.err = nil, err
		}
		d.ports[w.n.ENI] = a
	}
}

// wireAll wires every node of rec; on the first failure it unwires the
// ones done and fails.
func (d *Daemon) wireAll(a *account.Account, rec store.LabRecord) ([]wiredPort, error) {
	var wired []wiredPort
	for _, n := range rec.Nodes {
		p, err := d.wireOne(a, rec.Name, n)
		if err != nil {
			d.unwire(rec.Name, wired)
			_ = d.cfg.Wirer.Unwire(hostOf(rec.Name, n))
			return nil, fmt.Errorf("lab %s: node %s: %w", rec.Name, n.Name(), err)
		}
		wired = append(wired, wiredPort{n: n, port: p})
	}
	return wired, nil
}

func (d *Daemon) wireOne(a *account.Account, lab string, n store.NodeWiring) (iface.Port, error) {
	if d.cfg.Wirer == nil {
		return nil, errors.New("no wirer configured")
	}
	addrs, err := testbed.AddrsIn(a, n.ENI)
	if err != nil {
		return nil, err
	}
	return d.cfg.Wirer.Wire(hostOf(lab, n), addrs)
}

func (d *Daemon) unwire(lab string, wired []wiredPort) {
	for _, w := range wired {
		w.port.Close()
		if err := d.cfg.Wirer.Unwire(hostOf(lab, w.n)); err != nil {
			d.log.Warn("unwiring", "node", w.n.Node, "err", err)
		}
	}
}

// labRecord says how each node of lab exists on the host (testbed.Hosts).
func labRecord(lab *testbed.Lab, canon []byte, ap testbed.Applied) store.LabRecord {
	rec := store.LabRecord{Name: lab.Name, Lab: canon, VPC: ap.VpcID, Joined: ap.Joined}
	if ap.Joined {
		rec.Groups, rec.PrefixLists = ap.Groups, ap.PrefixLists
	}
	for _, h := range testbed.HostsOf(lab, ap.Interfaces) {
		rec.Nodes = append(rec.Nodes, store.NodeWiring{Node: h.Node, ENI: h.ENI, Kind: h.Kind, Port: h.Port, Netns: h.Netns, IfName: h.IfName,
			Interface: h.Interface, Forwarding: h.Forwarding})
	}
	return rec
}

// withCode turns a ruleset error (anywhere in the chain) into an admin
// error carrying its EC2 code.
func withCode(err error) error {
	if code := testbed.EC2Code(err); code != "" {
		return &admin.CodeError{Code: code, Err: err}
	}
	return fmt.Errorf("%w: %v", admin.ErrInvalid, err)
}

// Lab describes one applied lab.
func (d *Daemon) Lab(_ context.Context, name string) (*admin.LabStatus, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	rec, ok := d.labs[name]
	if !ok {
		return nil, fmt.Errorf("lab %q: %w", name, admin.ErrNotFound)
	}
	return d.labStatus(rec), nil
}

// RemoveLab removes the lab's ENIs, groups, prefix lists, ports and
// namespaces.
func (d *Daemon) RemoveLab(_ context.Context, name string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	rec, ok := d.labs[name]
	if !ok {
		return fmt.Errorf("lab %q: %w", name, admin.ErrNotFound)
	}
	return d.removeLab(rec)
}

// removeLab commits the lab's removal, then takes its ports and namespaces
// down. Callers hold d.mu.
func (d *Daemon) removeLab(rec store.LabRecord) error {
	next, err := commitLabRemoval(d.store, d.acct, rec)
	if err != nil {
		return err
	}
	d.swap(next) // detaches the lab's ports: their ENIs are gone
	delete(d.labs, rec.Name)
	d.publishInstances()
	for _, n := range rec.Nodes {
		d.detach(n.ENI)
		delete(d.ports, n.ENI)
	}
	// One call removes every host object recorded for the lab, the nodes'
	// and anything a crash left, so no node is unwired on its own here.
	if d.cfg.Wirer != nil {
		if err := d.cfg.Wirer.RemoveHosts(rec.Name); err != nil {
			d.log.Warn("lab removed, some links remain", "lab", rec.Name, "err", err)
		}
	}
	return nil
}

// commitLabRemoval stores the model (held by the store as prev) without
// lab rec and drops the lab's record, in one transaction, and returns the
// new model. A lab's own VPC goes with everything in it; a lab that
// joined a VPC, or one from before labs had VPCs (in the default VPC),
// loses what it made there (removeLabObjects) and the VPC stays.
func commitLabRemoval(s *store.Store, prev *account.Account, rec store.LabRecord) (*account.Account, error) {
	next := prev.Clone()
	var err error
	switch {
	case rec.Joined:
		err = removeLabObjects(next, rec.VPC, rec)
	case rec.VPC != "":
		err = next.RemoveVpc(rec.VPC)
	default:
		err = removeLabObjects(next, next.DefaultVpc(), rec)
	}
	if err != nil {
		return nil, fmt.Errorf("removing lab %s from the model: %w", rec.Name, err)
	}
	err = s.Update(func(tx *store.Tx) error {
		if err := tx.SaveAccount(prev, next); err != nil {
			return err
		}
		return tx.DeleteLab(rec.Name)
	})
	if err != nil {
		return nil, fmt.Errorf("saving removal of lab %s: %w", rec.Name, err)
	}
	return next, nil
}

// removeLabObjects removes from VPC vpcID what lab rec made there: its
// interfaces from both models (an interface attached to a node through
// the EC2 API is detached, and stays), then its groups and prefix lists
// (removeFromSpec). A VPC that is gone (deleted through the API after
// the interfaces went) leaves nothing to remove.
func removeLabObjects(a *account.Account, vpcID string, rec store.LabRecord) error {
	if a.Groups(vpcID) == nil {
		return nil
	}
	for _, n := range rec.Nodes {
		if _, ok := a.VPCOfInterface(n.ENI); !ok {
			continue
		}
		remove := a.DeleteNetworkInterface
		if n.Attached {
			// Attached through the API: the VPC's, not the lab's.
			remove = a.DetachNetworkInterface
		}
		if err := remove(n.ENI); err != nil {
			return err
		}
	}
	g, err := ruleset.StateFromSpec(removeFromSpec(a.Groups(vpcID).Spec(), rec))
	if err != nil {
		return err
	}
	return a.ReplaceGroups(vpcID, g)
}

// removeFromSpec drops the lab's interfaces (not those attached through
// the API, which removeLabObjects detached), groups and prefix lists, the
// rules of other groups that refer to them, and its groups from other
// interfaces (an interface left without groups gets the default group).
func removeFromSpec(sp ruleset.Spec, rec store.LabRecord) ruleset.Spec {
	enis := map[string]bool{}
	for _, n := range rec.Nodes {
		enis[n.ENI] = !n.Attached
	}
	groups := setOf(rec.Groups)
	pls := setOf(rec.PrefixLists)
	defaultID := ""
	sp.Groups = slices.DeleteFunc(sp.Groups, func(g ruleset.GroupSpec) bool { return groups[g.ID] })
	for i := range sp.Groups {
		g := &sp.Groups[i]
		if g.Default {
			defaultID = g.ID
		}
		refers := func(r ruleset.RuleSpec) bool { return groups[r.ReferencedGroupId] || pls[r.PrefixListId] }
		g.Ingress = slices.DeleteFunc(g.Ingress, refers)
		g.Egress = slices.DeleteFunc(g.Egress, refers)
	}
	sp.PrefixLists = slices.DeleteFunc(sp.PrefixLists, func(p ruleset.PrefixListSpec) bool { return pls[p.ID] })
	sp.Interfaces = slices.DeleteFunc(sp.Interfaces, func(e ruleset.InterfaceSpec) bool { return enis[e.ID] })
	for i := range sp.Interfaces {
		e := &sp.Interfaces[i]
		e.Groups = slices.DeleteFunc(e.Groups, func(id string) bool { return groups[id] })
		if len(e.Groups) == 0 && defaultID != "" {
			e.Groups = []string{defaultID}
		}
	}
	return sp
}

func setOf(ids []string) map[string]bool {
	m := make(map[string]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}

// labStatus describes rec from the live state. Callers hold d.mu.
func (d *Daemon) labStatus(rec store.LabRecord) *admin.LabStatus {
	byID := map[string]ruleset.InterfaceSpec{}
	for _, e := range d.acct.Interfaces() {
		byID[e.ID] = e
	}
	out := &admin.LabStatus{Name: rec.Name, VpcId: rec.VPC, Nodes: []admin.NodeStatus{}}
	for _, n := range rec.Nodes {
		ns := admin.NodeStatus{Node: n.Name(), ENI: n.ENI, Kind: n.Kind, Port: n.Port, Netns: n.Netns, IfName: n.IfName}
		if e, ok := byID[n.ENI]; ok {
			ns.MAC, ns.Groups = e.MAC, e.Groups
			for _, a := range e.IPv4 {
				ns.IPv4 = append(ns.IPv4, a.String())
			}
			for _, a := range e.IPv6 {
				ns.IPv6 = append(ns.IPv6, a.String())
			}
		}
		if a := d.ports[n.ENI]; a != nil {
			ns.Attached = a.port != nil
			if a.err != nil {
				ns.Error = a.err.Error()
			}
		}
		out.Nodes = append(out.Nodes, ns)
	}
	return out
}
