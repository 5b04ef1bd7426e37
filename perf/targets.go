package perf

import (
	"fmt"
	"strings"
)

// target is one design target from the architecture's performance table.
type target struct {
	what     string
	section  string
	path     string
	metric   string
	rules    int
	limit    float64
	atMost   bool // the figure must be <= limit (else >=)
	limitStr string
}

// targets are the architecture's performance targets this bench measures.
var targets = []target{
	{"established flow, in memory", "inmemory", "sgswitch", MEstablishedCPUNs, 0, 50, true, "≤ 50 ns/frame/core"},
	{"established flow, in memory", "inmemory", "sgswitch", MEstablished1Mpps, 0, 20, false, "≥ 20 Mpps/core"},
	{"new flow, 1,000 rules (classify)", "inmemory", "ruleset", MClassifyNs, 1000, 300, true, "≤ 300 ns"},
	{"new flow, 10,000 rules (classify)", "inmemory", "ruleset", MClassifyNs, 10000, 1000, true, "≤ 1 µs"},
	{"new connections/s in memory", "inmemory", "flowtable", MSetupsPerS, 0, 1e6, false, "≥ 1 M/s"},
	{"new connections/s end to end (TAP)", "e2e", "sgswitch-tap", MConnRate, 0, -1, false, "≥ kernel"},
	{"1 M flows within 256 MB", "inmemory", "flowtable", MBytesPerEntry, 0, 256, true, "≤ 256 bytes/entry"},
	{"TCP bulk end to end (TAP)", "e2e", "sgswitch-tap", MTCP1, 0, -1, false, "≥ kernel"},
	{"64-byte UDP end to end (TAP)", "e2e", "sgswitch-tap", MUDPPPS, 0, -1, false, "≥ kernel"},
	{"rule change under load", "inmemory", "sgswitch", MPublishUs, 0, 1000, true, "< 1 ms"},
}

// writeTargets compares the run with the design targets; a limit of -1
// means "the kernel path's figure in this run".
func writeTargets(b *strings.Builder, r *Results) {
	var rows []string
	for _, t := range targets {
		f, ok := r.Find(t.section, t.path, t.metric, t.rules)
		if !ok {
			continue
		}
		limit := t.limit
		if limit < 0 {
			k, ok := r.Find(t.section, "kernel", t.metric, t.rules)
			if !ok {
				continue
			}
			limit = k.Value
		}
		met := f.Value >= limit
		if t.atMost {
			met = f.Value <= limit
		}
		verdict := "met"
		if !met {
			verdict = "**not met**"
		}
		rows = append(rows, fmt.Sprintf("| %s | %s | %s %s (%s) | %s |", t.what, t.limitStr, num(f.Value), f.Unit, t.metric+ruleSuffix(t.rules), verdict))
	}
	if len(rows) == 0 {
		return
	}
	b.WriteString("## Against the design targets\n\n| what | target | this run | |\n|---|---|---|---|\n")
	b.WriteString(strings.Join(rows, "\n") + "\n\n")
}
