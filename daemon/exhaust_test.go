package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"sgswitch/admin"
	"sgswitch/ec2api"
	"sgswitch/internal/httplimit"
	"sgswitch/netns"
	"sgswitch/netns/netnstest"
)

// A client that sends its headers and never finishes its body is closed
// after ReadTimeout, and a flood of idle connections to the EC2 endpoint
// leaves the admin socket answering: the endpoint accepts at most
// MaxConns at once, the rest wait in the kernel's queue.
func TestEC2EndpointSurvivesIdleAndSlowClients(t *testing.T) {
	ctx := context.Background()
	ec2, cl, sock, done := runBoundedEC2(t)

	// The slow body: headers and 10 of 100 bytes, then nothing.
	slow, err := net.Dial("tcp", ec2)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	io.WriteString(slow, "POST / HTTP/1.1\r\nHost: "+ec2+"\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nAction=Des")
	slow.SetReadDeadline(time.Now().Add(5 * time.Second))
	start := time.Now()
	_, err = io.Copy(io.Discard, slow)
	if err != nil {
		t.Fatalf("the slow-body connection was not closed by the server: %v", err)
	}
	t.Logf("slow-body connection closed by the server after %v", time.Since(start).Round(time.Millisecond))

	// The flood: as many idle connections as the descriptor limit leaves
	// room for (at most 20,000), for at most 10 s, stopping when the
	// kernel's accept queue is full (connects then stall: the daemon
	// spends nothing on them).
	conns := flood(t, ec2, floodSize(), 10*time.Second)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	sctx, scancel := context.WithTimeout(ctx, 5*time.Second)
	defer scancel()
	if _, err := cl.Status(sctx); err != nil {
		t.Fatalf("admin status with %d idle EC2 connections: %v", len(conns), err)
	}
	fresh := dialAdmin(t, sock, done)
	defer fresh.Close()
	if _, err := fresh.Status(sctx); err != nil {
		t.Fatalf("new admin connection with %d idle EC2 connections: %v", len(conns), err)
	}
}

// runBoundedEC2 runs a daemon with short EC2 limits (at most 8
// connections) until the test ends, and returns its EC2 address, an admin
// client, the admin socket and Run's result channel.
func runBoundedEC2(t *testing.T) (ec2 string, cl *admin.Client, sock string, done chan error) {
	t.Helper()
	h := newHarness(t)
	dir, err := os.MkdirTemp("", "sgsx")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock = filepath.Join(dir, "admin.sock")
	lim := httplimit.Limits{ReadHeaderTimeout: 300 * time.Millisecond, ReadTimeout: 500 * time.Millisecond,
		WriteTimeout: time.Second, IdleTimeout: time.Second, MaxConns: 8}
	ctx, cancel := context.WithCancel(context.Background())
	done = make(chan error, 1)
	go func() {
		done <- h.d.Run(ctx, Listen{Socket: sock, EC2: "127.0.0.1:0", EC2Handler: ec2api.NewHandler(h.d), EC2Limits: lim})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	cl = dialAdmin(t, sock, done)
	t.Cleanup(func() { cl.Close() })
	st, err := cl.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return st.EC2Listen, cl, sock, done
}

func dialAdmin(t *testing.T, sock string, done <-chan error) *admin.Client {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := admin.Dial(sock)
		if err == nil {
			return c
		}
		select {
		case err := <-done:
			t.Fatalf("Run: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("admin socket: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// floodSize is 20,000 connections, or fewer when this process's
// descriptor limit leaves less room (keeping 512 for everything else).
func floodSize() int {
	var rl syscall.Rlimit
	n := 20000
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err == nil && int(rl.Cur)-512 < n {
		n = int(rl.Cur) - 512
	}
	return max(n, 0)
}

// flood opens up to n idle connections to addr within budget and
// returns them; it stops at the first connect that stalls (the accept
// queue is full) and says how many it made.
func flood(t *testing.T, addr string, n int, budget time.Duration) []net.Conn {
	conns := make([]net.Conn, 0, n)
	end := time.Now().Add(budget)
	d := net.Dialer{Timeout: 200 * time.Millisecond}
	for len(conns) < n && time.Now().Before(end) {
		c, err := d.Dial("tcp", addr)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				break
			}
			t.Logf("dial %d: %v", len(conns), err)
			break
		}
		conns = append(conns, c)
	}
	t.Logf("opened %d idle EC2 connections (wanted %d; connects stall once the accept queue is full)", len(conns), n)
	return conns
}

// floodInnerEnv marks the test binary that TestEC2EndpointHolds20000Idle
// runs again inside its namespace; floodToEnv one of the client processes
// that one starts, with the address to flood.
const (
	floodInnerEnv = "SGSWITCH_TEST_FLOOD_NETNS"
	floodToEnv    = "SGSWITCH_TEST_FLOOD_TO"
)

// floodClients and floodPerClient split the 20,000 connections between
// processes: each process's descriptor limit may be 20,000 itself.
const floodClients, floodPerClient = 2, 10000

// TestEC2EndpointHolds20000Idle is the figure: 20,000 idle
// connections to the EC2 endpoint while the admin socket answers. The
// host's accept queue (net.core.somaxconn, 4096 on many hosts) would stall
// the connects long before, and Go reads that limit once per process, so
// the test runs itself again inside a namespace of its own whose somaxconn
// is 32,768 (a per-namespace setting: the host's is not touched). There it
// runs the daemon, and client processes of its own hold the connections.
func TestEC2EndpointHolds20000Idle(t *testing.T) {
	switch {
	case os.Getenv(floodToEnv) != "":
		floodClient(t, os.Getenv(floodToEnv))
		return
	case os.Getenv(floodInnerEnv) != "":
		floodInside(t)
		return
	}
	netnstest.RequireRoot(t)
	sc := netnstest.New(t)
	ns, err := sc.CreateNetns("fl")
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("ip", "-n", ns, "link", "set", "lo", "up").CombinedOutput(); err != nil {
		t.Fatalf("lo up in %s: %v: %s", ns, err, out)
	}
	if err := netns.Do(ns, func() error {
		return os.WriteFile("/proc/sys/net/core/somaxconn", []byte("32768"), 0o644)
	}); err != nil {
		t.Fatalf("somaxconn in %s: %v", ns, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ip", "netns", "exec", ns, os.Args[0], "-test.run=^TestEC2EndpointHolds20000Idle$", "-test.v")
	cmd.Env = append(os.Environ(), floodInnerEnv+"=1")
	out, err := cmd.CombinedOutput()
	t.Logf("inside %s:\n%s", ns, out)
	if err != nil {
		t.Fatalf("the flood inside the namespace failed: %v", err)
	}
}

// floodInside runs a bounded EC2 endpoint, has client processes open
// 20,000 idle connections to it, and checks that the admin socket still
// answers, on its open connection and on a new one.
func floodInside(t *testing.T) {
	ec2, cl, sock, done := runBoundedEC2(t)
	total := 0
	for range floodClients {
		cmd := exec.Command(os.Args[0], "-test.run=^TestEC2EndpointHolds20000Idle$")
		cmd.Env = append(os.Environ(), floodToEnv+"="+ec2)
		stdin, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { stdin.Close(); cmd.Wait() }) // EOF on stdin ends the client
		var n int
		if _, err := fmt.Fscanf(stdout, "opened %d\n", &n); err != nil {
			t.Fatalf("flood client: %v", err)
		}
		total += n
	}
	if total != floodClients*floodPerClient {
		t.Fatalf("opened %d idle connections, want %d", total, floodClients*floodPerClient)
	}
	t.Logf("%d idle EC2 connections open", total)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := cl.Status(ctx); err != nil {
		t.Fatalf("admin status with %d idle EC2 connections: %v", total, err)
	}
	fresh := dialAdmin(t, sock, done)
	defer fresh.Close()
	if _, err := fresh.Status(ctx); err != nil {
		t.Fatalf("new admin connection with %d idle EC2 connections: %v", total, err)
	}
}

// floodClient opens floodPerClient idle connections to addr, says how
// many on stdout, and holds them until stdin ends.
func floodClient(t *testing.T, addr string) {
	conns := flood(t, addr, floodPerClient, time.Minute)
	fmt.Printf("opened %d\n", len(conns))
	io.Copy(io.Discard, os.Stdin)
	for _, c := range conns {
		c.Close()
	}
}
