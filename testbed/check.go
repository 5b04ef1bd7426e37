package testbed

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"sync"
	"text/tabwriter"
	"time"
)

// CheckOptions tune RunChecks.
type CheckOptions struct {
	Timeout  time.Duration // per check; default DefaultCheckTimeout
	Parallel int           // checks at once; default 8
	// Netns maps a node to its namespace; default NetnsName(lab, node).
	Netns func(node string) string
}

// DefaultCheckTimeout is how long a check waits before calling a flow denied.
const DefaultCheckTimeout = time.Second

// Result is one check and what was observed.
type Result struct {
	Check
	Observed string `json:"observed"` // one of the Observed* values
	Pass     bool   `json:"pass"`
	Error    string `json:"error,omitempty"`
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
	responders, failed := startResponders(lab, opt)
	defer func() {
		for _, r := range responders {
			r.close()
		}
	}()
	results := make([]Result, len(lab.Checks))
	sem := make(chan struct{}, opt.Parallel)
	var wg sync.WaitGroup
	for i, c := range lab.Checks {
		results[i] = Result{Check: c}
		if err := failed[responderKey(c)]; err != nil {
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
			results[i].Observed = runCheck(lab, c, opt)
		}()
	}
	wg.Wait()
	for i := range results {
		results[i].Pass = pass(results[i].Expect, results[i].Observed)
	}
	return results, nil
}

type respKey struct {
	node, proto string
	port        uint16
}

func responderKey(c Check) respKey { return respKey{c.To, c.Proto, c.Port} }

// startResponders starts one responder per destination node, protocol and
// port; failures are kept per key so only the checks that need one fail.
func startResponders(lab *Lab, opt CheckOptions) (map[respKey]*responder, map[respKey]error) {
	rs, failed := map[respKey]*responder{}, map[respKey]error{}
	for _, c := range lab.Checks {
		k := responderKey(c)
		if c.Proto == "icmp" || rs[k] != nil || failed[k] != nil {
			continue
		}
		r, err := startResponder(opt.Netns(c.To), c.Proto, c.Port)
		if err != nil {
			failed[k] = err
			continue
		}
		rs[k] = r
	}
	return rs, failed
}

func runCheck(lab *Lab, c Check, opt CheckOptions) string {
	to := lab.Node(c.To)
	dst := to.IP
	if c.Family == 6 {
		dst = to.IPv6
	}
	ns := opt.Netns(c.From)
	switch c.Proto {
	case "tcp":
		return tcpCheck(ns, netip.AddrPortFrom(dst, c.Port), opt.Timeout)
	case "udp":
		return udpCheck(ns, netip.AddrPortFrom(dst, c.Port), opt.Timeout)
	case "icmp":
		return icmpCheck(ns, dst, opt.Timeout)
	}
	return ObservedError
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

// WriteTable prints results as an aligned table, one row per check.
func WriteTable(w io.Writer, rs []Result) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FROM\tTO\tPROTO\tPORT\tFAMILY\tEXPECTED\tOBSERVED\tRESULT")
	for _, r := range rs {
		verdict := "PASS"
		if !r.Pass {
			verdict = "FAIL"
		}
		obs := r.Observed
		if r.Error != "" {
			obs += " (" + r.Error + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\tipv%d\t%s\t%s\t%s\n", r.From, r.To, r.Proto, portString(r.Port), r.Family, r.Expect, obs, verdict)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%d checks, %d passed, %d failed\n", len(rs), len(rs)-Failed(rs), Failed(rs))
	return err
}

// WriteJSON prints results as a JSON array.
func WriteJSON(w io.Writer, rs []Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rs)
}
