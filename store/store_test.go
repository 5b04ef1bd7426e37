package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"sgswitch/ruleset"
)

func openT(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func sampleLab() LabRecord {
	return LabRecord{
		Name: "shop",
		Lab:  json.RawMessage(`{"name":"shop","subnet":"198.18.0.0/24"}`),
		Nodes: []NodeWiring{
			{Node: "web1", ENI: "eni-0000000000000001", Kind: "netns", Port: "tap", Netns: "shop-web1", IfName: "sgs-shop-web1"},
			{Node: "vm1", ENI: "eni-0000000000000002", Kind: "vm", Port: "attach", IfName: "tap-vm1"},
		},
	}
}

func TestRoundTrip(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir)
	spec := sampleSpec(t)
	err := s.Update(func(tx *Tx) error {
		if err := tx.SaveSpec(nil, &spec); err != nil {
			return err
		}
		if err := tx.PutLab(sampleLab()); err != nil {
			return err
		}
		return tx.PutSetting("ec2-listen", "127.0.0.1:8775")
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openT(t, dir)
	defer s.Close()
	snap, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	if snap.Spec == nil || !reflect.DeepEqual(*snap.Spec, spec) {
		t.Errorf("spec = %+v, want %+v", snap.Spec, spec)
	}
	got, _ := json.Marshal(snap.Labs["shop"])
	want, _ := json.Marshal(sampleLab())
	if !bytes.Equal(got, want) {
		t.Errorf("lab = %s, want %s", got, want)
	}
	if snap.Settings["ec2-listen"] != "127.0.0.1:8775" {
		t.Errorf("settings = %v", snap.Settings)
	}

	if err := s.Update(func(tx *Tx) error { return tx.DeleteLab("shop") }); err != nil {
		t.Fatal(err)
	}
	snap, _ = s.Load()
	if len(snap.Labs) != 0 {
		t.Errorf("labs after delete = %v", snap.Labs)
	}
}

func TestFreshStoreIsEmpty(t *testing.T) {
	s := openT(t, t.TempDir())
	defer s.Close()
	snap, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	if snap.Spec != nil || len(snap.Labs) != 0 {
		t.Errorf("fresh store not empty: %+v", snap)
	}
}

func TestFailedUpdateWritesNothing(t *testing.T) {
	s := openT(t, t.TempDir())
	defer s.Close()
	boom := errors.New("boom")
	spec := sampleSpec(t)
	err := s.Update(func(tx *Tx) error {
		if err := tx.SaveSpec(nil, &spec); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	snap, _ := s.Load()
	if snap.Spec != nil {
		t.Errorf("spec written by a failed update: %+v", snap.Spec)
	}
}

// TestDurableAfterKill writes from a child process that is killed with
// SIGKILL right after Update returns, without Close: the change must be on
// disk.
func TestDurableAfterKill(t *testing.T) {
	if dir := os.Getenv("STORE_TEST_CHILD_DIR"); dir != "" {
		s, err := Open(dir)
		if err != nil {
			os.Exit(3)
		}
		var prev *ruleset.Spec
		for i := 0; i < 5; i++ {
			next := ruleset.Spec{VPC: ruleset.VPCConfig{CIDR: netip.MustParsePrefix("198.18.0.0/24")}, IDCounter: uint64(i)}
			if err := s.Update(func(tx *Tx) error { return tx.SaveSpec(prev, &next) }); err != nil {
				os.Exit(4)
			}
			prev = &next
		}
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {}
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestDurableAfterKill$")
	cmd.Env = append(os.Environ(), "STORE_TEST_CHILD_DIR="+dir)
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child did not die by SIGKILL: %v", err)
	}
	s := openT(t, dir)
	defer s.Close()
	snap, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	if snap.Spec == nil || snap.Spec.IDCounter != 4 {
		t.Errorf("spec after kill = %+v, want the fifth (IDCounter 4)", snap.Spec)
	}
}

// refuseUnchanged asserts Open fails with want and leaves the file intact.
func refuseUnchanged(t *testing.T, dir string, want error) {
	t.Helper()
	path := filepath.Join(dir, FileName)
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir)
	if err == nil {
		s.Close()
		t.Fatalf("Open accepted the file")
	}
	if !errors.Is(err, want) {
		t.Fatalf("Open error = %v, want %v", err, want)
	}
	if !bytes.Contains([]byte(err.Error()), []byte(path)) {
		t.Errorf("error does not name the file: %v", err)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Errorf("refused file was modified")
	}
}

func TestRefuseNewerVersion(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir)
	s.Close()
	db, err := bolt.Open(filepath.Join(dir, FileName), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keySchema, []byte(strconv.Itoa(SchemaVersion+1)))
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	refuseUnchanged(t, dir, ErrNewerVersion)
}

func TestRefuseCorrupt(t *testing.T) {
	cases := []struct {
		name    string
		corrupt func(t *testing.T, path string)
	}{
		{"garbage", func(t *testing.T, path string) {
			if err := os.WriteFile(path, bytes.Repeat([]byte("not a database "), 2000), 0o600); err != nil {
				t.Fatal(err)
			}
		}},
		{"both meta pages damaged", func(t *testing.T, path string) {
			b, _ := os.ReadFile(path)
			for _, off := range []int{0x20, 4096 + 0x20} {
				b[off] ^= 0xff
			}
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
		}},
		{"foreign bbolt file", func(t *testing.T, path string) {
			os.Remove(path)
			db, err := bolt.Open(path, 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			err = db.Update(func(tx *bolt.Tx) error {
				_, err := tx.CreateBucket([]byte("someone-else"))
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}},
		{"bad schema value", func(t *testing.T, path string) {
			db, err := bolt.Open(path, 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			err = db.Update(func(tx *bolt.Tx) error {
				return tx.Bucket(bucketMeta).Put(keySchema, []byte("x"))
			})
			if err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s := openT(t, dir)
			spec := sampleSpec(t)
			s.Update(func(tx *Tx) error { return tx.SaveSpec(nil, &spec) })
			s.Close()
			tc.corrupt(t, filepath.Join(dir, FileName))
			refuseUnchanged(t, dir, ErrCorrupt)
		})
	}
}

func TestRefuseCorruptLabRecord(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir)
	s.Close()
	db, _ := bolt.Open(filepath.Join(dir, FileName), 0o600, nil)
	db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketLabs).Put([]byte("x"), []byte("{")) })
	db.Close()
	s = openT(t, dir)
	defer s.Close()
	if _, err := s.Load(); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Load error = %v, want ErrCorrupt", err)
	}
}

func TestSecondOpenIsLocked(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir)
	defer s.Close()
	if s2, err := Open(dir); !errors.Is(err, ErrLocked) {
		if s2 != nil {
			s2.Close()
		}
		t.Fatalf("second Open error = %v, want ErrLocked", err)
	}
}

// bigJSON is a JSON string value n bytes long.
func bigJSON(n int) []byte {
	return append(append([]byte(`"`), bytes.Repeat([]byte("x"), n-2)...), '"')
}

// TestSnapshotSizeBound is the regression test for unbounded snapshots:
// the store never writes a record over the 4 MiB input limit (so whatever
// it wrote, it can read back), and Open refuses, unchanged, a file
// holding one. The bound is per object: the model as a whole may be
// larger (TestModelLargerThanOneRecord).
func TestSnapshotSizeBound(t *testing.T) {
	const limit = 4 << 20
	dir := t.TempDir()
	s := openT(t, dir)
	spec := sampleSpec(t)
	spec.Groups[1].Description = strings.Repeat("x", limit)
	err := s.Update(func(tx *Tx) error { return tx.SaveSpec(nil, &spec) })
	if err == nil || !strings.Contains(err.Error(), "groups "+spec.Groups[1].ID+": larger than the 4 MiB limit") {
		t.Errorf("SaveSpec of a group over the limit: %v", err)
	}
	rec := sampleLab()
	rec.Lab = bigJSON(limit + 1)
	err = s.Update(func(tx *Tx) error { return tx.PutLab(rec) })
	if err == nil || !strings.Contains(err.Error(), `lab "shop": larger than the 4 MiB limit`) {
		t.Errorf("PutLab over the limit: %v", err)
	}
	s.Close()

	for _, bucket := range [][]byte{bucketRuleset, bucketRules, bucketLabs} {
		t.Run(string(bucket), func(t *testing.T) {
			dir := t.TempDir()
			openT(t, dir).Close()
			path := filepath.Join(dir, FileName)
			db, err := bolt.Open(path, 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			err = db.Update(func(tx *bolt.Tx) error {
				b, err := tx.CreateBucketIfNotExists(bucket)
				if err != nil {
					return err
				}
				return b.Put(keySpec, bigJSON(limit+1))
			})
			db.Close()
			if err != nil {
				t.Fatal(err)
			}
			refuseUnchanged(t, dir, ErrCorrupt)
			if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), "larger than the 4 MiB limit") {
				t.Errorf("Open of a store with an oversize record: %v, want the limit named", err)
			}
		})
	}
}

// TestOpenRefusesANonRegularFile: a state.db that is a FIFO, a directory
// or a device is refused, named, and left alone.
func TestOpenRefusesANonRegularFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		s, err := Open(dir)
		if err == nil {
			s.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), path+": not a regular file (a FIFO)") {
			t.Errorf("Open over a FIFO: %v", err)
		}
	case <-time.After(10 * time.Second):
		if f, err := os.OpenFile(path, os.O_RDWR|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
		t.Fatal("Open over a FIFO still blocked after 10 s")
	}
	if fi, err := os.Lstat(path); err != nil || fi.Mode().Type() != os.ModeNamedPipe {
		t.Errorf("the FIFO was replaced: %v", err)
	}
}
