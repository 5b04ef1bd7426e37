package trace

import (
	"net/netip"

	"sgswitch/vpc"
)

// route finds the receiver as the switch does: within the sender's subnet
// by address, never routed; outside it by the sender subnet's route table.
func (w *walker) route() {
	sub, d := w.src.Subnet, w.res.Destination
	h := Hop{Step: StepRoute, Layer: LayerRoute}
	if inSubnet(sub, d) {
		h.Destination = sub.ID
		h.Target = "local"
		w.deliver(&h, d, "within subnet "+sub.ID+", not routed")
		w.hop(h)
		return
	}
	r := sub.Routes.Lookup(d)
	h.RouteTable, h.Target = sub.RouteTableID, r.Kind.String()
	if r.Destination.IsValid() {
		h.Destination = r.Destination.String()
	}
	switch r.Kind {
	case vpc.RouteNone:
		h.Reason = "no route in " + sub.RouteTableID + " covers " + d.String() + " (no-route)"
	case vpc.RouteBlackhole:
		h.Reason = "the route to " + h.Destination + " is a blackhole: its interface is gone (no-route)"
	case vpc.RouteLocal:
		w.deliver(&h, d, "local route "+h.Destination)
	case vpc.RouteInterface:
		h.Target = r.Interface.ID
		w.viaInterface(&h, r.Interface)
	}
	w.hop(h)
	if r.Kind == vpc.RouteInterface && w.dst != nil {
		w.destCheck()
	}
	w.routed = w.dst != nil && w.dst.Subnet != sub
}

// deliver makes the owner of d in the sender's VPC the receiver.
func (w *walker) deliver(h *Hop, d netip.Addr, how string) {
	ci := w.snap.InterfaceByAddr(d)
	switch {
	case ci == nil:
		h.Reason = how + ": no interface owns " + d.String() + " (no-destination)"
	case ci.ID == w.src.ID:
		h.Reason = how + ": " + d.String() + " is the sender's own (hairpin)"
	default:
		h.Allow, h.Reason = true, how+": delivered to "+ci.ID
		w.receiver(ci.ID)
	}
}

// viaInterface makes a route's target interface the receiver, if it is in
// the sender's VPC.
func (w *walker) viaInterface(h *Hop, t *vpc.CompiledInterface) {
	if t.Subnet.VPC != w.src.Subnet.VPC {
		h.Reason = "the route's target " + t.ID + " is in another VPC (no-destination)"
		return
	}
	h.Allow, h.Reason = true, "route "+h.Destination+" to interface "+t.ID
	w.receiver(t.ID)
}

func (w *walker) receiver(id string) {
	w.dst, w.dstCI = w.c.Topology.Interface(id), w.snap.InterfaceByID(id)
	w.res.To = id
	if w.q.To.Interface != "" && w.q.To.Interface != id {
		w.note("the destination names %s, but the packet goes to %s", w.q.To.Interface, id)
	}
}

// destCheck: a routed packet for an address its target does not own is
// taken only with the target's source/dest check off (dest-check).
func (w *walker) destCheck() {
	d := w.res.Destination
	h := Hop{Step: StepDestCheck, Layer: LayerSourceCheck, Interface: w.dst.ID, Allow: true}
	switch {
	case owns(w.dst, d):
		h.Reason = w.dst.ID + " owns " + d.String()
	case !w.dst.SourceDestCheck:
		h.Reason = w.dst.ID + " does not own " + d.String() + ", but its source/dest check is off"
	default:
		h.Allow = false
		h.Reason = w.dst.ID + " does not own " + d.String() + " and its source/dest check is on (dest-check)"
	}
	w.hop(h)
}

func inSubnet(s *vpc.CompiledSubnet, a netip.Addr) bool {
	return s.CIDR.Contains(a) || s.IPv6CIDR.IsValid() && s.IPv6CIDR.Contains(a)
}
