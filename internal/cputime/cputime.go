// Package cputime measures CPU time for benchmarks. The machines sgswitch is
// developed on are shared and often oversubscribed, so wall-clock ns/op
// mostly measures the scheduler; the benchmarks also report cpu-ns/op, the
// CPU time spent per operation, which is steadier.
package cputime

import (
	"runtime"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// Thread is the CPU time of the calling OS thread (CLOCK_THREAD_CPUTIME_ID),
// in ns. Lock the goroutine to its thread around a measurement (Meter does).
func Thread() int64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0
	}
	return ts.Nano()
}

// Process is the CPU time (user+system, all threads, GC included) the
// process has used, in ns.
func Process() int64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// Meter accumulates the calling goroutine's thread CPU time across Start and
// Stop pairs; between them the goroutine stays locked to its thread.
type Meter struct{ start, total int64 }

// Start locks the goroutine to its thread and starts measuring.
func (m *Meter) Start() {
	runtime.LockOSThread()
	m.start = Thread()
}

// Stop adds the time since Start to the total, unlocks the thread and
// returns that interval.
func (m *Meter) Stop() int64 {
	d := Thread() - m.start
	m.total += d
	runtime.UnlockOSThread()
	return d
}

// Total is the CPU time measured so far.
func (m *Meter) Total() int64 { return m.total }

// Report reports the measured total per operation of b as cpu-ns/op.
func (m *Meter) Report(b *testing.B) { ReportPerOp(b, m.total) }

// ReportPerOp reports ns of CPU time spread over b.N operations as cpu-ns/op.
func ReportPerOp(b *testing.B, ns int64) {
	b.ReportMetric(float64(ns)/float64(b.N), "cpu-ns/op")
}
