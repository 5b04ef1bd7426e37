package daemon

import (
	"log/slog"
	"time"
)

// timeline records how long each step of a start or a stop took, so that
// the restart outage can be explained from a debug log (`sgswitch run
// --debug`) with figures rather than guesses. It costs a clock read per
// step, on the control path only.
type timeline struct {
	log   *slog.Logger
	what  string // "start" or "stop"
	begin time.Time
	last  time.Time
}

func newTimeline(log *slog.Logger, what string) *timeline {
	now := time.Now()
	return &timeline{log: log, what: what, begin: now, last: now}
}

// step logs that step just ended: its duration and the time since the
// timeline began, in microseconds (a restart's steps take 0.1–20 ms).
// A nil timeline records nothing (a port attached after start).
func (t *timeline) step(step string, attrs ...any) {
	if t == nil {
		return
	}
	now := time.Now()
	t.log.Debug("daemon "+t.what, append([]any{"step", step,
		"took_us", now.Sub(t.last).Microseconds(), "at_us", now.Sub(t.begin).Microseconds()}, attrs...)...)
	t.last = now
}
