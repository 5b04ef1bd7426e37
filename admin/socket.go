package admin

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"syscall"
	"time"

	"sgswitch/internal/bounded"
)

// What is at the socket path decides what Listen may do there and what
// Dial reports; both ask the same question, probe.

// ErrNoDaemon means no daemon answers at the socket path: nothing is there,
// or a stale socket (left by a daemon killed with -9) refuses connections.
// It is the one case in which starting a daemon is the right answer; a
// permission error (errors.Is(err, fs.ErrPermission)) is not.
var ErrNoDaemon = errors.New("no sgswitch daemon")

// probeTimeout bounds one connection attempt to the socket.
const probeTimeout = 2 * time.Second

// probe connects to the socket at path and hangs up: nil when a daemon
// accepts, otherwise dialError's account of why not.
func probe(path string) error {
	c, err := net.DialTimeout("unix", path, probeTimeout)
	if err != nil {
		return dialError(path, err)
	}
	c.Close()
	return nil
}

// dialError says truthfully why a connection to the socket at path
// failed: no daemon (ErrNoDaemon), no permission (run as root), or
// something else, each wrapping the system's error.
func dialError(path string, err error) error {
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		// Refused: a stale socket, or no socket at all (connect says the
		// same of a regular file).
		if fi, lerr := os.Lstat(path); lerr == nil && fi.Mode().Type() != fs.ModeSocket {
			return fmt.Errorf("admin socket %s: not a socket (%s): %w", path, bounded.FileKind(fi.Mode()), err)
		}
		fallthrough
	case errors.Is(err, syscall.ENOENT):
		return fmt.Errorf("%w at %s (start one with `sgswitch run`, or set %s): %w", ErrNoDaemon, path, SocketEnv, err)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("permission denied on the admin socket %s: run as root (the socket is mode 0600 in a 0700 directory): %w", path, err)
	}
	return fmt.Errorf("admin socket %s: %w", path, err)
}

// clearPath makes way for a new socket at path. Nothing there: done. A
// stale socket (a socket per lstat that refuses connections): removed,
// unless it changed meanwhile. Anything else is refused and left as it
// is: a regular file, a directory, a symlink (not followed), a device, a
// socket a live daemon answers on, a socket this process may not probe.
func clearPath(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("admin socket %s: %w", path, err)
	}
	if fi.Mode().Type() != fs.ModeSocket {
		return fmt.Errorf("admin socket %s: not a socket (%s); it is left as it is: remove it or choose another --socket", path, bounded.FileKind(fi.Mode()))
	}
	switch err := probe(path); {
	case err == nil:
		return fmt.Errorf("admin socket: another daemon answers on %s", path)
	case errors.Is(err, syscall.ENOENT):
		return nil // removed meanwhile
	case !errors.Is(err, syscall.ECONNREFUSED):
		return err
	}
	now, err := os.Lstat(path)
	if err != nil || !os.SameFile(fi, now) {
		return fmt.Errorf("admin socket %s: changed while being checked; not removed", path)
	}
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("removing the stale admin socket: %w", err)
	}
	return nil
}
