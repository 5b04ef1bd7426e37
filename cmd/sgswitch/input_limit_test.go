package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/urfave/cli/v2"
)

// limitInputs makes, in a fresh directory, the inputs every file argument
// must refuse: a FIFO (whose open blocks until a writer comes), a
// directory, a file one byte over the 4 MiB limit. /dev/null stands for
// the character devices (/dev/zero would be read forever by a command
// that does not check; /dev/null ends at once even then).
func limitInputs(t *testing.T) (fifo, dir, big string) {
	t.Helper()
	tmp := t.TempDir()
	fifo = filepath.Join(tmp, "lab.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	dir = filepath.Join(tmp, "lab.d")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	big = filepath.Join(tmp, "big.yaml")
	data := append([]byte("# padding\n"), bytes.Repeat([]byte("#"), 4<<20)...)
	if err := os.WriteFile(big, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return fifo, dir, big
}

// runCLI runs sgswitch with args and returns its error, or an error
// saying it did not return within 10 s (a FIFO opened for reading blocks
// until a writer comes: unblockFIFO ends such an open).
func runCLI(t *testing.T, fifo string, args ...string) error {
	t.Helper()
	app := newApp()
	app.Writer, app.ErrWriter = &bytes.Buffer{}, &bytes.Buffer{}
	app.ExitErrHandler = func(*cli.Context, error) {}
	done := make(chan error, 1)
	go func() { done <- app.Run(append([]string{"sgswitch"}, args...)) }()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		unblockFIFO(fifo)
		<-done
		return fmt.Errorf("sgswitch %s: still running after 10 s", strings.Join(args, " "))
	}
}

// unblockFIFO opens the FIFO for writing and closes it, so a reader
// blocked in open (or read) sees end of file.
func unblockFIFO(path string) {
	if f, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
		f.Close()
	}
}

// TestFileArgumentsAreBounded is the regression test for unbounded input
// (`sgswitch lab up /dev/zero` read forever): every command that reads a
// file named on its command line refuses anything but a regular file
// below the limit, naming the file, before it does anything else.
func TestFileArgumentsAreBounded(t *testing.T) {
	fifo, dir, big := limitInputs(t)
	sock := filepath.Join(t.TempDir(), "none.sock")
	commands := map[string]func(path string) []string{
		"lab up":                func(p string) []string { return []string{"lab", "up", "--socket", sock, p} },
		"lab status":            func(p string) []string { return []string{"lab", "status", "--socket", sock, p} },
		"lab check":             func(p string) []string { return []string{"lab", "check", p} },
		"export nftables --lab": func(p string) []string { return []string{"export", "nftables", "--lab", p} },
		"export nftables --spec": func(p string) []string {
			return []string{"export", "nftables", "--spec", p}
		},
		"bench render": func(p string) []string { return []string{"bench", "render", "--out", t.TempDir(), p} },
		"bench check":  func(p string) []string { return []string{"bench", "check", p} },
		"ec2 --ip-permissions file://": func(p string) []string {
			return []string{"ec2", "authorize-security-group-ingress", "--endpoint-url", "http://127.0.0.1:1",
				"--group-id", "sg-1", "--ip-permissions", "file://" + p}
		},
	}
	for name, args := range commands {
		for _, c := range []struct{ path, want string }{
			{fifo, fifo + ": not a regular file (a FIFO)"},
			{"/dev/null", "/dev/null: not a regular file (a character device)"},
			{dir, dir + ": not a regular file (a directory)"},
			{big, big + ": larger than the 4 MiB limit"},
		} {
			err := runCLI(t, fifo, args(c.path)...)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s %s: error %v, want %q", name, c.path, err, c.want)
			}
		}
	}
}

// TestSpecFromStdinIsBounded: `export nftables --spec -` reads at most
// the limit from standard input.
func TestSpecFromStdinIsBounded(t *testing.T) {
	_, _, big := limitInputs(t)
	f, err := os.Open(big)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	stdin := os.Stdin
	os.Stdin = f
	defer func() { os.Stdin = stdin }()
	err = runCLI(t, "", "export", "nftables", "--spec", "-")
	if err == nil || !strings.Contains(err.Error(), "standard input: larger than the 4 MiB limit") {
		t.Errorf("export nftables --spec - error %v, want the limit", err)
	}
	var ec cli.ExitCoder
	if errors.As(err, &ec) && ec.ExitCode() == 0 {
		t.Errorf("exit 0")
	}
}
