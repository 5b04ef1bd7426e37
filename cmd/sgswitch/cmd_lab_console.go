package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"
	"golang.org/x/sys/unix"

	"sgswitch/instance"
	"sgswitch/testbed"
)

// escapeByte leaves `lab console`: Ctrl-], as in telnet and virsh.
const escapeByte = 0x1d

func labConsoleCommand() *cli.Command {
	return &cli.Command{
		Name:      "console",
		Usage:     "attach the terminal to the serial console of a VM that sgswitch boots (Ctrl-] leaves)",
		ArgsUsage: "NODE",
		Flags: []cli.Flag{
			stateDirFlag(),
			&cli.StringFlag{Name: "lab", Usage: "the node's lab (needed when several labs have a node of that name)"},
			&cli.BoolFlag{Name: "log", Usage: "print the console's log (everything since the VM started) and exit"},
		},
		Action: labConsole,
	}
}

func labConsole(c *cli.Context) error {
	if c.NArg() != 1 {
		return cli.Exit("usage: sgswitch lab console NODE [--lab NAME] [--log]", 2)
	}
	dir, err := consoleDir(c.String("state-dir"), c.String("lab"), c.Args().First())
	if err != nil {
		return err
	}
	if c.Bool("log") {
		f, err := os.Open(instance.ConsoleLog(dir))
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(os.Stdout, f)
		return err
	}
	conn, err := net.Dial("unix", instance.ConsoleSocket(dir))
	if err != nil {
		return fmt.Errorf("console of %s: %w (is the VM running? `sgswitch lab status`)", c.Args().First(), err)
	}
	defer conn.Close()
	restore := makeRaw(int(os.Stdin.Fd()))
	defer restore()
	fmt.Fprintf(os.Stderr, "connected to %s's console; Ctrl-] leaves\r\n", c.Args().First())
	go func() { _, _ = io.Copy(os.Stdout, conn) }()
	return copyUntilEscape(conn, os.Stdin)
}

// consoleDir finds the files of VM node node: in lab's directory when
// lab is given, else in the one lab under stateDir that has such a node.
func consoleDir(stateDir, lab, node string) (string, error) {
	if lab != "" {
		dir := testbed.VMDir(stateDir, lab, node)
		if _, err := os.Stat(instance.ConsoleLog(dir)); err != nil {
			return "", fmt.Errorf("lab %s has no VM %s that sgswitch booted (no %s)", lab, node, instance.ConsoleLog(dir))
		}
		return dir, nil
	}
	dirs, _ := filepath.Glob(testbed.VMDir(stateDir, "*", node))
	switch len(dirs) {
	case 1:
		return dirs[0], nil
	case 0:
		return "", fmt.Errorf("no lab has a VM %s that sgswitch booted (looked in %s)", node, filepath.Join(stateDir, "vm"))
	}
	labs := make([]string, len(dirs))
	for i, d := range dirs {
		labs[i] = filepath.Base(filepath.Dir(d))
	}
	return "", fmt.Errorf("labs %s each have a VM %s: say which with --lab", strings.Join(labs, ", "), node)
}

// copyUntilEscape copies src to dst until src ends or sends escapeByte
// (what came before it in the same read is still copied).
func copyUntilEscape(dst io.Writer, src io.Reader) error {
	buf := make([]byte, 4096)
	for {
		n, err := src.Read(buf)
		if i := bytes.IndexByte(buf[:n], escapeByte); i >= 0 {
			_, werr := dst.Write(buf[:i])
			return werr
		}
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return werr
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// makeRaw puts the terminal fd in raw mode (no echo, no line editing, no
// signals from Ctrl-C: the guest gets every key) and returns what puts
// it back. On anything that is not a terminal it does nothing.
func makeRaw(fd int) (restore func()) {
	old, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return func() {}
	}
	raw := *old
	raw.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	raw.Oflag &^= unix.OPOST
	raw.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	raw.Cflag &^= unix.CSIZE | unix.PARENB
	raw.Cflag |= unix.CS8
	raw.Cc[unix.VMIN], raw.Cc[unix.VTIME] = 1, 0
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, &raw); err != nil {
		return func() {}
	}
	return func() { _ = unix.IoctlSetTermios(fd, unix.TCSETS, old) }
}
