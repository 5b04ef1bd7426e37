package testbed

import (
	"context"
	"fmt"
	"net/netip"
	"time"
)

// Scenarios are checks over time (`scenarios:` in a lab file): a list of
// steps that keep connections open, change rules through the EC2 API,
// move the daemon's virtual clock, and expect kept connections to pass or
// be cut and new ones to be allowed or denied. They prove what EC2 does
// with state: a tracked flow outlives the rule that admitted it until it
// has been idle for its timeout; an untracked one stops at once.
//
//	scenarios:
//	  - name: a tracked flow outlives its rule until it is idle
//	    steps:
//	      - {open: ssh, from: client, to: web, port: 22}
//	      - {revoke: web, ingress: {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 198.18.5.10/32}}
//	      - {send: ssh, expect: allow}
//	      - {advance: 433000s}
//	      - {tracked: ssh, expect: no}
//	      - {send: ssh, expect: deny}
//	      - {check: {from: client, to: web, proto: tcp, port: 22, expect: deny}}

// Scenario is one named list of steps.
type Scenario struct {
	Name  string `json:"name"`
	Steps []Step `json:"steps"`
	Line  int    `json:"line,omitempty"`
}

// Step kinds: the key that starts a step.
const (
	StepOpen      = "open"      // open: NAME, from, to, port: keep a TCP connection
	StepSend      = "send"      // send: NAME, expect allow|deny: bytes on a kept connection
	StepTracked   = "tracked"   // tracked: NAME, expect yes|no: tracked at its destination's interface
	StepClose     = "close"     // close: NAME
	StepAdvance   = "advance"   // advance: DURATION: the daemon's virtual clock
	StepRevoke    = "revoke"    // revoke: GROUP, ingress|egress: RULE
	StepAuthorize = "authorize" // authorize: GROUP, ingress|egress: RULE
	StepCheck     = "check"     // check: a check as in checks:, a new connection
)

// Step is one step of a scenario; which fields it uses depends on Kind.
type Step struct {
	Kind     string        `json:"kind"`
	Conn     string        `json:"conn,omitempty"` // open, send, tracked, close
	From     string        `json:"from,omitempty"` // open
	To       string        `json:"to,omitempty"`
	Port     uint16        `json:"port,omitempty"`
	Expect   string        `json:"expect,omitempty"` // send: allow|deny; tracked: yes|no
	Duration time.Duration `json:"duration,omitempty"`
	Group    string        `json:"group,omitempty"` // revoke, authorize: the lab's group name
	Egress   bool          `json:"egress,omitempty"`
	Rule     *Rule         `json:"rule,omitempty"`
	Check    *Check        `json:"check,omitempty"`
	Line     int           `json:"line,omitempty"`
}

// ScenarioEnv is what scenarios need beyond the lab's namespaces: the
// daemon's clock, its connection tracking and the EC2 API. The CLI
// provides it over the admin socket and the daemon's EC2 endpoint.
type ScenarioEnv interface {
	// Advance moves the daemon's virtual clock forward by d.
	Advance(ctx context.Context, d time.Duration) error
	// Tracked reports whether node's interface has a tracked conntrack
	// entry for the TCP connection from local to remote. Scenarios ask
	// at the connection's destination: tracking is per interface, and the
	// destination's inbound rules are the ones scenarios change.
	Tracked(ctx context.Context, node string, local, remote netip.AddrPort) (bool, error)
	// ChangeRule authorizes or revokes (StepAuthorize, StepRevoke) rule
	// in the lab's group (ingress unless egress).
	ChangeRule(ctx context.Context, kind, group string, egress bool, r Rule) error
}

// StepResult is one step's outcome.
type StepResult struct {
	Scenario string `json:"scenario"`
	Step     int    `json:"step"` // from 1
	What     string `json:"what"`
	Expected string `json:"expected,omitempty"`
	Observed string `json:"observed,omitempty"`
	Pass     bool   `json:"pass"`
	Error    string `json:"error,omitempty"`
}

// RunScenarios runs every scenario of lab in order, every step of each
// even after a failure (a failed step says why; steps on a connection
// that did not open fail too). Kept connections are closed at the end of
// their scenario.
func RunScenarios(ctx context.Context, lab *Lab, env ScenarioEnv, opt CheckOptions) []StepResult {
	if opt.Timeout <= 0 {
		opt.Timeout = DefaultCheckTimeout
	}
	if opt.Netns == nil {
		opt.Netns = func(node string) string { return NetnsName(lab.Name, node) }
	}
	var out []StepResult
	for _, sc := range lab.Scenarios {
		r := scenarioRun{ctx: ctx, lab: lab, env: env, opt: opt, conns: map[string]*Probe{}}
		for i, st := range sc.Steps {
			res := r.step(st)
			res.Scenario, res.Step = sc.Name, i+1
			out = append(out, res)
		}
		r.closeAll()
	}
	return out
}

type scenarioRun struct {
	ctx   context.Context
	lab   *Lab
	env   ScenarioEnv
	opt   CheckOptions
	conns map[string]*Probe
}

func (r *scenarioRun) closeAll() {
	for _, p := range r.conns {
		p.Close()
	}
}

// step runs one step and says what it saw.
func (r *scenarioRun) step(st Step) StepResult {
	switch st.Kind {
	case StepOpen:
		return r.open(st)
	case StepSend, StepTracked, StepClose:
		return r.onConn(st)
	case StepAdvance:
		res := StepResult{What: fmt.Sprintf("advance the clock by %gs", st.Duration.Seconds())}
		return done(res, r.env.Advance(r.ctx, st.Duration))
	case StepRevoke, StepAuthorize:
		dir := "ingress"
		if st.Egress {
			dir = "egress"
		}
		res := StepResult{What: fmt.Sprintf("%s %s %s %s", st.Kind, st.Group, dir, ruleSummary(*st.Rule))}
		return done(res, r.env.ChangeRule(r.ctx, st.Kind, st.Group, st.Egress, *st.Rule))
	case StepCheck:
		return r.check(*st.Check)
	}
	return StepResult{What: st.Kind, Error: "unknown step"}
}

// check runs a check as a new connection, with a responder at its
// destination unless a kept connection's responder already listens there.
func (r *scenarioRun) check(c Check) StepResult {
	res := StepResult{What: fmt.Sprintf("new %s %s -> %s %s", c.Proto, c.fromColumn(), c.toColumn(), portString(c.Port)), Expected: c.Expect}
	if k := responderKey(r.lab, c); c.Proto != "icmp" && k.node != "" && !r.listening(k) {
		stop, err := startNodeResponder(r.ctx, k, r.opt)
		if err != nil {
			res.Observed, res.Error = ObservedError, err.Error()
			return res
		}
		defer stop()
	}
	res.Observed, res.Error = runCheck(r.ctx, r.lab, c, r.opt)
	res.Pass = res.Error == "" && pass(c.Expect, res.Observed)
	return res
}

// listening reports whether a kept connection's responder serves k.
func (r *scenarioRun) listening(k respKey) bool {
	for _, p := range r.conns {
		if p.to == k.node && k.proto == "tcp" && p.port == k.port {
			return true
		}
	}
	return false
}

func (r *scenarioRun) open(st Step) StepResult {
	res := StepResult{What: fmt.Sprintf("open %s: tcp %s -> %s %d", st.Conn, st.From, st.To, st.Port), Expected: ObservedAllow}
	if old := r.conns[st.Conn]; old != nil {
		old.Close()
		delete(r.conns, st.Conn)
	}
	p, err := OpenProbe(r.lab, st.From, st.To, st.Port, 4, r.opt.Timeout)
	if err != nil {
		res.Observed, res.Error = "error", err.Error()
		return res
	}
	r.conns[st.Conn] = p
	res.Observed, res.Pass = ObservedAllow, true
	return res
}

// onConn runs a step on a kept connection.
func (r *scenarioRun) onConn(st Step) StepResult {
	res := StepResult{What: st.Kind + " " + st.Conn, Expected: st.Expect}
	p := r.conns[st.Conn]
	if p == nil {
		res.Error = "connection " + st.Conn + " is not open"
		return res
	}
	switch st.Kind {
	case StepSend:
		res.Observed = p.Exchange(r.opt.Timeout)
		res.Pass = pass(st.Expect, res.Observed)
	case StepTracked:
		local, remote := p.Ends()
		ok, err := r.env.Tracked(r.ctx, p.to, local, remote)
		if err != nil {
			res.Error = err.Error()
			return res
		}
		res.Observed = map[bool]string{true: "yes", false: "no"}[ok]
		res.Pass = res.Observed == st.Expect
	case StepClose:
		p.Close()
		delete(r.conns, st.Conn)
		res.Pass = true
	}
	return res
}

// done is the result of a step that passes unless it failed.
func done(res StepResult, err error) StepResult {
	if err != nil {
		res.Error = err.Error()
		return res
	}
	res.Pass = true
	return res
}

func ruleSummary(r Rule) string {
	s := r.IpProtocol
	if r.FromPort != nil {
		s += fmt.Sprintf(" %d", *r.FromPort)
		if r.ToPort != nil && *r.ToPort != *r.FromPort {
			s += fmt.Sprintf("-%d", *r.ToPort)
		}
	}
	return s + " " + r.CidrIp + r.CidrIpv6
}

// ScenariosFailed counts the steps that did not pass.
func ScenariosFailed(rs []StepResult) int {
	n := 0
	for _, r := range rs {
		if !r.Pass {
			n++
		}
	}
	return n
}
