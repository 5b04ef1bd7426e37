package flowlog

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Writer appends records to one file per interface, <dir>/<eni>.log, with
// a header line naming the fields, and rotates the files as Rotation says
// (NewWriter: DefaultRotation). A batch of records for one interface is
// written to one file whole: rotation happens between batches, so a
// record is never split across files, and renaming a file keeps every
// record it holds.
type Writer struct {
	Dir    string
	Fields []string
	Rotation
	// Now is the writer's clock (nil: time.Now); tests inject one.
	Now func() time.Time

	mu      sync.Mutex
	started map[string]time.Time // when each current file was started
}

// NewWriter returns a Writer with the default format and DefaultRotation.
func NewWriter(dir string) *Writer {
	return &Writer{Dir: dir, Fields: DefaultFields, Rotation: DefaultRotation()}
}

// Write appends records, grouped by interface, then removes the files
// Rotation no longer keeps. A failure for one interface does not keep the
// others' records from being written; the failures are returned together.
func (w *Writer) Write(recs []Record) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := os.MkdirAll(w.Dir, 0o755); err != nil {
		return fmt.Errorf("flowlog: %w", err)
	}
	byIface := map[string][]string{}
	var order []string
	for i := range recs {
		id := recs[i].InterfaceID
		if _, ok := byIface[id]; !ok {
			order = append(order, id)
		}
		byIface[id] = append(byIface[id], recs[i].Format(w.Fields))
	}
	now := w.now()
	var errs []error
	written := map[string]bool{}
	for _, id := range order {
		if err := w.appendLines(id, byIface[id], now); err != nil {
			errs = append(errs, err)
		}
		written[w.Path(id)] = true
	}
	removed, err := w.sweep(w.Dir, now, written)
	if err != nil {
		errs = append(errs, fmt.Errorf("flowlog: %w", err))
	}
	for _, path := range removed {
		delete(w.started, path) // an interface gone for MaxAge
	}
	return errors.Join(errs...)
}

// Path is the current file of interface eni.
func (w *Writer) Path(eni string) string {
	return filepath.Join(w.Dir, sanitize(eni)+".log")
}

func (w *Writer) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

// appendLines writes lines to eni's current file, rotating it first when
// the batch would take it past its bounds. If rotation fails the lines
// still go to the current file: a full disk or a bad rename must not cost
// records.
func (w *Writer) appendLines(eni string, lines []string, now time.Time) error {
	path := w.Path(eni)
	size, start := w.current(path, now)
	add := int64(0)
	for _, l := range lines {
		add += int64(len(l)) + 1
	}
	var rotErr error
	if w.needsRotation(size, add, start, now) {
		if rotErr = w.rotate(path); rotErr == nil {
			size = 0
		} else {
			rotErr = fmt.Errorf("flowlog: rotating %s: %w", path, rotErr)
		}
	}
	if size == 0 {
		w.started[path] = now
	}
	return errors.Join(rotErr, w.appendFile(path, size == 0, lines))
}

// current returns the size of the current file and when it was started:
// when this writer created it or, for a file it found, its last change.
func (w *Writer) current(path string, now time.Time) (int64, time.Time) {
	if w.started == nil {
		w.started = map[string]time.Time{}
	}
	st, err := os.Stat(path)
	if err != nil {
		return 0, now
	}
	start, ok := w.started[path]
	if !ok {
		start = st.ModTime()
		w.started[path] = start
	}
	return st.Size(), start
}

// appendFile appends lines (after the header line when header) with one
// write, so the file never ends inside a record unless the disk fails.
func (w *Writer) appendFile(path string, header bool, lines []string) error {
	var b strings.Builder
	if header {
		b.WriteString(strings.Join(w.Fields, " ") + "\n")
	}
	for _, l := range lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("flowlog: %w", err)
	}
	if _, err := f.WriteString(b.String()); err != nil {
		f.Close()
		return fmt.Errorf("flowlog: %w", err)
	}
	return f.Close()
}

// sanitize keeps file names to the characters ENI ids and lab names use.
func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '_'
	}, s)
}

// Hub fans records out to live followers (sgswitch flowlog --follow). A
// follower that does not keep up loses records rather than slowing the
// flusher; each follower's channel is bounded.
type Hub struct {
	mu   sync.Mutex
	subs map[chan Record]struct{}
}

// Subscribe returns a channel of records and a cancel function.
func (h *Hub) Subscribe(buffer int) (<-chan Record, func()) {
	ch := make(chan Record, buffer)
	h.mu.Lock()
	if h.subs == nil {
		h.subs = map[chan Record]struct{}{}
	}
	h.subs[ch] = struct{}{}
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		if _, ok := h.subs[ch]; ok {
			delete(h.subs, ch)
			close(ch)
		}
		h.mu.Unlock()
	}
}

// Publish delivers records to every follower without blocking.
func (h *Hub) Publish(recs []Record) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		for _, r := range recs {
			select {
			case ch <- r:
			default:
			}
		}
	}
}
