package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"sgswitch/internal/bounded"
)

// Backend is what the daemon implements behind the routes.
type Backend interface {
	Status(ctx context.Context) (*Status, error)
	// ApplyLab creates (or, for a lab of the same name, re-applies) a lab
	// from its testbed.Lab JSON; the change is durable when it returns.
	ApplyLab(ctx context.Context, lab json.RawMessage) (*LabStatus, error)
	Lab(ctx context.Context, name string) (*LabStatus, error)
	// RemoveLab removes the lab; ErrNotFound when there is no such lab.
	RemoveLab(ctx context.Context, name string) error
	Conntrack(ctx context.Context, eni string) ([]ConntrackEntry, error)
	ENIStats(ctx context.Context, eni string) ([]ENIStats, error)
}

// Server serves the admin API.
type Server struct {
	mux  *http.ServeMux
	srv  *http.Server
	ln   *net.UnixListener
	file os.FileInfo // the socket Listen created
}

// NewServer returns a server for b with the standard routes mounted.
func NewServer(b Backend) *Server {
	s := &Server{mux: http.NewServeMux()}
	s.srv = &http.Server{Handler: s.mux, ReadHeaderTimeout: 10 * time.Second}
	s.mux.HandleFunc("GET /v1/status", func(w http.ResponseWriter, r *http.Request) {
		v, err := b.Status(r.Context())
		reply(w, v, err)
	})
	s.mux.HandleFunc("POST /v1/labs", func(w http.ResponseWriter, r *http.Request) {
		body, err := bounded.RequestBody(w, r)
		if err == nil && !json.Valid(body) {
			err = fmt.Errorf("%w: body is not JSON", ErrInvalid)
		}
		if err != nil {
			writeError(w, err)
			return
		}
		v, err := b.ApplyLab(r.Context(), body)
		reply(w, v, err)
	})
	s.mux.HandleFunc("GET /v1/labs/{name}", func(w http.ResponseWriter, r *http.Request) {
		v, err := b.Lab(r.Context(), r.PathValue("name"))
		reply(w, v, err)
	})
	s.mux.HandleFunc("DELETE /v1/labs/{name}", func(w http.ResponseWriter, r *http.Request) {
		if err := b.RemoveLab(r.Context(), r.PathValue("name")); err != nil {
			writeError(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	s.mux.HandleFunc("GET /v1/conntrack", func(w http.ResponseWriter, r *http.Request) {
		v, err := b.Conntrack(r.Context(), r.URL.Query().Get("eni"))
		reply(w, v, err)
	})
	s.mux.HandleFunc("GET /v1/eni/stats", func(w http.ResponseWriter, r *http.Request) {
		v, err := b.ENIStats(r.Context(), r.URL.Query().Get("eni"))
		reply(w, v, err)
	})
	return s
}

// Handle mounts another route (http.ServeMux pattern syntax, e.g.
// "GET /v1/flowlogs").
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// Handler is the route table, for in-process tests.
func (s *Server) Handler() http.Handler { return s.mux }

// Listen creates the socket at path: its directory is created (0700) if
// missing, a stale socket left by a killed daemon is replaced, and
// anything else at path is refused and left alone (clearPath): a live
// daemon's socket, a regular file, a directory, a symlink.
func (s *Server) Listen(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("admin socket directory: %w", err)
	}
	if err := clearPath(path); err != nil {
		return err
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return fmt.Errorf("admin socket: %w", err)
	}
	// Shutdown removes the socket itself, and only while it is still this one.
	ln.SetUnlinkOnClose(false)
	fi, err := os.Lstat(path)
	if err == nil {
		err = os.Chmod(path, 0o600)
	}
	if err != nil {
		ln.Close()
		return fmt.Errorf("admin socket: %w", err)
	}
	s.ln, s.file = ln, fi
	return nil
}

// Serve answers requests on the socket opened by Listen until Shutdown.
func (s *Server) Serve() error {
	if s.ln == nil {
		return errors.New("admin: Serve before Listen")
	}
	err := s.srv.Serve(s.ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting, waits for requests in flight (bounded by ctx)
// and removes the socket, unless something else has taken its path since.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	if s.ln != nil {
		s.ln.Close() // when Serve never ran
		path := s.ln.Addr().String()
		if now, lerr := os.Lstat(path); lerr == nil && os.SameFile(s.file, now) {
			os.Remove(path)
		}
	}
	return err
}

// reply writes v as JSON, or err.
func reply[T any](w http.ResponseWriter, v T, err error) {
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func writeError(w http.ResponseWriter, err error) {
	e := toError(err)
	writeJSON(w, e.Status, e)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
