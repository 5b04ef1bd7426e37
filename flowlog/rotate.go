package flowlog

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Defaults of Rotation (see the package comment).
const (
	DefaultMaxBytes  = 64 << 20           // rotate before a file grows past 64 MiB
	DefaultRotateAge = 24 * time.Hour     // and once it has been written to for a day
	DefaultKeep      = 5                  // rotated files kept per interface
	DefaultMaxAge    = 7 * 24 * time.Hour // files not written for 7 days are removed
)

// Rotation bounds the files a Writer keeps. A zero or negative field
// turns its bound off, except Keep: 0 keeps no rotated file.
type Rotation struct {
	// MaxBytes: the current file is rotated before a batch would take it
	// past this size (a batch larger than MaxBytes gets a file to itself).
	MaxBytes int64
	// RotateAge: the current file is rotated before a write once this
	// long has passed since it was started (for a file found on disk,
	// since its last change: the writer cannot know more).
	RotateAge time.Duration
	// Keep is how many rotated files (<eni>.log.1 newest … .Keep oldest)
	// are kept per interface.
	Keep int
	// MaxAge: any flow-log file in the directory not written for this
	// long is removed, including those of interfaces that no longer exist.
	MaxAge time.Duration
}

// DefaultRotation is 64 MiB or one day per file, 5 rotated files, 7 days.
func DefaultRotation() Rotation {
	return Rotation{MaxBytes: DefaultMaxBytes, RotateAge: DefaultRotateAge, Keep: DefaultKeep, MaxAge: DefaultMaxAge}
}

// needsRotation says whether the current file (size bytes, started at
// start) must be rotated before add more bytes are appended at now.
func (r Rotation) needsRotation(size, add int64, start, now time.Time) bool {
	if size == 0 {
		return false
	}
	if r.MaxBytes > 0 && size+add > r.MaxBytes {
		return true
	}
	return r.RotateAge > 0 && now.Sub(start) >= r.RotateAge
}

// rotate renames path to path.1, shifting older files up to path.Keep and
// removing the one beyond. The current file is renamed, never copied, so
// its records stay whole in the rotated file; the next write creates a
// new one. With Keep 0 the current file is removed.
func (r Rotation) rotate(path string) error {
	if r.Keep <= 0 {
		return os.Remove(path)
	}
	if err := os.Remove(rotated(path, r.Keep)); err != nil && !os.IsNotExist(err) {
		return err
	}
	for i := r.Keep - 1; i >= 1; i-- {
		if err := os.Rename(rotated(path, i), rotated(path, i+1)); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	return os.Rename(path, rotated(path, 1))
}

func rotated(path string, i int) string { return path + "." + strconv.Itoa(i) }

// sweep removes the flow-log files in dir that MaxAge or Keep no longer
// allow: any eni-<id>.log or eni-<id>.log.N not modified for MaxAge, and any
// <name>.log.N with N above Keep (left by a run with a larger Keep). Other
// files are never touched, nor the current files just written (written),
// whatever their modification time says. It returns the paths it removed.
func (r Rotation) sweep(dir string, now time.Time, written map[string]bool) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var removed []string
	var errs []error
	for _, e := range entries {
		n, ok := logIndex(e.Name())
		if !ok || !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // removed meanwhile
		}
		old := r.MaxAge > 0 && now.Sub(info.ModTime()) >= r.MaxAge
		path := filepath.Join(dir, e.Name())
		if written[path] || !old && n <= max(r.Keep, 0) {
			continue
		}
		if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, path)
	}
	if len(errs) > 0 {
		return removed, fmt.Errorf("removing old flow-log files: %v", errs)
	}
	return removed, nil
}

// logIndex parses a flow-log file name: "eni-<id>.log" is 0, a rotated
// "eni-<id>.log.N" is N; anything else is not a flow-log file. Only names
// with the ENI prefix count, so a --flowlog-dir shared with other files
// (the state directory's daemon.log, a /var/log) loses none of them.
func logIndex(name string) (int, bool) {
	if !strings.HasPrefix(name, "eni-") {
		return 0, false
	}
	if strings.HasSuffix(name, ".log") {
		return 0, true
	}
	i := strings.LastIndex(name, ".log.")
	if i <= 0 {
		return 0, false
	}
	n, err := strconv.Atoi(name[i+len(".log."):])
	if err != nil || n < 1 || strconv.Itoa(n) != name[i+len(".log."):] {
		return 0, false
	}
	return n, true
}
