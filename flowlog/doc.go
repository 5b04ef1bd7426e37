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
// appends records to one file per interface, <eni>.log.
//
// Rotation and retention (Rotation; defaults DefaultRotation, `sgswitch
// run --flowlog-max-mb/--flowlog-rotate-age/--flowlog-keep/--flowlog-max-age`):
// a file is rotated before a write that would take it past 64 MiB, or once
// it has been written to for a day; 5 rotated files are kept per interface
// (<eni>.log.1 newest … .5 oldest); and any flow-log file not written for
// 7 days is removed, also those of interfaces that no longer exist, which
// nothing else would ever remove; only files named eni-….log[.N] are
// considered, so other files in the directory are never touched. So an interface uses at most 6 × 64 MiB
// and nothing is kept much past a week. Rotation renames the file and the
// next write creates a new one: a file's records move with it, and a
// window's batch for an interface is written to one file with one write,
// so a record is never split across files. A rotation that fails (a
// rename refused) is reported, and the batch still goes to the current file.
// Ages are read from an injected clock (Writer.Now), so tests advance time
// instead of sleeping.
//
// Thread-safety: Observe may be called from any number of goroutines; each
// interface has its own mutex, so ports on different interfaces do not
// contend. Flush may run concurrently with Observe.
package flowlog
