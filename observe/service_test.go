package observe

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/gopacket/pcapgo"

	"sgswitch/flowlog"
)

func newService(t *testing.T, r *rig) (*Service, *httptest.Server) {
	t.Helper()
	svc := NewService(r.sw, Config{AccountID: "1", FlowLogDir: t.TempDir(), FlowLogWindow: time.Hour})
	svc.Resolve = func(arg string) ([]string, error) {
		switch arg {
		case "web1", r.web.eni:
			return []string{r.web.eni}, nil
		case "client", r.client.eni:
			return []string{r.client.eni}, nil
		}
		return nil, io.EOF
	}
	mux := http.NewServeMux()
	svc.Mount(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return svc, srv
}

func TestFlowLogRouteStoredAndFollow(t *testing.T) {
	r := newRig(t)
	svc, srv := newService(t, r)
	r.sendAndSettle(t, r.syn(80))
	svc.FlowLogs.Flush(time.Now().Unix())

	body := get(t, srv.URL+"/v1/flowlog?eni=web1")
	lines := strings.Split(strings.TrimSpace(body), "\n")
	if len(lines) != 2 || lines[0] != strings.Join(flowlog.DefaultFields, " ") ||
		!strings.Contains(lines[1], r.web.eni+" 198.18.0.50 198.18.0.11 40000 80 6 1 40 ") {
		t.Fatalf("stored flow log:\n%s", body)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/v1/flowlog?eni=web1&follow=1", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for i := 0; i < 2; i++ { // header, then the stored record
		if !sc.Scan() {
			t.Fatal("stream ended early")
		}
	}
	r.sendAndSettle(t, r.syn(22))
	svc.FlowLogs.Flush(time.Now().Unix())
	if !sc.Scan() || !strings.Contains(sc.Text(), " 40000 22 6 1 40 ") || !strings.Contains(sc.Text(), "REJECT OK") {
		t.Fatalf("followed record %q", sc.Text())
	}
}

func TestCaptureRoute(t *testing.T) {
	r := newRig(t)
	_, srv := newService(t, r)
	if resp, _ := http.Get(srv.URL + "/v1/capture?eni=nosuch"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown interface: status %d", resp.StatusCode)
	}
	done := make(chan string, 1)
	go func() { done <- get(t, srv.URL+"/v1/capture?eni=web1&count=1&duration=20s") }()
	// Keep sending until the capture, which starts asynchronously, sees one.
	deadline := time.Now().Add(20 * time.Second)
	for {
		r.sendAndSettle(t, r.syn(80))
		select {
		case body := <-done:
			rd, err := pcapgo.NewNgReader(strings.NewReader(body), pcapgo.DefaultNgReaderOptions)
			if err != nil {
				t.Fatal(err)
			}
			if _, ci, err := rd.ReadPacketData(); err != nil {
				t.Fatal(err)
			} else if intf, _ := rd.Interface(ci.InterfaceIndex); intf.Name != r.web.eni+":ingress:accept" {
				t.Fatalf("interface %q", intf.Name)
			}
			return
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("capture produced nothing")
		}
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Error(err)
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// TestFlowLogRouteSkipsNonRegularFiles: a FIFO (or any file that is not
// regular) in the flow-log directory is skipped, not opened: opening a
// FIFO would block the route until some writer came.
func TestFlowLogRouteSkipsNonRegularFiles(t *testing.T) {
	r := newRig(t)
	svc, srv := newService(t, r)
	fifo := filepath.Join(svc.FlowLogs.Writer.Dir, "eni-fifo.log")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	defer func() { // unblock a reader stuck in open, if any
		if f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/v1/flowlog", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET /v1/flowlog with a FIFO in the flow-log directory: %v", err)
	}
	defer resp.Body.Close()
	if _, err := io.ReadAll(resp.Body); err != nil {
		t.Fatalf("reading /v1/flowlog: %v", err)
	}
}
