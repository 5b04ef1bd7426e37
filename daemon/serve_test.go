package daemon

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
