package netnstest

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// Sleeper starts a process of the test's own (sleep 600) for tests of the
// process records (netns.RecordProcess, StopProcess): the code under test
// may or may not end it; either way it is ended and reaped when the test
// ends.
func Sleeper(t testing.TB) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("sleep", "600")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	return cmd
}

// Running reports whether process pid runs: it exists and is not a
// zombie (a zombie has ended; its parent has not reaped it yet).
func Running(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	rest := string(b[strings.LastIndexByte(string(b), ')')+1:])
	return !strings.HasPrefix(strings.TrimSpace(rest), "Z")
}
