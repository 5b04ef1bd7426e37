package perf

import (
	"os"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"time"
)

// Figure is one measured number. Section is "inmemory", "e2e" or
// "scaling"; Path names what was measured ("kernel", "sgswitch-tap", ...);
// Metric is a stable key (see the metric constants). Value is the median of
// Samples (runs interleaved across paths). RatioToKernel is Value divided by
// the kernel path's value for the same metric in the same run, when there is
// one.
type Figure struct {
	Section       string    `json:"section"`
	Path          string    `json:"path"`
	Metric        string    `json:"metric"`
	Rules         int       `json:"rules,omitempty"`
	Unit          string    `json:"unit"`
	Value         float64   `json:"value"`
	Samples       []float64 `json:"samples,omitempty"`
	RatioToKernel float64   `json:"ratio_to_kernel,omitempty"`
	Note          string    `json:"note,omitempty"`
}

// NotMeasured records a figure the run could not produce, and why.
type NotMeasured struct {
	Section string `json:"section"`
	Path    string `json:"path"`
	Metric  string `json:"metric,omitempty"`
	Reason  string `json:"reason"`
}

// Machine says where the figures come from.
type Machine struct {
	Kernel   string `json:"kernel"`
	CPU      string `json:"cpu"`
	NumCPU   int    `json:"num_cpu"`
	Go       string `json:"go"`
	LoadAvg  string `json:"loadavg_at_start"`
	Date     string `json:"date"`
	Command  string `json:"command"`
	Quick    bool   `json:"quick"`
	Duration string `json:"duration"`
	Revision string `json:"revision,omitempty"`
}

// Results is the whole run, written as results.json.
type Results struct {
	Machine     Machine       `json:"machine"`
	Plan        Plan          `json:"plan"`
	Figures     []Figure      `json:"figures"`
	NotMeasured []NotMeasured `json:"not_measured"`
}

// Metric keys.
const (
	MTCP1         = "tcp_1stream_gbps"
	MTCP4         = "tcp_4stream_gbps"
	MUDPPPS       = "udp64_delivered_pps"
	MUDPOffered   = "udp64_offered_pps"
	MConnRate     = "tcp_conn_per_s"
	MLatP50       = "latency_p50_us"
	MLatP99       = "latency_p99_us"
	MSwitchCPUGB  = "switch_cpu_s_per_gb"
	MSwitchCPUMF  = "switch_cpu_s_per_mframe"
	MPathCPUGB    = "path_cpu_s_per_gb"
	MPathCPUMF    = "path_cpu_s_per_mframe"
	MGeneratorPPS = "udp64_generator_pps"
)

// E2EMetrics are the end-to-end figures every path must report (or explain).
var E2EMetrics = []string{MTCP1, MTCP4, MUDPPPS, MUDPOffered, MConnRate, MLatP50, MLatP99, MSwitchCPUGB, MSwitchCPUMF, MPathCPUGB, MPathCPUMF}

// ScalingMetrics are measured per rule count.
var ScalingMetrics = []string{MTCP1, MConnRate}

var units = map[string]string{
	MTCP1: "Gb/s", MTCP4: "Gb/s", MUDPPPS: "pps", MUDPOffered: "pps", MConnRate: "conn/s",
	MLatP50: "µs", MLatP99: "µs", MSwitchCPUGB: "CPU s/GB", MSwitchCPUMF: "CPU s/Mframe",
	MPathCPUGB: "CPU s/GB", MPathCPUMF: "CPU s/Mframe", MGeneratorPPS: "pps",
}

// lowerIsBetter says how to read a ratio.
func lowerIsBetter(metric string) bool {
	return strings.HasPrefix(metric, "latency") || strings.Contains(metric, "cpu") || strings.HasSuffix(metric, "_ns")
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// machineInfo fills what can be read from the system.
func machineInfo(command string, quick bool) Machine {
	m := Machine{NumCPU: runtime.NumCPU(), Go: runtime.Version(), Date: time.Now().UTC().Format(time.RFC3339), Command: command, Quick: quick}
	if out, err := Run("uname", "-sr"); err == nil {
		m.Kernel = strings.TrimSpace(out)
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "model name") {
				if i := strings.IndexByte(line, ':'); i >= 0 {
					m.CPU = strings.TrimSpace(line[i+1:])
				}
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		m.LoadAvg = strings.Join(strings.Fields(string(b))[:3], " ")
	}
	m.Revision = buildRevision()
	if m.Revision == "" {
		if out, err := Run("git", "rev-parse", "--short", "HEAD"); err == nil {
			m.Revision = strings.TrimSpace(out) + " (work tree)"
		}
	}
	return m
}

// fillRatios sets RatioToKernel on every figure that has a kernel figure of
// the same section, metric and rule count (the linear-chain kernel is the
// baseline for nothing; "kernel" with sets is).
func (r *Results) fillRatios() {
	type key struct {
		section, metric string
		rules           int
	}
	base := map[key]float64{}
	for _, f := range r.Figures {
		if f.Path == "kernel" {
			base[key{f.Section, f.Metric, f.Rules}] = f.Value
		}
	}
	for i := range r.Figures {
		f := &r.Figures[i]
		if b, ok := base[key{f.Section, f.Metric, f.Rules}]; ok && b != 0 && f.Path != "kernel" {
			f.RatioToKernel = f.Value / b
		}
	}
}

// Find returns the figure for (section, path, metric, rules), if measured.
func (r *Results) Find(section, path, metric string, rules int) (Figure, bool) {
	for _, f := range r.Figures {
		if f.Section == section && f.Path == path && f.Metric == metric && f.Rules == rules {
			return f, true
		}
	}
	return Figure{}, false
}

// buildRevision is the VCS revision the binary was built from (go build
// embeds it), with "+dirty" when the tree had changes.
func buildRevision() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	var rev, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	return rev + dirty
}
