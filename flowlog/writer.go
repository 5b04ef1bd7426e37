package flowlog

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// Writer appends records to one file per interface, <dir>/<eni>.log, with
// a header line naming the fields. A file that would grow past MaxBytes is
// rotated to <eni>.log.1 (older ones shift up to .Keep, the oldest is
// removed), so the disk use per interface is bounded by (Keep+1)×MaxBytes.
type Writer struct {
	Dir      string
	Fields   []string
	MaxBytes int64
	Keep     int

	mu sync.Mutex
}

// NewWriter returns a Writer with the default format, 10 MB files and 3
// rotated files kept.
func NewWriter(dir string) *Writer {
	return &Writer{Dir: dir, Fields: DefaultFields, MaxBytes: 10 << 20, Keep: 3}
}

// Write appends records, grouped by interface.
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
	for _, id := range order {
		if err := w.appendLines(id, byIface[id]); err != nil {
			return err
		}
	}
	return nil
}

// Path is the current file of interface eni.
func (w *Writer) Path(eni string) string {
	return filepath.Join(w.Dir, sanitize(eni)+".log")
}

func (w *Writer) appendLines(eni string, lines []string) error {
	path := w.Path(eni)
	size := int64(0)
	if st, err := os.Stat(path); err == nil {
		size = st.Size()
	}
	add := int64(0)
	for _, l := range lines {
		add += int64(len(l)) + 1
	}
	if size > 0 && w.MaxBytes > 0 && size+add > w.MaxBytes {
		if err := w.rotate(path); err != nil {
			return err
		}
		size = 0
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("flowlog: %w", err)
	}
	bw := bufio.NewWriter(f)
	if size == 0 {
		bw.WriteString(strings.Join(w.Fields, " ") + "\n")
	}
	for _, l := range lines {
		bw.WriteString(l)
		bw.WriteByte('\n')
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("flowlog: %w", err)
	}
	return f.Close()
}

func (w *Writer) rotate(path string) error {
	if w.Keep <= 0 {
		return os.Remove(path)
	}
	os.Remove(fmt.Sprintf("%s.%d", path, w.Keep))
	for i := w.Keep - 1; i >= 1; i-- {
		os.Rename(fmt.Sprintf("%s.%d", path, i), fmt.Sprintf("%s.%d", path, i+1))
	}
	if err := os.Rename(path, path+".1"); err != nil {
		return fmt.Errorf("flowlog: rotating: %w", err)
	}
	return nil
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
