package netns

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Grace is how long EndProcesses waits after SIGTERM before SIGKILL.
const Grace = 2 * time.Second

// PIDs lists the processes whose network namespace is the named one (what
// `ip netns pids` lists), this process excepted. A process that only has
// one of its threads in the namespace is not listed.
func PIDs(name string) ([]int, error) {
	var want unix.Stat_t
	if err := unix.Stat(Path(name), &want); err != nil {
		if errors.Is(err, unix.ENOENT) {
			return nil, nil
		}
		return nil, fmt.Errorf("netns %s: %w", name, err)
	}
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	var pids []int
	self := os.Getpid()
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		var st unix.Stat_t
		if unix.Stat(filepath.Join("/proc", e.Name(), "ns", "net"), &st) == nil && st.Dev == want.Dev && st.Ino == want.Ino {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

// EndProcesses ends every process inside the named namespace: SIGTERM,
// then SIGKILL to those still there after grace. It returns once none is
// left, or an error naming those that would not go.
func EndProcesses(name string, grace time.Duration) error {
	pids, err := PIDs(name)
	if err != nil || len(pids) == 0 {
		return err
	}
	for _, p := range pids {
		_ = syscall.Kill(p, syscall.SIGTERM)
	}
	if pids, err = waitGone(name, grace); err != nil || len(pids) == 0 {
		return err
	}
	for _, p := range pids {
		_ = syscall.Kill(p, syscall.SIGKILL)
	}
	if pids, err = waitGone(name, grace); err != nil || len(pids) == 0 {
		return err
	}
	return fmt.Errorf("netns %s: processes %v did not end after SIGKILL", name, pids)
}

// waitGone polls until no process is left in the namespace or d passed,
// and returns those still there.
func waitGone(name string, d time.Duration) ([]int, error) {
	deadline := time.Now().Add(d)
	for {
		pids, err := PIDs(name)
		if err != nil || len(pids) == 0 || time.Now().After(deadline) {
			return pids, err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Command returns a command that runs prog inside the named namespace
// through `ip netns exec`, which also gives it the namespace's view of
// /sys, as a user's shell would have.
func Command(ctx context.Context, name, prog string, args ...string) *exec.Cmd {
	return exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", name, prog}, args...)...)
}
