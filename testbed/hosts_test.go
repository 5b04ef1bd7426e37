package testbed

import (
	"errors"
	"net"
	"net/netip"
	"os/exec"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"sgswitch/netns"
	"sgswitch/netns/netnstest"
)

func parseLab(t *testing.T, src string) *Lab {
	t.Helper()
	lab, err := Parse("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return lab
}

// TestRemoveHosts: what a lab left (namespaces with a process in one, a
// host link, a claimed VM interface) is removed by RemoveHosts, also with
// no daemon and no lab file; a second call finds nothing; the VM's
// interface itself stays.
func TestRemoveHosts(t *testing.T) {
	name := netnstest.LabName(t)
	vmIf := name + "vm"
	if out, err := exec.Command("ip", "link", "add", vmIf, "type", "veth", "peer", "name", vmIf+"p").CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("ip", "link", "del", vmIf).Run() })
	lab := parseLab(t, "name: "+name+"\nsubnet: 198.18.251.0/24\ntopology:\n  nodes:\n"+
		"    a: {ip: 198.18.251.10}\n    b: {ip: 198.18.251.11, port: afxdp}\n    v: {ip: 198.18.251.12, kind: vm, interface: "+vmIf+"}\n")
	addrs := Addrs{MAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, IPv4: netip.MustParsePrefix("198.18.251.10/24")}
	for _, h := range Hosts(lab, map[string]string{}) {
		p, err := HostWirer{}.Wire(h, addrs)
		if err != nil {
			t.Fatalf("%s: %v", h.Node, err)
		}
		p.Close() // a crash: ports closed; namespaces, links, the persistent TAP and claims stay
	}
	sleeper := netns.Command(t.Context(), NetnsName(name, "a"), "sleep", "60")
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- sleeper.Wait() }()
	waitForPIDs(t, NetnsName(name, "a"))
	left, err := HostLeftovers(name)
	if err != nil || len(left) != 5 { // two namespaces, the veth host end, a's TAP, the claim
		t.Fatalf("leftovers before: %v %v", left, err)
	}
	for i := range 2 {
		if err := RemoveHosts(name); err != nil {
			t.Fatalf("RemoveHosts %d: %v", i, err)
		}
		if left, err := HostLeftovers(name); err != nil || len(left) != 0 {
			t.Fatalf("leftovers after RemoveHosts %d: %v %v", i, left, err)
		}
	}
	select {
	case err := <-exited:
		if err == nil {
			t.Error("the process inside the namespace exited cleanly on its own?")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the process inside the namespace was not ended")
	}
	if _, err := net.InterfaceByName(vmIf); err != nil {
		t.Fatal("a vm node's interface must be left alone")
	}
}

// waitForPIDs waits (at most 10 s) until a process is inside ns: `ip netns
// exec` enters it only after it starts.
func waitForPIDs(t *testing.T, ns string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if pids, _ := netns.PIDs(ns); len(pids) > 0 {
			return
		}
	}
	t.Fatalf("no process entered namespace %s", ns)
}

// TestLabsNeverTakeEachOthersHosts is defect 1: a lab whose namespace
// name collides with another lab's (or with one `ip netns add` made)
// fails to come up, and its rollback removes nothing of the other's.
func TestLabsNeverTakeEachOthersHosts(t *testing.T) {
	first := netnstest.LabName(t)
	second := netnstest.LabName(t)
	ns := NetnsName(first, "y")
	h1 := Host{Lab: first, Node: "y", Kind: KindNetns, Port: PortTAP, Netns: ns, IfName: HostIfName(first, "y")}
	addrs := Addrs{IPv4: netip.MustParsePrefix("198.18.252.10/24")}
	p, err := HostWirer{}.Wire(h1, addrs)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	h2 := Host{Lab: second, Node: "x", Kind: KindNetns, Port: PortTAP, Netns: ns, IfName: HostIfName(second, "x")}
	if _, err := (HostWirer{}).Wire(h2, addrs); !errors.Is(err, netns.ErrNotOwned) {
		t.Fatalf("second lab wiring the first's namespace: %v, want ErrNotOwned", err)
	}
	if err := (HostWirer{}).Unwire(h2); !errors.Is(err, netns.ErrNotOwned) {
		t.Errorf("second lab unwiring the first's namespace: %v, want ErrNotOwned", err)
	}
	if err := RemoveHosts(second); err != nil {
		t.Errorf("rollback of the second lab: %v", err)
	}
	if !netns.Exists(ns) {
		t.Fatal("the second lab's rollback deleted the first lab's namespace")
	}
}

// TestNodeNamesCannotCollide is defect 1's naming rule: "<lab>-<node>"
// names one lab and node only, because node names have no '-'.
func TestNodeNamesCannotCollide(t *testing.T) {
	_, err := Parse("t.yaml", []byte("name: secc\nsubnet: 198.18.0.0/24\ntopology:\n  nodes:\n    x-y: {ip: 198.18.0.10}\n"))
	if err == nil {
		lab := parseLab(t, "name: secc\nsubnet: 198.18.0.0/24\ntopology:\n  nodes:\n    x-y: {ip: 198.18.0.10}\n")
		err = Validate(lab)
	}
	if err == nil || !strings.Contains(err.Error(), "x-y") {
		t.Fatalf("node x-y accepted: %v", err)
	}
	rapid.Check(t, func(t *rapid.T) {
		lab := rapid.StringMatching(`[a-z0-9-]{1,12}`).Draw(t, "lab")
		node := rapid.StringMatching(`[a-z0-9]{1,20}`).Draw(t, "node")
		ns := NetnsName(lab, node)
		i := strings.LastIndexByte(ns, '-')
		if ns[:i] != lab || ns[i+1:] != node {
			t.Fatalf("%q does not split back into lab %q and node %q", ns, lab, node)
		}
	})
}
