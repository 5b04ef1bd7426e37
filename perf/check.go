package perf

import (
	"fmt"
	"strings"
)

// Plan is what a run set out to measure, recorded in results.json so a
// checker can tell a missing figure from one never asked for.
type Plan struct {
	Prefix          string   `json:"netns_prefix"`
	Owner           string   `json:"owner"` // of the run's host objects (netns records)
	E2EPaths        []string `json:"e2e_paths"`
	ScalingPaths    []string `json:"scaling_paths"`
	RuleCounts      []int    `json:"rule_counts"`
	InMemoryMetrics []string `json:"inmemory_metrics,omitempty"`
}

// Check reports every planned figure that is neither measured nor listed as
// not measured with a reason, and any kernel-baseline figure that is missing
// (the baseline must always work, or no ratio means anything). It never
// looks at how fast anything was.
func Check(r *Results) error {
	var missing []string
	gap := func(section, path, metric string) bool {
		for _, n := range r.NotMeasured {
			if n.Section == section && n.Path == path && (n.Metric == "" || n.Metric == metric) && n.Reason != "" {
				return true
			}
		}
		return false
	}
	has := func(section, path, metric string, rules int) bool {
		_, ok := r.Find(section, path, metric, rules)
		return ok
	}
	for _, m := range r.Plan.InMemoryMetrics {
		if !hasMetric(r, "inmemory", m) && !gapAnyPath(r, "inmemory", m) {
			missing = append(missing, "inmemory "+m)
		}
	}
	for _, p := range r.Plan.E2EPaths {
		for _, m := range E2EMetrics {
			kernelMust := p == "kernel" && m != MSwitchCPUGB && m != MSwitchCPUMF
			switch {
			case has("e2e", p, m, 0):
			case kernelMust:
				missing = append(missing, "e2e kernel "+m+" (the baseline must be measured)")
			case !gap("e2e", p, m):
				missing = append(missing, "e2e "+p+" "+m)
			}
		}
	}
	for _, p := range r.Plan.ScalingPaths {
		for _, n := range r.Plan.RuleCounts {
			for _, m := range ScalingMetrics {
				switch {
				case has("scaling", p, m, n):
				case strings.HasPrefix(p, "kernel"):
					missing = append(missing, fmt.Sprintf("scaling %s %s %d rules (the baseline must be measured)", p, m, n))
				case !gap("scaling", p, m):
					missing = append(missing, fmt.Sprintf("scaling %s %s %d rules", p, m, n))
				}
			}
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%d figures missing: %s", len(missing), strings.Join(missing, "; "))
	}
	return nil
}

func hasMetric(r *Results, section, metric string) bool {
	for _, f := range r.Figures {
		if f.Section == section && f.Metric == metric {
			return true
		}
	}
	return false
}

func gapAnyPath(r *Results, section, metric string) bool {
	for _, n := range r.NotMeasured {
		if n.Section == section && (n.Metric == "" || n.Metric == metric) && n.Reason != "" {
			return true
		}
	}
	return false
}
