package perf

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sgswitch/packet"
)

// synthetic is a run with the kernel and one other path, complete.
func synthetic() *Results {
	r := &Results{Machine: Machine{CPU: "test cpu", NumCPU: 2, Kernel: "Linux test", Date: "2026-01-01T00:00:00Z", Command: "sgswitch bench"},
		Plan: Plan{E2EPaths: []string{"kernel", "sgswitch-tap"}, ScalingPaths: []string{"kernel"}, RuleCounts: []int{10}}}
	for i, p := range []string{"kernel", "sgswitch-tap", "ovs-userspace"} {
		for _, m := range E2EMetrics {
			if p == "kernel" && (m == MSwitchCPUGB || m == MSwitchCPUMF) {
				r.NotMeasured = append(r.NotMeasured, NotMeasured{Section: "e2e", Path: p, Metric: m, Reason: "no switch process"})
				continue
			}
			r.Figures = append(r.Figures, Figure{Section: "e2e", Path: p, Metric: m, Unit: units[m], Value: float64(10 * (i + 1))})
		}
	}
	for _, m := range ScalingMetrics {
		r.Figures = append(r.Figures, Figure{Section: "scaling", Path: "kernel", Metric: m, Rules: 10, Unit: units[m], Value: 5})
	}
	r.fillRatios()
	return r
}

func TestCheckFindsMissingFigures(t *testing.T) {
	r := synthetic()
	if err := Check(r); err != nil {
		t.Fatalf("complete run: %v", err)
	}
	r.Figures = r.Figures[1:] // drop kernel tcp_1stream_gbps
	err := Check(r)
	if err == nil || !strings.Contains(err.Error(), "kernel "+MTCP1) {
		t.Fatalf("want the missing kernel figure reported, got %v", err)
	}
	r = synthetic()
	r.Plan.E2EPaths = append(r.Plan.E2EPaths, "sgswitch-afxdp")
	if err := Check(r); err == nil {
		t.Fatal("a planned path with no figures and no reason must fail")
	}
	r.NotMeasured = append(r.NotMeasured, NotMeasured{Section: "e2e", Path: "sgswitch-afxdp", Reason: "setup failed: no AF_XDP"})
	if err := Check(r); err != nil {
		t.Fatalf("a skipped path with a reason is complete: %v", err)
	}
}

func TestRatiosAndReport(t *testing.T) {
	r := synthetic()
	f, _ := r.Find("e2e", "sgswitch-tap", MTCP1, 0)
	if f.RatioToKernel != 2 {
		t.Fatalf("ratio = %v, want 2", f.RatioToKernel)
	}
	dir := t.TempDir()
	if err := Write(r, dir); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"results.json", "report.md", "readme-section.md", "e2e_" + MTCP1 + ".png", "scaling_" + MConnRate + ".png"} {
		if st, err := os.Stat(filepath.Join(dir, name)); err != nil || st.Size() == 0 {
			t.Errorf("%s missing or empty: %v", name, err)
		}
	}
	md, _ := os.ReadFile(filepath.Join(dir, "report.md"))
	for _, want := range []string{"## Headline", "2.00×", "## Against Open vSwitch", "0.67×", "## Rule scaling", "no switch process"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("report lacks %q", want)
		}
	}
}

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := median(tc.in); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestParseIperf(t *testing.T) {
	r, err := ParseIperf([]byte(`{"end":{"sum_received":{"bytes":1250000000,"bits_per_second":1e10}}}`))
	if err != nil || r.Gbps != 10 || r.Bytes != 1.25e9 {
		t.Fatalf("got %+v, %v", r, err)
	}
	if _, err := ParseIperf([]byte(`{"error":"unable to connect"}`)); err == nil || !strings.Contains(err.Error(), "unable to connect") {
		t.Fatalf("want iperf3's error, got %v", err)
	}
}

func TestUDPFrame(t *testing.T) {
	f := UDPFrame([]byte{2, 0, 0, 0, 0, 1}, []byte{2, 0, 0, 0, 0, 2}, ClientIPv4, ServerIPv4, 1, UDPPort)
	if len(f) != 60 {
		t.Fatalf("len %d, want 60 (64 on the wire)", len(f))
	}
	if packet.Checksum(f[14:34]) != 0 {
		t.Fatal("IPv4 header checksum does not verify")
	}
}
