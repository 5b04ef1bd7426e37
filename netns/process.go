package netns

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// KindProc records a process sgswitch started outside any namespace of
// its own, such as a lab VM's QEMU. A pid alone does not name a process
// for long (pids are reused), so the record also holds the process's
// start time (/proc/PID/stat, clock ticks since boot): the process is the
// recorded one only while both match.
const KindProc Kind = "proc"

// RecordProcess records that owner started process pid under name (a
// file name: letters, digits, '.', '_' and '-'), so that StopProcess and
// RemoveAll may end it. An existing record of another owner whose
// process still runs is refused with ErrNotOwned.
func RecordProcess(name string, pid int, owner Owner) error {
	if err := validProcName(name); err != nil {
		return err
	}
	if _, running, err := FindProcess(name, owner); err != nil {
		return err
	} else if running {
		return fmt.Errorf("recording process %s: %s already runs under that name", name, owner)
	}
	start, ok := procStart(pid)
	if !ok {
		return fmt.Errorf("recording process %s: pid %d is not running", name, pid)
	}
	return writeRecord(Record{Kind: KindProc, Name: name, Owner: owner, PID: os.Getpid(),
		ProcPID: pid, ProcStart: start, Created: time.Now().UTC()})
}

// FindProcess returns the pid of owner's process name and whether it
// still runs. A record whose process has ended is removed (running is
// false); a running process recorded for another owner fails with
// ErrNotOwned.
func FindProcess(name string, owner Owner) (pid int, running bool, err error) {
	r, err := readRecord(KindProc, name)
	if err != nil || r == nil {
		return 0, false, err
	}
	alive := r.processAlive()
	switch {
	case alive && r.Owner != owner:
		return 0, false, notOwned(KindProc, name, owner, r)
	case alive:
		return r.ProcPID, true, nil
	case r.Owner != owner:
		return 0, false, nil // another owner's stale record is theirs to drop
	}
	return 0, false, removeRecord(KindProc, name)
}

// StopProcess ends owner's process name: SIGTERM, then SIGKILL to one
// still there after grace, and removes its record once it is gone. A
// process that is not recorded, or whose record is another owner's, is
// never signalled: no record means nothing to stop (nil), another
// owner's running process fails with ErrNotOwned.
func StopProcess(name string, owner Owner, grace time.Duration) error {
	pid, running, err := FindProcess(name, owner)
	if err != nil || !running {
		return err
	}
	r, err := readRecord(KindProc, name)
	if err != nil || r == nil {
		return err
	}
	for _, sig := range []unix.Signal{unix.SIGTERM, unix.SIGKILL} {
		if err := r.signal(sig); err != nil {
			return fmt.Errorf("process %s (pid %d): %w", name, pid, err)
		}
		if waitProcessGone(r, grace) {
			return removeRecord(KindProc, name)
		}
	}
	return fmt.Errorf("process %s (pid %d) did not end after SIGKILL", name, pid)
}

// signal sends sig to the recorded process through a pidfd, checking
// after opening it that the pid still names the recorded process: a pid
// reused in between is never signalled.
func (r *Record) signal(sig unix.Signal) error {
	fd, err := unix.PidfdOpen(r.ProcPID, 0)
	if errors.Is(err, unix.ESRCH) {
		return nil
	}
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	if !r.processAlive() {
		return nil
	}
	if err := unix.PidfdSendSignal(fd, sig, nil, 0); err != nil && !errors.Is(err, unix.ESRCH) {
		return err
	}
	return nil
}

// processAlive reports whether the recorded process runs: same pid, same
// start time, not a zombie.
func (r *Record) processAlive() bool {
	start, ok := procStart(r.ProcPID)
	return ok && start == r.ProcStart
}

func waitProcessGone(r *Record, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for r.processAlive() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}

// procStart reads a process's start time (field 22 of /proc/PID/stat);
// ok is false when there is no such process or it is a zombie (it has
// ended; only its parent's wait is missing).
func procStart(pid int) (start uint64, ok bool) {
	if pid <= 0 {
		return 0, false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	// The command name (field 2) is in parentheses and may hold spaces
	// and parentheses itself: the fields after it start at the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, false
	}
	f := bytes.Fields(b[i+1:]) // f[0] is field 3 (state), f[19] field 22
	if len(f) < 20 || string(f[0]) == "Z" || string(f[0]) == "X" {
		return 0, false
	}
	start, err = strconv.ParseUint(string(f[19]), 10, 64)
	return start, err == nil
}

func validProcName(name string) error {
	if name == "" || len(name) > 64 {
		return fmt.Errorf("process name %q: empty or longer than 64 bytes", name)
	}
	for _, c := range []byte(name) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
		if !ok {
			return fmt.Errorf("process name %q: only letters, digits, '.', '_' and '-'", name)
		}
	}
	return nil
}
