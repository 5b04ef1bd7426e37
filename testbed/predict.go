package testbed

import (
	"fmt"
	"slices"
	"strings"

	"sgswitch/account"
	"sgswitch/trace"
)

// A check's prediction is what trace says of it on the model the lab was
// applied to: "allow" or "deny", and for a denial the layer. lab check
// shows it beside what it observed; a row where they differ is a bug in
// sgswitch (its model and its packet path disagree), flagged Mismatch.

// Prediction is trace's verdict on one check.
type Prediction struct {
	Verdict string // "allow" or "deny" (a check's expect values); "" when not traced
	Layer   string // the deciding layer of a denial (Layer* values)
	Error   string // why it could not be traced
}

// Predict traces every check of lab through acct, whose interfaces ifaces
// names (Applied.Interfaces, or the lab record's), in check order.
func Predict(acct *account.Account, lab *Lab, ifaces map[Endpoint]string) []Prediction {
	out := make([]Prediction, len(lab.Checks))
	for i, c := range lab.Checks {
		q, err := CheckQuery(acct, lab, c, ifaces)
		if err == nil {
			var r trace.Result
			if r, err = trace.Path(acct, q); err == nil {
				out[i] = Prediction{Verdict: "allow"}
				if !r.Allow {
					out[i] = Prediction{Verdict: "deny", Layer: r.DeniedBy}
				}
				continue
			}
		}
		out[i].Error = err.Error()
	}
	return out
}

// CheckQuery is the trace query of one check: its source interface (the
// named one; for a bare node, the interface the node's kernel would send
// from), source address (from-ip, or the interface's), destination
// (to-ip, or the named interface's address) and protocol.
func CheckQuery(acct *account.Account, lab *Lab, c Check, ifaces map[Endpoint]string) (trace.Query, error) {
	q := trace.Query{Proto: c.Proto, Port: c.Port, Family: c.Family}
	_, dst := lab.target(c)
	q.To.Addr = dst
	if ep, _ := ParseEndpoint(c.To); !c.ToIP.IsValid() {
		q.To.Interface = ifaces[ep]
	}
	from, _ := ParseEndpoint(c.From)
	q.From.Interface, q.From.Addr = ifaces[from], c.FromIP
	if !c.FromIP.IsValid() && !strings.Contains(c.From, ".") {
		q.From.Interface = trace.Sender(acct, nodeInterfaces(ifaces, from.Node), dst)
	}
	if q.From.Interface == "" {
		return q, fmt.Errorf("%s: no such interface in the lab", c.From)
	}
	return q, nil
}

// nodeInterfaces are a node's interface ids by device index.
func nodeInterfaces(ifaces map[Endpoint]string, node string) []string {
	var eps []Endpoint
	for ep := range ifaces {
		if ep.Node == node {
			eps = append(eps, ep)
		}
	}
	slices.SortFunc(eps, func(a, b Endpoint) int { return a.Interface - b.Interface })
	ids := make([]string, len(eps))
	for i, ep := range eps {
		ids[i] = ifaces[ep]
	}
	return ids
}

// LabInterfaces names the interfaces of lab in acct by endpoint, from
// their attachments ("lab/node" at device index N is node.ethN): what the
// live account says, whatever the lab file did.
func LabInterfaces(acct *account.Account, lab string) map[Endpoint]string {
	out := map[Endpoint]string{}
	for _, e := range acct.Interfaces() {
		if node, ok := strings.CutPrefix(e.AttachedTo, lab+"/"); ok {
			out[Endpoint{Node: node, Interface: int(e.DeviceIndex)}] = e.ID
		}
	}
	return out
}

// FindNode finds "node" or "node.ethN" in every lab of acct: the
// interface, and the lab it was found in; an error when no lab or more
// than one has that node.
func FindNode(acct *account.Account, s string) (eni, lab string, err error) {
	ep, err := ParseEndpoint(s)
	if err != nil {
		return "", "", err
	}
	for _, e := range acct.Interfaces() {
		l, node, ok := strings.Cut(e.AttachedTo, "/")
		if !ok || node != ep.Node || int(e.DeviceIndex) != ep.Interface {
			continue
		}
		if lab != "" && lab != l {
			return "", "", fmt.Errorf("node %s is in labs %s and %s: name the lab (--lab FILE)", ep.Node, lab, l)
		}
		eni, lab = e.ID, l
	}
	if eni == "" {
		return "", "", fmt.Errorf("no lab has an interface %s", ep)
	}
	return eni, lab, nil
}

// SetPredictions sets each result's prediction (preds in check order) and
// flags a mismatch where the observation is the switch's verdict (allow
// or timeout) and not the predicted one.
func SetPredictions(rs []Result, preds []Prediction) {
	for i := range rs {
		p, r := preds[i], &rs[i]
		r.Predicted, r.PredictedBy, r.PredictError = p.Verdict, p.Layer, p.Error
		switch r.Observed {
		case ObservedAllow:
			r.Mismatch = p.Verdict == "deny"
		case ObservedTimeout:
			r.Mismatch = p.Verdict == "allow"
		}
	}
}

// Mismatches counts the results whose prediction differs from what was
// observed.
func Mismatches(rs []Result) int {
	n := 0
	for _, r := range rs {
		if r.Mismatch {
			n++
		}
	}
	return n
}
