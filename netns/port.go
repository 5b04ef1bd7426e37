package netns

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/vishvananda/netlink"
)

// KindPort records a persistent port device (a TAP made with
// TUNSETPERSIST) that lives inside one of owner's namespaces: the record
// is named after the namespace and holds the device's name there (Link)
// and its ifindex. Such a device outlives the process that holds it, so
// that a daemon restart keeps the instance's interface (ifindex, MAC, MTU,
// addresses, routes); the next daemon re-attaches it only when the record
// and the device still agree (FindPort). It goes with its namespace:
// a virtual device is destroyed with the namespace it is in.
const KindPort Kind = "port"

// RecordPort records that owner made the device link inside namespace ns
// (which must be owner's) as a persistent port.
func RecordPort(ns, link string, owner Owner) error {
	if ours, err := isOwnedNetns(ns, owner); err != nil || !ours {
		if err == nil {
			err = fmt.Errorf("netns %s: no such namespace of %s", ns, owner)
		}
		return err
	}
	var index int
	err := withHandle(ns, func(h *netlink.Handle) error {
		l, err := h.LinkByName(link)
		if err == nil {
			index = l.Attrs().Index
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("recording port %s in %s: %w", link, ns, err)
	}
	return writeRecord(Record{Kind: KindPort, Name: ns, Link: link, Owner: owner, PID: os.Getpid(), Ifindex: index, Created: time.Now().UTC()})
}

// FindPort returns the name of owner's persistent port in namespace ns
// when there is one to re-attach: recorded for owner, in owner's
// namespace, and the device there has the recorded ifindex and name. A
// record whose device is gone (or was replaced) is dropped and found is
// false, so the caller makes a new one; a record of another owner fails
// with ErrNotOwned.
func FindPort(ns string, owner Owner) (link string, found bool, err error) {
	r, err := readRecord(KindPort, ns)
	if err != nil || r == nil {
		return "", false, err
	}
	if r.Owner != owner {
		return "", false, notOwned(KindPort, ns, owner, r)
	}
	ours, err := isOwnedNetns(ns, owner)
	if err != nil {
		return "", false, err
	}
	if ours && portMatches(ns, r) {
		return r.Link, true, nil
	}
	return "", false, removeRecord(KindPort, ns)
}

// portMatches reports whether the device r records is in ns as recorded.
func portMatches(ns string, r *Record) bool {
	ok := false
	_ = withHandle(ns, func(h *netlink.Handle) error {
		l, err := h.LinkByIndex(r.Ifindex)
		ok = err == nil && l.Attrs().Name == r.Link
		return nil
	})
	return ok
}

// DeletePort deletes owner's persistent port in namespace ns, if the
// device there is still the recorded one, and its record. Nothing
// recorded is fine; another owner's record fails with ErrNotOwned.
func DeletePort(ns string, owner Owner) error {
	r, err := readRecord(KindPort, ns)
	if err != nil || r == nil {
		return err
	}
	if r.Owner != owner {
		return notOwned(KindPort, ns, owner, r)
	}
	if ours, _ := isOwnedNetns(ns, owner); ours && portMatches(ns, r) {
		err := withHandle(ns, func(h *netlink.Handle) error {
			l, err := h.LinkByIndex(r.Ifindex)
			if err == nil {
				err = h.LinkDel(l)
			}
			return err
		})
		var nf netlink.LinkNotFoundError
		if err != nil && !errors.As(err, &nf) {
			return fmt.Errorf("deleting port %s in %s: %w", r.Link, ns, err)
		}
	}
	return removeRecord(KindPort, ns)
}

// VethOf reports whether the host link hostName is a veth owner made
// (recorded, same ifindex) whose other end is the link peer inside
// namespace ns (owner's): a veth port a previous daemon made, which can
// be attached again as it is.
func VethOf(hostName, ns, peer string, owner Owner) (bool, error) {
	r, err := readRecord(KindLink, hostName)
	if err != nil || r == nil || r.Owner != owner {
		return false, err
	}
	l, found, err := linkByName(hostName)
	if err != nil || !found || l.Attrs().Index != r.Ifindex {
		return false, err
	}
	veth, ok := l.(*netlink.Veth)
	if !ok {
		return false, nil
	}
	if ours, err := isOwnedNetns(ns, owner); err != nil || !ours {
		return false, err
	}
	peerIndex, err := netlink.VethPeerIndex(veth)
	if err != nil {
		return false, nil
	}
	match := false
	_ = withHandle(ns, func(h *netlink.Handle) error {
		p, err := h.LinkByIndex(peerIndex)
		match = err == nil && p.Attrs().Name == peer
		return nil
	})
	return match, nil
}
