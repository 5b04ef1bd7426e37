package observe

import (
	"sort"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"sgswitch/flowtable"
	vswitch "sgswitch/switch"
)

// Source is what the metrics read: the switch's interfaces and counters.
// *vswitch.Switch satisfies it through SwitchSource.
type Source interface {
	ENIs() []string
	Stats(eni string) (vswitch.Stats, bool)
	FlowTable() *flowtable.Table
}

// SwitchSource adapts a *vswitch.Switch to Source.
type SwitchSource struct{ Switch *vswitch.Switch }

// ENIs lists the interfaces of every published VPC, sorted.
func (s SwitchSource) ENIs() []string {
	var ids []string
	for _, snap := range s.Switch.Snapshots() {
		for _, ci := range snap.Interfaces() {
			ids = append(ids, ci.ID)
		}
	}
	sort.Strings(ids)
	return ids
}

// Stats returns one interface's counters.
func (s SwitchSource) Stats(eni string) (vswitch.Stats, bool) { return s.Switch.Stats(eni) }

// FlowTable returns the switch's flow table.
func (s SwitchSource) FlowTable() *flowtable.Table { return s.Switch.Flows() }

// Metrics is the switch's Prometheus collector plus the ruleset latency
// histograms the control plane feeds.
type Metrics struct {
	src      Source
	Registry *prometheus.Registry

	compile prometheus.Histogram
	publish prometheus.Histogram
}

var (
	eniLabel    = []string{"eni"}
	dropLabels  = []string{"eni", "direction", "reason"}
	verdictLbls = []string{"eni", "direction", "verdict"}
)

func desc(name, help string, labels []string) *prometheus.Desc {
	return prometheus.NewDesc("sgswitch_"+name, help, labels, nil)
}

var (
	dRxFrames  = desc("interface_rx_frames_total", "Frames received from the instance (a GSO super-frame counts as its segments).", eniLabel)
	dRxBytes   = desc("interface_rx_bytes_total", "Bytes received from the instance.", eniLabel)
	dTxFrames  = desc("interface_tx_frames_total", "Frames delivered to the instance.", eniLabel)
	dTxBytes   = desc("interface_tx_bytes_total", "Bytes delivered to the instance.", eniLabel)
	dVerdicts  = desc("security_group_verdicts_total", "Security-group verdicts on new and re-judged flows' frames.", verdictLbls)
	dDrops     = desc("interface_drops_total", "Frames dropped, by direction and reason.", dropLabels)
	dEntries   = desc("conntrack_entries", "Flow-table entries of the interface's zone (tracked and untracked).", eniLabel)
	dTracked   = desc("conntrack_tracked_entries", "Tracked connections of the interface.", eniLabel)
	dAvailable = desc("conntrack_allowance_available", "Tracked connections the interface can still set up (ENA conntrack_allowance_available).", eniLabel)
	dThrottled = desc("new_connections_throttled_total", "New tracked connections refused by the tracking throttle.", eniLabel)
	dTableUsed = desc("flowtable_entries", "Entries in the flow table.", nil)
	dTableCap  = desc("flowtable_capacity_entries", "Capacity of the flow table.", nil)
	dTableMem  = desc("flowtable_memory_bytes", "Memory held by the flow table.", nil)
)

// enaCounters are the ENA allowance counters, with their ethtool names.
var enaCounters = []struct {
	desc *prometheus.Desc
	get  func(*flowtable.ZoneStats) uint64
}{
	{desc("bw_in_allowance_exceeded_total", "Frames dropped: inbound bandwidth allowance exceeded (ENA bw_in_allowance_exceeded).", eniLabel), func(z *flowtable.ZoneStats) uint64 { return z.BWInAllowanceExceeded }},
	{desc("bw_out_allowance_exceeded_total", "Frames dropped: outbound bandwidth allowance exceeded (ENA bw_out_allowance_exceeded).", eniLabel), func(z *flowtable.ZoneStats) uint64 { return z.BWOutAllowanceExceeded }},
	{desc("pps_allowance_exceeded_total", "Frames dropped: packets-per-second allowance exceeded (ENA pps_allowance_exceeded).", eniLabel), func(z *flowtable.ZoneStats) uint64 { return z.PPSAllowanceExceeded }},
	{desc("conntrack_allowance_exceeded_total", "Frames dropped: tracked-connection allowance exceeded (ENA conntrack_allowance_exceeded).", eniLabel), func(z *flowtable.ZoneStats) uint64 { return z.ConntrackAllowanceExceeded }},
	{desc("linklocal_allowance_exceeded_total", "Frames dropped: link-local service allowance exceeded (ENA linklocal_allowance_exceeded).", eniLabel), func(z *flowtable.ZoneStats) uint64 { return z.LinklocalAllowanceExceeded }},
}

// NewMetrics returns a registry with the switch collector, the ruleset
// latency histograms and the Go and process collectors.
func NewMetrics(src Source) *Metrics {
	m := &Metrics{
		src:      src,
		Registry: prometheus.NewRegistry(),
		compile: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "sgswitch_ruleset_compile_seconds", Help: "Time to compile a changed ruleset.",
			Buckets: prometheus.ExponentialBuckets(1e-5, 4, 10),
		}),
		publish: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "sgswitch_ruleset_publish_seconds", Help: "Time to publish a compiled ruleset to the switch.",
			Buckets: prometheus.ExponentialBuckets(1e-7, 4, 10),
		}),
	}
	m.Registry.MustRegister(m, m.compile, m.publish,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// ObserveCompile records one ruleset compilation.
func (m *Metrics) ObserveCompile(d time.Duration) { m.compile.Observe(d.Seconds()) }

// ObservePublish records one publication.
func (m *Metrics) ObservePublish(d time.Duration) { m.publish.Observe(d.Seconds()) }

// Describe implements prometheus.Collector.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{dRxFrames, dRxBytes, dTxFrames, dTxBytes, dVerdicts, dDrops,
		dEntries, dTracked, dAvailable, dThrottled, dTableUsed, dTableCap, dTableMem} {
		ch <- d
	}
	for _, e := range enaCounters {
		ch <- e.desc
	}
}

// Collect implements prometheus.Collector: it reads the counters now.
func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	counter := func(d *prometheus.Desc, v uint64, lv ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), lv...)
	}
	gauge := func(d *prometheus.Desc, v float64, lv ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, lv...)
	}
	for _, eni := range m.src.ENIs() {
		st, ok := m.src.Stats(eni)
		if !ok {
			continue
		}
		counter(dRxFrames, st.RxFrames, eni)
		counter(dRxBytes, st.RxBytes, eni)
		counter(dTxFrames, st.TxFrames, eni)
		counter(dTxBytes, st.TxBytes, eni)
		for d, dir := range directionNames {
			counter(dVerdicts, st.Accepts[d], eni, dir, "accept")
			counter(dVerdicts, st.Rejects[d], eni, dir, "reject")
			for r := vswitch.DropReason(1); r < vswitch.NumDropReasons; r++ {
				if v := st.Drops[d][r]; v != 0 {
					counter(dDrops, v, eni, dir, r.String())
				}
			}
		}
		z := &st.Conntrack
		gauge(dEntries, float64(z.Entries), eni)
		gauge(dTracked, float64(z.Tracked), eni)
		gauge(dAvailable, float64(z.ConntrackAllowanceAvailable), eni)
		counter(dThrottled, z.NewConnectionsThrottled, eni)
		for _, e := range enaCounters {
			counter(e.desc, e.get(z), eni)
		}
	}
	if t := m.src.FlowTable(); t != nil {
		gauge(dTableUsed, float64(t.Len()))
		gauge(dTableCap, float64(t.Capacity()))
		gauge(dTableMem, float64(t.MemoryBytes()))
	}
}

// directionNames index per-direction counters (vswitch.Ingress, Egress).
var directionNames = func() [2]string {
	var n [2]string
	n[vswitch.Ingress] = "ingress"
	n[vswitch.Egress] = "egress"
	return n
}()
