package flowlog

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var (
	a1 = netip.MustParseAddr("198.18.0.11")
	a2 = netip.MustParseAddr("198.18.0.21")
)

func TestRecordFormatDefault(t *testing.T) {
	agg := NewAggregator(Config{AccountID: "123456789012"}, 1000)
	k := Key{Src: a1, Dst: a2, SrcPort: 40000, DstPort: 5432, Protocol: 6, HasPorts: true, Action: Accept, Direction: Egress}
	agg.Observe("eni-1", k, 1, 60, 0x02, 1001)
	agg.Observe("eni-1", k, 3, 200, 0x10, 1030)
	recs := agg.Flush(1060)
	if len(recs) != 1 {
		t.Fatalf("got %d records, want 1", len(recs))
	}
	want := "2 123456789012 eni-1 198.18.0.11 198.18.0.21 40000 5432 6 4 260 1000 1060 ACCEPT OK"
	if got := recs[0].String(); got != want {
		t.Fatalf("record\n got %q\nwant %q", got, want)
	}
	custom, err := ParseFields("${version} ${interface-id} ${tcp-flags} ${flow-direction} ${pkt-srcaddr} ${pkt-dstaddr}")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := recs[0].Format(custom), "2 eni-1 18 egress 198.18.0.11 198.18.0.21"; got != want {
		t.Fatalf("custom format\n got %q\nwant %q", got, want)
	}
}

func TestRejectAndICMPHaveNoPorts(t *testing.T) {
	agg := NewAggregator(Config{}, 0)
	agg.Observe("eni-2", Key{Src: a1, Dst: a2, Protocol: 1, Action: Reject, Direction: Ingress}, 2, 168, 0, 5)
	recs := agg.Flush(60)
	want := "2 - eni-2 198.18.0.11 198.18.0.21 - - 1 2 168 0 60 REJECT OK"
	if got := recs[0].String(); got != want {
		t.Fatalf("got %q want %q", got, want)
	}
}

func TestNoDataAndWindowBoundaries(t *testing.T) {
	agg := NewAggregator(Config{AccountID: "1"}, 0)
	agg.AddInterface("eni-a")
	agg.AddInterface("eni-b")
	k := Key{Src: a1, Dst: a2, SrcPort: 1, DstPort: 2, Protocol: 17, HasPorts: true, Action: Accept, Direction: Ingress}
	agg.Observe("eni-a", k, 1, 100, 0, 10)
	w1 := agg.Flush(60)
	if len(w1) != 2 || w1[0].InterfaceID != "eni-a" || w1[0].LogStatus != OK || w1[1].LogStatus != NoData {
		t.Fatalf("window 1: %+v", w1)
	}
	if got, want := w1[1].String(), "2 1 eni-b - - - - - - - 0 60 - NODATA"; got != want {
		t.Fatalf("nodata\n got %q\nwant %q", got, want)
	}
	// The next window starts where the last ended and does not repeat counts.
	agg.Observe("eni-a", k, 2, 50, 0, 70)
	w2 := agg.Flush(120)
	if w2[0].Start != 60 || w2[0].End != 120 || w2[0].Packets != 2 || w2[0].Bytes != 50 {
		t.Fatalf("window 2: %+v", w2[0])
	}
}

func TestSkipDataWhenFull(t *testing.T) {
	agg := NewAggregator(Config{MaxRecordsPerWindow: 2}, 0)
	for p := uint16(1); p <= 5; p++ {
		agg.Observe("eni-x", Key{Src: a1, Dst: a2, SrcPort: p, DstPort: 80, Protocol: 6, HasPorts: true, Action: Accept, Direction: Ingress}, 1, 40, 0, 1)
	}
	recs := agg.Flush(60)
	if len(recs) != 3 {
		t.Fatalf("got %d records, want 2 data + 1 SKIPDATA", len(recs))
	}
	if recs[2].LogStatus != SkipData || !strings.HasSuffix(recs[2].String(), "- SKIPDATA") {
		t.Fatalf("last record %q", recs[2].String())
	}
	// Already-recorded flows keep counting after the table is full.
	agg.Observe("eni-x", Key{Src: a1, Dst: a2, SrcPort: 1, DstPort: 80, Protocol: 6, HasPorts: true, Action: Accept, Direction: Ingress}, 1, 40, 0, 61)
	if r := agg.Flush(120); len(r) != 1 || r[0].LogStatus != OK {
		t.Fatalf("after flush: %+v", r)
	}
}

func TestParseFieldsRejectsUnknown(t *testing.T) {
	if _, err := ParseFields("version bogus"); err == nil {
		t.Fatal("unknown field accepted")
	}
	if _, err := ParseFields("   "); err == nil {
		t.Fatal("empty format accepted")
	}
}

func TestWriterRotatesAndBounds(t *testing.T) {
	dir := t.TempDir()
	w := NewWriter(dir)
	w.MaxBytes = 300
	w.Keep = 2
	agg := NewAggregator(Config{}, 0)
	for i := 0; i < 20; i++ {
		agg.Observe("eni-r", Key{Src: a1, Dst: a2, SrcPort: uint16(i), DstPort: 80, Protocol: 6, HasPorts: true, Action: Accept, Direction: Ingress}, 1, 40, 0, int64(i))
		if err := w.Write(agg.Flush(int64(60 * (i + 1)))); err != nil {
			t.Fatal(err)
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "eni-r.log*"))
	if len(files) != 3 {
		t.Fatalf("files %v, want current + 2 rotated", files)
	}
	for _, f := range files {
		st, _ := os.Stat(f)
		if st.Size() > w.MaxBytes {
			t.Fatalf("%s is %d bytes > %d", f, st.Size(), w.MaxBytes)
		}
		b, _ := os.ReadFile(f)
		if !strings.HasPrefix(string(b), strings.Join(DefaultFields, " ")+"\n") {
			t.Fatalf("%s lacks the header line", f)
		}
	}
	cur, _ := os.ReadFile(w.Path("eni-r"))
	if !strings.Contains(string(cur), " 19 80 6 1 40 1140 1200 ACCEPT OK") {
		t.Fatalf("newest record missing from current file:\n%s", cur)
	}
}

func TestHubDropsForSlowFollower(t *testing.T) {
	var h Hub
	ch, cancel := h.Subscribe(1)
	h.Publish([]Record{{InterfaceID: "a"}, {InterfaceID: "b"}})
	if r := <-ch; r.InterfaceID != "a" {
		t.Fatalf("got %q", r.InterfaceID)
	}
	select {
	case r := <-ch:
		t.Fatalf("unexpected %q: the bounded channel should have dropped it", r.InterfaceID)
	default:
	}
	cancel()
	cancel() // idempotent
	if _, ok := <-ch; ok {
		t.Fatal("channel not closed")
	}
}
