package perf

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/vishvananda/netns"
)

// Lab owns every namespace and process one bench run creates. All names
// start with Prefix (unique per run: "sgb<pid>-"), so a run can never touch
// anything it did not make, and Close removes all of it. Close is safe to
// call more than once and from a signal path.
type Lab struct {
	Prefix string

	mu     sync.Mutex
	netns  []string
	procs  []*exec.Cmd
	undo   []func()
	closed bool
}

// NewLab returns an empty lab whose names start with prefix.
func NewLab(prefix string) *Lab { return &Lab{Prefix: prefix} }

// DefaultPrefix is "sgb<pid>-": unique among concurrent runs on one machine.
func DefaultPrefix() string { return fmt.Sprintf("sgb%d-", os.Getpid()) }

// AddNetns creates the namespace Prefix+name (as `ip netns add` does, so it
// is visible to `ip netns exec`) with loopback up, and returns its full name.
func (l *Lab) AddNetns(name string) (string, error) {
	full := l.Prefix + name
	if _, err := Run("ip", "netns", "add", full); err != nil {
		return "", err
	}
	l.mu.Lock()
	l.netns = append(l.netns, full)
	l.mu.Unlock()
	if _, err := Run("ip", "-n", full, "link", "set", "lo", "up"); err != nil {
		return "", err
	}
	return full, nil
}

// OnClose registers f to run (in reverse order) when the lab closes, before
// processes are killed and namespaces deleted.
func (l *Lab) OnClose(f func()) {
	l.mu.Lock()
	l.undo = append(l.undo, f)
	l.mu.Unlock()
}

// Start starts cmd and records it so Close kills it.
func (l *Lab) Start(cmd *exec.Cmd) error {
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", strings.Join(cmd.Args, " "), err)
	}
	l.mu.Lock()
	l.procs = append(l.procs, cmd)
	l.mu.Unlock()
	return nil
}

// Close runs the OnClose functions, kills the lab's processes and deletes
// its namespaces (which removes the veths and bridges inside them).
func (l *Lab) Close() {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return
	}
	l.closed = true
	undo, procs, nss := l.undo, l.procs, l.netns
	l.mu.Unlock()
	for i := len(undo) - 1; i >= 0; i-- {
		undo[i]()
	}
	for _, p := range procs {
		stopProcess(p)
	}
	for _, ns := range nss {
		_, _ = Run("ip", "netns", "del", ns)
	}
}

// stopProcess asks p to stop (SIGTERM), gives it two seconds to close what
// it holds, then kills it.
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
	case <-time.After(2 * time.Second):
		_ = p.Process.Kill()
		<-done
	}
}

// Run runs a command and returns its stdout; the error carries stderr.
func Run(name string, args ...string) (string, error) {
	return RunContext(context.Background(), name, args...)
}

// RunContext is Run bounded by ctx.
func RunContext(ctx context.Context, name string, args ...string) (string, error) {
	var out, errb bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	return out.String(), nil
}

// InNetns runs fn on an OS thread switched into namespace ns. Sockets that fn
// creates belong to ns for their whole life, whichever thread uses them
// later. The thread is returned to the runtime only if switching back works.
func InNetns(ns string, fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := netns.Get()
		if err != nil {
			errc <- err
			return
		}
		defer orig.Close()
		if err := enterNetns(ns); err != nil {
			errc <- err
			return
		}
		err = fn()
		if netns.Set(orig) == nil {
			runtime.UnlockOSThread()
		}
		errc <- err
	}()
	return <-errc
}

// enterNetns switches the calling (locked) thread into ns. The thread must
// not be returned to the runtime afterwards unless switched back.
func enterNetns(ns string) error {
	h, err := netns.GetFromName(ns)
	if err != nil {
		return fmt.Errorf("opening netns %s: %w", ns, err)
	}
	defer h.Close()
	if err := netns.Set(h); err != nil {
		return fmt.Errorf("entering netns %s: %w", ns, err)
	}
	return nil
}

// GoInNetns starts fn on a fresh goroutine whose OS thread is in ns for the
// goroutine's whole life; the thread is discarded when fn returns, so the
// runtime never reuses a thread left in a foreign namespace.
func GoInNetns(ns string, fn func()) error {
	ready := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread dies with the goroutine
		if err := enterNetns(ns); err != nil {
			ready <- err
			return
		}
		ready <- nil
		fn()
	}()
	return <-ready
}

// NetnsCmd returns a command that runs inside ns.
func NetnsCmd(ctx context.Context, ns string, name string, args ...string) *exec.Cmd {
	return exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", ns, name}, args...)...)
}
