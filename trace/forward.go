package trace

import (
	"fmt"
)

// delivered: the receiver owns the destination, or another interface of
// its instance does (the instance's kernel takes any of its addresses on
// any interface, as Linux does).
func (w *walker) delivered() bool {
	d := w.res.Destination
	if owns(w.dst, d) {
		return true
	}
	for _, id := range w.siblings(w.dst.ID) {
		if ci := w.c.Topology.Interface(id); ci != nil && owns(ci, d) {
			w.note("%s does not own %s, but %s of the same instance does: the instance takes it", w.dst.ID, d, id)
			return true
		}
	}
	return false
}

// siblings are the other interfaces of the instance id is attached to.
func (w *walker) siblings(id string) []string {
	spec, _, ok := w.acct.Interface(id)
	if !ok || spec.AttachedTo == "" {
		return nil
	}
	var out []string
	for _, e := range w.acct.Interfaces() {
		if e.AttachedTo == spec.AttachedTo && e.ID != id {
			out = append(out, e.ID)
		}
	}
	return out
}

// forward continues a packet that reached an interface not owning its
// destination: the instance it is attached to forwards it (that is why
// its source/dest check is off) out of its interface whose subnet holds
// the destination, or else out of the one it came in by. An interface of
// no instance ends the path.
func (w *walker) forward() bool {
	d := w.res.Destination
	spec, _, ok := w.acct.Interface(w.dst.ID)
	if !ok || spec.AttachedTo == "" {
		w.hop(Hop{Step: StepRoute, Layer: LayerRoute, Interface: w.dst.ID,
			Reason: fmt.Sprintf("%s does not own %s and is attached to no instance that could forward it", w.dst.ID, d)})
		return false
	}
	out := w.dst.ID
	for _, id := range w.siblings(w.dst.ID) {
		if ci := w.c.Topology.Interface(id); ci != nil && inSubnet(ci.Subnet, d) {
			out = id
		}
	}
	w.note("%s does not own %s: instance %s forwards it out of %s (assumed: its kernel forwards)", w.dst.ID, d, spec.AttachedTo, out)
	w.src, w.srcCI = w.c.Topology.Interface(out), w.snap.InterfaceByID(out)
	w.dst, w.dstCI, w.routed = nil, nil, false
	return true
}
