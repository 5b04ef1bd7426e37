package perf

import (
	"os"
	"testing"
)

// TestMain lets the test binary double as the switch agent: SgswitchPath
// re-executes it with agentEnv set.
func TestMain(m *testing.M) {
	MaybeRunAgent()
	SwitchAgentArgs = []string{os.Args[0]}
	os.Exit(m.Run())
}
