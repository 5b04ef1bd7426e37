package daemon

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"sgswitch/admin"
	"sgswitch/internal/testuser"
	"sgswitch/netns/netnstest"
)

// helperDaemonEnv makes TestHelperDaemon act: "serve" (an admin server
// on --socket until SIGTERM) or "fail" (print to the log and exit 3).
const helperDaemonEnv = "SGSWITCH_TEST_HELPER_DAEMON"

// TestHelperDaemon is not a test: it is the `sgswitch run` that the
// EnsureRunning tests start (Command = this test binary), serving a
// status-only admin API. Its arguments follow "--".
func TestHelperDaemon(t *testing.T) {
	mode := os.Getenv(helperDaemonEnv)
	if mode == "" {
		t.Skip("helper process of the EnsureRunning tests")
	}
	fmt.Println("helper daemon args:", strings.Join(flag.Args(), " "))
	if mode == "fail" {
		fmt.Println("boom: cannot start")
		os.Exit(3)
	}
	var socket string
	for i, a := range flag.Args() {
		if a == "--socket" && i+1 < len(flag.Args()) {
			socket = flag.Args()[i+1]
		}
	}
	s := admin.NewServer(statusOnly{})
	if err := s.Listen(socket); err != nil {
		fmt.Println("listen:", err)
		os.Exit(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	go s.Serve()
	<-ctx.Done()
	s.Shutdown(context.Background())
	os.Exit(0)
}

// statusOnly is an admin.Backend that reports its pid and nothing else.
type statusOnly struct{}

func (statusOnly) Status(context.Context) (*admin.Status, error) {
	return &admin.Status{Version: "helper", PID: os.Getpid()}, nil
}
func (statusOnly) ApplyLab(context.Context, json.RawMessage) (*admin.LabStatus, error) {
	return nil, admin.ErrInvalid
}
func (statusOnly) Lab(context.Context, string) (*admin.LabStatus, error) {
	return nil, admin.ErrNotFound
}
func (statusOnly) RemoveLab(context.Context, string) error { return admin.ErrNotFound }
func (statusOnly) Conntrack(context.Context, string) ([]admin.ConntrackEntry, error) {
	return nil, nil
}
func (statusOnly) ENIStats(context.Context, string) ([]admin.ENIStats, error) { return nil, nil }

// helperCommand runs TestHelperDaemon in mode.
func helperCommand(t *testing.T, mode string) []string {
	t.Helper()
	t.Setenv(helperDaemonEnv, mode)
	return []string{os.Args[0], "-test.run=^TestHelperDaemon$", "-test.count=1", "--"}
}

// shortDir is a fresh directory with a short path (unix socket paths are
// limited to 108 bytes).
func shortDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "sgsens")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

var startedPID = regexp.MustCompile(`started daemon \(pid (\d+), socket `)

// stopStarted ends the daemon a test started (its pid from the notice)
// and waits until its socket is gone.
func stopStarted(t *testing.T, notice, socket string) {
	t.Helper()
	m := startedPID.FindStringSubmatch(notice)
	if m == nil {
		return
	}
	pid, _ := strconv.Atoi(m[1])
	syscall.Kill(pid, syscall.SIGTERM)
	for range 100 {
		if _, err := os.Lstat(socket); err != nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Errorf("the started daemon (pid %d) did not stop", pid)
}

func TestEnsureRunningStartsADaemon(t *testing.T) {
	dir := shortDir(t)
	socket := filepath.Join(dir, "admin.sock")
	stateDir := filepath.Join(dir, "state")
	var notice bytes.Buffer
	t.Cleanup(func() { stopStarted(t, notice.String(), socket) })
	cl, err := EnsureRunning(context.Background(), StartOptions{
		Socket: socket, StateDir: stateDir, EC2Listen: "127.0.0.1:18779", EC2Auth: "sigv4",
		Command: helperCommand(t, "serve"), Notice: &notice,
	})
	if err != nil {
		t.Fatalf("EnsureRunning: %v\nlog:\n%s", err, tail(filepath.Join(stateDir, LogName), 20))
	}
	defer cl.Close()
	m := startedPID.FindStringSubmatch(notice.String())
	if m == nil || !strings.Contains(notice.String(), "log "+filepath.Join(stateDir, LogName)) {
		t.Fatalf("notice %q", notice.String())
	}
	st, err := cl.Status(context.Background())
	if err != nil || st.Version != "helper" || strconv.Itoa(st.PID) != m[1] {
		t.Errorf("status of the started daemon: %+v, %v (notice %q)", st, err, notice.String())
	}
	want := "--state-dir " + stateDir + " --socket " + socket + " --ec2-listen 127.0.0.1:18779 --ec2-auth sigv4"
	if log := tail(filepath.Join(stateDir, LogName), 20); !strings.Contains(log, "helper daemon args: "+want) {
		t.Errorf("the daemon was not started with %q; its log:\n%s", want, log)
	}

	// Now one answers: EnsureRunning uses it and starts nothing.
	var again bytes.Buffer
	cl2, err := EnsureRunning(context.Background(), StartOptions{Socket: socket, StateDir: stateDir,
		Command: []string{"/nonexistent/sgswitch"}, Notice: &again})
	if err != nil {
		t.Fatalf("EnsureRunning with a daemon running: %v", err)
	}
	cl2.Close()
	if again.Len() != 0 {
		t.Errorf("a second daemon was started: %q", again.String())
	}
}

func TestEnsureRunningReplacesAStaleSocket(t *testing.T) {
	dir := shortDir(t)
	socket := filepath.Join(dir, "admin.sock")
	ln, err := net.Listen("unix", socket)
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close() // as after kill -9
	var notice bytes.Buffer
	t.Cleanup(func() { stopStarted(t, notice.String(), socket) })
	cl, err := EnsureRunning(context.Background(), StartOptions{Socket: socket, StateDir: filepath.Join(dir, "state"),
		Command: helperCommand(t, "serve"), Notice: &notice})
	if err != nil {
		t.Fatalf("EnsureRunning over a stale socket: %v", err)
	}
	cl.Close()
}

func TestEnsureRunningReportsAnExit(t *testing.T) {
	dir := shortDir(t)
	socket := filepath.Join(dir, "admin.sock")
	_, err := EnsureRunning(context.Background(), StartOptions{Socket: socket, StateDir: filepath.Join(dir, "state"),
		Command: helperCommand(t, "fail"), Notice: &bytes.Buffer{}})
	if err == nil || !strings.Contains(err.Error(), "the daemon exited (exit status 3)") || !strings.Contains(err.Error(), "boom: cannot start") {
		t.Fatalf("EnsureRunning with a daemon that exits: %v", err)
	}
}

// TestEnsureRunningStartsNothingWhenTheSocketIsNotADaemons: what is at
// the socket path and is not "no daemon" is reported, and nothing is
// started (that daemon would only fail on it, or take it over).
func TestEnsureRunningStartsNothingWhenTheSocketIsNotADaemons(t *testing.T) {
	dir := shortDir(t)
	file := filepath.Join(dir, "admin.sock")
	if err := os.WriteFile(file, []byte("not a socket\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var notice bytes.Buffer
	_, err := EnsureRunning(context.Background(), StartOptions{Socket: file, StateDir: filepath.Join(dir, "state"),
		Command: helperCommand(t, "serve"), Notice: &notice})
	if err == nil || !strings.Contains(err.Error(), "not a socket (a regular file)") || notice.Len() != 0 {
		t.Fatalf("EnsureRunning on a regular file: %v (notice %q)", err, notice.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "state")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a state directory was created: %v", err)
	}
}

// ensureHelperEnv carries the socket path to TestEnsureAsNobodyHelper.
const ensureHelperEnv = "SGSWITCH_TEST_ENSURE_AS_NOBODY"

// TestEnsureAsNobodyHelper is not a test: it is the process that
// TestEnsureRunningReportsPermissionDenied runs as the nobody user.
func TestEnsureAsNobodyHelper(t *testing.T) {
	sock := os.Getenv(ensureHelperEnv)
	if sock == "" {
		t.Skip("helper process of TestEnsureRunningReportsPermissionDenied")
	}
	var notice bytes.Buffer
	_, err := EnsureRunning(context.Background(), StartOptions{Socket: sock, StateDir: filepath.Join(filepath.Dir(sock), "state"),
		Command: []string{"/nonexistent/sgswitch", "run"}, Notice: &notice, Timeout: time.Second})
	fmt.Printf("ensure error: %v\nnotice: %q\n", err, notice.String())
}

// TestEnsureRunningReportsPermissionDenied is the regression test for
// `lab up` by a user who may not reach the admin socket: it must say
// "permission denied … run as root", not "no daemon", and must not try
// to start a daemon of its own.
func TestEnsureRunningReportsPermissionDenied(t *testing.T) {
	netnstest.RequireRootFor(t, "it runs EnsureRunning as the nobody user against a root-only socket directory")
	pub := testuser.Dir(t)
	private := filepath.Join(pub, "private")
	if err := os.Mkdir(private, 0o700); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(private, "admin.sock")
	s := admin.NewServer(statusOnly{})
	if err := s.Listen(sock); err != nil {
		t.Fatal(err)
	}
	go s.Serve()
	defer s.Shutdown(context.Background())
	out := testuser.Run(t, pub, "TestEnsureAsNobodyHelper", ensureHelperEnv+"="+sock)
	for _, want := range []string{
		"ensure error: permission denied on the admin socket " + sock + ": run as root",
		`notice: ""`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("helper output lacks %q:\n%s", want, out)
		}
	}
}
