package testbed

import (
	"errors"
	"fmt"
)

// ErrNotYetRunnable marks a lab that Parse accepts but this sgswitch
// cannot run yet: the VPC-lab keys (lab-file.md, "VPC labs") are parsed
// and checked in full, and each is refused by Apply until the switch,
// the host wiring and the check runner carry it (issue 15). The error
// names the first such key, so a user knows exactly what to leave out.
var ErrNotYetRunnable = errors.New("parsed and checked, but this sgswitch cannot run it yet (issue 15: a real VPC)")

// runnable returns a *PosError wrapping ErrNotYetRunnable for the first
// key of the lab this build cannot run, or nil.
func runnable(lab *Lab) error {
	fail := func(path string, line int, what string) error {
		return &PosError{File: lab.File, Path: path, Line: line, Err: fmt.Errorf("%s: %w", what, ErrNotYetRunnable)}
	}
	for _, n := range lab.Nodes {
		path := join("topology.nodes", n.Name)
		switch {
		case len(n.Interfaces) > 0:
			return fail(path, n.Line, "interfaces: (the long form)")
		case !n.ENIs()[0].CheckEnabled():
			return fail(path, n.Line, "source-dest-check: false")
		case n.Forwarding:
			return fail(path, n.Line, "forwarding: true")
		}
	}
	// Checks may name eth0 (node.eth0): every node of a runnable lab has
	// that one interface; validate has refused any other.
	return nil
}
