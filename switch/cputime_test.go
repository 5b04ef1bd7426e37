package vswitch

import (
	"runtime"
	"testing"

	"golang.org/x/sys/unix"
)

// The machine is shared and oversubscribed, so wall-clock ns/op mostly
// measures the scheduler. The pipeline benchmarks process frames on the
// benchmark goroutine itself and also report cpu-ns/op: the CPU time of
// its OS thread (CLOCK_THREAD_CPUTIME_ID) per frame.

func threadCPU() int64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0
	}
	return ts.Nano()
}

// cpuMeter accumulates the calling goroutine's thread CPU time across
// start/stop pairs (it stays locked to its thread while measuring).
type cpuMeter struct{ start, total int64 }

func (m *cpuMeter) startCPU() {
	runtime.LockOSThread()
	m.start = threadCPU()
}

func (m *cpuMeter) stopCPU() {
	m.total += threadCPU() - m.start
	runtime.UnlockOSThread()
}

func (m *cpuMeter) report(b *testing.B) {
	b.ReportMetric(float64(m.total)/float64(b.N), "cpu-ns/op")
}
