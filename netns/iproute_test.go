package netns_test

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"sgswitch/netns"
	"sgswitch/netns/netnstest"
)

// freshEnv tells a re-executed test binary that it runs in a private mount
// namespace with an empty tmpfs on /run, and which tool goes first.
const freshEnv = "SGSWITCH_NETNSTEST_FRESH_RUN"

// TestInterleavedWithIPRouteOnFreshRun is defect 3: on a machine where
// /run/netns is not mounted yet, sgswitch and `ip netns` create, list and
// delete namespaces in any order. The machine's own /run is never touched:
// each order runs in a child process with a private mount namespace and an
// empty tmpfs on /run, so its namespaces vanish with it.
func TestInterleavedWithIPRouteOnFreshRun(t *testing.T) {
	netnstest.RequireRoot(t)
	for _, first := range []string{"sgswitch", "iproute2"} {
		t.Run(first+" first", func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestFreshRunChild$", "-test.v")
			cmd.Env = append(os.Environ(), freshEnv+"="+first)
			cmd.SysProcAttr = &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS}
			out, err := cmd.CombinedOutput()
			if err != nil || !strings.Contains(string(out), "--- PASS: TestFreshRunChild") {
				t.Fatalf("child: %v\n%s", err, out)
			}
		})
	}
}

// TestFreshRunChild is the child of TestInterleavedWithIPRouteOnFreshRun;
// run any other way it skips.
func TestFreshRunChild(t *testing.T) {
	first := os.Getenv(freshEnv)
	if first == "" {
		t.Skip("runs only as the child of TestInterleavedWithIPRouteOnFreshRun")
	}
	// Go made every mount private in this mount namespace before exec.
	if err := syscall.Mount("tmpfs", "/run", "tmpfs", syscall.MS_NOSUID|syscall.MS_NODEV, "mode=0755"); err != nil {
		t.Fatalf("tmpfs on /run: %v", err)
	}
	if _, err := os.Stat(netns.Dir); !os.IsNotExist(err) {
		t.Fatalf("%s exists on a fresh /run: %v", netns.Dir, err)
	}
	owner := netns.Owner(fmt.Sprintf("test/%d-fresh", os.Getpid()))
	ip := func(args ...string) {
		t.Helper()
		out, err := exec.Command("ip", append([]string{"netns"}, args...)...).CombinedOutput()
		if err != nil || strings.Contains(string(out), "invalid") {
			t.Fatalf("ip netns %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	step := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	if first == "iproute2" {
		ip("add", "x")
	}
	step("create lab", netns.Create("lab", owner))
	if first == "sgswitch" {
		ip("add", "x")
	}
	ip("list")
	ip("del", "x")
	step("delete lab", netns.Delete("lab", owner))
	ip("add", "y")
	step("create lab2", netns.Create("lab2", owner))
	ip("list")
	ip("del", "y")
	step("delete lab2", netns.Delete("lab2", owner))
	ip("list")
	if ents, _ := os.ReadDir(netns.Dir); len(ents) != 0 {
		t.Errorf("left in %s: %v", netns.Dir, ents)
	}
}
