package vswitch

import (
	"errors"

	"sgswitch/flowtable"
	"sgswitch/ruleset"
)

func ruleRef(r uint32) ruleset.RuleRef { return ruleset.RuleRef(r) }

// Judging a side: pi at interface e in direction d is decided first by
// e's conntrack zone (f: its entry, looked up with the batch; zero on a
// miss), then, for a new flow, by e's classifier for d. The result is
// DropNone and the admitting rule (0 for an established flow) or why to
// drop.
//
// Established flows (a hit that Update accepts) never touch the
// classifier: a tracked flow keeps flowing whatever the rules say now. An
// untracked flow is a cache of the rules of the generation that admitted
// it; when the generation changed Update says Recheck (recheck below).
//
// forward calls Update itself (one call fewer per side, which the packet
// path feels) and comes here only for the rest: judgeHit after an Update
// that did not accept, judgeNew with no entry to update.

// judgeHit finishes judging a packet whose entry f's Update said res.
func (w *worker) judgeHit(v *view, e *eniView, d flowtable.Direction, pi *flowtable.PacketInfo, f flowtable.Flow, res flowtable.Result) (DropReason, uint32) {
	switch res {
	case flowtable.Accept:
		return DropNone, 0
	case flowtable.Invalid:
		return DropConntrackInvalid, 0
	case flowtable.Recheck:
		if r, rule, done := w.recheck(v, e, d, pi, f); done {
			return r, rule
		}
	}
	return w.judgeNew(v, e, d, pi)
}

// recheck judges packet pi of untracked flow f after the rules changed.
// EC2 decides an untracked flow by the rules, in both directions, and
// interrupts it at once when a rule that enables it is removed
// (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/security-group-connection-tracking.html,
// "Untracked connections"; spec 2.2 and 2.4). So:
//   - if the current rules still make the flow's opening packet allowed and
//     untracked, the entry is readmitted under the new generation (the fast
//     path again);
//   - otherwise the flow stays untracked and each of its packets is judged
//     by the rules of its own direction alone: a direction no rule allows
//     any more stops at once (for example the replies, when the outbound
//     0.0.0.0/0 rule that made the flow untracked is revoked), the other
//     goes on. It is never turned into a tracked flow midway, so the revoke
//     cannot be undone by a packet of either side; a later new connection
//     (a new SYN, or the same tuple once this entry has idled out) is judged
//     afresh and may then be tracked.
//
// done false: the entry is gone and pi is to be judged as a new flow.
func (w *worker) recheck(v *view, e *eniView, d flowtable.Direction, pi *flowtable.PacketInfo, f flowtable.Flow) (r DropReason, rule uint32, done bool) {
	t := w.s.flows
	if vo := w.classify(e, d, pi, f.Reply); vo.Allowed && !vo.Tracked {
		if err := t.Readmit(f, admission(vo, e.vpc.gen)); err != nil {
			return insertReason(err), 0, true
		}
		return applied(t.Update(f, pi, e.vpc.gen, w.now), uint32(vo.Rule))
	}
	vd := w.classify(e, d, pi, false)
	if !vd.Allowed {
		return sgReason(d), 0, true
	}
	return applied(t.Pass(f, pi, w.now), uint32(vd.Rule))
}

// applied maps the result of applying a packet to its entry in recheck.
func applied(res flowtable.Result, rule uint32) (DropReason, uint32, bool) {
	switch res {
	case flowtable.Accept:
		return DropNone, rule, true
	case flowtable.Invalid:
		return DropConntrackInvalid, 0, true
	}
	return DropNone, 0, false
}

// judgeNew decides a packet with no usable conntrack entry by e's rules
// and inserts its flow; stateless packets (ICMP errors and the like, spec:
// not "related") and ICMP query replies without their request are decided
// by the rules alone and make no entry.
func (w *worker) judgeNew(v *view, e *eniView, d flowtable.Direction, pi *flowtable.PacketInfo) (DropReason, uint32) {
	vd := w.classify(e, d, pi, false)
	if !vd.Allowed {
		return sgReason(d), 0
	}
	if pi.Stateless() || pi.ICMPReply() {
		return DropNone, uint32(vd.Rule)
	}
	if _, err := w.s.flows.Insert(pi, admission(vd, e.vpc.gen), w.now); err != nil {
		return insertReason(err), 0
	}
	return DropNone, uint32(vd.Rule)
}

// classify asks e's classifier about pi. The remote is the peer on the
// other side of e. With reverse the packet is a reply and the question is
// about the flow's opening packet: the other direction's rules, and the
// reply's source port as the destination port.
func (w *worker) classify(e *eniView, d flowtable.Direction, pi *flowtable.PacketInfo, reverse bool) ruleset.Verdict {
	q := &w.q
	q.Family, q.Proto, q.ICMPType, q.ICMPCode = pi.Family, pi.Proto, pi.ICMPType, pi.ICMPCode
	q.Port = pi.DstPort
	if d == Egress {
		q.Remote = pi.Dst
	} else {
		q.Remote = pi.Src
	}
	if reverse {
		q.Port = pi.SrcPort
		d = 1 - d
	}
	if d == Egress {
		return e.ci.Out.Classify(q)
	}
	return e.ci.In.Classify(q)
}

func admission(vd ruleset.Verdict, gen uint64) flowtable.Admission {
	return flowtable.Admission{Tracked: vd.Tracked, Generation: gen, Rule: uint32(vd.Rule)}
}

func sgReason(d flowtable.Direction) DropReason {
	if d == Egress {
		return DropSGEgress
	}
	return DropSGIngress
}

func insertReason(err error) DropReason {
	switch {
	case errors.Is(err, flowtable.ErrConntrackFull):
		return DropConntrackFull
	case errors.Is(err, flowtable.ErrUntrackedFull):
		return DropUntrackedFull
	case errors.Is(err, flowtable.ErrNewConnThrottled):
		return DropNewConnThrottled
	case errors.Is(err, flowtable.ErrInvalid):
		return DropConntrackInvalid
	}
	return DropFlowTableFull
}
