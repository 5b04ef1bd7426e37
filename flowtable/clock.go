package flowtable

import (
	"errors"
	"sync/atomic"
	"time"
)

// Clock gives the time, in nanoseconds on an arbitrary but fixed epoch.
// The table never reads a clock itself on the packet path: callers read the
// time once per batch and pass it as the now parameter of each call.
type Clock interface {
	Now() int64
}

// SystemClock reads the monotonic system clock.
type SystemClock struct{}

var processStart = time.Now()

// Now returns nanoseconds since the process started (monotonic).
func (SystemClock) Now() int64 { return int64(time.Since(processStart)) }

// ManualClock is a clock that only moves when told to; tests advance it
// across timeouts instead of sleeping. Safe for concurrent use.
type ManualClock struct {
	ns atomic.Int64
}

// NewManualClock returns a manual clock that reads start.
func NewManualClock(start int64) *ManualClock {
	c := &ManualClock{}
	c.ns.Store(start)
	return c
}

// Now returns the clock's current reading.
func (c *ManualClock) Now() int64 { return c.ns.Load() }

// Advance moves the clock forward by d and returns the new reading.
func (c *ManualClock) Advance(d time.Duration) int64 { return c.ns.Add(int64(d)) }

// Set moves the clock to ns.
func (c *ManualClock) Set(ns int64) { c.ns.Store(ns) }

// VirtualClock is the system clock moved forward by everything Advance
// added: time flows as usual (handshakes, token buckets refilling), and a
// lab jumps over a 350-second idle timeout in an instant (`sgswitch run
// --clock virtual`). It never goes back. Safe for concurrent use.
type VirtualClock struct {
	off atomic.Int64
}

// Now returns SystemClock's reading plus the offset.
func (c *VirtualClock) Now() int64 { return SystemClock{}.Now() + c.off.Load() }

// Advance moves the clock forward by d (which must not be negative) and
// returns the total offset.
func (c *VirtualClock) Advance(d time.Duration) (time.Duration, error) {
	if d < 0 {
		return c.Offset(), errClockBack
	}
	return time.Duration(c.off.Add(int64(d))), nil
}

// Offset is how far the clock is ahead of the system clock.
func (c *VirtualClock) Offset() time.Duration { return time.Duration(c.off.Load()) }

// Wall is the wall-clock time moved forward by the same offset: what
// flow logs' aggregation windows and timestamps read.
func (c *VirtualClock) Wall() time.Time { return time.Now().Add(c.Offset()) }

var errClockBack = errors.New("flowtable: a clock does not go back")
