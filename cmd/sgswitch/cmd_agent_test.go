package main

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"sgswitch/agent"
)

// TestAgentProcess runs a static `sgswitch agent --port SOCKET` as a
// process: it waits for the socket to exist, serves a client, connects
// again when that client's stream ends (a host that reconnects), and
// exits 0 on SIGTERM.
func TestAgentProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the sgswitch binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "sgswitch")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	sock := filepath.Join(dir, "agent.sock")
	cmd := exec.Command(bin, "agent", "--port", sock, "--wait", "20s")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill() // no-op once it exited
		<-exited
	})
	time.Sleep(300 * time.Millisecond) // the agent starts before its port exists
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for round := range 2 {
		serveOnce(t, l, round)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		exited <- err // for the cleanup
		if err != nil {
			t.Fatalf("agent after SIGTERM: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("agent still running 10 s after SIGTERM")
	}
}

// serveOnce accepts the agent's connection and proves it answers.
func serveOnce(t *testing.T, l net.Listener, round int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	_ = l.(*net.UnixListener).SetDeadline(time.Now().Add(20 * time.Second))
	conn, err := l.Accept()
	if err != nil {
		t.Fatalf("round %d: the agent never connected: %v", round, err)
	}
	c, err := agent.NewClient(ctx, conn)
	if err != nil {
		t.Fatalf("round %d: %v", round, err)
	}
	defer c.Close()
	if err := c.Ping(ctx); err != nil {
		t.Fatalf("round %d: ping: %v", round, err)
	}
	ifs, err := c.Addrs(ctx)
	if err != nil || len(ifs) == 0 {
		t.Fatalf("round %d: addrs: %v %v", round, ifs, err)
	}
}
