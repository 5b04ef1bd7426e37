package netns

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/vishvananda/netlink"
	vnetns "github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// Dir is where iproute2 keeps named namespaces (its NETNS_RUN_DIR).
const Dir = "/run/netns"

// Path is the file a named namespace is bound at.
func Path(name string) string { return filepath.Join(Dir, name) }

// Exists reports whether a namespace of that name is bound in Dir.
func Exists(name string) bool {
	_, err := os.Stat(Path(name))
	return err == nil
}

// ValidName checks a namespace name as iproute2 would take it.
func ValidName(name string) error {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\x00") || len(name) > 255 {
		return fmt.Errorf("netns %q: invalid name", name)
	}
	return nil
}

// Create makes the named namespace for owner with its loopback up, as
// `ip netns add` does. A namespace of that name that owner made earlier
// (recorded, same inode) is kept as it is, so wiring again after a
// restart works; any other existing name fails with ErrNotOwned.
func Create(name string, owner Owner) error {
	if err := ValidName(name); err != nil {
		return err
	}
	if ours, err := isOwnedNetns(name, owner); err != nil || ours {
		return err
	}
	if err := prepareDir(); err != nil {
		return err
	}
	f, err := os.OpenFile(Path(name), os.O_RDONLY|os.O_CREATE|os.O_EXCL, 0)
	if errors.Is(err, os.ErrExist) {
		r, _ := readRecord(KindNetns, name)
		return notOwned(KindNetns, name, owner, r)
	}
	if err != nil {
		return fmt.Errorf("creating netns %s: %w", name, err)
	}
	f.Close()
	if err := onNewThread(func() error { return bindNew(Path(name)) }); err != nil {
		_ = os.Remove(Path(name)) // the empty file we just made
		return fmt.Errorf("creating netns %s: %w", name, err)
	}
	var st unix.Stat_t
	if err := unix.Stat(Path(name), &st); err != nil {
		return fmt.Errorf("creating netns %s: %w", name, errors.Join(err, unbind(name)))
	}
	rec := Record{Kind: KindNetns, Name: name, Owner: owner, PID: os.Getpid(), Dev: st.Dev, Ino: st.Ino, Created: time.Now().UTC()}
	if err := writeRecord(rec); err != nil {
		return errors.Join(err, unbind(name))
	}
	if err := loopbackUp(name); err != nil {
		return errors.Join(err, Delete(name, owner))
	}
	return nil
}

// isOwnedNetns reports whether name is a namespace owner made and still
// holds. A record whose namespace is gone is dropped; a name that exists
// but is someone else's is an error.
func isOwnedNetns(name string, owner Owner) (bool, error) {
	r, err := readRecord(KindNetns, name)
	if err != nil {
		return false, err
	}
	var st unix.Stat_t
	serr := unix.Stat(Path(name), &st)
	switch {
	case serr != nil && r != nil: // ours went away (rebooted /run, deleted by hand)
		return false, removeRecord(KindNetns, name)
	case serr != nil:
		return false, nil
	case r == nil || r.Owner != owner:
		return false, notOwned(KindNetns, name, owner, r)
	case r.Dev != st.Dev || r.Ino != st.Ino:
		return false, notOwned(KindNetns, name, owner, r)
	}
	return true, nil
}

// prepareDir makes Dir a shared mount point of its own, exactly as
// iproute2's netns_add does: try MS_SHARED|MS_REC; if Dir is not a mount
// point yet (EINVAL), bind it onto itself once and try again.
func prepareDir() error {
	if err := os.MkdirAll(Dir, 0o755); err != nil {
		return err
	}
	madeMount := false
	for {
		err := unix.Mount("", Dir, "none", unix.MS_SHARED|unix.MS_REC, "")
		if err == nil {
			return nil
		}
		if !errors.Is(err, unix.EINVAL) || madeMount {
			return fmt.Errorf("making %s a shared mount: %w", Dir, err)
		}
		if err := unix.Mount(Dir, Dir, "none", unix.MS_BIND|unix.MS_REC, ""); err != nil {
			return fmt.Errorf("binding %s onto itself: %w", Dir, err)
		}
		madeMount = true
	}
}

// bindNew runs on a locked thread: it moves the thread into a new network
// namespace, binds that namespace at path, and moves the thread back.
func bindNew(path string) error {
	orig, err := vnetns.Get()
	if err != nil {
		return err
	}
	defer orig.Close()
	if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
		return fmt.Errorf("unshare: %w", err)
	}
	self := fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid())
	merr := unix.Mount(self, path, "none", unix.MS_BIND, "")
	if err := vnetns.Set(orig); err != nil {
		return errors.Join(merr, fmt.Errorf("returning to the host namespace: %w", err))
	}
	if merr != nil {
		return fmt.Errorf("binding the namespace at %s: %w", path, merr)
	}
	return nil
}

// unbind removes a namespace's name as `ip netns del` does.
func unbind(name string) error {
	p := Path(name)
	if err := unix.Unmount(p, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("unmounting %s: %w", p, err)
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("removing %s: %w", p, err)
	}
	return nil
}

// Delete removes the named namespace if owner made it: it ends every
// process inside (EndProcesses), then unbinds the name as `ip netns del`
// does. A name that does not exist is not an error; one that is not
// owner's fails with ErrNotOwned and is left as it is.
func Delete(name string, owner Owner) error {
	if err := ValidName(name); err != nil {
		return err
	}
	ours, err := isOwnedNetns(name, owner)
	if err != nil || !ours {
		return err
	}
	if err := EndProcesses(name, Grace); err != nil {
		return err
	}
	if err := unbind(name); err != nil {
		return err
	}
	// Persistent ports inside go with the namespace; so do their records.
	_ = removePortRecords(name, owner)
	return removeRecord(KindNetns, name)
}

// DeleteUnused is Delete for a namespace that holds several interfaces
// of one node: it deletes the namespace only when no link but loopback is
// left in it, so unwiring one interface keeps the node's others (and a
// device someone else put there). deleted reports whether it went. A
// missing namespace is fine; one that is not owner's fails with
// ErrNotOwned before anything inside it is looked at.
func DeleteUnused(name string, owner Owner) (deleted bool, err error) {
	if err := ValidName(name); err != nil {
		return false, err
	}
	ours, err := isOwnedNetns(name, owner)
	if err != nil || !ours {
		return false, err
	}
	links, err := Links(name)
	if err != nil {
		return false, err
	}
	for _, l := range links {
		if l != "lo" {
			return false, nil
		}
	}
	return true, Delete(name, owner)
}

// Links lists the names of the links inside the named namespace. An
// interrupted dump is repeated (retryDump), never returned partial: a
// missing link would let DeleteUnused take a namespace still in use.
func Links(name string) ([]string, error) {
	var names []string
	err := withHandle(name, func(h *netlink.Handle) error {
		links, err := retryDump(h.LinkList)
		for _, l := range links {
			names = append(names, l.Attrs().Name)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("listing links of netns %s: %w", name, err)
	}
	return names, nil
}

// Handle opens the named namespace; the caller closes it.
func Handle(name string) (vnetns.NsHandle, error) {
	h, err := vnetns.GetFromPath(Path(name))
	if err != nil {
		return h, fmt.Errorf("netns %s: %w", name, err)
	}
	return h, nil
}

// Do runs fn on an OS thread inside the named namespace and waits for it.
// Sockets fn creates stay in that namespace and may be used afterwards
// from any goroutine; goroutines fn starts do not run in the namespace.
func Do(name string, fn func() error) error {
	target, err := Handle(name)
	if err != nil {
		return err
	}
	defer target.Close()
	return onNewThread(func() error {
		orig, err := vnetns.Get()
		if err != nil {
			return err
		}
		defer orig.Close()
		if err := vnetns.Set(target); err != nil {
			return fmt.Errorf("entering netns %s: %w", name, err)
		}
		ferr := fn()
		if err := vnetns.Set(orig); err != nil {
			return errors.Join(ferr, fmt.Errorf("leaving netns %s: %w", name, err))
		}
		runtime.UnlockOSThread() // back home: the thread may be reused
		return ferr
	})
}

// Go starts fn on a fresh goroutine whose OS thread is inside the named
// namespace for the goroutine's whole life; the thread ends with it. It
// returns once the thread is inside, or the error that kept it out.
func Go(name string, fn func()) error {
	target, err := Handle(name)
	if err != nil {
		return err
	}
	ready := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread dies with the goroutine
		err := vnetns.Set(target)
		target.Close()
		if err != nil {
			ready <- fmt.Errorf("entering netns %s: %w", name, err)
			return
		}
		ready <- nil
		fn()
	}()
	return <-ready
}

// onNewThread runs fn on a new goroutine with its OS thread locked. fn
// unlocks the thread only once it is back in the host namespace; a
// goroutine that exits locked takes its thread with it.
func onNewThread(fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		errc <- fn()
	}()
	return <-errc
}

func loopbackUp(name string) error {
	return withHandle(name, func(h *netlink.Handle) error {
		lo, err := h.LinkByName("lo")
		if err == nil {
			err = h.LinkSetUp(lo)
		}
		if err != nil {
			return fmt.Errorf("netns %s: lo up: %w", name, err)
		}
		return nil
	})
}

// withHandle runs fn with a netlink handle bound to the named namespace.
func withHandle(name string, fn func(h *netlink.Handle) error) error {
	ns, err := Handle(name)
	if err != nil {
		return err
	}
	defer ns.Close()
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		return fmt.Errorf("netns %s: netlink: %w", name, err)
	}
	defer h.Close()
	return fn(h)
}
