package agent

import (
	"bufio"
	"bytes"
	"testing"
)

// FuzzDecodeRequest: decoding never panics; what it accepts is valid,
// carries its ID, and survives an encode/decode round trip unchanged; the
// line reader keeps every line within its limit.
func FuzzDecodeRequest(f *testing.F) {
	for _, s := range []string{
		`{"id":1,"op":"hello","version":1,"nonce":"00ff"}`,
		`{"id":2,"op":"probe","proto":"tcp","src":"198.18.0.10","dst":"198.18.0.11","port":80,"timeout_ms":1000}`,
		`{"id":3,"op":"probe","proto":"icmp","dst":"fd00:5e5e::1"}`,
		`{"id":4,"op":"responder-start","proto":"udp","port":53}`,
		`{"id":5,"op":"resolve","name":"example.internal"}`,
		`{"id":6,"op":"metadata","path":"meta-data/instance-id"}`,
		"noise\x00{\"id\":7,\"op\":\"ping\"}",
		`{"id":8,"op":"addrs"} trailing`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		r := bufio.NewReaderSize(bytes.NewReader(line), 16)
		for {
			l, err := readLine(r, 64)
			if err != nil && err != errLineTooLong {
				break
			}
			if len(l) > 64 {
				t.Fatalf("readLine returned %d bytes, limit 64", len(l))
			}
		}
		id, req, err := decodeRequest(line)
		if err != nil {
			if req != (request{}) {
				t.Fatal("request and error both returned")
			}
			return
		}
		if id != req.ID || req.validate() != nil {
			t.Fatalf("accepted %+v (id %d) does not validate", req, id)
		}
		b, err := encodeLine(req)
		if err != nil {
			t.Fatal(err)
		}
		_, back, err := decodeRequest(bytes.TrimSuffix(b, []byte("\n")))
		if err != nil || back != req {
			t.Fatalf("round trip: %+v -> %s -> %+v %v", req, b, back, err)
		}
	})
}
