package daemon

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"
)

// daemonLog keeps what the daemon processes of one outage run write to
// stderr (bounded), so that the test can print where the restart's time
// went: the daemons log each start and stop step at debug level
// (timeline), with a wall-clock time the test lines up with its own.
type daemonLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

const daemonLogMax = 1 << 20

func (l *daemonLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if room := daemonLogMax - l.buf.Len(); room > 0 {
		l.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (l *daemonLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

var (
	logTime = regexp.MustCompile(`^time=(\S+) `)
	logMsg  = regexp.MustCompile(` msg="?([^"=]*?)"?(?: [a-z_]+=|$)`)
	logStep = regexp.MustCompile(` step="?([^"=]*?)"?(?: [a-z_]+=|$)`)
	logTook = regexp.MustCompile(` took_us=(\d+)`)
)

// mark is one point of a restart's timeline.
type mark struct {
	at   time.Time
	what string
}

// timeline lists the daemons' logged steps from t0 on, with the test's
// own marks, in time order, as "+12.3 ms  what (took 1.2 ms)" lines.
func (l *daemonLog) timeline(t0 time.Time, own ...mark) string {
	marks := append([]mark(nil), own...)
	for _, line := range strings.Split(l.String(), "\n") {
		m := logTime.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		at, err := time.Parse(time.RFC3339Nano, m[1])
		if err != nil || at.Before(t0.Add(-time.Millisecond)) {
			continue
		}
		what := ""
		if m := logMsg.FindStringSubmatch(line); m != nil {
			what = m[1]
		}
		if m := logStep.FindStringSubmatch(line); m != nil {
			what += ": " + m[1]
		}
		if m := logTook.FindStringSubmatch(line); m != nil {
			what += " (took " + m[1] + " µs)"
		}
		marks = append(marks, mark{at, what})
	}
	// Insertion sort: a few dozen marks.
	for i := 1; i < len(marks); i++ {
		for j := i; j > 0 && marks[j].at.Before(marks[j-1].at); j-- {
			marks[j], marks[j-1] = marks[j-1], marks[j]
		}
	}
	var b strings.Builder
	for _, m := range marks {
		fmt.Fprintf(&b, "\n\t%+8.1f ms  %s", float64(m.at.Sub(t0).Microseconds())/1000, m.what)
	}
	return b.String()
}

// gapBounds returns the two replies around the longest time without one.
func gapBounds(replies []time.Time) (from, to time.Time) {
	var last time.Time
	for _, at := range replies {
		if at.IsZero() {
			continue
		}
		if !last.IsZero() && at.Sub(last) > to.Sub(from) {
			from, to = last, at
		}
		last = at
	}
	return from, to
}
