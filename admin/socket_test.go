package admin

import (
	"context"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sgswitch/internal/testuser"
	"sgswitch/netns/netnstest"
)

// sockDir is a fresh directory for sockets: unix socket paths are limited
// to 108 bytes and t.TempDir can be long.
func sockDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "sgsadm")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// TestListenLeavesWhatIsNotAStaleSocket is the regression test for
// `--socket PATH` deleting whatever was at PATH: a regular file, a
// directory or a symlink at the socket path is refused and left as it was.
func TestListenLeavesWhatIsNotAStaleSocket(t *testing.T) {
	dir := sockDir(t)
	file := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(file, []byte("precious\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	emptyDir := filepath.Join(dir, "empty")
	if err := os.Mkdir(emptyDir, 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(file, link); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ path, want string }{
		{file, "not a socket (a regular file)"},
		{emptyDir, "not a socket (a directory)"},
		{link, "not a socket (a symlink)"},
	} {
		before, err := os.Lstat(c.path)
		if err != nil {
			t.Fatal(err)
		}
		s := NewServer(&fakeBackend{})
		err = s.Listen(c.path)
		if err == nil {
			s.Shutdown(context.Background())
			t.Errorf("Listen(%s) succeeded over a %v", c.path, before.Mode().Type())
		} else if !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.path) {
			t.Errorf("Listen(%s) error = %q, want it to name the path and say %q", c.path, err, c.want)
		}
		after, err := os.Lstat(c.path)
		if err != nil {
			t.Errorf("%s was removed: %v", c.path, err)
		} else if !os.SameFile(before, after) || before.Mode() != after.Mode() {
			t.Errorf("%s was replaced: %v, now %v", c.path, before.Mode(), after.Mode())
		}
	}
	if b, err := os.ReadFile(file); err != nil || string(b) != "precious\n" {
		t.Errorf("the regular file now holds %q, %v", b, err)
	}
}

// TestListenDoesNotStealALiveSocket: a second Listen on a socket a live
// daemon answers on fails, saying so, and the first keeps serving.
func TestListenDoesNotStealALiveSocket(t *testing.T) {
	_, sock := serve(t)
	before, err := os.Lstat(sock)
	if err != nil {
		t.Fatal(err)
	}
	err = NewServer(&fakeBackend{}).Listen(sock)
	if err == nil || !strings.Contains(err.Error(), "another daemon answers on "+sock) {
		t.Fatalf("Listen on a live socket: %v, want \"another daemon answers on %s\"", err, sock)
	}
	after, err := os.Lstat(sock)
	if err != nil || !os.SameFile(before, after) {
		t.Fatalf("the live socket was replaced or removed: %v", err)
	}
	c, err := Dial(sock)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if st, err := c.Status(context.Background()); err != nil || st.Version != "test" {
		t.Errorf("the first daemon no longer answers: %+v, %v", st, err)
	}
}

// TestListenReplacesAStaleSocket: a socket nobody answers on (left by a
// daemon killed with -9) is replaced.
func TestListenReplacesAStaleSocket(t *testing.T) {
	stale := filepath.Join(sockDir(t), "admin.sock")
	ln, err := net.Listen("unix", stale)
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close() // the file stays, nobody answers: as after kill -9
	s := NewServer(&fakeBackend{})
	if err := s.Listen(stale); err != nil {
		t.Fatalf("Listen over a stale socket: %v", err)
	}
	go s.Serve()
	defer s.Shutdown(context.Background())
	c, err := Dial(stale)
	if err != nil {
		t.Fatalf("Dial after replacing the stale socket: %v", err)
	}
	c.Close()
}

// TestShutdownRemovesOnlyItsOwnSocket: when the socket path was taken
// over after Listen, Shutdown leaves the new file alone.
func TestShutdownRemovesOnlyItsOwnSocket(t *testing.T) {
	sock := filepath.Join(sockDir(t), "admin.sock")
	s := NewServer(&fakeBackend{})
	if err := s.Listen(sock); err != nil {
		t.Fatal(err)
	}
	go s.Serve()
	if err := os.Remove(sock); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(sock, []byte("someone else's\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s.Shutdown(context.Background())
	if b, err := os.ReadFile(sock); err != nil || string(b) != "someone else's\n" {
		t.Errorf("Shutdown removed or changed a file it did not create: %q, %v", b, err)
	}

	own := filepath.Join(sockDir(t), "admin.sock")
	s = NewServer(&fakeBackend{})
	if err := s.Listen(own); err != nil {
		t.Fatal(err)
	}
	go s.Serve()
	s.Shutdown(context.Background())
	if _, err := os.Lstat(own); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Shutdown left its own socket: %v", err)
	}
}

// dialHelperEnv carries the socket path to the helper process of
// TestDialReportsPermissionDenied.
const dialHelperEnv = "SGSWITCH_TEST_DIAL_AS_OTHER_USER"

// TestDialHelper is not a test: it is the process that
// TestDialReportsPermissionDenied starts as another user. It prints
// Dial's error.
func TestDialHelper(t *testing.T) {
	sock := os.Getenv(dialHelperEnv)
	if sock == "" {
		t.Skip("helper process of TestDialReportsPermissionDenied")
	}
	_, err := Dial(sock)
	os.Stdout.WriteString("dial error: " + errString(err) + "\n")
	if err != nil {
		os.Stdout.WriteString("no daemon: " + boolString(errors.Is(err, ErrNoDaemon)) + "\n")
		os.Stdout.WriteString("permission: " + boolString(errors.Is(err, fs.ErrPermission)) + "\n")
	}
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// TestDialReportsPermissionDenied is the regression test for a user who
// may not reach the admin socket being told that no daemon runs: a daemon
// listens in a directory only root may enter, and Dial, run by the
// nobody user (uid 65534) in a subprocess, must say "permission denied".
func TestDialReportsPermissionDenied(t *testing.T) {
	netnstest.RequireRootFor(t, "it runs Dial as another user (uid 65534) against a root-only socket directory")
	pub := testuser.Dir(t)
	private := filepath.Join(pub, "private")
	if err := os.Mkdir(private, 0o700); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(private, "admin.sock")
	s := NewServer(&fakeBackend{})
	if err := s.Listen(sock); err != nil {
		t.Fatal(err)
	}
	go s.Serve()
	defer s.Shutdown(context.Background())

	got := testuser.Run(t, pub, "TestDialHelper", dialHelperEnv+"="+sock)
	for _, want := range []string{
		"dial error: permission denied on the admin socket " + sock + ": run as root",
		"no daemon: false",
		"permission: true",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("helper output lacks %q:\n%s", want, got)
		}
	}
}

// TestDialWithoutDaemonSaysSo: nothing at the path, or a stale socket,
// is "no daemon" (ErrNoDaemon), which is what starting one on demand
// branches on.
func TestDialWithoutDaemonSaysSo(t *testing.T) {
	dir := sockDir(t)
	stale := filepath.Join(dir, "stale.sock")
	ln, err := net.Listen("unix", stale)
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	for _, p := range []string{filepath.Join(dir, "none.sock"), stale} {
		_, err := Dial(p)
		if !errors.Is(err, ErrNoDaemon) || !strings.Contains(err.Error(), "no sgswitch daemon at "+p) {
			t.Errorf("Dial(%s) = %v, want ErrNoDaemon naming the path", p, err)
		}
	}
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Dial(filepath.Join(file, "admin.sock")); err == nil || errors.Is(err, ErrNoDaemon) {
		t.Errorf("Dial below a regular file = %v, want an error that is not ErrNoDaemon", err)
	}
	// connect() refuses a regular file as it refuses a stale socket; Dial
	// tells them apart, so no daemon is started to fail on it.
	if _, err := Dial(file); err == nil || errors.Is(err, ErrNoDaemon) || !strings.Contains(err.Error(), "not a socket (a regular file)") {
		t.Errorf("Dial of a regular file = %v, want \"not a socket\", not ErrNoDaemon", err)
	}
}
