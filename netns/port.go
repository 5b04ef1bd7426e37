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
// is named "<namespace>:<link>" (a link name never holds ':', so the last
// one splits it back) and holds the device's name there (Link), its
// namespace (Netns) and its ifindex. A namespace holds one port per
// interface of its node (eth0, eth1, …). Such a device outlives the
// process that holds it, so that a daemon restart keeps the instance's
// interface (ifindex, MAC, MTU, addresses, routes); the next daemon
// re-attaches it only when the record and the device still agree
// (FindPort). It goes with its namespace: a virtual device is destroyed
// with the namespace it is in.
//
// Records of the first format (one port per namespace, named after the
// namespace, without Netns) are still read: a daemon upgraded over a
// running lab finds and removes its eth0 as before.
const KindPort Kind = "port"

// portName is the record name of port link in namespace ns.
func portName(ns, link string) string { return ns + ":" + link }

// port returns the namespace and link a port record describes, in either
// format.
func (r *Record) port() (ns, link string) {
	if r.Netns == "" {
		return r.Name, r.Link // first format: named after the namespace
	}
	return r.Netns, r.Link
}

// readPort returns the record of port link in ns: its own, or else a
// first-format record of ns naming that link; nil when there is none.
func readPort(ns, link string) (*Record, error) {
	r, err := readRecord(KindPort, portName(ns, link))
	if err != nil {
		return nil, err
	}
	if r != nil {
		if rns, rlink := r.port(); rns != ns || rlink != link {
			return nil, fmt.Errorf("port record %s describes %s in %s", r.Name, rlink, rns)
		}
		return r, nil
	}
	r, err = readRecord(KindPort, ns)
	if err != nil || r == nil || r.Netns != "" || r.Link != link {
		return nil, err
	}
	return r, nil
}

// RecordPort records that owner made the device link inside namespace ns
// (which must be owner's) as a persistent port. A first-format record of
// the same link is superseded and removed.
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
	r := Record{Kind: KindPort, Name: portName(ns, link), Netns: ns, Link: link, Owner: owner, PID: os.Getpid(), Ifindex: index, Created: time.Now().UTC()}
	if err := writeRecord(r); err != nil {
		return err
	}
	if old, _ := readRecord(KindPort, ns); old != nil && old.Netns == "" && old.Link == link && old.Owner == owner {
		return removeRecord(KindPort, ns)
	}
	return nil
}

// FindPort reports whether owner's persistent port link in namespace ns
// is there to re-attach: recorded for owner, in owner's namespace, and
// the device there has the recorded ifindex and name. A record whose
// device is gone (or was replaced) is dropped and found is false, so the
// caller makes a new one; a record of another owner fails with
// ErrNotOwned. Other ports of ns are not looked at.
func FindPort(ns, link string, owner Owner) (found bool, err error) {
	r, err := readPort(ns, link)
	if err != nil || r == nil {
		return false, err
	}
	if r.Owner != owner {
		return false, notOwned(KindPort, r.Name, owner, r)
	}
	ours, err := isOwnedNetns(ns, owner)
	if err != nil {
		return false, err
	}
	if ours && portMatches(ns, r) {
		return true, nil
	}
	return false, removeRecord(KindPort, r.Name)
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

// DeletePort deletes owner's persistent port link in namespace ns, if
// the device there is still the recorded one, and its record; the
// namespace's other ports stay. Nothing recorded is fine; another owner's
// record fails with ErrNotOwned.
func DeletePort(ns, link string, owner Owner) error {
	r, err := readPort(ns, link)
	if err != nil || r == nil {
		return err
	}
	if r.Owner != owner {
		return notOwned(KindPort, r.Name, owner, r)
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
	return removeRecord(KindPort, r.Name)
}

// removePortRecords removes the records of owner's ports in ns, in both
// formats (Delete: the devices went with the namespace).
func removePortRecords(ns string, owner Owner) error {
	recs, err := Records(owner)
	errs := []error{err}
	for _, r := range recs {
		if rns, _ := r.port(); r.Kind == KindPort && rns == ns {
			errs = append(errs, removeRecord(KindPort, r.Name))
		}
	}
	return errors.Join(errs...)
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
