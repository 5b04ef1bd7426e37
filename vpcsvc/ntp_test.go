package vpcsvc

import (
	"encoding/binary"
	"testing"
)

func TestNTP(t *testing.T) {
	for _, at := range []struct{ src, dst string }{{"198.18.0.17", "169.254.169.123"}, {"fd00:5e5e:0:1::11", "fd00:ec2::123"}} {
		s := newTestServer(testDir(), 0)
		q := make([]byte, 48)
		q[0] = 4<<3 | 3 // version 4, client
		q[2] = 6
		binary.BigEndian.PutUint64(q[40:], 0x1122334455667788)
		out := serve(s, "eni-1", udpReq(t, routerMAC, at.src, at.dst, 40123, 123, q))
		if len(out) != 1 {
			t.Fatalf("%s: %d replies, %+v", at.dst, len(out), s.Stats().NTP)
		}
		d := decode(t, out[0])
		r := d.payload
		if d.src.String() != at.dst || d.udp.SrcPort != 123 || d.udp.DstPort != 40123 || len(r) != 48 {
			t.Fatalf("reply from %s:%d, %d bytes", d.src, d.udp.SrcPort, len(r))
		}
		if r[0] != 4<<3|4 || r[1] != 3 || r[2] != 6 {
			t.Fatalf("header %x", r[:4])
		}
		want := ntpTime(t0)
		if binary.BigEndian.Uint64(r[24:]) != 0x1122334455667788 || binary.BigEndian.Uint64(r[32:]) != want ||
			binary.BigEndian.Uint64(r[40:]) != want || binary.BigEndian.Uint64(r[40:])>>32 != uint64(t0.Unix())+2208988800 {
			t.Fatalf("timestamps %x", r[24:])
		}
	}
	s := newTestServer(testDir(), 0)
	short := udpReq(t, routerMAC, "198.18.0.17", "169.254.169.123", 123, 123, make([]byte, 47))
	server := make([]byte, 48)
	server[0] = 4<<3 | 4 // a server's packet, not a request
	for _, f := range [][]byte{short, udpReq(t, routerMAC, "198.18.0.17", "169.254.169.123", 123, 123, server)} {
		if len(serve(s, "eni-1", f)) != 0 {
			t.Fatal("answered a bad request")
		}
	}
	if st := s.Stats().NTP; st.Malformed != 2 {
		t.Fatalf("stats %+v", st)
	}
}

// TestMetadata: metadata frames go to the handler unchanged; without one
// they are counted.
func TestMetadata(t *testing.T) {
	var got [][]byte
	s := New(Config{Directory: testDir(), Metadata: handlerFunc(func(eni string, f []byte) {
		got = append(got, append([]byte(eni+":"), f...))
	})})
	f := udpReq(t, routerMAC, "198.18.0.17", "169.254.169.254", 5000, 80, []byte("x"))
	if out := serve(s, "eni-1", f); len(out) != 0 || len(got) != 1 || string(got[0]) != "eni-1:"+string(f) {
		t.Fatalf("handler got %q", got)
	}
	s = New(Config{Directory: testDir()})
	serve(s, "eni-1", f)
	if st := s.Stats().Metadata; st.Requests != 1 || st.MetadataUnavailable != 1 {
		t.Fatalf("stats %+v", st)
	}
}

type handlerFunc func(string, []byte)

func (h handlerFunc) HandleFrame(eni string, f []byte) { h(eni, f) }
