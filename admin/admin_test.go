package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sgswitch/internal/bounded"
)

type fakeBackend struct{ labs map[string]json.RawMessage }

func (f *fakeBackend) Status(context.Context) (*Status, error) {
	return &Status{Version: "test", Groups: 3}, nil
}

func (f *fakeBackend) ApplyLab(_ context.Context, lab json.RawMessage) (*LabStatus, error) {
	var l struct{ Name string }
	if err := json.Unmarshal(lab, &l); err != nil || l.Name == "" {
		return nil, &CodeError{Code: "InvalidParameterValue", Err: errors.New("InvalidParameterValue: lab without name")}
	}
	f.labs[l.Name] = lab
	return &LabStatus{Name: l.Name, Nodes: []NodeStatus{{Node: "a", ENI: "eni-1"}}}, nil
}

func (f *fakeBackend) Lab(_ context.Context, name string) (*LabStatus, error) {
	if _, ok := f.labs[name]; !ok {
		return nil, fmt.Errorf("lab %q: %w", name, ErrNotFound)
	}
	return &LabStatus{Name: name}, nil
}

func (f *fakeBackend) RemoveLab(_ context.Context, name string) error {
	if _, ok := f.labs[name]; !ok {
		return fmt.Errorf("lab %q: %w", name, ErrNotFound)
	}
	delete(f.labs, name)
	return nil
}

func (f *fakeBackend) Conntrack(_ context.Context, eni string) ([]ConntrackEntry, error) {
	return []ConntrackEntry{{ENI: eni, Line: "tcp      6 431999 ESTABLISHED src=198.18.0.1"}}, nil
}

func (f *fakeBackend) ENIStats(_ context.Context, eni string) ([]ENIStats, error) {
	if eni == "boom" {
		return nil, errors.New("internal trouble")
	}
	return []ENIStats{{ENI: eni, Counters: []Counter{{"pps_allowance_exceeded", 7}}}}, nil
}

// serve starts a server on a socket in a fresh directory.
func serve(t *testing.T) (*Server, string) {
	t.Helper()
	sock := filepath.Join(sockDir(t), "sub", "admin.sock")
	s := NewServer(&fakeBackend{labs: map[string]json.RawMessage{}})
	if err := s.Listen(sock); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve() }()
	t.Cleanup(func() {
		s.Shutdown(context.Background())
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return s, sock
}

func TestRoutes(t *testing.T) {
	srv, sock := serve(t)
	srv.Handle("GET /v1/extra", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]string{"hello": "world"})
	}))
	ctx := context.Background()
	c, err := Dial(sock)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	if st, err := c.Status(ctx); err != nil || st.Version != "test" || st.Groups != 3 {
		t.Errorf("Status = %+v, %v", st, err)
	}
	ls, err := c.ApplyLab(ctx, map[string]string{"name": "shop"})
	if err != nil || ls.Name != "shop" || len(ls.Nodes) != 1 {
		t.Errorf("ApplyLab = %+v, %v", ls, err)
	}
	_, err = c.ApplyLab(ctx, map[string]string{"subnet": "x"})
	var ae *Error
	if !errors.As(err, &ae) || ae.Code != "InvalidParameterValue" || !errors.Is(err, ErrInvalid) {
		t.Errorf("ApplyLab(bad) error = %#v", err)
	}
	if err.Error() != "InvalidParameterValue: lab without name" {
		t.Errorf("error text = %q", err.Error())
	}
	if _, err := c.Lab(ctx, "shop"); err != nil {
		t.Errorf("Lab: %v", err)
	}
	if err := c.RemoveLab(ctx, "shop"); err != nil {
		t.Errorf("RemoveLab: %v", err)
	}
	if err := c.RemoveLab(ctx, "shop"); !errors.Is(err, ErrNotFound) {
		t.Errorf("RemoveLab twice: %v, want ErrNotFound", err)
	}
	if _, err := c.Lab(ctx, "shop"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Lab after remove: %v", err)
	}
	ct, err := c.Conntrack(ctx, "web1")
	if err != nil || len(ct) != 1 || ct[0].ENI != "web1" {
		t.Errorf("Conntrack = %+v, %v", ct, err)
	}
	st, err := c.ENIStats(ctx, "eni-9")
	if err != nil || len(st) != 1 || st[0].Counters[0].Value != 7 {
		t.Errorf("ENIStats = %+v, %v", st, err)
	}
	if _, err := c.ENIStats(ctx, "boom"); err == nil || errors.Is(err, ErrInvalid) {
		t.Errorf("ENIStats(boom) = %v, want a server error", err)
	}
	var extra map[string]string
	if err := c.Do(ctx, "GET", "/v1/extra", nil, &extra); err != nil || extra["hello"] != "world" {
		t.Errorf("mounted route = %v, %v", extra, err)
	}
}

func TestSocketMode(t *testing.T) {
	_, sock := serve(t)
	fi, err := os.Stat(sock)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 || fi.Mode()&os.ModeSocket == 0 {
		t.Errorf("socket mode = %v, want socket 0600", fi.Mode())
	}
}

// TestRequestBodyLimit is the regression test for unbounded admin
// request bodies: a body over the limit is refused with 413 and a message
// naming the limit, and the backend never sees it.
func TestRequestBodyLimit(t *testing.T) {
	_, sock := serve(t)
	c := NewClient(sock)
	defer c.Close()
	lab := map[string]string{"name": "big", "pad": strings.Repeat("x", bounded.MaxBytes)}
	_, err := c.ApplyLab(context.Background(), lab)
	var ae *Error
	if !errors.As(err, &ae) || ae.Status != http.StatusRequestEntityTooLarge ||
		!strings.Contains(err.Error(), "request body: larger than the 4 MiB limit") || !errors.Is(err, bounded.ErrTooLarge) {
		t.Fatalf("ApplyLab with a body over the limit: %#v", err)
	}
	if _, err := c.Lab(context.Background(), "big"); !errors.Is(err, ErrNotFound) {
		t.Errorf("the backend applied the refused lab: %v", err)
	}
	lab["pad"] = strings.Repeat("x", 1<<20)
	if _, err := c.ApplyLab(context.Background(), lab); err != nil {
		t.Errorf("ApplyLab with a body below the limit: %v", err)
	}
}

func TestStream(t *testing.T) {
	srv, sock := serve(t)
	srv.Handle("GET /v1/stream", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("eni") != "web1" {
			http.Error(w, `interface "x": not found`, http.StatusNotFound)
			return
		}
		w.Write([]byte("line 1\nline 2\n"))
	}))
	c, err := Dial(sock)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	body, err := c.Stream(context.Background(), "/v1/stream?eni=web1")
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(body)
	body.Close()
	if err != nil || string(b) != "line 1\nline 2\n" {
		t.Errorf("stream = %q, %v", b, err)
	}
	_, err = c.Stream(context.Background(), "/v1/stream?eni=x")
	if !errors.Is(err, ErrNotFound) || err.Error() != `interface "x": not found` {
		t.Errorf("failed stream: %v", err)
	}
}
