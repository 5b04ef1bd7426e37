// Package store keeps the daemon's state on disk so that it survives a
// restart, including kill -9.
//
// What: one bbolt file, <state-dir>/state.db, holding the whole security
// group model (a ruleset.Spec as JSON: groups, rules, prefix lists,
// interfaces, settings, id counters) and the wiring of every lab (which ENI
// is wired to which network namespace, port kind and interface name).
//
// Design: the store does not interpret the ruleset Spec; it keeps the JSON
// bytes the daemon hands it, so the store has no dependency on the model and
// a model change needs no store change. Lab records are typed (LabRecord)
// because the daemon re-attaches ports from them on start.
//
// Layout (buckets):
//
//	meta:    "schema" -> decimal SchemaVersion, "created" -> RFC 3339 time
//	ruleset: "spec"   -> ruleset.Spec JSON
//	labs:    <lab name> -> LabRecord JSON
//	settings: <key> -> value (free-form daemon settings)
//
// Updates and versioning: every change is one bbolt read-write transaction
// (Update), committed with fsync before Update returns, so a change the API
// reported as done is on disk. The schema version is checked on Open: a
// file written by a newer sgswitch (ErrNewerVersion) or a file that is not
// a valid sgswitch store (ErrCorrupt) is refused with a message naming the
// file, and the file is never written to: Open validates it read-only
// (shared lock, full consistency check) before opening it for writing.
// A state.db that is not a regular file is refused the same way.
//
// Size: no spec or lab record is larger than bounded.MaxBytes (4 MiB),
// the bound of every input sgswitch reads. Put refuses a larger one, so
// the store never writes what it would not read back, and a file holding
// one is refused as corrupt before anything is decoded.
//
// Thread-safety: a Store may be used by many goroutines; bbolt serialises
// writers. Only one process may hold the store open (an exclusive file
// lock); a second one fails with ErrLocked.
package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"sgswitch/internal/bounded"
)

// corrupt is ErrCorrupt for the file at path, saying what was wrong and
// what to do: the file is left as it was.
func corrupt(path string, detail any) error {
	return fmt.Errorf("%s: %w (%v); the file was not modified: move it aside to start with an empty state",
		path, ErrCorrupt, detail)
}

// SchemaVersion is the layout version this code writes and reads.
const SchemaVersion = 1

// FileName is the store's file inside the state directory.
const FileName = "state.db"

// Errors callers branch on (wrapped with the file name).
var (
	// ErrNewerVersion: the file was written by a newer sgswitch.
	ErrNewerVersion = errors.New("state store was written by a newer sgswitch")
	// ErrCorrupt: the file is not a readable sgswitch state store.
	ErrCorrupt = errors.New("state store is corrupt or not an sgswitch state store")
	// ErrLocked: another process holds the store open.
	ErrLocked = errors.New("state store is in use by another process")
)

var (
	bucketMeta     = []byte("meta")
	bucketRuleset  = []byte("ruleset")
	bucketLabs     = []byte("labs")
	bucketSettings = []byte("settings")

	keySchema  = []byte("schema")
	keyCreated = []byte("created")
	keySpec    = []byte("spec")
)

// lockTimeout bounds the wait for the file lock held by another process.
const lockTimeout = 500 * time.Millisecond

// Store is an open state store.
type Store struct {
	db   *bolt.DB
	path string
}

// Open opens (creating if needed) the store in dir. It refuses, without
// writing, a file from a newer version or a corrupt one.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating state directory: %w", err)
	}
	path := filepath.Join(dir, FileName)
	if err := validate(path); err != nil {
		return nil, err
	}
	db, err := openBolt(path, false)
	if err != nil {
		return nil, err
	}
	s := &Store{db: db, path: path}
	if err := s.initMeta(); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// Path is the store's file name.
func (s *Store) Path() string { return s.path }

// Close closes the file; the store must not be used afterwards.
func (s *Store) Close() error { return s.db.Close() }

// validate checks an existing, non-empty file read-only. A missing or empty
// file is a fresh store; anything but a regular file is refused.
func validate(path string) error {
	info, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("%s: %w (%s); it was left as it is: move it aside", path, bounded.ErrNotRegular, bounded.FileKind(info.Mode()))
	}
	if info.Size() == 0 {
		return nil
	}
	db, err := openBolt(path, true)
	if err != nil {
		return err
	}
	defer db.Close()
	return checkFile(db, path)
}

// openBolt opens the file, turning bbolt's errors (and panics on garbage
// pages) into the package's sentinel errors.
func openBolt(path string, readOnly bool) (db *bolt.DB, err error) {
	defer func() {
		if r := recover(); r != nil {
			db, err = nil, corrupt(path, r)
		}
	}()
	db, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: lockTimeout, ReadOnly: readOnly})
	switch {
	case err == nil:
		return db, nil
	case errors.Is(err, berrors.ErrTimeout):
		return nil, fmt.Errorf("%s: %w", path, ErrLocked)
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrChecksum),
		errors.Is(err, berrors.ErrVersionMismatch):
		return nil, corrupt(path, err)
	default:
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
}

// checkFile runs bbolt's consistency check and the schema check.
func checkFile(db *bolt.DB, path string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = corrupt(path, r)
		}
	}()
	return db.View(func(tx *bolt.Tx) error {
		for cerr := range tx.Check() {
			return corrupt(path, cerr)
		}
		if err := checkSchema(tx, path); err != nil {
			return err
		}
		return checkSizes(tx, path)
	})
}

// checkSizes refuses a file holding a spec or lab record larger than the
// input limit (bounded.MaxBytes), which this code never writes.
func checkSizes(tx *bolt.Tx, path string) error {
	if b := tx.Bucket(bucketRuleset); b != nil {
		if err := bounded.Check("ruleset spec", int64(len(b.Get(keySpec)))); err != nil {
			return corrupt(path, err)
		}
	}
	if b := tx.Bucket(bucketLabs); b != nil {
		return b.ForEach(func(k, v []byte) error {
			if err := bounded.Check(fmt.Sprintf("lab %q", k), int64(len(v))); err != nil {
				return corrupt(path, err)
			}
			return nil
		})
	}
	return nil
}

// checkSchema accepts a file with our schema (or older), or an empty bbolt
// file (a crash between creating the file and writing meta).
func checkSchema(tx *bolt.Tx, path string) error {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		empty := true
		_ = tx.ForEach(func([]byte, *bolt.Bucket) error { empty = false; return nil })
		if empty {
			return nil
		}
		return corrupt(path, "no meta bucket")
	}
	raw := meta.Get(keySchema)
	v, err := strconv.Atoi(string(raw))
	if err != nil || v < 1 {
		return corrupt(path, fmt.Sprintf("schema version %q", raw))
	}
	if v > SchemaVersion {
		return fmt.Errorf("%s: %w (file schema %d, this sgswitch reads up to %d); refusing to touch it",
			path, ErrNewerVersion, v, SchemaVersion)
	}
	return nil
}

// initMeta creates the buckets and the schema record of a fresh file.
func (s *Store) initMeta() error {
	return s.db.Update(func(tx *bolt.Tx) error {
		if err := checkSchema(tx, s.path); err != nil {
			return err
		}
		for _, name := range [][]byte{bucketMeta, bucketRuleset, bucketLabs, bucketSettings} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bucketMeta)
		if meta.Get(keySchema) == nil {
			if err := meta.Put(keySchema, []byte(strconv.Itoa(SchemaVersion))); err != nil {
				return err
			}
			return meta.Put(keyCreated, []byte(time.Now().UTC().Format(time.RFC3339)))
		}
		return nil
	})
}

// LabRecord is what the daemon needs to rebuild a lab after a restart: the
// lab as applied (opaque JSON, the testbed.Lab the client sent) and how each
// node is wired.
type LabRecord struct {
	Name  string          `json:"name"`
	Lab   json.RawMessage `json:"lab,omitempty"`
	Nodes []NodeWiring    `json:"nodes"`
	// Groups and PrefixLists are the ids the lab created (removed with it).
	Groups      []string `json:"groups,omitempty"`
	PrefixLists []string `json:"prefix_lists,omitempty"`
}

// NodeWiring says how one ENI is attached to the switch.
type NodeWiring struct {
	Node   string `json:"node"`
	ENI    string `json:"eni"`
	Kind   string `json:"kind"`             // "netns" or "vm"
	Port   string `json:"port"`             // "tap" or "afxdp" (netns); "attach" (vm)
	Netns  string `json:"netns,omitempty"`  // "<lab>-<node>" for kind netns
	IfName string `json:"ifname,omitempty"` // host-side interface the switch opens
}

// Snapshot is everything in the store, as loaded on start.
type Snapshot struct {
	Spec     json.RawMessage      // nil when nothing was saved yet
	Labs     map[string]LabRecord // by lab name
	Settings map[string]string
}

// Load reads the whole store.
func (s *Store) Load() (*Snapshot, error) {
	snap := &Snapshot{Labs: map[string]LabRecord{}, Settings: map[string]string{}}
	err := s.db.View(func(tx *bolt.Tx) error {
		if err := checkSizes(tx, s.path); err != nil {
			return err
		}
		if b := tx.Bucket(bucketRuleset).Get(keySpec); b != nil {
			snap.Spec = append(json.RawMessage(nil), b...)
		}
		err := tx.Bucket(bucketLabs).ForEach(func(k, v []byte) error {
			var rec LabRecord
			if err := json.Unmarshal(v, &rec); err != nil {
				return corrupt(s.path, fmt.Sprintf("lab %q: %v", k, err))
			}
			snap.Labs[string(k)] = rec
			return nil
		})
		if err != nil {
			return err
		}
		return tx.Bucket(bucketSettings).ForEach(func(k, v []byte) error {
			snap.Settings[string(k)] = string(v)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return snap, nil
}

// Tx is one atomic change; see Update.
type Tx struct{ tx *bolt.Tx }

// Update runs fn in one read-write transaction and commits it durably
// (fsync) before returning. If fn fails nothing is written.
func (s *Store) Update(fn func(*Tx) error) error {
	return s.db.Update(func(tx *bolt.Tx) error { return fn(&Tx{tx: tx}) })
}

// PutSpec replaces the saved ruleset Spec (JSON).
func (t *Tx) PutSpec(spec []byte) error {
	if err := bounded.Check("ruleset spec", int64(len(spec))); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if !json.Valid(spec) {
		return errors.New("store: spec is not valid JSON")
	}
	return t.tx.Bucket(bucketRuleset).Put(keySpec, spec)
}

// PutLab saves (or replaces) a lab record.
func (t *Tx) PutLab(rec LabRecord) error {
	if rec.Name == "" {
		return errors.New("store: lab record without a name")
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	if err := bounded.Check(fmt.Sprintf("lab %q", rec.Name), int64(len(b))); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return t.tx.Bucket(bucketLabs).Put([]byte(rec.Name), b)
}

// DeleteLab removes a lab record; removing a missing one is not an error.
func (t *Tx) DeleteLab(name string) error {
	return t.tx.Bucket(bucketLabs).Delete([]byte(name))
}

// PutSetting stores a daemon setting.
func (t *Tx) PutSetting(key, value string) error {
	return t.tx.Bucket(bucketSettings).Put([]byte(key), []byte(value))
}
