// Package wire puts lab instances on the switch: it makes network namespaces
// and gives each one an eth0 whose other end is a switch port.
//
// What:
//   - Namespaces, compatible with iproute2: CreateNetns bind-mounts the new
//     namespace at /run/netns/NAME, so `ip netns exec NAME ...` and
//     `ip netns list` see it; DeleteNetns removes it; ListNetns lists by
//     prefix; Do runs a function inside a namespace.
//   - Nodes: WireTAP (a TAP port whose netdev becomes the namespace's eth0),
//     WireVeth / WireAFXDP (a veth pair: the host end carries an AF_XDP port,
//     the other end is the namespace's eth0), Attach (an existing host
//     interface, e.g. a QEMU tap, by name). Each node's eth0 gets a MAC, an
//     IPv4 address/prefix, an optional IPv6 address/prefix, the MTU, and
//     default routes via the VPC router (subnet base+1, IPv6 base::1).
//   - Teardown(prefix): removes every namespace and host link whose name
//     starts with prefix; tests call it from t.Cleanup.
//
// Design: links are configured over netlink (vishvananda/netlink) with a
// handle opened inside the target namespace, so most work needs no thread
// switching. What needs a thread in the namespace (creating it, sockets a
// test opens there) goes through Do, which runs on a fresh goroutine whose OS
// thread is locked and switched; if switching back fails, that thread is
// left locked so the Go runtime destroys it rather than reusing a thread in
// the wrong namespace. Checksum offload on the namespace end of a veth is
// turned off with the ethtool ioctl (ETHTOOL_STXCSUM), no shelling out: with
// it on, TCP through AF_XDP/AF_PACKET arrives with partial checksums and the
// receiver drops it.
//
// Thread-safety: every function may be called from any goroutine.
package wire

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"github.com/vishvananda/netns"
)

// NetnsDir is where iproute2 keeps named namespaces.
const NetnsDir = "/run/netns"

// CreateNetns creates the named network namespace (like `ip netns add`) and
// brings its loopback up. It fails if the name exists.
func CreateNetns(name string) error {
	if name == "" || strings.ContainsRune(name, '/') {
		return fmt.Errorf("netns %q: invalid name", name)
	}
	err := onNewThread(func() error {
		orig, err := netns.Get()
		if err != nil {
			return err
		}
		defer orig.Close()
		ns, err := netns.NewNamed(name)
		if err != nil {
			_ = netns.Set(orig)
			return err
		}
		ns.Close()
		return netns.Set(orig)
	})
	if err != nil {
		return fmt.Errorf("creating netns %s: %w", name, err)
	}
	if err := linkUpLoopback(name); err != nil {
		_ = DeleteNetns(name)
		return err
	}
	return nil
}

// DeleteNetns removes the named namespace (like `ip netns delete`). The
// namespace itself goes away when no process or socket holds it any more.
// A missing namespace is not an error.
func DeleteNetns(name string) error {
	err := netns.DeleteNamed(name)
	if err != nil && !errors.Is(err, os.ErrNotExist) && !errors.Is(err, errEINVAL) {
		return fmt.Errorf("deleting netns %s: %w", name, err)
	}
	_ = os.Remove(filepath.Join(NetnsDir, name))
	return nil
}

// ListNetns returns the named namespaces whose names start with prefix, sorted.
func ListNetns(prefix string) ([]string, error) {
	ents, err := os.ReadDir(NetnsDir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), prefix) {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names, nil
}

// Handle opens the named namespace; the caller closes it.
func Handle(name string) (netns.NsHandle, error) {
	h, err := netns.GetFromName(name)
	if err != nil {
		return h, fmt.Errorf("netns %s: %w", name, err)
	}
	return h, nil
}

// Do runs fn on an OS thread inside the named namespace and waits for it.
// Sockets fn creates stay in that namespace and may be used afterwards from
// any goroutine; goroutines fn starts do not run in the namespace.
func Do(name string, fn func() error) error {
	target, err := Handle(name)
	if err != nil {
		return err
	}
	defer target.Close()
	return onNewThread(func() error {
		orig, err := netns.Get()
		if err != nil {
			return err
		}
		defer orig.Close()
		if err := netns.Set(target); err != nil {
			return fmt.Errorf("entering netns %s: %w", name, err)
		}
		ferr := fn()
		if err := netns.Set(orig); err != nil {
			return fmt.Errorf("leaving netns %s: %w", name, err)
		}
		return ferr
	})
}

// onNewThread runs fn on a new goroutine with its OS thread locked, and never
// unlocks it: a goroutine that exits locked takes its thread with it, so a
// thread whose namespace could not be restored is never reused. That costs
// one thread per call, which is fine on setup paths.
func onNewThread(fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		errc <- fn()
	}()
	return <-errc
}
