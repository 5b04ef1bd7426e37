package flowlog

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// manualClock is the writer's injected clock.
type manualClock struct{ t time.Time }

func (c *manualClock) now() time.Time          { return c.t }
func (c *manualClock) advance(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *manualClock                   { return &manualClock{t: time.Now()} }
func rec(eni string, port int, end int64) Record {
	return Record{Version: 2, InterfaceID: eni, SrcAddr: a1, DstAddr: a2, SrcPort: uint16(port), DstPort: 80,
		Protocol: 6, hasPorts: true, Packets: 1, Bytes: 40, Start: end - 60, End: end, Action: Accept, LogStatus: OK}
}

func testWriter(t *testing.T, r Rotation, c *manualClock) *Writer {
	w := NewWriter(t.TempDir())
	w.Rotation, w.Now = r, c.now
	return w
}

func exists(path string) bool { _, err := os.Stat(path); return err == nil }

func TestDefaultRotation(t *testing.T) {
	want := Rotation{MaxBytes: 64 << 20, RotateAge: 24 * time.Hour, Keep: 5, MaxAge: 7 * 24 * time.Hour}
	if got := NewWriter("x").Rotation; got != want {
		t.Errorf("NewWriter rotation = %+v, want %+v (the documented defaults)", got, want)
	}
}

// TestWriterRotatesByAge: a file is rotated once it has been written to
// for RotateAge, whatever its size.
func TestWriterRotatesByAge(t *testing.T) {
	c := newClock()
	w := testWriter(t, Rotation{MaxBytes: 1 << 20, RotateAge: time.Hour, Keep: 5}, c)
	write := func(port int) {
		t.Helper()
		if err := w.Write([]Record{rec("eni-a", port, int64(port))}); err != nil {
			t.Fatal(err)
		}
	}
	write(1)
	c.advance(30 * time.Minute)
	write(2)
	if exists(w.Path("eni-a") + ".1") {
		t.Fatal("rotated after 30 min with RotateAge 1h")
	}
	c.advance(31 * time.Minute)
	write(3)
	old, _ := os.ReadFile(w.Path("eni-a") + ".1")
	cur, _ := os.ReadFile(w.Path("eni-a"))
	if !strings.Contains(string(old), " 1 80 6 ") || !strings.Contains(string(old), " 2 80 6 ") || strings.Contains(string(old), " 3 80 6 ") {
		t.Errorf("rotated file holds the wrong records:\n%s", old)
	}
	if n := strings.Count(string(cur), "\n"); n != 2 || !strings.Contains(string(cur), " 3 80 6 ") {
		t.Errorf("current file after rotation:\n%s", cur)
	}
}

// TestWriterRemovesFilesPastMaxAge: files not written for MaxAge go,
// among them those of an interface that no longer exists; a rotated file
// beyond Keep (from a run with a larger Keep) goes; other files stay.
func TestWriterRemovesFilesPastMaxAge(t *testing.T) {
	c := newClock()
	w := testWriter(t, Rotation{MaxBytes: 1 << 20, RotateAge: 24 * time.Hour, Keep: 2, MaxAge: 7 * 24 * time.Hour}, c)
	if err := w.Write([]Record{rec("eni-a", 1, 60), rec("eni-gone", 2, 60)}); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(w.Dir, "daemon.log") // not a flow log: never removed
	stale := w.Path("eni-a") + ".9"
	for _, p := range []string{other, stale} {
		if err := os.WriteFile(p, []byte("x\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	weekAgo := c.t.Add(-8 * 24 * time.Hour)
	if err := os.Chtimes(other, weekAgo, weekAgo); err != nil {
		t.Fatal(err)
	}
	c.advance(6 * 24 * time.Hour)
	if err := w.Write([]Record{rec("eni-a", 3, 120)}); err != nil {
		t.Fatal(err)
	}
	if !exists(w.Path("eni-gone")) || exists(stale) {
		t.Fatalf("after 6 days: eni-gone kept %v (want true), .9 kept %v (want false)", exists(w.Path("eni-gone")), exists(stale))
	}
	c.advance(2 * 24 * time.Hour) // 8 days after eni-gone's last record
	if err := w.Write([]Record{rec("eni-a", 4, 180)}); err != nil {
		t.Fatal(err)
	}
	if exists(w.Path("eni-gone")) {
		t.Error("eni-gone.log not removed 8 days after its last write")
	}
	if !exists(other) {
		t.Error("a file that is not a flow log was removed")
	}
	cur, _ := os.ReadFile(w.Path("eni-a"))
	if !strings.Contains(string(cur), " 4 80 6 ") {
		t.Errorf("the record just written is missing:\n%s", cur)
	}
}

// TestRotationKeepsEveryRecordWhole: with a small size bound, every
// record written is in exactly one file, in order, as a whole line, and
// every file starts with the header.
func TestRotationKeepsEveryRecordWhole(t *testing.T) {
	c := newClock()
	w := testWriter(t, Rotation{MaxBytes: 400, Keep: 1000}, c)
	var want []string
	port := 0
	for batch := 0; batch < 60; batch++ {
		var recs []Record
		for i := 0; i <= batch%3; i++ {
			port++
			r := rec("eni-r", port, int64(60*batch))
			recs = append(recs, r)
			want = append(want, r.Format(w.Fields))
		}
		if err := w.Write(recs); err != nil {
			t.Fatal(err)
		}
		c.advance(time.Minute)
	}
	files, _ := filepath.Glob(w.Path("eni-r") + ".*")
	if len(files) < 5 {
		t.Fatalf("only %d rotations with a 400-byte bound", len(files))
	}
	var got []string
	header := strings.Join(w.Fields, " ")
	for i := len(files); i >= 0; i-- { // oldest first
		path := w.Path("eni-r")
		if i > 0 {
			path = fmt.Sprintf("%s.%d", path, i)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) > 400 || !strings.HasSuffix(string(b), "\n") {
			t.Fatalf("%s: %d bytes, ends %q", path, len(b), b[max(0, len(b)-5):])
		}
		lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
		if lines[0] != header {
			t.Fatalf("%s starts %q, not the header", path, lines[0])
		}
		got = append(got, lines[1:]...)
	}
	if !slices.Equal(got, want) {
		t.Errorf("records across files differ from those written:\n got %d %q\nwant %d %q", len(got), got, len(want), want)
	}
}
