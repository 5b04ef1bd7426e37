package flowtable

import (
	"bytes"
	"testing"
	"time"
)

// FuzzDecodeSnapshot: the decoder of a file the daemon reads at start
// never panics, and whatever it accepts encodes and decodes again
// and restores into a table without breaking its counts.
func FuzzDecodeSnapshot(f *testing.F) {
	old := New(Config{Capacity: 64})
	mustInsert(&testing.T{}, old, tcp(1, "198.18.0.10", 1000, "198.18.0.20", 80, TCPSyn), tracked, 0)
	mustInsert(&testing.T{}, old, udp(2, "fd00:5e5e::1", 53, "fd00:5e5e::2", 5353), Admission{Generation: 1}, 0)
	var buf bytes.Buffer
	if err := old.Save(0, time.Unix(1_800_000_000, 0), zoneName, func(uint32, uint32) string { return "sgr-1" }).Encode(&buf); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte("SGCT"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := DecodeSnapshot(b)
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := s.Encode(&out); err != nil {
			t.Fatalf("accepted snapshot does not encode: %v", err)
		}
		if _, err := DecodeSnapshot(out.Bytes()); err != nil {
			t.Fatalf("re-encoded snapshot refused: %v", err)
		}
		tb := New(Config{Capacity: 16, MaxZones: 4})
		st := tb.Restore(s, 0, s.Saved, func(n string) (uint32, bool) { return uint32(len(n) % 4), true }, nil)
		if st.Restored != tb.Len() {
			t.Fatalf("restored %d, table holds %d", st.Restored, tb.Len())
		}
		n := 0
		for range tb.Entries(0) {
			n++
		}
		if n != tb.Len() {
			t.Fatalf("%d live entries, Len %d", n, tb.Len())
		}
	})
}
