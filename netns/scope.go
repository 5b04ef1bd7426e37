package netns

import (
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// RemoveAll removes everything recorded for owner: its processes (a VM
// holds its TAP open: it ends first, within Grace each), its host links,
// its claims, then its namespaces with every process inside them. It keeps
// going past errors and returns them joined; what is not owner's (by
// record and identity) is never touched.
func RemoveAll(owner Owner) error {
	if owner == "" {
		return errors.New("RemoveAll: empty owner would name everything")
	}
	recs, err := Records(owner)
	errs := []error{err}
	for _, r := range recs {
		if r.Kind == KindProc {
			errs = append(errs, StopProcess(r.Name, owner, Grace))
		}
	}
	for _, r := range recs { // links first: a veth's host end may hold a port
		switch r.Kind {
		case KindLink:
			errs = append(errs, DeleteLink(r.Name, owner))
		case KindClaim:
			errs = append(errs, Release(r.Name, owner))
		case KindPort:
			ns, link := r.port()
			errs = append(errs, DeletePort(ns, link, owner))
		}
	}
	for _, r := range recs {
		if r.Kind == KindNetns {
			errs = append(errs, Delete(r.Name, owner))
		}
	}
	return errors.Join(errs...)
}

// Leftovers describes what is still recorded for owner ("netns NAME",
// "link NAME", "claim NAME", "proc NAME") whose object exists.
func Leftovers(owner Owner) ([]string, error) {
	all, err := Inventory()
	var out []string
	for _, e := range all {
		if e.Owner == owner && e.Exists {
			out = append(out, string(e.Kind)+" "+e.Name)
		}
	}
	return out, err
}

// A Scope is what one owner makes in a run (a bench, a test): namespaces
// and links through the package functions, and the processes it starts.
// Close runs the functions registered with OnClose (which may ask a
// process to stop, e.g. by closing its stdin), ends the processes it
// started, and removes everything recorded for the owner. Close is safe
// to call more than once and from a signal path.
type Scope struct {
	Owner Owner
	// Prefix starts the names the scope's user gives its objects; Name
	// adds it.
	Prefix string

	mu     sync.Mutex
	procs  []*exec.Cmd
	undo   []func()
	closed bool
}

// NewScope returns an empty scope for owner whose names start with prefix.
func NewScope(owner Owner, prefix string) *Scope { return &Scope{Owner: owner, Prefix: prefix} }

// Name is the scope's name for an object: Prefix + short.
func (s *Scope) Name(short string) string { return s.Prefix + short }

// CreateNetns creates the namespace Name(short) for the scope's owner and
// returns its full name.
func (s *Scope) CreateNetns(short string) (string, error) {
	full := s.Name(short)
	return full, Create(full, s.Owner)
}

// OnClose registers f to run (in reverse order) when the scope closes,
// before its processes are ended and its objects removed.
func (s *Scope) OnClose(f func()) {
	s.mu.Lock()
	s.undo = append(s.undo, f)
	s.mu.Unlock()
}

// Start starts cmd and records it so Close ends it.
func (s *Scope) Start(cmd *exec.Cmd) error {
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", strings.Join(cmd.Args, " "), err)
	}
	s.mu.Lock()
	s.procs = append(s.procs, cmd)
	s.mu.Unlock()
	return nil
}

// Close runs the OnClose functions, ends the scope's processes and removes
// what its owner made.
func (s *Scope) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	undo, procs := s.undo, s.procs
	s.mu.Unlock()
	for i := len(undo) - 1; i >= 0; i-- {
		undo[i]()
	}
	for _, p := range procs {
		stopProcess(p)
	}
	return RemoveAll(s.Owner)
}

// stopProcess asks p to stop (SIGTERM), gives it Grace to close what it
// holds, then kills it.
func stopProcess(p *exec.Cmd) {
	if p.Process == nil || p.ProcessState != nil {
		return
	}
	done := make(chan struct{})
	go func() {
		_ = p.Wait()
		close(done)
	}()
	_ = p.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(Grace):
		_ = p.Process.Kill()
		<-done
	}
}

// Sub returns a scope of its own (owner and prefix extended by tag) that
// this one closes when it closes, for a part of a run that is set up and
// torn down on its own.
func (s *Scope) Sub(tag string) *Scope {
	c := NewScope(s.Owner+Owner("/"+tag), s.Prefix+tag)
	s.OnClose(func() { _ = c.Close() })
	return c
}

// Entry is one record and whether its object exists now.
type Entry struct {
	Record
	Exists bool `json:"exists"`
}

// Inventory lists every record with whether its object still exists:
// everything sgswitch made or claimed on this host that is not removed.
func Inventory() ([]Entry, error) {
	recs, err := Records("")
	out := make([]Entry, 0, len(recs))
	for _, r := range recs {
		e := Entry{Record: r}
		switch r.Kind {
		case KindNetns:
			e.Exists = Exists(r.Name)
		case KindLink, KindClaim:
			_, e.Exists, _ = linkByName(r.Name)
		case KindPort:
			ns, _ := r.port()
			e.Exists = Exists(ns) && portMatches(ns, &r)
		case KindProc:
			e.Exists = r.processAlive()
		}
		out = append(out, e)
	}
	return out, err
}
