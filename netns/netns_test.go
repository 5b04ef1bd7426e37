package netns_test

import (
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/vishvananda/netlink"

	"sgswitch/netns"
	"sgswitch/netns/netnstest"
)

// ipNetns runs `ip netns ARGS…` and returns its combined output.
func ipNetns(t *testing.T, args ...string) (string, error) {
	t.Helper()
	out, err := exec.Command("ip", append([]string{"netns"}, args...)...).CombinedOutput()
	return string(out), err
}

func TestCreateIsIPRouteCompatible(t *testing.T) {
	s := netnstest.New(t)
	name, err := s.CreateNetns("-ns")
	if err != nil {
		t.Fatal(err)
	}
	out, err := ipNetns(t, "list")
	if err != nil || !strings.Contains(out, name) || strings.Contains(out, "invalid") {
		t.Errorf("ip netns list: %v\n%s", err, out)
	}
	out, err = ipNetns(t, "exec", name, "ip", "-o", "link", "show", "lo")
	if err != nil || !strings.Contains(out, "UP") {
		t.Errorf("ip netns exec: %v: %s", err, out)
	}
	var inside []string
	if err := netns.Do(name, func() error {
		links, err := netlink.LinkList()
		for _, l := range links {
			inside = append(inside, l.Attrs().Name)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(inside) != 1 || inside[0] != "lo" {
		t.Errorf("links inside a new namespace: %v", inside)
	}
	if err := netns.Create(name, s.Owner); err != nil {
		t.Errorf("creating again for the same owner: %v", err)
	}
	if err := netns.Delete(name, s.Owner); err != nil {
		t.Fatal(err)
	}
	if netns.Exists(name) {
		t.Error("namespace still there after Delete")
	}
	if err := netns.Delete(name, s.Owner); err != nil {
		t.Errorf("deleting a missing namespace: %v", err)
	}
}

// TestForeignNamespaceIsNeverTouched: a namespace `ip netns add` made is
// neither reused nor deleted, whoever asks.
func TestForeignNamespaceIsNeverTouched(t *testing.T) {
	s := netnstest.New(t)
	name := s.Name("-ip")
	if out, err := ipNetns(t, "add", name); err != nil {
		t.Fatalf("ip netns add: %v: %s", err, out)
	}
	t.Cleanup(func() { _, _ = ipNetns(t, "del", name) })
	if err := netns.Create(name, s.Owner); !errors.Is(err, netns.ErrNotOwned) {
		t.Errorf("Create over a foreign namespace: %v, want ErrNotOwned", err)
	}
	if err := netns.Delete(name, s.Owner); !errors.Is(err, netns.ErrNotOwned) {
		t.Errorf("Delete of a foreign namespace: %v, want ErrNotOwned", err)
	}
	if err := netns.RemoveAll(s.Owner); err != nil {
		t.Errorf("RemoveAll: %v", err)
	}
	if !netns.Exists(name) {
		t.Fatal("the foreign namespace was removed")
	}
	if out, err := ipNetns(t, "del", name); err != nil {
		t.Errorf("ip netns del after sgswitch looked at it: %v: %s", err, out)
	}
}

// TestOwnersAreSeparate is defect 1's rule: one owner's namespace is not
// another's to reuse or delete, even under a colliding name.
func TestOwnersAreSeparate(t *testing.T) {
	a := netnstest.New(t)
	b := netnstest.New(t)
	name, err := a.CreateNetns("-x")
	if err != nil {
		t.Fatal(err)
	}
	if err := netns.Create(name, b.Owner); !errors.Is(err, netns.ErrNotOwned) {
		t.Errorf("Create by another owner: %v, want ErrNotOwned", err)
	}
	if err := netns.Delete(name, b.Owner); !errors.Is(err, netns.ErrNotOwned) {
		t.Errorf("Delete by another owner: %v, want ErrNotOwned", err)
	}
	if err := b.Close(); err != nil {
		t.Errorf("closing the other owner's scope: %v", err)
	}
	if !netns.Exists(name) {
		t.Fatal("another owner's Close removed the namespace")
	}
}

// TestReplacedNamespaceIsNotOurs: deleted by hand and re-made by another
// tool under the same name, the namespace is no longer sgswitch's.
func TestReplacedNamespaceIsNotOurs(t *testing.T) {
	s := netnstest.New(t)
	name, err := s.CreateNetns("-r")
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"del", name}, {"add", name}} {
		if out, err := ipNetns(t, args...); err != nil {
			t.Fatalf("ip netns %v: %v: %s", args, err, out)
		}
	}
	t.Cleanup(func() { _, _ = ipNetns(t, "del", name) })
	if err := netns.Delete(name, s.Owner); !errors.Is(err, netns.ErrNotOwned) {
		t.Errorf("Delete of a replaced namespace: %v, want ErrNotOwned", err)
	}
	if !netns.Exists(name) {
		t.Error("the replacing namespace was removed")
	}
}

// TestDeleteEndsProcesses is defect 2: nothing lives on in an orphaned
// namespace, not even a process that ignores SIGTERM.
func TestDeleteEndsProcesses(t *testing.T) {
	s := netnstest.New(t)
	name, err := s.CreateNetns("-p")
	if err != nil {
		t.Fatal(err)
	}
	polite := netns.Command(t.Context(), name, "sleep", "600")
	stubborn := netns.Command(t.Context(), name, "sh", "-c", `trap "" TERM; while :; do sleep 1; done`)
	for _, c := range []*exec.Cmd{polite, stubborn} {
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
	}
	waited := make(chan error, 2)
	go func() { waited <- polite.Wait() }()
	go func() { waited <- stubborn.Wait() }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		pids, _ := netns.PIDs(name)
		if len(pids) >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("processes did not appear in %s: %v", name, pids)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := netns.Delete(name, s.Owner); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		select {
		case <-waited:
		case <-time.After(10 * time.Second):
			t.Fatal("a process inside the namespace outlived Delete")
		}
	}
	if netns.Exists(name) {
		t.Error("namespace still there")
	}
}
