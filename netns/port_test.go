package netns_test

import (
	"errors"
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
	if link, found, err := netns.FindPort(ns, s.Owner); err != nil || !found || link != "eth0" {
		t.Errorf("FindPort = %q %v %v", link, found, err)
	}
	if _, _, err := netns.FindPort(ns, other.Owner); !errors.Is(err, netns.ErrNotOwned) {
		t.Errorf("FindPort by another owner = %v", err)
	}
	if err := netns.DeletePort(ns, other.Owner); !errors.Is(err, netns.ErrNotOwned) {
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
	if _, found, err := netns.FindPort(ns, s.Owner); err != nil || found {
		t.Errorf("FindPort of a replaced device = %v, %v", found, err)
	}
	if recs, _ := netns.Records(s.Owner); len(recs) != 1 {
		t.Errorf("records after the port's device went: %+v", recs)
	}

	// DeletePort deletes a recorded port's device and its record.
	if err := netns.RecordPort(ns, "eth0", s.Owner); err != nil {
		t.Fatal(err)
	}
	if err := netns.DeletePort(ns, s.Owner); err != nil {
		t.Fatal(err)
	}
	err = netns.Do(ns, func() error { _, err := netlink.LinkByName("eth0"); return err })
	if err == nil {
		t.Error("DeletePort left the device")
	}
	if err := netns.DeletePort(ns, s.Owner); err != nil {
		t.Errorf("second DeletePort: %v", err)
	}
}
