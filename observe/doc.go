// Package observe shows what the switch accepted, rejected and why: the
// Prometheus metrics, the VPC flow logs and packet capture, on top of the
// switch's counters and its observer hook.
//
// Design: nothing here is on the packet path unless it is switched on.
// Metrics are read from the switch's counters when /metrics is scraped (a
// prometheus.Collector, no per-packet work). Flow logs and capture plug into
// vswitch.Observer; the Observer installed on the switch is a Tee that is
// swapped, never mutated, when a consumer comes or goes, and is removed
// entirely when there is none, so an idle switch pays one atomic load per
// batch.
//
// Metric names are prefixed sgswitch_, carry their unit, counters end in
// _total, and the only labels are eni, direction, reason and verdict: never
// a 5-tuple or an address, which would make the series count unbounded.
//
// Thread-safety: every exported method may be called concurrently.
package observe
