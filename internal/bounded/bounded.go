// Package bounded reads what sgswitch is handed (files named on its
// command line, request bodies, stored snapshots) with one size limit,
// MaxBytes, so that no input makes it read forever or hold more than that.
//
// Files: ReadFile reads only a regular file (symlinks to one are
// followed). The type is checked with stat before the file is opened,
// because opening is not harmless for everything else: a FIFO's open
// blocks until a writer comes, a device's open may act on the device. The
// file is then opened non-blocking and checked again, in case it was
// swapped in between.
//
// Streams and bodies: Read reads at most MaxBytes+1 bytes of a stream
// (standard input) and refuses the stream if there was more; RequestBody
// does the same for an HTTP request body through http.MaxBytesReader,
// which also tells the server to close the connection.
//
// Errors name what was read and wrap ErrNotRegular or ErrTooLarge, so
// callers branch with errors.Is (an HTTP server answers ErrTooLarge with
// 413 Request Entity Too Large).
package bounded

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"syscall"
)

// MaxBytes is the most sgswitch reads of any one input: a lab file, a
// JSON argument (--ip-permissions file://…), a ruleset spec, a bench
// results file, an admin or EC2 API request body, a record of the state
// store. Lab files are a few KB; a 10,000-rule ruleset spec is about 1 MB.
const MaxBytes = 4 << 20

// Errors callers branch on (wrapped with the name of the input).
var (
	// ErrNotRegular: the file is a directory, FIFO, device, socket, ….
	ErrNotRegular = errors.New("not a regular file")
	// ErrTooLarge: the input is larger than MaxBytes.
	ErrTooLarge = fmt.Errorf("larger than the %d MiB limit", MaxBytes>>20)
)

// ReadFile reads the regular file at path, of at most MaxBytes. Anything
// else is refused without being read: "PATH: not a regular file (a FIFO)",
// "PATH: larger than the 4 MiB limit".
func ReadFile(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if err := checkFile(path, fi); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err = f.Stat(); err != nil {
		return nil, err
	}
	if err := checkFile(path, fi); err != nil {
		return nil, err
	}
	return Read(path, f)
}

// checkFile refuses a file that is not regular or is too large by its size.
func checkFile(path string, fi fs.FileInfo) error {
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s: %w (%s)", path, ErrNotRegular, FileKind(fi.Mode()))
	}
	return Check(path, fi.Size())
}

// Read reads r to its end, of at most MaxBytes; name says what r is in
// the error ("standard input", a file name).
func Read(name string, r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := Check(name, int64(len(b))); err != nil {
		return nil, err
	}
	return b, nil
}

// Check refuses a size above MaxBytes: "NAME: larger than the 4 MiB limit".
func Check(name string, size int64) error {
	if size > MaxBytes {
		return fmt.Errorf("%s: %w", name, ErrTooLarge)
	}
	return nil
}

// RequestBody reads the body of r, of at most MaxBytes. A body declared
// (Content-Length) or found larger is refused with an error wrapping
// ErrTooLarge, and the server closes the connection after answering.
func RequestBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	const name = "request body"
	if r.Body == nil {
		return nil, nil
	}
	if err := Check(name, r.ContentLength); err != nil {
		return nil, err
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBytes))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, fmt.Errorf("%s: %w", name, ErrTooLarge)
	}
	if err != nil {
		return nil, fmt.Errorf("reading the %s: %w", name, err)
	}
	return b, nil
}

// FileKind names a file type for a message: "a regular file", "a
// directory", "a symlink", "a FIFO", "a character device", ….
func FileKind(m fs.FileMode) string {
	switch m.Type() {
	case 0:
		return "a regular file"
	case fs.ModeDir:
		return "a directory"
	case fs.ModeSymlink:
		return "a symlink"
	case fs.ModeNamedPipe:
		return "a FIFO"
	case fs.ModeSocket:
		return "a socket"
	case fs.ModeDevice:
		return "a block device"
	case fs.ModeDevice | fs.ModeCharDevice:
		return "a character device"
	}
	return "a file of type " + m.Type().String()
}
