package testbed

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"sgswitch/iface/wire"
)

// TestTeardown: what a crashed lab leaves (namespaces with a process in
// one, a host link) is removed, and a second Teardown finds nothing.
func TestTeardown(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates network namespaces and links")
	}
	name := fmt.Sprintf("tbt%d", os.Getpid()%100000)
	lab, err := Parse("t.yaml", []byte("name: "+name+"\nsubnet: 198.18.251.0/24\ntopology:\n  nodes:\n"+
		"    a: {ip: 198.18.251.10}\n    b: {ip: 198.18.251.11}\n    v: {ip: 198.18.251.12, kind: vm, interface: lo}\n"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = wire.Teardown(name + "-"); _ = wire.Teardown(HostIfPrefix(name)) })
	for _, n := range []string{"a", "b"} {
		if err := wire.CreateNetns(NetnsName(name, n)); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := exec.Command("ip", "link", "add", HostIfName(name, "a"), "type", "veth", "peer", HostIfName(name, "a")+"p").CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	sleeper := exec.Command("ip", "netns", "exec", NetnsName(name, "a"), "sleep", "60")
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- sleeper.Wait() }()
	t.Cleanup(func() { _ = sleeper.Process.Kill() })
	// `ip netns exec` enters the namespace after it starts: wait until it
	// has, or Teardown could run before there is anything to end there.
	waitInNetns(t, sleeper.Process.Pid, NetnsName(name, "a"))

	left, err := Leftovers(lab)
	if err != nil || len(left) != 4 { // two namespaces, both ends of the veth
		t.Fatalf("leftovers before: %v %v", left, err)
	}
	for i := 0; i < 2; i++ {
		if err := Teardown(lab); err != nil {
			t.Fatalf("teardown %d: %v", i, err)
		}
		if left, err := Leftovers(lab); err != nil || len(left) != 0 {
			t.Fatalf("leftovers after teardown %d: %v %v", i, left, err)
		}
	}
	if err := <-exited; err == nil {
		t.Fatal("the process inside the namespace was not ended")
	}
	if _, err := os.Stat("/sys/class/net/lo"); err != nil {
		t.Fatal("a vm node's interface must be left alone")
	}
}

// waitInNetns waits (at most 10 s, a liveness guard) until process pid is
// in the named network namespace.
func waitInNetns(t *testing.T, pid int, ns string) {
	t.Helper()
	var want syscall.Stat_t
	if err := syscall.Stat(filepath.Join("/run/netns", ns), &want); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		var st syscall.Stat_t
		if syscall.Stat(fmt.Sprintf("/proc/%d/ns/net", pid), &st) == nil && st.Dev == want.Dev && st.Ino == want.Ino {
			return
		}
	}
	t.Fatalf("process %d never entered namespace %s", pid, ns)
}
