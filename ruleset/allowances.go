package ruleset

import (
	"strings"
)

// Every interface has a conntrack allowance, as in EC2, where each
// instance's interfaces have their own and one instance cannot use up
// another's (EC2 User Guide, "Monitor network performance for your EC2
// instance", conntrack_allowance_exceeded / _available: "the maximum number
// of tracked connections ... varies by instance type"). EC2 publishes no
// figures, so sgswitch's are its own, documented here and in the README: a
// node that names none gets the figure of its instance type's size, or
// DefaultConntrackMax without one.
//
// The switch reserves 2 x the allowance of flow-table entries for each
// interface (its tracked flows, and as many untracked ones, which EC2 does
// not count but sgswitch caches: flowtable.Allowances). The State refuses
// an interface whose reservation the flow table cannot hold beside the
// others' (SetFlowBudget), so the table is always sized for the sum.

// DefaultConntrackMax is the tracked-connection allowance of an interface
// that names neither one nor an instance type: 4,096 connections, 8,192
// table entries, so the switch's default table (262,144 entries) holds 32
// such interfaces.
const DefaultConntrackMax = 4096

// conntrackBySize is the allowance by instance size (the part of the type
// after the dot), doubling with each size as EC2's network resources do.
var conntrackBySize = map[string]uint64{
	"nano": 1024, "micro": 2048, "small": 4096, "medium": 8192,
	"large": 16384, "xlarge": 32768,
}

// conntrackLargest is the allowance of every size above xlarge (2xlarge,
// 4xlarge, …, metal).
const conntrackLargest = 65536

// ConntrackMaxFor returns the conntrack allowance of an interface of
// instance type t ("" for none); ok false when t is not family.size with a
// size sgswitch knows.
func ConntrackMaxFor(t string) (n uint64, ok bool) {
	if t == "" {
		return DefaultConntrackMax, true
	}
	family, size, found := strings.Cut(t, ".")
	if !found || family == "" || strings.ContainsAny(family, " \t") {
		return 0, false
	}
	if n, ok := conntrackBySize[size]; ok {
		return n, true
	}
	if size == "metal" || (strings.HasSuffix(size, "xlarge") && isDigits(strings.TrimSuffix(size, "xlarge"))) {
		return conntrackLargest, true
	}
	return 0, false
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Effective returns a with its conntrack allowance filled in for instance
// type t when a names none (an unknown type: DefaultConntrackMax; the lab
// and the API refuse unknown types before this is reached).
func (a Allowances) Effective(t string) Allowances {
	if a.ConntrackMax == 0 {
		n, ok := ConntrackMaxFor(t)
		if !ok {
			n = DefaultConntrackMax
		}
		a.ConntrackMax = n
	}
	return a
}

// FlowEntries returns the flow-table entries an interface with allowances a
// reserves: its tracked flows and as many untracked ones.
func (a Allowances) FlowEntries() int64 { return 2 * int64(a.ConntrackMax) }

// SetFlowBudget tells the State how many flow-table entries the switch has
// (0: no check). Creating an interface, or changing its allowances, is
// then refused when the reservations of all interfaces would exceed it.
// The budget belongs to the running switch, not to the VPC: it is not part
// of the Spec, and Clone keeps it.
func (st *State) SetFlowBudget(entries int) { st.flowBudget = int64(entries) }

// checkFlowBudget refuses a change after which interface self (""  for a
// new one) has allowances a, if the table could not hold every
// interface's reservation.
func (st *State) checkFlowBudget(self string, a Allowances, instanceType string) error {
	if st.flowBudget <= 0 {
		return nil
	}
	need := a.Effective(instanceType).FlowEntries()
	var used int64
	for i := range st.s.Interfaces {
		e := &st.s.Interfaces[i]
		if e.ID != self {
			used += e.Allowances.Effective(e.InstanceType).FlowEntries()
		}
	}
	if used+need > st.flowBudget {
		return errorf(CodeNetworkInterfaceLimitExceeded,
			"The switch's flow table has %d entries and its interfaces reserve %d; this interface needs %d more (2 x its conntrack allowance of %d). Start the daemon with a larger --flow-capacity, or give interfaces a smaller conntrack-max.",
			st.flowBudget, used, need, need/2)
	}
	return nil
}
