package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"sgswitch/admin"
	"sgswitch/internal/bounded"
)

// Starting a daemon on demand (`sgswitch lab up` when none runs) lives in
// this package rather than in admin: admin is the protocol both sides
// speak and knows nothing of processes, state directories or how the
// daemon is invoked, while this package is the daemon and owns all three.
// EnsureRunning still reaches the daemon only through admin.Dial, as any
// client does, and starts one only when Dial says no daemon is there.

// StartTimeout is how long EnsureRunning waits for a daemon it started to
// answer.
const StartTimeout = 15 * time.Second

// LogName is the file in the state directory that takes the output of a
// daemon EnsureRunning starts.
const LogName = "daemon.log"

// StartOptions says which daemon EnsureRunning looks for and how it
// starts one when none answers.
type StartOptions struct {
	// Socket is the admin socket ("" = admin.SocketPath()).
	Socket string
	// StateDir is the state directory of a daemon started here
	// ("" = DefaultStateDir); its output goes to LogName there.
	StateDir string
	// EC2Listen is where a daemon started here serves the EC2 API
	// ("" = the daemon's default).
	EC2Listen string
	// EC2Auth is a started daemon's --ec2-auth ("" = its default, sigv4).
	EC2Auth string
	// Clock is a started daemon's --clock ("" = real).
	Clock string
	// Command runs `sgswitch run`; EnsureRunning appends --state-dir,
	// --socket, --ec2-listen, --ec2-auth and --clock (nil = this
	// executable with "run").
	Command []string
	// Timeout bounds the wait for a started daemon (0 = StartTimeout).
	Timeout time.Duration
	// Notice is told when a daemon is started (nil = os.Stderr).
	Notice io.Writer
}

// EnsureRunning returns a client of the daemon at o.Socket. When no daemon
// is there (admin.ErrNoDaemon: nothing at the path, or a stale socket) it
// starts one detached (own session, output appended to LogName in the
// state directory) and waits until it answers. Any other failure to reach
// the socket is returned as it is, without starting anything: permission
// denied (run as root), a file that is not a socket, a daemon that
// accepts but does not answer.
func EnsureRunning(ctx context.Context, o StartOptions) (*admin.Client, error) {
	if o.Socket == "" {
		o.Socket = admin.SocketPath()
	}
	cl, err := answering(ctx, o.Socket)
	if err == nil || !errors.Is(err, admin.ErrNoDaemon) {
		return cl, err
	}
	if o.StateDir == "" {
		o.StateDir = DefaultStateDir
	}
	if o.Timeout <= 0 {
		o.Timeout = StartTimeout
	}
	if o.Notice == nil {
		o.Notice = os.Stderr
	}
	argv := o.Command
	if argv == nil {
		self, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("starting the daemon: %w", err)
		}
		argv = []string{self, "run"}
	}
	argv = append(argv[:len(argv):len(argv)], "--state-dir", o.StateDir, "--socket", o.Socket)
	if o.EC2Listen != "" {
		argv = append(argv, "--ec2-listen", o.EC2Listen)
	}
	if o.EC2Auth != "" {
		argv = append(argv, "--ec2-auth", o.EC2Auth)
	}
	if o.Clock != "" {
		argv = append(argv, "--clock", o.Clock)
	}

	if err := os.MkdirAll(o.StateDir, 0o700); err != nil {
		return nil, fmt.Errorf("starting the daemon: %w", err)
	}
	logPath := filepath.Join(o.StateDir, LogName)
	logf, err := openLog(logPath)
	if err != nil {
		return nil, fmt.Errorf("starting the daemon: %w", err)
	}
	defer logf.Close()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the daemon: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	fmt.Fprintf(o.Notice, "sgswitch: started daemon (pid %d, socket %s, log %s)\n", cmd.Process.Pid, o.Socket, logPath)

	deadline := time.NewTimer(o.Timeout)
	defer deadline.Stop()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-exited:
			return nil, fmt.Errorf("the daemon exited (%v); see %s:\n%s", err, logPath, tail(logPath, 20))
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-deadline.C:
			return nil, fmt.Errorf("the daemon did not answer on %s within %v; see %s", o.Socket, o.Timeout, logPath)
		case <-tick.C:
		}
		if cl, err := answering(ctx, o.Socket); err == nil {
			return cl, nil
		}
	}
}

// openLog opens the log at path for appending, creating it (0600): a
// regular file only (non-blocking, so a FIFO there fails instead of
// waiting for a reader).
func openLog(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0o600)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = fmt.Errorf("%s: %w (%s)", path, bounded.ErrNotRegular, bounded.FileKind(fi.Mode()))
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// answering returns a client of the daemon at socket once it has answered
// a status request.
func answering(ctx context.Context, socket string) (*admin.Client, error) {
	cl, err := admin.Dial(socket)
	if err != nil {
		return nil, err
	}
	if _, err := cl.Status(ctx); err != nil {
		cl.Close()
		return nil, err
	}
	return cl, nil
}

// tailBytes bounds what tail reads of a log: its last 16 KiB.
const tailBytes = 16 << 10

// tail returns the last n lines of the log at path, read from its last
// tailBytes only, however long the log has grown.
func tail(path string, n int) string {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return ""
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && fi.Size() > tailBytes {
		f.Seek(-tailBytes, io.SeekEnd)
	}
	b, _ := io.ReadAll(io.LimitReader(f, tailBytes))
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
