package daemon

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"syscall"
	"time"

	"sgswitch/admin"
)

// Taking over: `sgswitch run --take-over` starts while the daemon it
// replaces still forwards. The new process does everything that needs no
// state first (the Go runtime, the flow table, the observers), then asks
// the old daemon to stop gracefully (POST /v1/shutdown: it saves conntrack
// and closes its store as on SIGTERM), waits for its process to end, and
// only then opens the store, restores conntrack and re-attaches the
// persistent ports. The outage is the old daemon's stop and the new one's
// start from the store on, not a process start: a restart or an upgrade
// without the 60–120 ms a large binary takes to reach main
// (perf/results/2026-12-05-restart-outage-2.md).

// TakeOverWait bounds how long `run --take-over` waits for the daemon it
// replaces to stop.
const TakeOverWait = 30 * time.Second

// ShutdownPath is the admin endpoint that stops the daemon gracefully.
const ShutdownPath = "/v1/shutdown"

// shutdownReply is what the endpoint answers before it stops.
type shutdownReply struct {
	PID int `json:"pid"`
}

// mountShutdown serves ShutdownPath on adm: it answers with the daemon's
// process id, then stop ends Run as a SIGTERM would.
func mountShutdown(adm *admin.Server, stop context.CancelFunc) {
	adm.Handle("POST "+ShutdownPath, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(shutdownReply{PID: pid})
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		stop()
	}))
}

// ended reports whether process pid has ended: gone (signal 0 fails with
// ESRCH), or a zombie its parent has not reaped yet (it has exited: its
// files, the store's lock among them, are closed).
func ended(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return true
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return errors.Is(err, os.ErrNotExist)
	}
	// "pid (comm) state …": the state follows the last ')'.
	if i := bytes.LastIndexByte(b, ')'); i >= 0 && i+2 < len(b) {
		return b[i+2] == 'Z' || b[i+2] == 'X'
	}
	return false
}

// TakeOver asks the daemon answering on socket to stop gracefully and
// waits, at most wait, for its process to end. taken is false when no
// daemon answers there (nothing to take over: start as usual).
func TakeOver(ctx context.Context, socket string, wait time.Duration) (taken bool, err error) {
	cl, err := admin.Dial(socket)
	if errors.Is(err, admin.ErrNoDaemon) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer cl.Close()
	var r shutdownReply
	if err := cl.Do(ctx, http.MethodPost, ShutdownPath, nil, &r); err != nil {
		return false, fmt.Errorf("asking the daemon on %s to stop: %w", socket, err)
	}
	if r.PID <= 0 {
		return false, fmt.Errorf("the daemon on %s gave no process id", socket)
	}
	deadline := time.Now().Add(wait)
	for {
		if ended(r.PID) {
			return true, nil
		}
		if time.Now().After(deadline) {
			return false, fmt.Errorf("the daemon on %s (pid %d) did not stop within %v", socket, r.PID, wait)
		}
		time.Sleep(time.Millisecond)
	}
}
