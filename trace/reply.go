package trace

import (
	"net/netip"

	"sgswitch/vpc"
)

// reply judges what the stateless layers do to the reply, leg by leg from
// the receiver back: the route back to the source, and between two
// subnets the receiver subnet's egress entries and the sender subnet's
// ingress entries, for every port the reply may be sent to.
func (w *walker) reply() {
	lo, hi := w.replyPorts()
	for i := len(w.legs) - 1; i >= 0; i-- {
		l := w.legs[i]
		w.replyRoute(l)
		if !l.routed {
			continue
		}
		p := w.packet(w.res.Source, lo, true)
		w.res.Reply = append(w.res.Reply, w.replyACL(StepReplyACLOut, l.dst.Subnet, true, p, lo, hi))
		p.Remote = w.res.Destination
		w.res.Reply = append(w.res.Reply, w.replyACL(StepReplyACLIn, l.src.Subnet, false, p, lo, hi))
	}
}

// replyPorts are the ports the reply goes to: the query's source port,
// else the ephemeral range; ICMP and other protocols have none.
func (w *walker) replyPorts() (uint16, uint16) {
	switch {
	case w.res.Proto != 6 && w.res.Proto != 17:
		return 0, 0
	case w.q.SourcePort != 0:
		return w.q.SourcePort, w.q.SourcePort
	}
	return EphemeralLow, EphemeralHigh
}

func (w *walker) replyACL(step string, s *vpc.CompiledSubnet, egress bool, p vpc.Packet, lo, hi uint16) Hop {
	if lo == hi {
		return aclHop(step, s, egress, p)
	}
	return replyACL(step, s, egress, p, lo, hi)
}

// replyRoute: the leg's receiver sends the reply to the source address;
// it must reach the leg's sender or the original one (a reply that skips
// the forwarder is asymmetric, and noted).
func (w *walker) replyRoute(l leg) {
	src := w.res.Source
	h := Hop{Step: StepReplyRoute, Layer: LayerRoute, Interface: l.dst.ID}
	var to string
	if inSubnet(l.dst.Subnet, src) {
		h.Target, to = "local", w.ownerOf(src)
		h.Reason = "within subnet " + l.dst.Subnet.ID
	} else {
		r := l.dst.Subnet.Routes.Lookup(src)
		h.RouteTable, h.Target = l.dst.Subnet.RouteTableID, r.Kind.String()
		if r.Destination.IsValid() {
			h.Destination = r.Destination.String()
		}
		h.Reason = "route " + h.Destination + " in " + h.RouteTable
		switch r.Kind {
		case vpc.RouteLocal:
			to = w.ownerOf(src)
		case vpc.RouteInterface:
			h.Target, to = r.Interface.ID, r.Interface.ID
		}
	}
	switch {
	case to == "":
		h.Reason += ": the reply to " + src.String() + " goes nowhere (" + h.Target + ")"
	case to == l.src.ID || to == w.first.ID:
		h.Allow, h.Reason = true, h.Reason+": back to "+to
	default:
		h.Allow, h.Reason = true, h.Reason+": back through "+to
		w.note("asymmetric: the reply leaves %s through %s, not %s", l.dst.ID, to, l.src.ID)
	}
	w.res.Reply = append(w.res.Reply, h)
}

func (w *walker) ownerOf(a netip.Addr) string {
	if ci := w.snap.InterfaceByAddr(a); ci != nil {
		return ci.ID
	}
	return ""
}
