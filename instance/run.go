package instance

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"sgswitch/netns"
)

// QEMU is the program Start runs.
const QEMU = "qemu-system-x86_64"

// ErrNoQEMU is returned (wrapped) when QEMU is not installed.
var ErrNoQEMU = errors.New(QEMU + " is not installed (Debian: apt-get install qemu-system-x86)")

// Bounds of Start and Stop.
const (
	// StartTimeout bounds the wait for QEMU to set its devices up (it
	// makes the console socket then); the guest boots after that.
	StartTimeout = 30 * time.Second
	// StopGrace is how long Stop waits after SIGTERM before SIGKILL.
	StopGrace = 5 * time.Second
)

// Info describes a started instance.
type Info struct {
	PID   int
	Accel Accel
	// Already is true when the instance was running before Start.
	Already bool
}

// Start boots s unless it runs already (by its process record: then it
// returns the running one's Info with Already set) and returns once QEMU
// runs. Missing image files, a missing QEMU and a QEMU that exits at once
// are errors that say so; QEMU's own messages are in QEMULog(s.Dir).
func Start(ctx context.Context, s Spec) (Info, error) {
	s = s.withDefaults()
	if err := s.check(); err != nil {
		return Info{}, fmt.Errorf("instance %s: %w", s.Name, err)
	}
	if pid, running, err := netns.FindProcess(s.Name, s.Owner); err != nil || running {
		return Info{PID: pid, Already: running}, err
	}
	if err := checkImage(&s); err != nil {
		return Info{}, fmt.Errorf("instance %s: %w", s.Name, err)
	}
	prog, err := exec.LookPath(QEMU)
	if err != nil {
		return Info{}, fmt.Errorf("instance %s: %w", s.Name, ErrNoQEMU)
	}
	accel, why := DetectAccel()
	cmd, err := command(s, prog, accel, why)
	if err != nil {
		return Info{}, err
	}
	if err := cmd.Start(); err != nil {
		return Info{}, fmt.Errorf("instance %s: starting %s: %w", s.Name, QEMU, err)
	}
	exited := make(chan struct{})
	go func() { // reaps QEMU whenever it ends; Stop only signals it
		_ = cmd.Wait()
		close(exited)
	}()
	if err := netns.RecordProcess(s.Name, cmd.Process.Pid, s.Owner); err != nil {
		_ = cmd.Process.Kill()
		return Info{}, fmt.Errorf("instance %s: %w", s.Name, err)
	}
	if err := waitReady(ctx, s, exited); err != nil {
		return Info{}, errors.Join(err, Stop(s.Name, s.Owner))
	}
	return Info{PID: cmd.Process.Pid, Accel: accel}, nil
}

// command prepares QEMU's process: its own session, so that it outlives
// the daemon and no signal to the daemon's group reaches it; output to
// QEMULog, which starts with the accelerator chosen.
func command(s Spec, prog string, accel Accel, why string) (*exec.Cmd, error) {
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("instance %s: %w", s.Name, err)
	}
	for _, p := range []string{ConsoleSocket(s.Dir), s.AgentSocket} {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("instance %s: removing the stale socket: %w", s.Name, err)
		}
	}
	log, err := os.OpenFile(QEMULog(s.Dir), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("instance %s: %w", s.Name, err)
	}
	defer log.Close() // the child has its own copy
	args := Args(s, accel)
	fmt.Fprintf(log, "sgswitch: %s, accelerator %s (%s)\nsgswitch: %s %s\n",
		time.Now().UTC().Format(time.RFC3339), accel, why, prog, strings.Join(args, " "))
	cmd := exec.Command(prog, args...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	return cmd, nil
}

// waitReady waits until QEMU made the console socket (its devices are
// set up and the guest starts) or exited.
func waitReady(ctx context.Context, s Spec, exited <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(ctx, StartTimeout)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if _, err := os.Stat(ConsoleSocket(s.Dir)); err == nil {
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("instance %s: %s exited at once: %s", s.Name, QEMU, lastLines(QEMULog(s.Dir), 3))
		case <-ctx.Done():
			return fmt.Errorf("instance %s: %s did not set up its devices within %v: %w", s.Name, QEMU, StartTimeout, ctx.Err())
		case <-tick.C:
		}
	}
}

// Stop ends the instance name of owner (SIGTERM, then SIGKILL after
// StopGrace). One that does not run is fine; a process not recorded as
// owner's is never signalled (netns.StopProcess).
func Stop(name string, owner netns.Owner) error {
	return netns.StopProcess(name, owner, StopGrace)
}

// Running returns the pid of owner's instance name and whether it runs.
func Running(name string, owner netns.Owner) (pid int, running bool, err error) {
	return netns.FindProcess(name, owner)
}

// DetectAccel chooses KVM when /dev/kvm opens for reading and writing,
// TCG otherwise, and says why.
func DetectAccel() (Accel, string) {
	f, err := os.OpenFile("/dev/kvm", os.O_RDWR, 0)
	if err != nil {
		return TCG, "no usable /dev/kvm: " + err.Error()
	}
	f.Close()
	return KVM, "/dev/kvm is usable"
}

// checkImage checks that the image files exist and fills in the disk's
// format from its first bytes.
func checkImage(s *Spec) error {
	for _, p := range []string{s.Kernel, s.Initrd, s.Disk} {
		if p == "" {
			continue
		}
		if st, err := os.Stat(p); err != nil || !st.Mode().IsRegular() {
			return fmt.Errorf("image file %s: not a readable regular file", p)
		}
	}
	if s.Disk != "" && s.DiskFormat == "" {
		f, err := DiskFormatOf(s.Disk)
		if err != nil {
			return err
		}
		s.DiskFormat = f
	}
	return nil
}

// DiskFormatOf says whether the disk image at path is qcow2 (by its
// magic number) or raw (anything else).
func DiskFormatOf(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("image file %s: %w", path, err)
	}
	defer f.Close()
	magic := make([]byte, 4)
	if _, err := io.ReadFull(f, magic); err == nil && bytes.Equal(magic, []byte("QFI\xfb")) {
		return "qcow2", nil
	}
	return "raw", nil
}

// lastLines returns the last n lines of the file at path, joined by " | ".
func lastLines(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}
