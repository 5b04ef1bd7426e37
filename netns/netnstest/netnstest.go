// Package netnstest is the one way root tests make host objects: New gives
// a test a netns.Scope with an owner and a name prefix of its own, removes
// everything the test made when it ends (on every exit path, through
// t.Cleanup), and fails the test if anything is left. RequireRoot (and
// RequireRootFor, for root tests that make no host objects) is the one way
// a test says it needs root: without root it skips, saying why; CI runs as
// root, so there it runs.
//
// Names: "sgt" and 6 random hex digits (9 bytes, so a suffix of up to six
// characters still fits Linux's 15-byte link names). Owners:
// "test/<pid>-<n>". A test binary that was killed (a `go test` timeout)
// leaves records whose process is gone; the next New sweeps them, and
// only them: netns.RemoveAll checks each object's identity first.
package netnstest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"sgswitch/netns"
)

// RequireRoot skips t unless the test runs as root: it creates network
// namespaces, links and ports.
func RequireRoot(t testing.TB) {
	t.Helper()
	RequireRootFor(t, "creates network namespaces, links and ports")
}

// RequireRootFor skips t unless the test runs as root, saying why it
// needs root: for root tests that make no host objects (another user's
// view of a root-only file, for example).
func RequireRootFor(t testing.TB, why string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: " + why + " (CI runs as root)")
	}
}

var (
	seq   atomic.Int64
	sweep sync.Once
)

// New requires root and returns a scope for t's host objects.
func New(t testing.TB) *netns.Scope {
	t.Helper()
	RequireRoot(t)
	sweep.Do(func() { sweepDead(t) })
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	owner := netns.Owner(fmt.Sprintf("test/%d-%d", os.Getpid(), seq.Add(1)))
	s := netns.NewScope(owner, "sgt"+hex.EncodeToString(b))
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("removing what the test made: %v", err)
		}
		if left, err := netns.Leftovers(owner); err != nil || len(left) > 0 {
			t.Errorf("left behind: %v %v", left, err)
		}
	})
	return s
}

// sweepDead removes what killed test processes left.
func sweepDead(t testing.TB) {
	recs, _ := netns.Records("")
	done := map[netns.Owner]bool{}
	for _, r := range recs {
		pid, ok := testPID(r.Owner)
		if !ok || done[r.Owner] || alive(pid) {
			continue
		}
		done[r.Owner] = true
		if err := netns.RemoveAll(r.Owner); err != nil {
			t.Logf("sweeping what %s left: %v", r.Owner, err)
		}
	}
}

// testPID reads the pid out of a test owner "test/<pid>-<n>[/…]".
func testPID(o netns.Owner) (int, bool) {
	rest, ok := strings.CutPrefix(string(o), "test/")
	if !ok {
		return 0, false
	}
	pid, _, _ := strings.Cut(rest, "-")
	n, err := strconv.Atoi(pid)
	return n, err == nil
}

func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || err == syscall.EPERM
}

// LabName requires root and returns a lab name of t's own (the naming
// scheme's prefix, a valid lab name); when t ends, everything recorded
// for that lab (netns.LabOwner) is removed, and the test fails if
// anything is left.
func LabName(t testing.TB) string {
	t.Helper()
	s := New(t)
	owner := netns.LabOwner(s.Prefix)
	t.Cleanup(func() {
		if err := netns.RemoveAll(owner); err != nil {
			t.Errorf("removing lab %s: %v", s.Prefix, err)
		}
		if left, err := netns.Leftovers(owner); err != nil || len(left) > 0 {
			t.Errorf("lab %s left behind: %v %v", s.Prefix, left, err)
		}
	})
	return s.Prefix
}
