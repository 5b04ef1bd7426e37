// Package flowlog records what an interface accepted and rejected, in the
// VPC Flow Logs format.
//
// What: one record per 5-tuple, direction and action per aggregation window
// (default 60 s), printed in the version-2 default format
//
//	version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status
//
// with "-" for an empty field, ACCEPT/REJECT actions, a NODATA record for an
// interface that saw no traffic in a window and a SKIPDATA record when
// records were dropped because the window's table was full. A custom field
// list (Fields) may add tcp-flags, flow-direction, pkt-srcaddr and
// pkt-dstaddr, as EC2's later versions do.
//
// Design: an Aggregator keeps, per interface, a bounded map from flow key to
// counters for the current window. The switch calls Observe for every judged
// frame while flow logging is on (never when it is off: the hook is not
// installed). Flush closes a window: it returns every interface's records in
// a stable order, emits NODATA/SKIPDATA, and starts a new window. A Writer
// appends records to one file per interface and rotates it at a size bound,
// keeping a bounded number of old files.
//
// Thread-safety: Observe may be called from any number of goroutines; each
// interface has its own mutex, so ports on different interfaces do not
// contend. Flush may run concurrently with Observe.
package flowlog
