package netns_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/vishvananda/netlink"

	"sgswitch/netns"
	"sgswitch/netns/netnstest"
)

// addVeth makes a veth pair a, b inside namespace ns (a stand-in for a
// persistent TAP: any device inside a namespace can be a port record's).
func addVeth(t *testing.T, ns, a, b string) {
	t.Helper()
	err := netns.Do(ns, func() error {
		return netlink.LinkAdd(&netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: a}, PeerName: b})
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestPortRecords(t *testing.T) {
	s := netnstest.New(t)
	other := netnstest.New(t)
	ns, err := s.CreateNetns("-p")
	if err != nil {
		t.Fatal(err)
	}
	addVeth(t, ns, "eth0", "peer0")
	if err := netns.RecordPort(ns, "eth0", other.Owner); err == nil {
		t.Error("recorded a port in another owner's namespace")
	}
	if err := netns.RecordPort(ns, "eth0", s.Owner); err != nil {
		t.Fatal(err)
	}
	if found, err := netns.FindPort(ns, "eth0", s.Owner); err != nil || !found {
		t.Errorf("FindPort = %v %v", found, err)
	}
	if _, err := netns.FindPort(ns, "eth0", other.Owner); !errors.Is(err, netns.ErrNotOwned) {
		t.Errorf("FindPort by another owner = %v", err)
	}
	if err := netns.DeletePort(ns, "eth0", other.Owner); !errors.Is(err, netns.ErrNotOwned) {
		t.Errorf("DeletePort by another owner = %v", err)
	}
	if left, _ := netns.Leftovers(s.Owner); len(left) != 2 {
		t.Errorf("leftovers with a port: %v", left)
	}

	// The device is replaced under the same name: no longer the port.
	err = netns.Do(ns, func() error {
		l, err := netlink.LinkByName("eth0")
		if err == nil {
			err = netlink.LinkDel(l)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	addVeth(t, ns, "eth1", "peer1") // takes a new ifindex
	addVeth(t, ns, "eth0", "peer2")
	if found, err := netns.FindPort(ns, "eth0", s.Owner); err != nil || found {
		t.Errorf("FindPort of a replaced device = %v, %v", found, err)
	}
	if recs, _ := netns.Records(s.Owner); len(recs) != 1 {
		t.Errorf("records after the port's device went: %+v", recs)
	}

	// DeletePort deletes a recorded port's device and its record.
	if err := netns.RecordPort(ns, "eth0", s.Owner); err != nil {
		t.Fatal(err)
	}
	if err := netns.DeletePort(ns, "eth0", s.Owner); err != nil {
		t.Fatal(err)
	}
	err = netns.Do(ns, func() error { _, err := netlink.LinkByName("eth0"); return err })
	if err == nil {
		t.Error("DeletePort left the device")
	}
	if err := netns.DeletePort(ns, "eth0", s.Owner); err != nil {
		t.Errorf("second DeletePort: %v", err)
	}
}

// ifindex returns the index of link inside ns.
func ifindex(t *testing.T, ns, link string) int {
	t.Helper()
	var index int
	err := netns.Do(ns, func() error {
		l, err := netlink.LinkByName(link)
		if err == nil {
			index = l.Attrs().Index
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return index
}

// hasLink reports whether ns has a link called name.
func hasLink(t *testing.T, ns, name string) bool {
	t.Helper()
	links, err := netns.Links(ns)
	if err != nil {
		t.Fatal(err)
	}
	return slices.Contains(links, name)
}

// A namespace holds one port per link: each is found and deleted on its
// own, and deleting the namespace drops every record.
func TestPortsPerLink(t *testing.T) {
	s := netnstest.New(t)
	ns, err := s.CreateNetns("-m")
	if err != nil {
		t.Fatal(err)
	}
	addVeth(t, ns, "eth0", "peer0")
	addVeth(t, ns, "eth1", "peer1")
	for _, l := range []string{"eth0", "eth1"} {
		if err := netns.RecordPort(ns, l, s.Owner); err != nil {
			t.Fatal(err)
		}
	}
	for _, l := range []string{"eth0", "eth1"} {
		if found, err := netns.FindPort(ns, l, s.Owner); err != nil || !found {
			t.Errorf("FindPort %s = %v %v", l, found, err)
		}
	}
	if found, err := netns.FindPort(ns, "peer0", s.Owner); err != nil || found {
		t.Errorf("FindPort of an unrecorded link = %v %v", found, err)
	}
	if left, _ := netns.Leftovers(s.Owner); len(left) != 3 {
		t.Errorf("leftovers with two ports: %v", left)
	}
	if err := netns.DeletePort(ns, "eth1", s.Owner); err != nil {
		t.Fatal(err)
	}
	if hasLink(t, ns, "eth1") || !hasLink(t, ns, "eth0") {
		t.Errorf("after DeletePort eth1: links %v", must(netns.Links(ns)))
	}
	if found, err := netns.FindPort(ns, "eth0", s.Owner); err != nil || !found {
		t.Errorf("FindPort eth0 after eth1 went = %v %v", found, err)
	}
	if err := netns.Delete(ns, s.Owner); err != nil {
		t.Fatal(err)
	}
	if recs, _ := netns.Records(s.Owner); len(recs) != 0 {
		t.Errorf("records after Delete: %+v", recs)
	}
}

// writeFirstFormat writes the port record the previous version wrote for
// link in ns: named after the namespace, without "netns".
func writeFirstFormat(t *testing.T, ns, link string, owner netns.Owner) string {
	t.Helper()
	rec := fmt.Sprintf(`{"kind":"port","name":%q,"owner":%q,"pid":%d,"ifindex":%d,"link":%q,"created":"2026-12-01T00:00:00Z"}`+"\n",
		ns, owner, os.Getpid(), ifindex(t, ns, link), link)
	path := filepath.Join(netns.RecordDir, "port-"+ns)
	if err := os.WriteFile(path, []byte(rec), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// A store written by the previous version (one port record per
// namespace) re-wires: its eth0 is found, another link is not taken for
// it, a new-format record of the same link supersedes it, and DeletePort
// and Delete remove it.
func TestPortRecordFirstFormat(t *testing.T) {
	s := netnstest.New(t)
	ns, err := s.CreateNetns("-o")
	if err != nil {
		t.Fatal(err)
	}
	addVeth(t, ns, "eth0", "peer0")
	addVeth(t, ns, "eth1", "peer1")
	old := writeFirstFormat(t, ns, "eth0", s.Owner)
	if found, err := netns.FindPort(ns, "eth0", s.Owner); err != nil || !found {
		t.Fatalf("FindPort eth0 of a first-format record = %v %v", found, err)
	}
	if found, err := netns.FindPort(ns, "eth1", s.Owner); err != nil || found {
		t.Errorf("FindPort eth1 = %v %v: the first-format record names eth0", found, err)
	}
	if left, _ := netns.Leftovers(s.Owner); !slices.Contains(left, "port "+ns) {
		t.Errorf("leftovers do not show the first-format port: %v", left)
	}
	if err := netns.DeletePort(ns, "eth1", s.Owner); err != nil || !hasLink(t, ns, "eth0") {
		t.Errorf("DeletePort eth1 = %v, took eth0 with it: %v", err, !hasLink(t, ns, "eth0"))
	}
	if err := netns.DeletePort(ns, "eth0", s.Owner); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(old); !os.IsNotExist(err) || hasLink(t, ns, "eth0") {
		t.Errorf("DeletePort eth0 left the record (%v) or the device", err)
	}

	addVeth(t, ns, "eth0", "peer2")
	old = writeFirstFormat(t, ns, "eth0", s.Owner)
	if err := netns.RecordPort(ns, "eth0", s.Owner); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Errorf("the first-format record stayed beside the new one: %v", err)
	}
	writeFirstFormat(t, ns, "eth1", s.Owner) // Delete drops both formats
	if err := netns.Delete(ns, s.Owner); err != nil {
		t.Fatal(err)
	}
	if recs, _ := netns.Records(s.Owner); len(recs) != 0 {
		t.Errorf("records after Delete: %+v", recs)
	}
}

// DeleteUnused keeps a namespace while a link other than lo is in it, and
// refuses another owner's before looking inside.
func TestDeleteUnused(t *testing.T) {
	s := netnstest.New(t)
	other := netnstest.New(t)
	ns, err := s.CreateNetns("-u")
	if err != nil {
		t.Fatal(err)
	}
	addVeth(t, ns, "eth1", "peer1")
	if _, err := netns.DeleteUnused(ns, other.Owner); !errors.Is(err, netns.ErrNotOwned) {
		t.Errorf("DeleteUnused by another owner = %v", err)
	}
	if gone, err := netns.DeleteUnused(ns, s.Owner); err != nil || gone || !netns.Exists(ns) {
		t.Fatalf("DeleteUnused with eth1 inside = %v %v", gone, err)
	}
	err = netns.Do(ns, func() error {
		l, err := netlink.LinkByName("eth1")
		if err == nil {
			err = netlink.LinkDel(l)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if gone, err := netns.DeleteUnused(ns, s.Owner); err != nil || !gone || netns.Exists(ns) {
		t.Fatalf("DeleteUnused with only lo = %v %v", gone, err)
	}
	if gone, err := netns.DeleteUnused(ns, s.Owner); err != nil || gone {
		t.Errorf("DeleteUnused of a missing namespace = %v %v", gone, err)
	}
}

func must[T any](v T, _ error) T { return v }
