package perf

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Write puts results.json, report.md, readme-section.md and the charts into dir.
func Write(r *Results, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "results.json"), append(b, '\n'), 0o644); err != nil {
		return err
	}
	charts, err := Charts(r, dir)
	if err != nil {
		return fmt.Errorf("charts: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "readme-section.md"), []byte(READMESection(r)), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "report.md"), []byte(Markdown(r, charts)), 0o644)
}

// Markdown renders the report: machine, headline ratios, then every table.
func Markdown(r *Results, charts []string) string {
	var b strings.Builder
	m := r.Machine
	b.WriteString("# sgswitch bench report\n\n")
	fmt.Fprintf(&b, "- machine: %s, %d CPUs, %s (load average at start %s)\n", m.CPU, m.NumCPU, m.Kernel, m.LoadAvg)
	fmt.Fprintf(&b, "- when: %s, took %s, %s, sgswitch %s\n", m.Date, m.Duration, m.Go, m.Revision)
	fmt.Fprintf(&b, "- command: `%s`%s\n\n", m.Command, map[bool]string{true: " (quick: one run per figure, short durations: a smoke test, not a measurement)"}[m.Quick])
	b.WriteString("Every end-to-end figure is the median of runs interleaved across paths (A B A B) and is also given as a ratio to the kernel path (Linux bridge + nftables `inet` table via br_netfilter, `ct state established,related accept` first, rules as sets) measured in the same run. For latency and CPU, lower is better.\n\n")
	writeHeadline(&b, r)
	writeVersusOVS(&b, r)
	writeTargets(&b, r)
	writeSection(&b, r, "inmemory", "In memory (public APIs, in-process)")
	writeE2E(&b, r)
	writeScaling(&b, r)
	if len(r.NotMeasured) > 0 {
		b.WriteString("## Not measured\n\n| section | path | metric | reason |\n|---|---|---|---|\n")
		for _, n := range r.NotMeasured {
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", n.Section, n.Path, n.Metric, oneLine(n.Reason))
		}
		b.WriteString("\n")
	}
	if len(charts) > 0 {
		b.WriteString("## Charts\n\n")
		for _, c := range charts {
			fmt.Fprintf(&b, "![%s](%s)\n\n", strings.TrimSuffix(c, ".png"), c)
		}
	}
	return b.String()
}

// headlineMetrics are the figures quoted first.
var headlineMetrics = []string{MTCP1, MTCP4, MUDPPPS, MConnRate, MLatP50, MLatP99, MPathCPUGB}

func writeHeadline(b *strings.Builder, r *Results) {
	paths := pathsOf(r, "e2e")
	if len(paths) == 0 {
		return
	}
	b.WriteString("## Headline: ratio to the kernel path (same run)\n\n(↑ higher is better, ↓ lower is better)\n\n| path |")
	for _, m := range headlineMetrics {
		arrow := "↑"
		if lowerIsBetter(m) {
			arrow = "↓"
		}
		fmt.Fprintf(b, " %s %s |", m, arrow)
	}
	b.WriteString("\n|---|" + strings.Repeat("---|", len(headlineMetrics)) + "\n")
	for _, p := range paths {
		fmt.Fprintf(b, "| %s |", p)
		for _, m := range headlineMetrics {
			f, ok := r.Find("e2e", p, m, 0)
			switch {
			case !ok:
				b.WriteString(" — |")
			case p == "kernel":
				fmt.Fprintf(b, " 1.00 (%s %s) |", num(f.Value), f.Unit)
			default:
				fmt.Fprintf(b, " %.2f× |", f.RatioToKernel)
			}
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")
}

// writeVersusOVS gives each sgswitch path's headline figures as ratios to
// Open vSwitch's userspace datapath of the same run.
func writeVersusOVS(b *strings.Builder, r *Results) {
	const ovs = "ovs-userspace"
	if _, ok := r.Find("e2e", ovs, MTCP1, 0); !ok {
		return
	}
	b.WriteString("## Against Open vSwitch (userspace datapath, same run)\n\n| path |")
	for _, m := range headlineMetrics {
		fmt.Fprintf(b, " %s |", m)
	}
	b.WriteString("\n|---|" + strings.Repeat("---|", len(headlineMetrics)) + "\n")
	for _, p := range pathsOf(r, "e2e") {
		if !strings.HasPrefix(p, "sgswitch") {
			continue
		}
		fmt.Fprintf(b, "| %s |", p)
		for _, m := range headlineMetrics {
			f, ok1 := r.Find("e2e", p, m, 0)
			o, ok2 := r.Find("e2e", ovs, m, 0)
			if !ok1 || !ok2 || o.Value == 0 {
				b.WriteString(" — |")
				continue
			}
			fmt.Fprintf(b, " %.2f× |", f.Value/o.Value)
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")
}

func writeE2E(b *strings.Builder, r *Results) {
	paths := pathsOf(r, "e2e")
	if len(paths) == 0 {
		return
	}
	b.WriteString("## End to end between two namespaces\n\n| metric | unit |")
	for _, p := range paths {
		fmt.Fprintf(b, " %s |", p)
	}
	b.WriteString("\n|---|---|" + strings.Repeat("---|", len(paths)) + "\n")
	for _, m := range E2EMetrics {
		fmt.Fprintf(b, "| %s | %s |", m, units[m])
		for _, p := range paths {
			f, ok := r.Find("e2e", p, m, 0)
			if !ok {
				b.WriteString(" — |")
				continue
			}
			if f.RatioToKernel != 0 {
				fmt.Fprintf(b, " %s (%.2f×) |", num(f.Value), f.RatioToKernel)
			} else {
				fmt.Fprintf(b, " %s |", num(f.Value))
			}
		}
		b.WriteString("\n")
	}
	b.WriteString("\n64-byte UDP: `offered` is what the AF_PACKET sendmmsg generator handed the client's eth0, `delivered` what the server's eth0 counted. On the kernel path the bridge, br_netfilter and nftables run synchronously in the sender's transmit path, and a TAP pushes back on its sender when the switch falls behind, so there offered ≈ delivered and the sender's CPU includes the path's.")
	if f, ok := r.Find("e2e", "generator", MGeneratorPPS, 0); ok {
		fmt.Fprintf(b, " The generator alone (same sender into a veth whose peer drops it) reached %s pps in this run, so a path delivering less is the limit, not the generator.", num(f.Value))
	}
	b.WriteString(" Path CPU per GB is the iperf3 client and server processes plus the switch process; per Mframe it is the sending thread plus the switch process.\n\n")
}

func writeScaling(b *strings.Builder, r *Results) {
	var rules []int
	seen := map[int]bool{}
	for _, f := range r.Figures {
		if f.Section == "scaling" && !seen[f.Rules] {
			seen[f.Rules] = true
			rules = append(rules, f.Rules)
		}
	}
	if len(rules) == 0 {
		return
	}
	sort.Ints(rules)
	paths := pathsOf(r, "scaling")
	b.WriteString("## Rule scaling\n\nServer ingress rules: filler rules that never match (a TCP port from a /32 in 198.19.0.0/16), then the live ones, so a linear chain walks them all first.\n\n| metric | rules |")
	for _, p := range paths {
		fmt.Fprintf(b, " %s |", p)
	}
	b.WriteString("\n|---|---|" + strings.Repeat("---|", len(paths)) + "\n")
	for _, m := range ScalingMetrics {
		for _, n := range rules {
			fmt.Fprintf(b, "| %s | %d |", m, n)
			for _, p := range paths {
				if f, ok := r.Find("scaling", p, m, n); ok {
					fmt.Fprintf(b, " %s |", num(f.Value))
				} else {
					b.WriteString(" — |")
				}
			}
			b.WriteString("\n")
		}
	}
	b.WriteString("\n")
}

func writeSection(b *strings.Builder, r *Results, section, title string) {
	var figs []Figure
	for _, f := range r.Figures {
		if f.Section == section {
			figs = append(figs, f)
		}
	}
	if len(figs) == 0 {
		return
	}
	fmt.Fprintf(b, "## %s\n\n| what | measured through | value | unit | note |\n|---|---|---|---|---|\n", title)
	for _, f := range figs {
		name := f.Metric + ruleSuffix(f.Rules)
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", name, f.Path, num(f.Value), f.Unit, oneLine(f.Note))
	}
	b.WriteString("\n")
}

// pathsOf lists a section's paths in first-seen order (kernel first).
func pathsOf(r *Results, section string) []string {
	var out []string
	seen := map[string]bool{}
	for _, f := range r.Figures {
		if f.Section == section && !seen[f.Path] && f.Path != "generator" {
			seen[f.Path] = true
			out = append(out, f.Path)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i] == "kernel" && out[j] != "kernel" })
	return out
}

// num prints a figure with precision that suits its size.
func num(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.2f M", v/1e6)
	case v >= 1e4:
		return fmt.Sprintf("%.0f", v)
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 1:
		return fmt.Sprintf("%.2f", v)
	default:
		return fmt.Sprintf("%.3g", v)
	}
}

func oneLine(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\n", " "), "|", "/")
}
