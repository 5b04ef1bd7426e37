package agent

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"sgswitch/exchange"
)

// pair starts srv on one end of a pipe and returns the other end and
// Serve's result; the pipe is closed when the test ends.
func pair(t *testing.T, srv *Server) (net.Conn, <-chan error) {
	t.Helper()
	host, guest := net.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, guest) }()
	t.Cleanup(func() {
		cancel()
		host.Close()
		guest.Close()
	})
	return host, done
}

// client is a Client of a fresh server on a pipe.
func client(t *testing.T, srv *Server) (*Client, <-chan error) {
	t.Helper()
	host, done := pair(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := NewClient(ctx, host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, done
}

func TestHandshakeAndPing(t *testing.T) {
	c, done := client(t, &Server{})
	if err := c.Ping(t.Context()); err != nil {
		t.Fatal(err)
	}
	c.Close()
	if err := <-done; !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrClosedPipe) {
		t.Errorf("Serve after the host closed: %v, want EOF", err)
	}
	if err := c.Ping(t.Context()); !errors.Is(err, ErrClosed) {
		t.Errorf("Ping after Close: %v, want ErrClosed", err)
	}
}

// TestGarbageResync: garbage in both directions before the handshake (no
// newline; binary; half a request) costs at most a resent hello.
func TestGarbageResync(t *testing.T) {
	host, guest := net.Pipe()
	t.Cleanup(func() { host.Close(); guest.Close() })
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	go func() { // the guest: boot noise, then the agent
		_, _ = guest.Write([]byte("\x00\xff console noise {\"id\":"))
		_ = Serve(ctx, guest)
	}()
	go func() { _, _ = host.Write([]byte("\x01stale half line {\"id\":9,\"op\":\"pi")) }()
	c, err := NewClient(ctx, host)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Ping(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestLateGuest: the host connects first and its first hellos are lost;
// the agent that starts later still completes the handshake.
func TestLateGuest(t *testing.T) {
	host, guest := net.Pipe()
	t.Cleanup(func() { host.Close(); guest.Close() })
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	go func() {
		r := bufio.NewReader(guest)
		for range 2 { // the port before the agent opens it: lost
			if _, err := r.ReadString('\n'); err != nil {
				return
			}
		}
		_ = Serve(ctx, struct {
			io.Reader
			io.Writer
		}{r, guest})
	}()
	c, err := NewClient(ctx, host)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Ping(ctx); err != nil {
		t.Fatal(err)
	}
}

// raw sends lines on a pipe to a server and returns the replies by ID.
func raw(t *testing.T, lines ...string) []reply {
	t.Helper()
	host, _ := pair(t, &Server{})
	go func() {
		for _, l := range lines {
			if _, err := host.Write([]byte(l)); err != nil {
				return
			}
		}
	}()
	r := bufio.NewReader(host)
	var out []reply
	_ = host.SetReadDeadline(time.Now().Add(5 * time.Second))
	for range lines {
		line, err := r.ReadBytes('\n')
		if err != nil {
			t.Fatalf("after %d replies: %v", len(out), err)
		}
		var rep reply
		if err := json.Unmarshal(line, &rep); err != nil {
			t.Fatalf("reply %q: %v", line, err)
		}
		out = append(out, rep)
	}
	return out
}

// TestBadRequests: each bad line gets an error reply, addressed to its ID
// when one could be read, and the session goes on.
func TestBadRequests(t *testing.T) {
	long := `{"id":3,"op":"resolve","name":"` + strings.Repeat("a", MaxRequest) + "\"}\n"
	cases := []struct {
		line, want string
		id         uint64
	}{
		{"not json\n", errGarbled, 0},
		{`{"id":2,"op":"ping","extra":1}` + "\n", errGarbled, 2},
		{long, errTooLong, 0},
		{`{"id":4,"op":"format-disk"}` + "\n", errUnknownOp, 4},
		{`{"id":5,"op":"probe","proto":"sctp","dst":"198.18.0.1"}` + "\n", "protocol", 5},
		{`{"id":6,"op":"probe","proto":"tcp","dst":"198.18.0.1"}` + "\n", "needs a port", 6},
		{`{"id":7,"op":"probe","proto":"icmp","dst":"198.18.0.1","src":"fd00:5e5e::1"}` + "\n", "family", 7},
		{`{"id":8,"op":"probe","proto":"udp","dst":"198.18.0.1","port":9,"timeout_ms":3600000}` + "\n", "timeout", 8},
		{`{"id":9,"op":"responder-start","proto":"icmp","port":1}` + "\n", "tcp or udp", 9},
		{`{"id":10,"op":"metadata","path":"../etc/passwd"}` + "\n", "..", 10},
		{`{"id":0,"op":"ping"}` + "\n", "without id", 0},
		// Garbage before the last {"id": is skipped: what follows is a request of its own.
		{`{"id":11,"op":"ping"} {"id":12}` + "\n", errUnknownOp, 12},
		{`{"id":15,"op":"ping"}{"id"` + "\n", errGarbled, 15},
		{`{"id":13,"op":"hello","version":1}` + "\n", "nonce", 13},
		{`{"id":14,"op":"ping"}` + "\n", "", 14},
	}
	var lines []string
	for _, c := range cases {
		lines = append(lines, c.line)
	}
	reps := raw(t, lines...)
	for i, c := range cases {
		r := reps[i]
		if r.ID != c.id || !strings.Contains(r.Error, c.want) || (c.want == "") != (r.Error == "") {
			t.Errorf("%.60q: reply %+v, want id %d and an error with %q", c.line, r, c.id, c.want)
		}
	}
}

// TestBusy: beyond MaxInFlight requests at once the server answers busy
// at once, and runs the others.
func TestBusy(t *testing.T) {
	sink := silentUDP(t)
	var lines []string
	for i := range MaxInFlight + 1 {
		lines = append(lines, fmt.Sprintf(`{"id":%d,"op":"probe","proto":"udp","dst":"127.0.0.1","port":%d,"timeout_ms":500}`+"\n", i+1, sink.Port()))
	}
	reps := raw(t, lines...)
	if reps[0].ID != MaxInFlight+1 || reps[0].Error != errBusy {
		t.Fatalf("first reply %+v, want busy for the last request", reps[0])
	}
	for _, r := range reps[1:] {
		if r.Error != "" || r.Observed != exchange.ObservedTimeout {
			t.Errorf("reply %+v, want timeout", r)
		}
	}
}

// silentUDP is a loopback UDP socket that reads and never answers.
func silentUDP(t *testing.T) netip.AddrPort {
	t.Helper()
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c.LocalAddr().(*net.UDPAddr).AddrPort()
}

// echoTCP is a loopback TCP echo server.
func echoTCP(t *testing.T) netip.AddrPort {
	t.Helper()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); _, _ = io.Copy(c, c) }()
		}
	}()
	return l.Addr().(*net.TCPAddr).AddrPort()
}

// TestConcurrentProbes: many calls at once, more than MaxInFlight, each
// gets its own answer (the client queues, the server never says busy).
func TestConcurrentProbes(t *testing.T) {
	c, _ := client(t, &Server{})
	echo, sink := echoTCP(t), silentUDP(t)
	var wg sync.WaitGroup
	errs := make(chan error, 3*MaxInFlight)
	for i := range 3 * MaxInFlight {
		wg.Go(func() {
			p, want := Probe{Proto: "tcp", Dst: echo}, exchange.ObservedAllow
			switch i % 3 {
			case 1:
				p, want = Probe{Proto: "udp", Dst: sink, Timeout: 300 * time.Millisecond}, exchange.ObservedTimeout
			case 2:
				if err := c.Ping(t.Context()); err != nil {
					errs <- err
				}
				return
			}
			if got, err := c.Probe(t.Context(), p); err != nil || got != want {
				errs <- fmt.Errorf("probe %+v: %s %v, want %s", p, got, err, want)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestDiagnostics(t *testing.T) {
	imds := fakeIMDS(t, map[string]string{"instance-id": "i-0123456789abcdef0"})
	c, _ := client(t, &Server{IMDSEndpoint: imds})
	ctx := t.Context()
	if got, err := c.Metadata(ctx, "instance-id"); err != nil || got != "i-0123456789abcdef0" {
		t.Errorf("Metadata: %q %v", got, err)
	}
	if _, err := c.Metadata(ctx, "no-such-path"); err == nil {
		t.Error("Metadata of a missing path: no error")
	}
	addrs, err := c.Resolve(ctx, "localhost")
	if err != nil || len(addrs) == 0 || !addrs[0].IsLoopback() {
		t.Errorf("Resolve(localhost): %v %v", addrs, err)
	}
	ifs, err := c.Addrs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, a := range ifs {
		found = found || a.Prefix == netip.MustParsePrefix("127.0.0.1/8")
	}
	if !found {
		t.Errorf("Addrs has no 127.0.0.1/8: %v", ifs)
	}
}

// fakeIMDS serves docs as IMDSv2 does: a token from PUT /latest/api/token,
// required by every GET.
func fakeIMDS(t *testing.T, docs map[string]string) string {
	t.Helper()
	const token = "t0ken"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && r.URL.Path == "/latest/api/token" {
			w.Header().Set("X-Aws-Ec2-Metadata-Token-Ttl-Seconds", "60")
			_, _ = io.WriteString(w, token)
			return
		}
		if r.Header.Get("X-Aws-Ec2-Metadata-Token") != token {
			http.Error(w, "no token", http.StatusUnauthorized)
			return
		}
		doc, ok := docs[strings.TrimPrefix(r.URL.Path, "/latest/meta-data/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		_, _ = io.WriteString(w, doc)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestServeStops: Serve returns when its context ends, and the client's
// calls then fail with ErrClosed once the stream closes.
func TestServeStops(t *testing.T) {
	host, guest := net.Pipe()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, guest) }()
	c, err := NewClient(t.Context(), host)
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Serve: %v, want context.Canceled", err)
	}
	guest.Close()
	if err := c.Ping(t.Context()); !errors.Is(err, ErrClosed) {
		t.Errorf("Ping: %v, want ErrClosed", err)
	}
}
