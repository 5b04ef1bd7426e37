package daemon

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"sgswitch/account"
	"sgswitch/admin"
)

func TestCheckLoopback(t *testing.T) {
	for addr, ok := range map[string]bool{
		"127.0.0.1:8775": true, "[::1]:8775": true, "localhost:1": true,
		"0.0.0.0:8775": false, ":8775": false, "198.18.0.1:8775": false, "nonsense": false,
	} {
		if err := CheckLoopback(addr); (err == nil) != ok {
			t.Errorf("CheckLoopback(%q) = %v, want ok=%v", addr, err, ok)
		}
	}
}

func TestRunServesAdminEC2AndMetrics(t *testing.T) {
	h := newHarness(t)
	dir, err := os.MkdirTemp("", "sgsd")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	sock := filepath.Join(dir, "run", "admin.sock")
	ec2 := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ec2 here") })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	ready := make(chan struct{})
	go func() {
		done <- h.d.Run(ctx, Listen{Socket: sock, EC2: "127.0.0.1:0", EC2Handler: ec2, Metrics: "127.0.0.1:0",
			Mount: func(s *admin.Server) {
				s.Handle("GET /v1/ready", http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
				close(ready)
			}})
	}()
	<-ready
	var c *admin.Client
	for c == nil {
		c, _ = admin.Dial(sock)
		select {
		case err := <-done:
			t.Fatalf("Run: %v", err)
		default:
		}
	}
	st, err := c.Status(ctx)
	if err != nil || st.Socket != sock || st.Version != "test" {
		t.Errorf("Status = %+v, %v", st, err)
	}
	// The live account, as `sgswitch trace` reads it.
	raw, err := c.AccountSpec(ctx)
	if err != nil {
		t.Fatalf("AccountSpec: %v", err)
	}
	got, err := account.DecodeSpec(raw)
	if err != nil {
		t.Fatalf("decoding the account: %v", err)
	}
	var want []string
	_ = h.d.ReadAccount(func(a *account.Account) error { want = a.VPCs(); return nil })
	if !slices.Equal(got.VPCs(), want) || len(want) == 0 {
		t.Errorf("account VPCs %v, want %v", got.VPCs(), want)
	}
	for url, want := range map[string]string{
		"http://" + st.EC2Listen + "/":             "ec2 here",
		"http://" + st.MetricsListen + "/metrics":  "sgswitch_ruleset_generation",
		"http://" + st.MetricsListen + "/metrics?": "go_goroutines",
	} {
		resp, err := http.Get(url)
		if err != nil {
			t.Errorf("GET %s: %v", url, err)
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(body), want) {
			t.Errorf("GET %s: no %q in %.200s", url, want, body)
		}
	}
	if err := c.Do(ctx, "GET", "/v1/ready", nil, nil); err != nil {
		t.Errorf("mounted route: %v", err)
	}
	fi, err := os.Stat(sock)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("socket mode = %v, %v", fi.Mode(), err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run returned %v", err)
	}
	if _, err := os.Stat(sock); !os.IsNotExist(err) {
		t.Errorf("socket left after shutdown: %v", err)
	}
}

func TestRunRefusesNonLoopbackEC2(t *testing.T) {
	h := newHarness(t)
	err := h.d.Run(context.Background(), Listen{Socket: filepath.Join(t.TempDir(), "s"), EC2: "0.0.0.0:8775",
		EC2Handler: http.NotFoundHandler()})
	if err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("Run with 0.0.0.0 = %v", err)
	}
}

// runInBackground runs h.d.Run with l until the test ends and returns a
// client and the daemon's status once the admin socket answers.
func runInBackground(t *testing.T, h *harness, l Listen) (*admin.Client, *admin.Status) {
	t.Helper()
	l.Socket = filepath.Join(t.TempDir(), "admin.sock")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.d.Run(ctx, l) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run returned %v", err)
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			done <- err
			t.Fatalf("Run ended early: %v", err)
		default:
		}
		if c, err := admin.Dial(l.Socket); err == nil {
			if st, err := c.Status(ctx); err == nil && st.Socket != "" {
				t.Cleanup(func() { c.Close() })
				return c, st
			}
			c.Close()
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the daemon did not answer within 10 s")
	return nil, nil
}

// TestRunServesPrometheusText: the address `sgswitch run` passes by
// default (MetricsListen of the flag's value; a free port here, not the
// default 9775 itself, which another program on this host may hold)
// answers /metrics in the Prometheus text exposition format.
func TestRunServesPrometheusText(t *testing.T) {
	h := newHarness(t)
	_, st := runInBackground(t, h, Listen{Metrics: MetricsListen("127.0.0.1:0")})
	if st.MetricsListen == "" || st.MetricsError != "" {
		t.Fatalf("metrics not served: %+v", st)
	}
	resp, err := http.Get("http://" + st.MetricsListen + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type = %q, want the Prometheus text format", ct)
	}
	for _, want := range []string{"# TYPE sgswitch_labs gauge\nsgswitch_labs 0\n", "# HELP go_goroutines "} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q:\n%.300s", want, body)
		}
	}
}

func TestMetricsListenOff(t *testing.T) {
	for flag, want := range map[string]string{"": "", "off": "", "127.0.0.1:1": "127.0.0.1:1"} {
		if got := MetricsListen(flag); got != want {
			t.Errorf("MetricsListen(%q) = %q, want %q", flag, got, want)
		}
	}
}

// TestRunMetricsPortTakenWarns: another program holding the metrics port
// does not stop the daemon: it serves the admin API, logs a warning and
// reports why metrics are off in its status.
func TestRunMetricsPortTakenWarns(t *testing.T) {
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	h := newHarness(t)
	var logBuf syncBuffer
	h.d.log = slog.New(slog.NewTextHandler(&logBuf, nil))
	_, st := runInBackground(t, h, Listen{Metrics: held.Addr().String()})
	if st.MetricsListen != "" || !strings.Contains(st.MetricsError, "address already in use") {
		t.Errorf("status metrics = %q, error %q; want none served and the reason", st.MetricsListen, st.MetricsError)
	}
	if log := logBuf.String(); !strings.Contains(log, "level=WARN") || !strings.Contains(log, held.Addr().String()) {
		t.Errorf("no warning naming %s in the log:\n%s", held.Addr(), log)
	}
}

// syncBuffer is a bytes.Buffer safe for the daemon's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestRunRefusesUnauthenticatedBeyondLoopback(t *testing.T) {
	h := newHarness(t)
	err := h.d.Run(context.Background(), Listen{Socket: filepath.Join(t.TempDir(), "s"), EC2: "0.0.0.0:0", EC2Any: true,
		EC2Unauthenticated: true, EC2Handler: http.NotFoundHandler()})
	if err == nil || !strings.Contains(err.Error(), "--ec2-auth none") {
		t.Errorf("Run with 0.0.0.0 and no authentication = %v", err)
	}
	if err := CheckEC2Listen("0.0.0.0:8775", true, false); err != nil {
		t.Errorf("opened on purpose with sigv4: %v", err)
	}
	if err := CheckEC2Listen("127.0.0.1:8775", false, true); err != nil {
		t.Errorf("loopback without authentication: %v", err)
	}
}
