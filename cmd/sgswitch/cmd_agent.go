package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"sgswitch/agent"
)

// agentPause is how long the agent waits before opening or serving its
// port again; it keeps a guest whose host is away from spinning.
const agentPause = 250 * time.Millisecond

func init() {
	register(&cli.Command{
		Name:  "agent",
		Usage: "serve lab checks inside a VM guest over its virtio-serial port, until killed",
		Description: "Runs in the guest (a static binary is enough). PATH is the guest's port, a character device;\n" +
			"a unix socket is connected to instead (tests). See package agent for the protocol.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "port", Value: agent.GuestPort, Usage: "the agent port: a character device, or a unix socket to connect to"},
			&cli.DurationFlag{Name: "wait", Value: time.Minute, Usage: "how long to keep retrying when the port cannot be opened"},
		},
		Action: func(c *cli.Context) error {
			ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runAgent(ctx, c.String("port"), c.Duration("wait"))
		},
	})
}

// runAgent serves the port until ctx ends. A port that fails is opened
// again; the error is for one that could not be opened within wait.
func runAgent(ctx context.Context, path string, wait time.Duration) error {
	for {
		port, err := openAgentPort(ctx, path, wait)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		err = serveAgentPort(ctx, port)
		port.Close()
		if ctx.Err() != nil {
			return nil
		}
		if !errors.Is(err, io.EOF) {
			fmt.Fprintf(os.Stderr, "sgswitch agent: %s: %v; opening it again\n", path, err)
		}
		if !sleepCtx(ctx, agentPause) {
			return nil
		}
	}
}

// serveAgentPort serves one open port. A character device reads EOF
// while no host is connected to the VM's end, so it is served again on
// the same descriptor (closing it could lose what the host sends next);
// a socket's EOF means its peer is gone, and it is returned.
func serveAgentPort(ctx context.Context, port io.ReadWriteCloser) error {
	_, isFile := port.(*os.File)
	for {
		err := agent.Serve(ctx, port)
		if !isFile || !errors.Is(err, io.EOF) {
			return err
		}
		if !sleepCtx(ctx, agentPause) {
			return ctx.Err()
		}
	}
}

// openAgentPort opens path, retrying for wait: the guest may start the
// agent before the port's device exists, or a test before its socket
// listens.
func openAgentPort(ctx context.Context, path string, wait time.Duration) (io.ReadWriteCloser, error) {
	deadline := time.Now().Add(wait)
	for {
		port, err := openAgentPortOnce(ctx, path)
		if err == nil {
			return port, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("opening agent port %s (retried for %s): %w", path, wait, err)
		}
		if !sleepCtx(ctx, agentPause) {
			return nil, ctx.Err()
		}
	}
}

func openAgentPortOnce(ctx context.Context, path string) (io.ReadWriteCloser, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.Mode()&os.ModeSocket != 0 {
		var d net.Dialer
		return d.DialContext(ctx, "unix", path)
	}
	return os.OpenFile(path, os.O_RDWR, 0)
}

// sleepCtx sleeps for d; false when ctx ended first.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
