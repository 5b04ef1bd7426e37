//go:build !race

// (The 1M-flow table and the timing loops are too heavy under the race
// detector; the race-checked code is in flowtable and ruleset.)

package perf

import (
	"context"
	"testing"
)

// TestInMemoryProducesEveryFigure runs the in-memory section briefly and
// checks every figure is there (never how fast).
func TestInMemoryProducesEveryFigure(t *testing.T) {
	figs, nm := InMemory(context.Background(), true, t.Logf)
	r := &Results{Figures: figs, NotMeasured: nm, Plan: Plan{InMemoryMetrics: InMemoryMetrics}}
	if err := Check(r); err != nil {
		t.Fatal(err)
	}
	for _, n := range nm {
		t.Errorf("not measured: %+v", n)
	}
}
