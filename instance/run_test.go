package instance

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sgswitch/netns"
	"sgswitch/netns/netnstest"
)

func TestStopOnlyOwnProcess(t *testing.T) {
	scope := netnstest.New(t)
	cmd := netnstest.Sleeper(t)
	name := scope.Name(".sleeper")
	if err := netns.RecordProcess(name, cmd.Process.Pid, scope.Owner); err != nil {
		t.Fatal(err)
	}
	if err := Stop(name, scope.Owner+"/other"); !errors.Is(err, netns.ErrNotOwned) {
		t.Errorf("Stop by another owner = %v, want ErrNotOwned", err)
	}
	if err := Stop(scope.Name(".unrecorded"), scope.Owner); err != nil {
		t.Errorf("Stop of an unrecorded name = %v, want nil (nothing to stop)", err)
	}
	if !netnstest.Running(cmd.Process.Pid) {
		t.Fatal("a process was signalled by a Stop that had no right to")
	}
	if pid, running, err := Running(name, scope.Owner); err != nil || !running || pid != cmd.Process.Pid {
		t.Errorf("Running = %d %v %v, want %d true nil", pid, running, err, cmd.Process.Pid)
	}
	if err := Stop(name, scope.Owner); err != nil {
		t.Fatalf("Stop by its owner: %v", err)
	}
	if netnstest.Running(cmd.Process.Pid) {
		t.Error("the owner's Stop left the process running")
	}
	if _, running, err := Running(name, scope.Owner); err != nil || running {
		t.Errorf("Running after Stop = %v %v", running, err)
	}
}

func TestStartErrors(t *testing.T) {
	s := testSpec()
	s.Dir = t.TempDir()
	s.Kernel = filepath.Join(s.Dir, "missing-vmlinuz")
	_, err := Start(context.Background(), s)
	if err == nil || !strings.Contains(err.Error(), "missing-vmlinuz") {
		t.Errorf("Start with a missing kernel = %v, want an error naming the file", err)
	}
	if _, lookErr := exec.LookPath(QEMU); lookErr != nil {
		return // the message below is the one the user gets
	}
	t.Setenv("PATH", t.TempDir())
	if err := os.WriteFile(s.Kernel, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Start(context.Background(), s); !errors.Is(err, ErrNoQEMU) {
		t.Errorf("Start without QEMU = %v, want ErrNoQEMU", err)
	}
}

// TestBootTCG boots the CI guest (scripts/guest/build-initramfs.sh) on a
// TAP of the test's own and waits for its init's markers on the serial
// console log. Under TCG on a shared CI machine this takes tens of
// seconds; the wait is bounded.
func TestBootTCG(t *testing.T) {
	scope := netnstest.New(t)
	if _, err := exec.LookPath(QEMU); err != nil {
		t.Skip("needs " + QEMU + " (apt-get install qemu-system-x86)")
	}
	if k, _ := filepath.Glob("/boot/vmlinuz-*"); len(k) == 0 {
		t.Skip("needs a kernel in /boot (apt-get install linux-image-amd64)")
	}
	guest := t.TempDir()
	out, err := exec.Command("../scripts/guest/build-initramfs.sh", guest).CombinedOutput()
	if err != nil {
		t.Fatalf("building the guest: %v\n%s", err, out)
	}
	tapName := scope.Name("vm")
	if err := CreateTAP(tapName, scope.Owner); err != nil {
		t.Fatal(err)
	}
	s := testSpec()
	s.Name, s.Owner, s.Dir = scope.Name(".vm"), scope.Owner, t.TempDir()
	s.Kernel, s.Initrd = filepath.Join(guest, "vmlinuz"), filepath.Join(guest, "initrd.img")
	s.NICs[0].TAP = tapName
	begin := time.Now()
	info, err := Start(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := Stop(s.Name, s.Owner); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	t.Logf("QEMU pid %d, accelerator %s", info.PID, info.Accel)
	if again, err := Start(context.Background(), s); err != nil || !again.Already || again.PID != info.PID {
		t.Errorf("Start again = %+v %v, want the running one", again, err)
	}
	log := waitConsole(t, ConsoleLog(s.Dir), "sgswitch-guest: ready", 3*time.Minute)
	t.Logf("guest reached its init's end in %v", time.Since(begin).Round(100*time.Millisecond))
	for _, want := range []string{"sgswitch-guest: init started", "sgswitch-guest: eth0 up", "sgswitch-guest: agent port present"} {
		if !strings.Contains(log, want) {
			t.Errorf("console log lacks %q", want)
		}
	}
}

// waitConsole polls the console log until it holds marker, and returns
// it; it fails the test after limit, showing the log's end.
func waitConsole(t *testing.T, path, marker string, limit time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		b, _ := os.ReadFile(path)
		if strings.Contains(string(b), marker) {
			return string(b)
		}
		if time.Now().After(deadline) {
			tail := string(b)
			if len(tail) > 2000 {
				tail = tail[len(tail)-2000:]
			}
			t.Fatalf("no %q on the console within %v; its end:\n%s", marker, limit, tail)
		}
		time.Sleep(500 * time.Millisecond)
	}
}
