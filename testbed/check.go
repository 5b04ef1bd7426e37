package testbed

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"sgswitch/account"
	"sgswitch/agent"
	"sgswitch/exchange"
)

// CheckOptions tune RunChecks.
type CheckOptions struct {
	Timeout  time.Duration // per check; default DefaultCheckTimeout
	Parallel int           // checks at once; default 8
	// Netns maps a node to its namespace; default NetnsName(lab, node).
	Netns func(node string) string
	// Drops, if set, reads the switch's drop counters: each check that
	// timed out is then run again alone to say which layer dropped it
	// (Result.DroppedBy; see explain).
	Drops DropCounters
	// Agents, if set, gives the agent of a VM node (nil for any other
	// node): a check from such a node probes through its agent, and one
	// to it has its responder started by its agent, instead of inside a
	// namespace. The caller owns the clients.
	Agents func(node string) *agent.Client
	// Account, if set, is the live model the lab runs in: every check is
	// traced through it (Predict) and the prediction set beside the
	// observation (Result.Predicted, Mismatch).
	Account *account.Account
}

// DefaultCheckTimeout is how long a check waits before calling a flow denied.
const DefaultCheckTimeout = time.Second

// Result is one check and what was observed.
type Result struct {
	Check
	Observed string `json:"observed"` // one of the Observed* values
	Pass     bool   `json:"pass"`
	Error    string `json:"error,omitempty"`
	// DroppedBy is the layer whose drop counters took a timed-out
	// check's packets (Layer* values), when CheckOptions.Drops is set;
	// DropReasons are those counters' reasons.
	DroppedBy   string   `json:"dropped_by,omitempty"`
	DropReasons []string `json:"drop_reasons,omitempty"`
	// Predicted is trace's verdict ("allow" or "deny") on the model, with
	// the layer of a denial; PredictError says why there is none.
	// Mismatch flags a row whose observation (allow or timeout) is not the
	// prediction: the switch and its own model disagree, a bug in sgswitch.
	// Observations that are not the switch's verdict (refused, no echo,
	// unreachable, error) are not compared. A mismatch does not change
	// Pass: the exit code stays about the lab's expectations.
	Predicted    string `json:"predicted,omitempty"`
	PredictedBy  string `json:"predicted_by,omitempty"`
	PredictError string `json:"predict_error,omitempty"`
	Mismatch     bool   `json:"mismatch,omitempty"`
}

// pass decides a row: allow needs the whole exchange; deny needs silence
// (a RST or an ICMP error is not what a security group does).
func pass(expect, observed string) bool {
	if expect == "allow" {
		return observed == ObservedAllow
	}
	return observed == ObservedTimeout
}

// RunChecks runs the lab's checks from inside the namespaces with real
// sockets and returns one result per check, in file order. Echo
// responders run in the destination namespaces for the duration of the
// run. The error is for a run that could not start at all.
func RunChecks(ctx context.Context, lab *Lab, opt CheckOptions) ([]Result, error) {
	if opt.Timeout <= 0 {
		opt.Timeout = DefaultCheckTimeout
	}
	if opt.Parallel <= 0 {
		opt.Parallel = 8
	}
	if opt.Netns == nil {
		opt.Netns = func(node string) string { return NetnsName(lab.Name, node) }
	}
	responders, failed := startResponders(ctx, lab, opt)
	defer func() {
		for _, stop := range responders {
			stop()
		}
	}()
	results := make([]Result, len(lab.Checks))
	sem := make(chan struct{}, opt.Parallel)
	var wg sync.WaitGroup
	for i, c := range lab.Checks {
		results[i] = Result{Check: c}
		if err := failed[responderKey(lab, c)]; err != nil {
			results[i].Observed, results[i].Error = ObservedError, err.Error()
			continue
		}
		wg.Add(1)
		go func() { // one check
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				results[i].Observed, results[i].Error = ObservedError, ctx.Err().Error()
				return
			}
			defer func() { <-sem }()
			results[i].Observed, results[i].Error = runCheck(ctx, lab, c, opt)
		}()
	}
	wg.Wait()
	if opt.Drops != nil {
		explain(ctx, lab, opt, results)
	}
	for i := range results {
		results[i].Pass = pass(results[i].Expect, results[i].Observed)
	}
	if opt.Account != nil {
		SetPredictions(results, Predict(opt.Account, lab, LabInterfaces(opt.Account, lab.Name)))
	}
	return results, nil
}

type respKey struct {
	node, proto string
	port        uint16
}

func responderKey(lab *Lab, c Check) respKey {
	node, _ := lab.target(c)
	return respKey{node, c.Proto, c.Port}
}

// startResponders starts one responder per destination node, protocol and
// port, and returns how to stop each; failures are kept per key so only
// the checks that need one fail.
func startResponders(ctx context.Context, lab *Lab, opt CheckOptions) (map[respKey]func(), map[respKey]error) {
	rs, failed := map[respKey]func(){}, map[respKey]error{}
	for _, c := range lab.Checks {
		k := responderKey(lab, c)
		if c.Proto == "icmp" || k.node == "" || rs[k] != nil || failed[k] != nil {
			continue // ICMP: the kernel answers; no node: nothing may answer
		}
		stop, err := startNodeResponder(ctx, k, opt)
		if err != nil {
			failed[k] = err
			continue
		}
		rs[k] = stop
	}
	return rs, failed
}

// startNodeResponder starts k's responder through the node's agent, or
// inside its namespace.
func startNodeResponder(ctx context.Context, k respKey, opt CheckOptions) (stop func(), err error) {
	if a := opt.agent(k.node); a != nil {
		if err := a.StartResponder(ctx, k.proto, k.port); err != nil {
			return nil, fmt.Errorf("responder %s/%d in %s: %w", k.proto, k.port, k.node, err)
		}
		return func() { // the run's context may be over: stop within a bound of its own
			sctx, cancel := context.WithTimeout(context.Background(), agentStopTimeout)
			defer cancel()
			_ = a.StopResponder(sctx, k.proto, k.port)
		}, nil
	}
	r, err := startResponder(opt.Netns(k.node), k.proto, k.port)
	if err != nil {
		return nil, err
	}
	return r.Close, nil
}

// agentStopTimeout bounds stopping a responder through an agent; one
// that does not answer is stopped by its next client's handshake.
const agentStopTimeout = 2 * time.Second

func (opt CheckOptions) agent(node string) *agent.Client {
	if opt.Agents == nil {
		return nil
	}
	return opt.Agents(node)
}

// runCheck runs one check from its source node's agent or namespace; the
// error says why an agent did not run it (then the outcome is error).
func runCheck(ctx context.Context, lab *Lab, c Check, opt CheckOptions) (string, string) {
	_, dst := lab.target(c)
	node, src := lab.source(c)
	to := netip.AddrPortFrom(dst, c.Port)
	if a := opt.agent(node); a != nil {
		o, err := a.Probe(ctx, agent.Probe{Proto: c.Proto, Src: src, Dst: to, Timeout: opt.Timeout})
		if err != nil {
			return ObservedError, err.Error()
		}
		return o, ""
	}
	return exchange.Run(inNetns(opt.Netns(node)), c.Proto, src, to, opt.Timeout), ""
}

// CheckNodes lists, once each in file order, the nodes the checks run in
// or send to (a to-ip no node owns adds none).
func (l *Lab) CheckNodes() []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range l.Checks {
		from, _ := l.source(c)
		to, _ := l.target(c)
		for _, n := range []string{from, to} {
			if n != "" && !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	return out
}

// target is where a check goes: the node that answers ("" when no node
// of the lab owns to-ip) and the destination address.
func (l *Lab) target(c Check) (node string, dst netip.Addr) {
	if c.ToIP.IsValid() {
		for i := range l.Nodes {
			if owns(&l.Nodes[i], c.ToIP) {
				return l.Nodes[i].Name, c.ToIP
			}
		}
		return "", c.ToIP
	}
	ep, _ := ParseEndpoint(c.To) // validated
	return ep.Node, l.address(ep, c.Family)
}

// source is where a check starts: the node and the source address to
// bind (from-ip; the named interface's address for node.ethN with N > 0;
// otherwise zero, and the kernel picks).
func (l *Lab) source(c Check) (node string, src netip.Addr) {
	ep, _ := ParseEndpoint(c.From) // validated
	switch {
	case c.FromIP.IsValid():
		src = c.FromIP
	case ep.Interface > 0:
		src = l.address(ep, c.Family)
	}
	return ep.Node, src
}

// address is the primary address of family fam of an interface.
func (l *Lab) address(ep Endpoint, fam int) netip.Addr {
	_, ni := l.Interface(ep)
	if ni == nil {
		return netip.Addr{}
	}
	if fam == 6 {
		return ni.IPv6
	}
	return ni.IP
}

// Failed counts the results that did not pass.
func Failed(rs []Result) int {
	n := 0
	for _, r := range rs {
		if !r.Pass {
			n++
		}
	}
	return n
}

// WriteTable prints results as an aligned table, one row per check: the
// PREDICTED column is trace's verdict, marked MISMATCH where the switch
// did otherwise; a count of those closes the table when there are any.
func WriteTable(w io.Writer, rs []Result) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FROM\tTO\tPROTO\tPORT\tFAMILY\tEXPECTED\tOBSERVED\tPREDICTED\tRESULT\tDROPPED BY")
	for _, r := range rs {
		verdict := "PASS"
		if !r.Pass {
			verdict = "FAIL"
		}
		obs := r.Observed
		if r.Error != "" {
			obs += " (" + r.Error + ")"
		}
		by := r.DroppedBy
		if by == "" {
			by = "-"
		} else {
			by += " (" + strings.Join(r.DropReasons, ",") + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\tipv%d\t%s\t%s\t%s\t%s\t%s\n", r.fromColumn(), r.toColumn(), r.Proto, portString(r.Port), r.Family, r.Expect, obs, r.predictedColumn(), verdict, by)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%d checks, %d passed, %d failed\n", len(rs), len(rs)-Failed(rs), Failed(rs))
	if n := Mismatches(rs); n > 0 && err == nil {
		_, err = fmt.Fprintf(w, "%d checks observed otherwise than trace predicts: a bug in sgswitch (its switch and its model disagree)\n", n)
	}
	return err
}

// predictedColumn is the PREDICTED of a table row.
func (r Result) predictedColumn() string {
	p := r.Predicted
	switch {
	case p == "":
		return "-"
	case r.PredictedBy != "":
		p += " (" + r.PredictedBy + ")"
	}
	if r.Mismatch {
		p += " MISMATCH"
	}
	return p
}

// fromColumn is the FROM of a table row: the node or interface, and the
// source address when the check chose one.
func (c Check) fromColumn() string {
	if c.FromIP.IsValid() {
		return c.From + " (" + c.FromIP.String() + ")"
	}
	return c.From
}

// toColumn is the TO of a table row: the node or interface, or to-ip.
func (c Check) toColumn() string {
	if c.ToIP.IsValid() {
		return c.ToIP.String()
	}
	return c.To
}

// WriteJSON prints results as a JSON array.
func WriteJSON(w io.Writer, rs []Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rs)
}
