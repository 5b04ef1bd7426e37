package bounded

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, n int) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, bytes.Repeat([]byte("x"), n), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	exact := write("exact", MaxBytes)
	if b, err := ReadFile(exact); err != nil || len(b) != MaxBytes {
		t.Errorf("a file of exactly MaxBytes: %d bytes, %v", len(b), err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(exact, link); err != nil {
		t.Fatal(err)
	}
	if b, err := ReadFile(link); err != nil || len(b) != MaxBytes {
		t.Errorf("a symlink to a regular file: %d bytes, %v", len(b), err)
	}
	big := write("big", MaxBytes+1)
	if _, err := ReadFile(big); !errors.Is(err, ErrTooLarge) || err.Error() != big+": larger than the 4 MiB limit" {
		t.Errorf("one byte over: %v", err)
	}
	if _, err := ReadFile(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for path, kind := range map[string]string{
		fifo:        "a FIFO",
		dir:         "a directory",
		"/dev/null": "a character device",
	} {
		done := make(chan error, 1)
		go func() { _, err := ReadFile(path); done <- err }()
		select {
		case err := <-done:
			if !errors.Is(err, ErrNotRegular) || err.Error() != path+": not a regular file ("+kind+")" {
				t.Errorf("%s: %v", path, err)
			}
		case <-time.After(10 * time.Second):
			if f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
				f.Close()
			}
			t.Fatalf("ReadFile(%s) still blocked after 10 s", path)
		}
	}
}

func TestRead(t *testing.T) {
	if b, err := Read("standard input", strings.NewReader("abc")); err != nil || string(b) != "abc" {
		t.Errorf("small stream: %q, %v", b, err)
	}
	// An endless stream (a /dev/zero) is read only up to the limit.
	endless := io.MultiReader(bytes.NewReader(make([]byte, MaxBytes)), zeros{})
	if _, err := Read("standard input", endless); !errors.Is(err, ErrTooLarge) || err.Error() != "standard input: larger than the 4 MiB limit" {
		t.Errorf("endless stream: %v", err)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func TestRequestBody(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := RequestBody(w, r)
		if errors.Is(err, ErrTooLarge) {
			http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
			return
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Write([]byte{byte(len(b) >> 22), byte(len(b) >> 16), byte(len(b) >> 8), byte(len(b))})
	})
	srv := httptest.NewServer(h)
	defer srv.Close()
	post := func(body io.Reader, length int64) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL, body)
		req.ContentLength = length
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := post(bytes.NewReader(make([]byte, MaxBytes)), MaxBytes); code != http.StatusOK {
		t.Errorf("a body of exactly MaxBytes: HTTP %d", code)
	}
	// Declared too large: refused without reading.
	if code, msg := post(bytes.NewReader(make([]byte, MaxBytes+1)), MaxBytes+1); code != http.StatusRequestEntityTooLarge ||
		!strings.Contains(msg, "request body: larger than the 4 MiB limit") {
		t.Errorf("declared too large: HTTP %d %q", code, msg)
	}
	// Chunked (no length): refused once the limit is passed.
	if code, msg := post(io.LimitReader(zeros{}, MaxBytes+1), -1); code != http.StatusRequestEntityTooLarge ||
		!strings.Contains(msg, "request body: larger than the 4 MiB limit") {
		t.Errorf("chunked too large: HTTP %d %q", code, msg)
	}
}
