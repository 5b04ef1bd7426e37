package daemon

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"sgswitch/admin"
	"sgswitch/ec2api"
	"sgswitch/internal/httplimit"
)

// A client that sends its headers and never finishes its body is closed
// after ReadTimeout, and a flood of idle connections to the EC2 endpoint
// leaves the admin socket answering: the endpoint accepts at most
// MaxConns at once, the rest wait in the kernel's queue.
func TestEC2EndpointSurvivesIdleAndSlowClients(t *testing.T) {
	h := newHarness(t)
	dir, err := os.MkdirTemp("", "sgsx")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	sock := filepath.Join(dir, "admin.sock")
	lim := httplimit.Limits{ReadHeaderTimeout: 300 * time.Millisecond, ReadTimeout: 500 * time.Millisecond,
		WriteTimeout: time.Second, IdleTimeout: time.Second, MaxConns: 8}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- h.d.Run(ctx, Listen{Socket: sock, EC2: "127.0.0.1:0", EC2Handler: ec2api.NewHandler(h.d), EC2Limits: lim})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	cl := dialAdmin(t, sock, done)
	defer cl.Close()
	st, err := cl.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ec2 := st.EC2Listen

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
