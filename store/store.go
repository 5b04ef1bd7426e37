// Package store keeps the daemon's state on disk so that it survives a
// restart, including kill -9.
//
// What: one bbolt file, <state-dir>/state.db, holding the model (an
// account.Account: the VPC layer, and for each VPC its security-group
// model, a ruleset.Spec: groups, rules, prefix lists, interfaces, the id
// counter), the wiring of every lab (which ENI is wired to which
// network namespace, port kind and interface name) and daemon settings.
//
// Design: the in-memory ruleset.Spec is the model; the store keeps each
// object of it under its own key, so a change writes the objects it
// changed and nothing else. Tx.SaveChanges takes the spec before and
// after a change and the model's journal of what the change touched
// (ruleset.State.ChangesSince) and writes those records (plus the
// successor of an object inserted or removed), looking nothing else up,
// so an authorize writes one rule record (and the VPC record, whose id
// counter moved) at the same cost whether the model holds a hundred rules
// or fifty thousand. Tx.SaveSpec compares whole models instead (a
// comparison per object): the first save, a schema 1 conversion, and
// models rebuilt from a Spec, which have no journal. Records are the model's own
// types as JSON, so a field added to the model needs no store change. Lab
// records are typed (LabRecord) because the daemon re-attaches ports from
// them on start.
//
// Layout (buckets, schema 3):
//
//	meta:         "schema" -> decimal SchemaVersion, "created" -> RFC 3339 time
//	network:      "account" -> {Config, Network (vpc.Spec)}
//	vpcs/<vpc- id>/ one bucket per VPC holding its security-group model:
//	  vpc:          "vpc" -> {VPC, IDCounter}
//	  groups:       <sg- id> -> {Prev, Group (without its rules)}
//	  rules:        <sgr- id> -> {Group, Egress, Prev, Rule}
//	  prefix-lists: <pl- id> -> {Prev, PrefixList}
//	  interfaces:   <eni- id> -> {Prev, Interface}
//	labs:         <lab name> -> LabRecord JSON
//	settings:     <key> -> value (free-form daemon settings)
//
// The VPC layer (VPCs, subnets, route tables, network ACLs, where each
// interface sits) is one record: EC2's quotas keep it to hundreds of
// objects, and it is rewritten only when its bytes change. The security
// groups, which reach tens of thousands of rules, keep a record per object
// as below. Schema 2 had one VPC's model (the same five buckets) at the
// file's root.
//
// Order: the model's lists are ordered (creation order, describe output,
// interface indexes), so each record names the id of the one before it in
// its list (Prev, "" for the first): appending writes one record, removing
// one rewrites only its successor. Load rebuilds every list from these
// links and refuses a store whose links do not form one chain per list.
// Rule ids are unique in the whole model (the model generates them from
// one counter), so rules share one bucket.
//
// Migration: schema 1 kept the whole spec as one JSON record
// ("ruleset"/"spec"), schema 2 one model at the root. Such a file loads as
// it is (Snapshot.Spec); the daemon turns it into an account of one VPC
// (account.FromOneVPC, every id kept) and its first SaveAccount converts
// the file in that transaction (every object written under its VPC, the
// old records removed, schema set to 3), so a crash leaves either the old
// layout or the new one. An older sgswitch refuses a newer file
// (ErrNewerVersion) rather than misreading it.
//
// Updates and versioning: every change is one bbolt read-write transaction
// (Update), committed with fsync before Update returns, so a change the API
// reported as done is on disk, and a crash never leaves half a change. The
// schema version is checked on Open: a file written by a newer sgswitch
// (ErrNewerVersion) or a file that is not a valid sgswitch store
// (ErrCorrupt) is refused with a message naming the file, and the file is
// never written to: Open validates it read-only (shared lock, full
// consistency check) before opening it for writing. A state.db that is not
// a regular file is refused the same way. A record that does not decode,
// names an id other than its key, or breaks its list's chain makes Load
// fail with ErrCorrupt naming the record; nothing is written then.
//
// Size: no record is larger than bounded.MaxBytes (4 MiB), the bound of
// every input sgswitch reads. A write of a larger one is refused, so the
// store never writes what it would not read back, and a file holding one
// is refused as corrupt before anything is decoded. Since every object is
// a record of its own, the bound applies to one group, rule, prefix list,
// interface or lab, not to the model as a whole.
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
	"slices"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"sgswitch/account"
	"sgswitch/internal/bounded"
	"sgswitch/ruleset"
)

// corrupt is ErrCorrupt for the file at path, saying what was wrong and
// what to do: the file is left as it was.
func corrupt(path string, detail any) error {
	return fmt.Errorf("%s: %w (%v); the file was not modified: move it aside to start with an empty state",
		path, ErrCorrupt, detail)
}

// SchemaVersion is the layout version this code writes; it also reads
// schema 1 (see Migration in the package comment).
const SchemaVersion = 3

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
	bucketLabs     = []byte("labs")
	bucketSettings = []byte("settings")

	keySchema  = []byte("schema")
	keyCreated = []byte("created")
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

// checkSizes refuses a file holding a record larger than the input limit
// (bounded.MaxBytes), which this code never writes.
func checkSizes(tx *bolt.Tx, path string) error {
	if b := tx.Bucket(bucketRuleset); b != nil {
		if err := bounded.Check("ruleset spec", int64(len(b.Get(keySpec)))); err != nil {
			return corrupt(path, err)
		}
	}
	if err := checkBucketSizes(tx, slices.Concat(modelBuckets, [][]byte{bucketLabs, bucketNetwork}), path); err != nil {
		return err
	}
	vpcs := tx.Bucket(bucketVPCs)
	if vpcs == nil {
		return nil
	}
	return vpcs.ForEach(func(k, v []byte) error {
		b := vpcs.Bucket(k)
		if b == nil {
			return corrupt(path, fmt.Sprintf("%s: %q is not a VPC bucket", bucketVPCs, k))
		}
		return checkBucketSizes(b, modelBuckets, path)
	})
}

// checkBucketSizes checks every record of the named buckets of parent.
func checkBucketSizes(parent bucketer, names [][]byte, path string) error {
	for _, name := range names {
		b := parent.Bucket(name)
		if b == nil {
			continue
		}
		err := b.ForEach(func(k, v []byte) error {
			if err := bounded.Check(recordName(name, k), int64(len(v))); err != nil {
				return corrupt(path, err)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// recordName names a record in messages: `lab "shop"`, `rules "sgr-…"`.
func recordName(bucket, key []byte) string {
	if string(bucket) == string(bucketLabs) {
		return fmt.Sprintf("lab %q", key)
	}
	return fmt.Sprintf("%s %q", bucket, key)
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
		for _, name := range slices.Concat([][]byte{bucketMeta, bucketLabs, bucketSettings}, modelBuckets) {
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
	// VPC is the lab's own VPC, removed with it, or with Joined the
	// existing VPC the lab joined. Empty for a lab applied before labs had
	// VPCs: it lives in the default VPC. A lab that joined a VPC or lives
	// in the default one made Groups and PrefixLists there (removed with
	// it; the VPC stays).
	VPC         string   `json:"vpc,omitempty"`
	Joined      bool     `json:"joined,omitempty"`
	Groups      []string `json:"groups,omitempty"`
	PrefixLists []string `json:"prefix_lists,omitempty"`
	// Metadata holds, by node name, the instance metadata options set
	// through the EC2 API (ModifyInstanceMetadataOptions). They override
	// the lab's own for as long as this record lives: applying the same
	// lab again keeps them, a changed lab replaces the record and drops
	// them (the lab file is the source again).
	Metadata map[string]MetadataOptions `json:"metadata,omitempty"`
}

// MetadataOptions are an instance's whole metadata options, as EC2's
// InstanceMetadataOptions.
type MetadataOptions struct {
	HttpTokens           string `json:"http_tokens"`
	HopLimit             int    `json:"hop_limit"`
	HttpEndpoint         bool   `json:"http_endpoint"`
	HttpProtocolIpv6     bool   `json:"http_protocol_ipv6,omitempty"`
	InstanceMetadataTags bool   `json:"instance_metadata_tags,omitempty"`
}

// NodeWiring says how one ENI is attached to the switch.
type NodeWiring struct {
	Node   string `json:"node"`
	ENI    string `json:"eni"`
	Kind   string `json:"kind"`             // "netns" or "vm"
	Port   string `json:"port"`             // "tap" or "afxdp" (netns); "attach" (vm)
	Netns  string `json:"netns,omitempty"`  // "<lab>-<node>" for kind netns
	IfName string `json:"ifname,omitempty"` // host-side interface the switch opens
	// Interface is the ENI's number in its node (0: eth0, the primary,
	// which every record before nodes had several interfaces means).
	Interface int `json:"interface,omitempty"`
	// Forwarding is the node's `forwarding: true` (IP forwarding inside
	// its namespace).
	Forwarding bool `json:"forwarding,omitempty"`
	// Attached says the interface was attached to the node through the
	// EC2 API (AttachNetworkInterface), not made by the lab: `lab down`
	// detaches it when its VPC outlives the lab instead of deleting it.
	Attached bool `json:"attached,omitempty"`
}

// Name is how the interface is named to users: its node, and for a
// node's second interface on "node.eth1" (testbed.Endpoint's form).
func (n NodeWiring) Name() string {
	if n.Interface == 0 {
		return n.Node
	}
	return fmt.Sprintf("%s.eth%d", n.Node, n.Interface)
}

// Snapshot is everything in the store, as loaded on start.
type Snapshot struct {
	// Account is the model (schema 3); nil when the file holds none.
	Account *account.Spec
	// Spec is the model of a file from before accounts (schema 1 or 2:
	// one VPC); nil otherwise. The daemon converts it (account.FromOneVPC)
	// and its first SaveAccount rewrites the file as schema 3.
	Spec     *ruleset.Spec
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
		spec, err := loadSpec(tx)
		if err != nil {
			return corrupt(s.path, err)
		}
		acct, err := loadAccount(tx)
		if err != nil {
			return corrupt(s.path, err)
		}
		if spec != nil && acct != nil {
			return corrupt(s.path, "both a one-VPC model at the root and an account")
		}
		snap.Spec, snap.Account = spec, acct
		err = tx.Bucket(bucketLabs).ForEach(func(k, v []byte) error {
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
type Tx struct {
	tx *bolt.Tx
	// scope holds the security-group model's buckets this Tx writes: nil
	// for the file's root (schema 2), else one VPC's bucket (ForVPC).
	scope *bolt.Bucket
	ops   []op // SaveSpec's writes, applied together in key order
}

// Update runs fn in one read-write transaction and commits it durably
// (fsync) before returning. If fn fails nothing is written.
func (s *Store) Update(fn func(*Tx) error) error {
	return s.db.Update(func(tx *bolt.Tx) error { return fn(&Tx{tx: tx}) })
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
