// Package testuser runs part of a test as another, unprivileged user, for
// tests of what a user who is not root is told (permission denied on a
// root-only socket, …). As root, permission checks pass, so such a test
// re-runs its own test binary as the nobody user (uid 65534) and reads
// what that process prints.
package testuser

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"sgswitch/netns/netnstest"
)

// Nobody is the uid and gid the helper process runs as.
const Nobody = 65534

// Dir returns a fresh directory that every user may enter and read
// (mode 0755), removed when the test ends: the place for a copy of the
// test binary and for the root-only directories the test makes inside.
// Unix socket paths are limited to 108 bytes, so it is short (under the
// system's temporary directory) rather than t.TempDir.
func Dir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "sgsuser")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Run runs the test function named helper of the current test binary as
// the nobody user, with env (KEY=VALUE) as its whole environment besides
// PATH, in dir (from Dir), and returns what it printed. The binary is
// copied into dir first: the go build cache it runs from is root's alone.
// The test is skipped, saying why, when not run as root.
func Run(t *testing.T, dir, helper string, env ...string) string {
	t.Helper()
	netnstest.RequireRootFor(t, "it runs part of the test as the nobody user (uid 65534)")
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, filepath.Base(self))
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run=^"+helper+"$", "-test.count=1", "-test.v")
	cmd.Dir = dir
	cmd.Env = append([]string{"PATH=/usr/bin:/bin"}, env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: Nobody, Gid: Nobody, NoSetGroups: true}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s as uid %d: %v\n%s", helper, Nobody, err, out)
	}
	return string(out)
}
