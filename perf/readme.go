package perf

import (
	"fmt"
	"strings"
)

// READMESection renders the "Performance" section of README.md from a run:
// the headline figures with their ratios to the kernel, the machine, and
// the command that reproduces them. `sgswitch bench` writes it as
// readme-section.md beside the report.
func READMESection(r *Results) string {
	var b strings.Builder
	m := r.Machine
	b.WriteString("## Performance\n\n")
	fmt.Fprintf(&b, "Measured by `%s` on %s, %d vCPUs, %s, %s (sgswitch %s; load average at start %s: the machine was shared, so read ratios rather than absolute numbers). Runs are interleaved across paths and each figure is a median; ratios are to the Linux bridge + nftables path measured in the same run. Full report, raw JSON and charts: run the command.\n\n",
		m.Command, m.CPU, m.NumCPU, m.Kernel, m.Date[:10], m.Revision, m.LoadAvg)
	paths := pathsOf(r, "e2e")
	if len(paths) > 0 {
		b.WriteString("| end to end | ")
		b.WriteString(strings.Join(paths, " | "))
		b.WriteString(" |\n|---|" + strings.Repeat("---|", len(paths)) + "\n")
		for _, metric := range headlineMetrics {
			fmt.Fprintf(&b, "| %s (%s) |", metric, units[metric])
			for _, p := range paths {
				f, ok := r.Find("e2e", p, metric, 0)
				switch {
				case !ok:
					b.WriteString(" — |")
				case f.RatioToKernel != 0:
					fmt.Fprintf(&b, " %s (%.2f×) |", num(f.Value), f.RatioToKernel)
				default:
					fmt.Fprintf(&b, " %s |", num(f.Value))
				}
			}
			b.WriteString("\n")
		}
		b.WriteString("\n")
	}
	var inmem []string
	for _, f := range r.Figures {
		if f.Section == "inmemory" {
			inmem = append(inmem, fmt.Sprintf("%s %s%s %s %s", f.Path, f.Metric, ruleSuffix(f.Rules), num(f.Value), f.Unit))
		}
	}
	if len(inmem) > 0 {
		b.WriteString("In memory (public APIs, no port I/O): " + strings.Join(inmem, "; ") + ".\n\n")
	}
	var scal []string
	for _, f := range r.Figures {
		if f.Section == "scaling" && f.Metric == MConnRate {
			scal = append(scal, fmt.Sprintf("%s %d rules %s", f.Path, f.Rules, num(f.Value)))
		}
	}
	if len(scal) > 0 {
		b.WriteString("New TCP connections/s by rule count: " + strings.Join(scal, "; ") + ".\n\n")
	}
	if len(r.NotMeasured) > 0 {
		b.WriteString("Not measured: ")
		var nm []string
		for _, n := range r.NotMeasured {
			nm = append(nm, fmt.Sprintf("%s %s %s (%s)", n.Section, n.Path, n.Metric, n.Reason))
		}
		b.WriteString(strings.Join(nm, "; ") + ".\n\n")
	}
	b.WriteString("Reproduce (root; Debian packages: `scripts/install-deps.sh`, plus `openvswitch-switch` for the OVS column): `make build && sudo bin/sgswitch bench --out bench-out`.\n")
	return b.String()
}
