package trace

import (
	"fmt"
	"net/netip"
	"time"

	"sgswitch/flowtable"
	"sgswitch/ruleset"
)

// groups judges the sender's egress groups (remote: the destination) and
// the receiver's ingress groups (remote: the source) with the compiled
// classifiers, and records how each side would track the flow.
func (w *walker) groups() {
	w.side(w.srcCI, true, w.res.Destination)
	w.side(w.dstCI, false, w.res.Source)
}

func (w *walker) side(ci *ruleset.CompiledInterface, egress bool, remote netip.Addr) {
	q := ruleset.Query{Proto: w.res.Proto, Port: w.res.Port}
	q.SetRemote(remote)
	p := w.packet(remote, w.res.Port, false)
	q.ICMPType, q.ICMPCode = p.ICMPType, p.ICMPCode
	cl, step, dir := ci.In, StepIngressGroups, "ingress"
	if egress {
		cl, step, dir = ci.Out, StepEgressGroups, "egress"
	}
	v := cl.Classify(&q)
	h := Hop{Step: step, Layer: LayerSecurityGroup, Interface: ci.ID, Allow: v.Allowed}
	if !v.Allowed {
		h.Reason = fmt.Sprintf("no %s rule of %s's groups %v allows it (sg-%s-denied)", dir, ci.ID, ci.Groups, dir)
		w.hop(h)
		return
	}
	h.Group, h.Rule = w.snap.RuleGroup(v.Rule), w.snap.RuleID(v.Rule)
	h.Reason = fmt.Sprintf("%s rule %s of %s allows it", dir, h.Rule, h.Group)
	w.hop(h)
	w.res.Tracking = append(w.res.Tracking, w.tracking(ci, egress, v, h.Rule))
}

// tracking says whether one side keeps the flow in its conntrack zone,
// and with which idle timeout.
func (w *walker) tracking(ci *ruleset.CompiledInterface, egress bool, v ruleset.Verdict, rule string) Tracking {
	t := Tracking{Interface: ci.ID, Direction: "ingress", Tracked: v.Tracked}
	if egress {
		t.Direction = "egress"
	}
	t.Class, t.Timeout = timeout(ci.Conntrack, w.res.Proto)
	if v.Tracked {
		t.Reason = "tracked: " + trackedWhy(w.res.Proto)
		return t
	}
	t.Rule = rule
	t.ReverseRule = w.acct.Groups(w.vpcID).ReverseOpenRule(ci.ID, !egress, uint8(w.res.Family), w.res.Proto)
	t.Reason = fmt.Sprintf("untracked: %s allows it from/to all addresses and %s allows all ports back to all addresses", rule, t.ReverseRule)
	return t
}

func trackedWhy(proto uint8) string {
	switch proto {
	case 6, 17:
		return "no pair of rules open to all addresses (one for the flow, one for all ports back) allows it"
	case 1, 58:
		return "ICMP is always tracked"
	}
	return "protocols other than TCP and UDP are always tracked"
}

// timeout is the class a flow settles in once answered and its idle
// timeout in seconds: the interface's configured ones for TCP and UDP,
// the built-in ones otherwise.
func timeout(ct ruleset.ConntrackSpec, proto uint8) (string, int64) {
	switch proto {
	case 6:
		return flowtable.ClassTCPEstablished.String(), int64(ct.TcpEstablishedTimeout)
	case 17:
		// A single request/response stays in the udp class; more make a stream.
		return flowtable.ClassUDP.String() + " (" + flowtable.ClassUDPStream.String() + fmt.Sprintf(" %ds once it streams)", ct.UdpStreamTimeout), int64(ct.UdpTimeout)
	case 1, 58:
		return flowtable.ClassICMP.String(), int64(flowtable.DefaultTimeout(flowtable.ClassICMP) / time.Second)
	}
	return flowtable.ClassOther.String(), int64(flowtable.DefaultTimeout(flowtable.ClassOther) / time.Second)
}

// allowances lists the limits of the first sender and the last receiver
// that traffic could still exceed.
func (w *walker) allowances() {
	out := func(id, name string, n uint64, unit string) {
		if n != 0 {
			w.res.Allowances = append(w.res.Allowances, Allowance{Interface: id, Name: name, Limit: n, Unit: unit})
		}
	}
	for i, ci := range []*ruleset.CompiledInterface{w.first, w.dstCI} {
		a := ci.Allowances
		out(ci.ID, "pps", a.PPS, "packets/s")
		if i == 0 {
			out(ci.ID, "bw_out", a.BandwidthOutMbps, "Mbit/s")
		} else {
			out(ci.ID, "bw_in", a.BandwidthInMbps, "Mbit/s")
		}
		out(ci.ID, "conntrack", a.ConntrackMax, "tracked flows")
		out(ci.ID, "new_connections", a.NewConnectionsPerSecond, "per s")
	}
}
