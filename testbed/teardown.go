package testbed

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"sgswitch/iface/wire"
)

// Teardown removes what a lab leaves on the host, without the daemon:
// the processes running inside its namespaces, the namespaces
// "<lab>-<node>" of its netns nodes, and every host link whose name
// starts with HostIfPrefix(lab). It is idempotent, and it is what
// `lab down` does when no daemon runs (after a crash, say). The host
// interfaces of vm nodes belong to their VMs and are left alone.
func Teardown(lab *Lab) error {
	var errs []error
	for _, n := range lab.Nodes {
		if n.Kind != KindNetns {
			continue
		}
		ns := NetnsName(lab.Name, n.Name)
		errs = append(errs, killNetnsProcesses(ns), wire.DeleteNetns(ns))
	}
	links, err := wire.ListLinks(HostIfPrefix(lab.Name))
	errs = append(errs, err)
	for _, l := range links {
		errs = append(errs, wire.DeleteLink(l))
	}
	return errors.Join(errs...)
}

// Leftovers lists the lab's namespaces and host links that exist now.
func Leftovers(lab *Lab) ([]string, error) {
	var out []string
	for _, n := range lab.Nodes {
		ns := NetnsName(lab.Name, n.Name)
		if n.Kind == KindNetns && exists(filepath.Join(wire.NetnsDir, ns)) {
			out = append(out, "netns "+ns)
		}
	}
	links, err := wire.ListLinks(HostIfPrefix(lab.Name))
	for _, l := range links {
		out = append(out, "link "+l)
	}
	return out, err
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

// killNetnsProcesses ends the processes whose network namespace is the
// named one (what `ip netns pids` lists): SIGTERM, then SIGKILL after a
// grace period. A namespace does not go away while a process holds it.
func killNetnsProcesses(ns string) error {
	pids := netnsPIDs(ns)
	for _, p := range pids {
		_ = syscall.Kill(p, syscall.SIGTERM)
	}
	for i := 0; i < 20 && len(pids) > 0; i++ {
		time.Sleep(50 * time.Millisecond)
		pids = netnsPIDs(ns)
	}
	for _, p := range pids {
		_ = syscall.Kill(p, syscall.SIGKILL)
	}
	return nil
}

// netnsPIDs lists the processes inside the named namespace.
func netnsPIDs(ns string) []int {
	var want syscall.Stat_t
	if syscall.Stat(filepath.Join(wire.NetnsDir, ns), &want) != nil {
		return nil
	}
	ents, _ := os.ReadDir("/proc")
	var pids []int
	self := os.Getpid()
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		var st syscall.Stat_t
		if syscall.Stat(filepath.Join("/proc", e.Name(), "ns", "net"), &st) == nil && st.Dev == want.Dev && st.Ino == want.Ino {
			pids = append(pids, pid)
		}
	}
	return pids
}
