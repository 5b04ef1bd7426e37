package perf

import (
	"slices"
	"testing"

	"sgswitch/netns/netnstest"
)

// TestLeftovers: what a section (a sub-scope) of a run made is listed
// until the run's scope closes, and nothing after.
func TestLeftovers(t *testing.T) {
	s := netnstest.New(t)
	plan := Plan{Owner: string(s.Owner), Prefix: s.Prefix}
	ns, err := s.Sub("e").CreateNetns("a")
	if err != nil {
		t.Fatal(err)
	}
	left, err := Leftovers(plan)
	if err != nil || !slices.Equal(left, []string{"netns " + ns}) {
		t.Fatalf("before close: %v %v, want [netns %s]", left, err, ns)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if left, err := Leftovers(plan); err != nil || len(left) > 0 {
		t.Errorf("after close: %v %v", left, err)
	}
}
