package netns_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"sgswitch/netns"
	"sgswitch/netns/netnstest"
)

// A record whose pid now names another process (another start time: the
// pid was reused) is stale: StopProcess drops it and signals nobody.
func TestStopProcessReusedPID(t *testing.T) {
	s := netnstest.New(t)
	cmd := netnstest.Sleeper(t)
	name := s.Name(".reused")
	rec := netns.Record{Kind: netns.KindProc, Name: name, Owner: s.Owner, PID: os.Getpid(),
		ProcPID: cmd.Process.Pid, ProcStart: 1, Created: time.Now().UTC()}
	b, _ := json.Marshal(rec)
	if err := os.MkdirAll(netns.RecordDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(netns.RecordDir, "proc-"+name), b, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := netns.StopProcess(name, s.Owner, time.Second); err != nil {
		t.Errorf("StopProcess = %v, want nil", err)
	}
	if !netnstest.Running(cmd.Process.Pid) {
		t.Error("a process whose start time does not match the record was signalled")
	}
	if _, err := os.Stat(filepath.Join(netns.RecordDir, "proc-"+name)); !os.IsNotExist(err) {
		t.Errorf("stale record still there: %v", err)
	}
}

func TestRemoveAllEndsProcesses(t *testing.T) {
	s := netnstest.New(t)
	cmd := netnstest.Sleeper(t)
	name := s.Name(".proc")
	if err := netns.RecordProcess(name, cmd.Process.Pid, s.Owner); err != nil {
		t.Fatal(err)
	}
	if left, err := netns.Leftovers(s.Owner); err != nil || len(left) != 1 || left[0] != "proc "+name {
		t.Errorf("Leftovers = %v %v, want [proc %s]", left, err, name)
	}
	if err := netns.RemoveAll(s.Owner); err != nil {
		t.Fatal(err)
	}
	if netnstest.Running(cmd.Process.Pid) {
		t.Error("RemoveAll left the owner's process running")
	}
}
