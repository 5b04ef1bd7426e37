package netns

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// RecordDir is where ownership records live: one small JSON file per
// object. It is on /run (tmpfs), which is emptied at boot as the
// namespaces and links it describes are.
const RecordDir = "/run/sgswitch/owned"

// maxRecord bounds what reading one record may take; a record is a few
// hundred bytes.
const maxRecord = 4096

// Owner names who made an object: "lab/<name>" for a lab, "test/<pid>-<n>"
// for a test, "bench/<pid>" for a bench run. LabOwner, and the test and
// bench helpers, build them.
type Owner string

// LabOwner is the owner of every host object of lab name.
func LabOwner(lab string) Owner { return Owner("lab/" + lab) }

// ErrNotOwned is returned (wrapped) when an object exists but is not the
// caller's to use or remove.
var ErrNotOwned = errors.New("not made by sgswitch for this owner")

// Kind is what a record describes.
type Kind string

// Record kinds.
const (
	KindNetns Kind = "netns" // a named network namespace in /run/netns
	KindLink  Kind = "link"  // a link in the host namespace sgswitch created
	KindClaim Kind = "claim" // an existing host interface a lab attaches to
	// KindPort (port.go): a persistent port device inside a namespace.
	// KindProc (process.go): a process sgswitch started, such as a VM.
)

// Record is what is known of one object sgswitch made or claimed.
type Record struct {
	Kind  Kind   `json:"kind"`
	Name  string `json:"name"`
	Owner Owner  `json:"owner"`
	// PID is the process that made the object, for sweeping what a
	// killed test left.
	PID int `json:"pid"`
	// Dev and Ino identify a namespace (the nsfs inode bound at its name).
	Dev uint64 `json:"dev,omitempty"`
	Ino uint64 `json:"ino,omitempty"`
	// Ifindex identifies a link.
	Ifindex int `json:"ifindex,omitempty"`
	// Link is a port's device name inside its namespace (KindPort).
	Link string `json:"link,omitempty"`
	// Netns is a port's namespace (KindPort; Name is "<netns>:<link>").
	// Empty in a record of the first format, one port per namespace,
	// whose Name is the namespace (port.go).
	Netns string `json:"netns,omitempty"`
	// ProcPID and ProcStart identify a process (KindProc): its pid and
	// its start time in clock ticks since boot.
	ProcPID   int       `json:"procPid,omitempty"`
	ProcStart uint64    `json:"procStart,omitempty"`
	Created   time.Time `json:"created"`
}

func recordPath(k Kind, name string) string {
	return filepath.Join(RecordDir, string(k)+"-"+name)
}

// readRecord returns the record of the object, or nil when there is none.
func readRecord(k Kind, name string) (*Record, error) {
	f, err := os.Open(recordPath(k, name))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r Record
	dec := json.NewDecoder(io.LimitReader(f, maxRecord))
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("ownership record %s: %w", recordPath(k, name), err)
	}
	if r.Kind != k || r.Name != name {
		return nil, fmt.Errorf("ownership record %s describes %s %q", recordPath(k, name), r.Kind, r.Name)
	}
	return &r, nil
}

// writeRecord stores r atomically.
func writeRecord(r Record) error {
	if err := os.MkdirAll(RecordDir, 0o700); err != nil {
		return err
	}
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(RecordDir, ".tmp-")
	if err != nil {
		return err
	}
	_, err = tmp.Write(append(b, '\n'))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), recordPath(r.Kind, r.Name))
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("recording %s %s: %w", r.Kind, r.Name, err)
	}
	return nil
}

func removeRecord(k Kind, name string) error {
	err := os.Remove(recordPath(k, name))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}

// Records lists the records of owner (every owner when owner is ""),
// sorted by kind and name. Unreadable records are skipped and reported
// in the error.
func Records(owner Owner) ([]Record, error) {
	ents, err := os.ReadDir(RecordDir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Record
	var errs []error
	for _, e := range ents {
		kind, name, ok := strings.Cut(e.Name(), "-")
		if !ok || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		r, err := readRecord(Kind(kind), name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if r != nil && (owner == "" || r.Owner == owner) {
			out = append(out, *r)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return out[i].Kind < out[j].Kind
		}
		return out[i].Name < out[j].Name
	})
	return out, errors.Join(errs...)
}

// notOwned explains why an object is not the caller's.
func notOwned(k Kind, name string, owner Owner, r *Record) error {
	switch {
	case r == nil:
		return fmt.Errorf("%s %s exists and was not made by sgswitch (ip netns add, another tool or the system made it): %w", k, name, ErrNotOwned)
	case r.Owner != owner:
		return fmt.Errorf("%s %s belongs to %s, not %s: %w", k, name, r.Owner, owner, ErrNotOwned)
	}
	return fmt.Errorf("%s %s was replaced since sgswitch made it for %s: %w", k, name, owner, ErrNotOwned)
}
