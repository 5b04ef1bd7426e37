package daemon

import (
	"fmt"
	"slices"
	"strings"

	"sgswitch/account"
	"sgswitch/ruleset"
	"sgswitch/store"
	"sgswitch/testbed"
)

// Interfaces attached to and detached from lab nodes through the EC2 API
// (AttachNetworkInterface, DetachNetworkInterface). The model says what
// is attached; WriteAccount compares the attachments before and after
// each EC2 write and makes the host follow: an interface attached to a
// lab node is wired into the node's namespace as eth<DeviceIndex> (its
// own switch port) before the write commits, and its NodeWiring joins
// the lab's record in the same store transaction as the model, so a
// restart re-wires it. If the wiring fails the write is refused and
// nothing changes: the model never says attached where no port exists.
// A detached interface loses its port and host link after the commit.

// attachChanges is what one EC2 write did to lab nodes' interfaces.
type attachChanges struct {
	records map[string]store.LabRecord // changed labs, as they are after the write
	added   []labWiring
	removed []labWiring
}

type labWiring struct {
	lab string
	n   store.NodeWiring
}

// attachmentChanges compares the attachments of prev and next. Callers
// hold d.mu.
func (d *Daemon) attachmentChanges(prev, next *account.Account) (attachChanges, error) {
	ch := attachChanges{records: map[string]store.LabRecord{}}
	was := map[string]ruleset.InterfaceSpec{}
	for _, e := range prev.Interfaces() {
		was[e.ID] = e
	}
	for _, e := range next.Interfaces() {
		old, existed := was[e.ID]
		switch {
		case e.AttachedTo != "" && old.AttachedTo == "" && existed:
			if err := d.attached(&ch, e); err != nil {
				return ch, err
			}
		case e.AttachedTo == "" && old.AttachedTo != "":
			if err := d.detached(&ch, old); err != nil {
				return ch, err
			}
		}
	}
	return ch, nil
}

// record is lab's record as this write leaves it so far.
func (d *Daemon) record(ch *attachChanges, lab string) (store.LabRecord, bool) {
	if rec, ok := ch.records[lab]; ok {
		return rec, true
	}
	rec, ok := d.labs[lab]
	rec.Nodes = slices.Clone(rec.Nodes)
	return rec, ok
}

// attached adds the wiring of interface e, just attached, to its lab
// node's record: eth<DeviceIndex> in the node's namespace, wired as the
// node's eth0 is.
func (d *Daemon) attached(ch *attachChanges, e ruleset.InterfaceSpec) error {
	lab, node, _ := strings.Cut(e.AttachedTo, "/")
	rec, ok := d.record(ch, lab)
	i := slices.IndexFunc(rec.Nodes, func(n store.NodeWiring) bool { return n.Node == node && n.Interface == 0 })
	if !ok || i < 0 {
		return fmt.Errorf("attaching %s: no lab node %s", e.ID, e.AttachedTo)
	}
	primary := rec.Nodes[i]
	if primary.Kind != testbed.KindNetns {
		return &ruleset.Error{Code: ruleset.CodeInvalidParameterValue,
			Message: fmt.Sprintf("Instance '%s' is a VM node: sgswitch attaches interfaces to namespace nodes only.", ruleset.InstanceID(e.AttachedTo))}
	}
	idx := int(e.DeviceIndex)
	n := store.NodeWiring{Node: node, ENI: e.ID, Kind: primary.Kind, Port: primary.Port, Netns: primary.Netns,
		IfName: testbed.HostIfNameOf(lab, node, idx), Interface: idx, Forwarding: primary.Forwarding, Attached: true}
	rec.Nodes = append(rec.Nodes, n)
	ch.records[lab] = rec
	ch.added = append(ch.added, labWiring{lab: lab, n: n})
	return nil
}

// detached drops the wiring of interface e, just detached, from its lab's
// record. An interface the lab file made stays the lab's: `lab down`
// removes it, and only the lab file takes it away.
func (d *Daemon) detached(ch *attachChanges, e ruleset.InterfaceSpec) error {
	lab, _, _ := strings.Cut(e.AttachedTo, "/")
	rec, ok := d.record(ch, lab)
	i := slices.IndexFunc(rec.Nodes, func(n store.NodeWiring) bool { return n.ENI == e.ID })
	if !ok || i < 0 {
		return nil // no port was ever made for it
	}
	if !rec.Nodes[i].Attached {
		return &ruleset.Error{Code: ruleset.CodeOperationNotPermitted,
			Message: fmt.Sprintf("Interface %s belongs to lab %s's file: change the lab to remove it.", e.ID, lab)}
	}
	ch.removed = append(ch.removed, labWiring{lab: lab, n: rec.Nodes[i]})
	rec.Nodes = slices.Delete(rec.Nodes, i, i+1)
	ch.records[lab] = rec
	return nil
}

// wireAttached wires every interface ch attached, in next; on the first
// failure it unwires the ones done and fails.
func (d *Daemon) wireAttached(next *account.Account, ch attachChanges) (map[string][]wiredPort, error) {
	wired := map[string][]wiredPort{}
	for _, w := range ch.added {
		p, err := d.wireOne(next, w.lab, w.n)
		if err != nil {
			for lab, ws := range wired {
				d.unwire(lab, ws)
			}
			if d.cfg.Wirer != nil {
				_ = d.cfg.Wirer.Unwire(hostOf(w.lab, w.n))
			}
			return nil, fmt.Errorf("wiring %s into lab %s node %s: %w", w.n.ENI, w.lab, w.n.Name(), err)
		}
		wired[w.lab] = append(wired[w.lab], wiredPort{n: w.n, port: p})
	}
	return wired, nil
}

// unwireDetached takes the ports and host links of the interfaces ch
// detached away, after the write committed.
func (d *Daemon) unwireDetached(ch attachChanges) {
	for _, w := range ch.removed {
		d.detach(w.n.ENI)
		delete(d.ports, w.n.ENI)
		if err := d.cfg.Wirer.Unwire(hostOf(w.lab, w.n)); err != nil {
			d.log.Warn("interface detached, its link remains", "lab", w.lab, "node", w.n.Name(), "err", err)
		}
	}
}
