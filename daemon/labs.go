package daemon

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"

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
func (d *Daemon) ApplyLab(_ context.Context, raw json.RawMessage) (*admin.LabStatus, error) {
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
			return d.reattach(old)
		}
		if err := d.removeLab(old); err != nil {
			return nil, fmt.Errorf("replacing lab %s: %w", lab.Name, err)
		}
	}
	return d.applyNew(&lab, canon)
}

// reattach attaches the lab's nodes that are not attached.
func (d *Daemon) reattach(rec store.LabRecord) (*admin.LabStatus, error) {
	var errs []error
	for _, n := range rec.Nodes {
		if a := d.ports[n.ENI]; a == nil || a.port == nil {
			if err := d.attach(rec.Name, n, nil); err != nil {
				errs = append(errs, fmt.Errorf("node %s: %w", n.Node, err))
			}
		}
	}
	return d.labStatus(rec), errors.Join(errs...)
}

// wiredPort is a node wired during ApplyLab, not yet committed.
type wiredPort struct {
	n    store.NodeWiring
	port iface.Port
}

func (d *Daemon) applyNew(lab *testbed.Lab, canon []byte) (*admin.LabStatus, error) {
	next, err := d.rebase(lab)
	if err != nil {
		return nil, err
	}
	next.SetFlowBudget(d.cfg.FlowBudget) // a rebased VPC is a new State
	before := next.Spec()
	enis, err := testbed.Apply(next, lab)
	if err != nil {
		return nil, withCode(err)
	}
	rec := labRecord(lab, canon, enis)
	rec.Groups, rec.PrefixLists = created(before, next.Spec())

	wired, err := d.wireAll(next.Spec(), rec)
	if err != nil {
		return nil, err
	}
	err = d.store.Update(func(tx *store.Tx) error {
		if err := saveSpec(tx, d.state, next); err != nil {
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
	for _, w := range wired {
		a := &attachment{lab: rec.Name, wiring: w.n, port: w.port}
		if err := d.dp.AddPort(w.n.ENI, w.port); err != nil {
			w.port.Close()
			a.port, a.err = nil, err
		}
		d.ports[w.n.ENI] = a
	}
	return d.labStatus(rec), nil
}

// wireAll wires every node of rec; on the first failure it unwires the
// ones done and fails.
func (d *Daemon) wireAll(sp ruleset.Spec, rec store.LabRecord) ([]wiredPort, error) {
	var wired []wiredPort
	for _, n := range rec.Nodes {
		p, err := d.wireOne(sp, rec.Name, n)
		if err != nil {
			d.unwire(rec.Name, wired)
			_ = d.cfg.Wirer.Unwire(hostOf(rec.Name, n))
			return nil, fmt.Errorf("lab %s: node %s: %w", rec.Name, n.Node, err)
		}
		wired = append(wired, wiredPort{n: n, port: p})
	}
	return wired, nil
}

func (d *Daemon) wireOne(sp ruleset.Spec, lab string, n store.NodeWiring) (iface.Port, error) {
	if d.cfg.Wirer == nil {
		return nil, errors.New("no wirer configured")
	}
	addrs, err := testbed.AddrsOf(sp, n.ENI)
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
func labRecord(lab *testbed.Lab, canon []byte, enis map[string]string) store.LabRecord {
	rec := store.LabRecord{Name: lab.Name, Lab: canon}
	for _, h := range testbed.Hosts(lab, enis) {
		rec.Nodes = append(rec.Nodes, store.NodeWiring{Node: h.Node, ENI: h.ENI, Kind: h.Kind, Port: h.Port, Netns: h.Netns, IfName: h.IfName})
	}
	return rec
}

// created lists the group and prefix-list ids in after but not in before.
func created(before, after ruleset.Spec) (groups, pls []string) {
	had := map[string]bool{}
	for _, g := range before.Groups {
		had[g.ID] = true
	}
	for _, p := range before.PrefixLists {
		had[p.ID] = true
	}
	for _, g := range after.Groups {
		if !had[g.ID] {
			groups = append(groups, g.ID)
		}
	}
	for _, p := range after.PrefixLists {
		if !had[p.ID] {
			pls = append(pls, p.ID)
		}
	}
	return groups, pls
}

// rebase returns a clone of the live state to apply lab on. While no
// interface exists, the VPC follows the lab's subnets and quotas; after
// that a lab must use the VPC's subnets.
func (d *Daemon) rebase(lab *testbed.Lab) (*ruleset.State, error) {
	sp := d.state.Spec()
	if sp.VPC.CIDR == lab.Subnet.Masked() && sp.VPC.IPv6CIDR == lab.SubnetIPv6.Masked() {
		return d.state.Clone(), nil
	}
	if len(sp.Interfaces) > 0 {
		return nil, &admin.CodeError{Code: ruleset.CodeInvalidParameterValue, Err: fmt.Errorf(
			"lab %s: subnet %s (IPv6 %s) differs from the daemon's VPC subnet %s (IPv6 %s), which has interfaces; remove the other labs first",
			lab.Name, lab.Subnet, fmtPrefix(lab.SubnetIPv6), sp.VPC.CIDR, fmtPrefix(sp.VPC.IPv6CIDR))}
	}
	cfg := sp.VPC
	cfg.CIDR, cfg.IPv6CIDR = lab.Subnet.Masked(), lab.SubnetIPv6.Masked()
	cfg.GroupsPerInterface = lab.Settings.GroupsPerInterface
	cfg.RulesPerGroup = lab.Settings.RulesPerGroup
	if len(sp.Groups) <= 1 && len(sp.PrefixLists) == 0 {
		// Nothing but the default group: start the VPC afresh (its
		// default rules follow the new address families).
		cfg.VpcId, cfg.SubnetId = "", ""
		return ruleset.NewState(cfg)
	}
	oldHasV6 := sp.VPC.IPv6CIDR.IsValid()
	sp.VPC = cfg
	st, err := ruleset.StateFromSpec(sp)
	if err == nil && oldHasV6 != cfg.IPv6CIDR.IsValid() {
		err = followIPv6(st, cfg.IPv6CIDR.IsValid())
	}
	if err != nil {
		return nil, fmt.Errorf("moving the VPC to lab %s's subnet: %w", lab.Name, withCode(err))
	}
	return st, nil
}

// followIPv6 keeps the default group's default outbound rule in step with
// the VPC's address families: EC2's default group allows all outbound
// IPv4, and all outbound IPv6 when the VPC has IPv6. It adds (or removes)
// the IPv6 half only where the IPv4 half is present, i.e. where the rules
// are still the defaults.
func followIPv6(st *ruleset.State, hasV6 bool) error {
	def := st.DefaultGroupID()
	allV4, allV6 := false, false
	for _, g := range st.Spec().Groups {
		if g.ID != def {
			continue
		}
		for _, r := range g.Egress {
			allV4 = allV4 || r.Protocol == "-1" && r.CidrIpv4 == "0.0.0.0/0"
			allV6 = allV6 || r.Protocol == "-1" && r.CidrIpv6 == "::/0"
		}
	}
	perm := []ruleset.IpPermission{{IpProtocol: "-1", Ipv6Ranges: []ruleset.Ipv6Range{{CidrIpv6: "::/0"}}}}
	switch {
	case hasV6 && allV4 && !allV6:
		_, err := st.AuthorizeSecurityGroupEgress(def, perm, nil)
		return err
	case !hasV6 && allV6:
		_, _, err := st.RevokeSecurityGroupEgress(def, perm, nil)
		return err
	}
	return nil
}

func fmtPrefix(p interface{ IsValid() bool }) string {
	if !p.IsValid() {
		return "none"
	}
	return fmt.Sprint(p)
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
	next, err := commitLabRemoval(d.store, d.state, rec)
	if err != nil {
		return err
	}
	d.swap(next) // detaches the lab's ports: their ENIs are gone
	delete(d.labs, rec.Name)
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
// lab rec (removeFromSpec) and drops the lab's record, in one
// transaction, and returns the new model.
func commitLabRemoval(s *store.Store, prev *ruleset.State, rec store.LabRecord) (*ruleset.State, error) {
	next, err := ruleset.StateFromSpec(removeFromSpec(prev.Spec(), rec))
	if err != nil {
		return nil, fmt.Errorf("removing lab %s from the model: %w", rec.Name, err)
	}
	err = s.Update(func(tx *store.Tx) error {
		if err := saveSpec(tx, prev, next); err != nil {
			return err
		}
		return tx.DeleteLab(rec.Name)
	})
	if err != nil {
		return nil, fmt.Errorf("saving removal of lab %s: %w", rec.Name, err)
	}
	return next, nil
}

// removeFromSpec drops the lab's interfaces, groups and prefix lists, the
// rules of other groups that refer to them, and its groups from other
// interfaces (an interface left without groups gets the default group).
func removeFromSpec(sp ruleset.Spec, rec store.LabRecord) ruleset.Spec {
	enis := map[string]bool{}
	for _, n := range rec.Nodes {
		enis[n.ENI] = true
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
	sp := d.state.Spec()
	byID := map[string]ruleset.InterfaceSpec{}
	for _, e := range sp.Interfaces {
		byID[e.ID] = e
	}
	out := &admin.LabStatus{Name: rec.Name, Nodes: []admin.NodeStatus{}}
	for _, n := range rec.Nodes {
		ns := admin.NodeStatus{Node: n.Node, ENI: n.ENI, Kind: n.Kind, Port: n.Port, Netns: n.Netns, IfName: n.IfName}
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
