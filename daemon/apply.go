package daemon

import (
	"errors"

	"sgswitch/ruleset"
	"sgswitch/testbed"
)

// applyLab creates a lab's objects in st (testbed.Apply once it lands).
var applyLab = func(st *ruleset.State, lab *testbed.Lab) (map[string]string, error) {
	return nil, errors.New("applying labs is not available yet (testbed.Apply missing)")
}
