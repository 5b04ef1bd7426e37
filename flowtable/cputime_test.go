package flowtable

import (
	"runtime"
	"testing"

	"golang.org/x/sys/unix"
)

// The build machine is shared and oversubscribed, so wall-clock ns/op
// mostly measures the scheduler. Benchmarks also report cpu-ns/op: CPU time
// of the benchmark's own OS thread (CLOCK_THREAD_CPUTIME_ID) per op.

func threadCPU() int64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0
	}
	return ts.Nano()
}

// cpuMeter measures the CPU time of the calling goroutine, pinned to its
// thread until stop.
type cpuMeter struct{ start int64 }

func startCPU() cpuMeter {
	runtime.LockOSThread()
	return cpuMeter{threadCPU()}
}

func (m cpuMeter) stop() int64 {
	d := threadCPU() - m.start
	runtime.UnlockOSThread()
	return d
}

func reportCPU(b *testing.B, ns int64) {
	b.ReportMetric(float64(ns)/float64(b.N), "cpu-ns/op")
}
