package vpcsvc

import (
	"bytes"
	"testing"

	"sgswitch/packet"
)

// FuzzServe feeds frames to a Server with a small directory: it must
// never panic, never hand the metadata handler a changed frame, and
// every reply must be a well-formed frame with right checksums. The
// committed corpus (testdata/fuzz/FuzzServe) holds one request of each
// service, taken from the unit tests.
func FuzzServe(f *testing.F) {
	f.Add(udpReq(f, broadcastMAC, "0.0.0.0", "255.255.255.255", 68, 67, []byte("not dhcp")))
	f.Add(udpReq(f, routerMAC, "198.18.0.17", "198.18.0.2", 4444, 53, []byte{0, 7, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 9}))
	f.Add(udpReq(f, routerMAC, "198.18.0.17", "169.254.169.123", 123, 123, make([]byte, 48)))
	dir := testDir()
	f.Fuzz(func(t *testing.T, frame []byte) {
		orig := append([]byte(nil), frame...)
		s := New(Config{Directory: dir, MTU: 1500, Metadata: handlerFunc(func(_ string, got []byte) {
			if !bytes.Equal(got, orig) {
				t.Fatal("metadata handler got a changed frame")
			}
		})})
		for _, out := range serve(s, "eni-1", frame) {
			if _, r := packet.Parse(out); r != packet.OK {
				t.Fatalf("reply does not parse: %v", r)
			}
			verifyChecksums(t, out)
		}
		if !bytes.Equal(frame, orig) {
			t.Fatal("Serve changed its frame")
		}
		st := s.Stats()
		for _, c := range []ServiceStats{st.DHCPv4, st.DHCPv6, st.RouterAdvert, st.DNS, st.NTP, st.Other} {
			if c.Requests != c.Answers+c.Dropped() {
				t.Fatalf("counters do not add up: %+v", c)
			}
		}
	})
}
