package trace

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"sgswitch/account"
	"sgswitch/ruleset"
	"sgswitch/vpc"
)

// walker holds one Path call: the compiled account, the flow's resolved
// ends and the leg being walked (src to dst; dst stays nil when routing
// finds no receiver). A packet routed to an instance that forwards it
// makes another leg from that instance's interface.
type walker struct {
	acct   *account.Account
	c      account.Compiled
	q      Query
	res    Result
	vpcID  string
	snap   *ruleset.Snapshot
	first  *ruleset.CompiledInterface // the original sender
	src    *vpc.CompiledInterface
	srcCI  *ruleset.CompiledInterface
	dst    *vpc.CompiledInterface
	dstCI  *ruleset.CompiledInterface
	routed bool // the receiver is in another subnet: the network ACLs apply
	legs   []leg
}

// leg is one switch crossing: from an interface to the one routing found.
type leg struct {
	src, dst *vpc.CompiledInterface
	routed   bool
}

// maxLegs bounds forwarding through instances (a routing loop).
const maxLegs = 4

// Path traces q through acct without sending anything; see the package
// comment for what it reports. The error is for a query it cannot place
// (an unknown interface or protocol, an address nobody owns).
func Path(acct *account.Account, q Query) (Result, error) {
	w := &walker{acct: acct, c: account.NewCompilers().Compile(acct), q: q}
	if err := w.resolve(); err != nil {
		return Result{}, err
	}
	w.first = w.srcCI
	if w.walk() {
		w.reply()
		w.allowances()
	}
	w.verdict()
	return w.res, nil
}

// walk follows the request leg by leg and reports whether it reached the
// owner of the destination address.
func (w *walker) walk() bool {
	for range maxLegs {
		w.sourceCheck()
		w.route()
		if w.dst == nil {
			return false
		}
		if w.routed {
			w.acls()
		}
		w.groups()
		w.legs = append(w.legs, leg{w.src, w.dst, w.routed})
		if w.delivered() {
			return true
		}
		if w.denied() || !w.forward() { // a packet denied on the way reaches no forwarder
			return false
		}
	}
	w.hop(Hop{Step: StepRoute, Layer: LayerRoute, Reason: fmt.Sprintf("still not delivered after %d forwarding instances: a routing loop", maxLegs)})
	return false
}

// hop records one decision.
func (w *walker) hop(h Hop) { w.res.Hops = append(w.res.Hops, h) }

func (w *walker) note(format string, args ...any) {
	w.res.Notes = append(w.res.Notes, fmt.Sprintf(format, args...))
}

// denied: some hop so far denies.
func (w *walker) denied() bool {
	return slices.ContainsFunc(w.res.Hops, func(h Hop) bool { return !h.Allow })
}

// verdict is the first denying hop, there or back.
func (w *walker) verdict() {
	w.res.Allow = true
	for _, h := range slices.Concat(w.res.Hops, w.res.Reply) {
		if !h.Allow {
			w.res.Allow, w.res.DeniedBy, w.res.DeniedAt = false, h.Layer, h.Step
			return
		}
	}
}

// sourceCheck: the sender must own the source address unless its
// source/dest check is off (spoofed-src-ip).
func (w *walker) sourceCheck() {
	h := Hop{Step: StepSourceCheck, Layer: LayerSourceCheck, Interface: w.src.ID, Allow: true}
	switch {
	case owns(w.src, w.res.Source):
		h.Reason = w.src.ID + " owns " + w.res.Source.String()
	case !w.src.SourceDestCheck:
		h.Reason = w.src.ID + " does not own " + w.res.Source.String() + ", but its source/dest check is off"
	default:
		h.Allow = false
		h.Reason = w.src.ID + " does not own " + w.res.Source.String() + " and its source/dest check is on (spoofed-src-ip)"
	}
	w.hop(h)
}

func owns(ci *vpc.CompiledInterface, a netip.Addr) bool {
	return slices.Contains(ci.IPv4, a) || slices.Contains(ci.IPv6, a)
}

// protoNumber reads a protocol name or number; icmp in family 6 is ICMPv6.
func protoNumber(s string, fam int) (uint8, error) {
	switch strings.ToLower(s) {
	case "tcp":
		return 6, nil
	case "udp":
		return 17, nil
	case "icmp":
		if fam == 6 {
			return 58, nil
		}
		return 1, nil
	case "icmpv6":
		return 58, nil
	}
	n, err := strconv.ParseUint(s, 10, 8)
	if err != nil {
		return 0, fmt.Errorf("protocol %q: want tcp, udp, icmp, icmpv6 or a number 0-255", s)
	}
	return uint8(n), nil
}
