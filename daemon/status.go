package daemon

import (
	"cmp"
	"context"
	"fmt"
	"sort"
	"strings"

	"sgswitch/admin"
	"sgswitch/ruleset"
)

// Status describes the daemon; the serve addresses are filled in by Run.
func (d *Daemon) Status(context.Context) (*admin.Status, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	groups := 0
	for _, id := range d.acct.VPCs() {
		groups += len(d.acct.Groups(id).View().Groups)
	}
	s := &admin.Status{
		Version: d.cfg.Version, PID: pid, StartedAt: d.started, StateDir: d.cfg.StateDir,
		Generation: d.generation, Groups: groups, Interfaces: len(d.acct.Interfaces()),
		Labs: []string{}, Ports: []admin.PortStatus{},
	}
	d.listen.fill(s)
	if d.cfg.Clock != nil {
		s.Clock = "virtual +" + d.cfg.Clock.Offset().String()
	}
	for name := range d.labs {
		s.Labs = append(s.Labs, name)
	}
	sort.Strings(s.Labs)
	for eni, a := range d.ports {
		p := admin.PortStatus{ENI: eni, Lab: a.lab, Node: a.wiring.Node, Kind: a.wiring.Kind,
			Port: a.wiring.Port, IfName: a.wiring.IfName, Attached: a.port != nil}
		if a.err != nil {
			p.Error = a.err.Error()
		}
		s.Ports = append(s.Ports, p)
	}
	sort.Slice(s.Ports, func(i, j int) bool { return s.Ports[i].ENI < s.Ports[j].ENI })
	return s, nil
}

// Conntrack lists tracked connections of one ENI (id, node name or
// lab/node), or of every ENI when eni is "".
func (d *Daemon) Conntrack(_ context.Context, eni string) ([]admin.ConntrackEntry, error) {
	targets, err := d.resolveENIs(eni)
	if err != nil {
		return nil, err
	}
	out := []admin.ConntrackEntry{}
	for _, t := range targets {
		for _, e := range d.dp.Conntrack(t.id) {
			e.ENI, e.Node = t.id, t.name
			out = append(out, e)
		}
	}
	return out, nil
}

// ENIStats returns counters of one ENI (id, node name or lab/node), or of
// every ENI when eni is "".
func (d *Daemon) ENIStats(_ context.Context, eni string) ([]admin.ENIStats, error) {
	targets, err := d.resolveENIs(eni)
	if err != nil {
		return nil, err
	}
	out := []admin.ENIStats{}
	for _, t := range targets {
		out = append(out, admin.ENIStats{ENI: t.id, Name: t.name, Counters: d.dp.Stats(t.id)})
	}
	return out, nil
}

// ResolveENIs maps an --eni argument (eni- id, node name, lab/node; ""
// for all) to interface ids; an unknown one is admin.ErrNotFound.
func (d *Daemon) ResolveENIs(arg string) ([]string, error) {
	refs, err := d.resolveENIs(arg)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(refs))
	for i, r := range refs {
		ids[i] = r.id
	}
	return ids, nil
}

type eniRef struct{ id, name string }

// resolveENIs maps an ENI argument to ids with display names (lab/node).
func (d *Daemon) resolveENIs(arg string) ([]eniRef, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	names := map[string]string{} // eni -> lab/node
	byLabNode := map[string]string{}
	for _, rec := range d.labs {
		for _, n := range rec.Nodes {
			names[n.ENI] = rec.Name + "/" + n.Name()
			byLabNode[rec.Name+"/"+n.Name()] = n.ENI
		}
	}
	if arg == "" {
		var out []eniRef
		for _, e := range d.acct.Interfaces() {
			out = append(out, eniRef{e.ID, nameOf(names, e)})
		}
		return out, nil
	}
	id, ok := byLabNode[arg]
	if !ok {
		var err error
		if id, err = d.resolveInterface(arg); err != nil {
			return nil, fmt.Errorf("%w: %v", admin.ErrNotFound, err)
		}
	}
	if e, _, ok := d.acct.Interface(id); ok {
		return []eniRef{{id, nameOf(names, e)}}, nil
	}
	return nil, fmt.Errorf("%w: interface %s", admin.ErrNotFound, arg)
}

func nameOf(labNames map[string]string, e ruleset.InterfaceSpec) string {
	if n, ok := labNames[e.ID]; ok {
		return n
	}
	return strings.TrimSpace(e.Name)
}

// resolveInterface finds an interface by id or name in every VPC; a name
// that several VPCs use (two labs with a node "web") is ambiguous: the
// caller names it lab/node instead. Callers hold d.mu.
func (d *Daemon) resolveInterface(arg string) (string, error) {
	var found []string
	var firstErr error
	for _, vpcID := range d.acct.VPCs() {
		id, err := d.acct.Groups(vpcID).ResolveInterface(arg)
		if err != nil {
			firstErr = cmp.Or(firstErr, err)
			continue
		}
		found = append(found, id)
	}
	switch len(found) {
	case 0:
		if firstErr == nil {
			firstErr = fmt.Errorf("interface %s does not exist", arg)
		}
		return "", firstErr
	case 1:
		return found[0], nil
	}
	return "", fmt.Errorf("interface name %s is used in %d VPCs (%s): name it lab/node or by id", arg, len(found), strings.Join(found, ", "))
}
