package testbed

import (
	"errors"
	"os/exec"
	"testing"

	"github.com/vishvananda/netlink"

	"sgswitch/instance"
	"sgswitch/netns"
	"sgswitch/netns/netnstest"
)

// A booted VM's TAP is made and recorded for the lab, kept as it is when
// wired again (QEMU holds it), and `lab down` (RemoveHosts) ends the
// lab's VM process before removing its TAP. A stand-in process plays
// QEMU: the boot itself is instance's test.
func TestHostWirerVMTAP(t *testing.T) {
	lab := netnstest.LabName(t)
	owner := netns.LabOwner(lab)
	h := Host{Lab: lab, Node: "vm1", Kind: KindVM, Port: PortVMTAP, IfName: HostIfNameOf(lab, "vm1", 0)}
	p, err := HostWirer{}.Wire(h, Addrs{})
	if err != nil {
		t.Fatal(err)
	}
	l, err := netlink.LinkByName(h.IfName)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := l.(*netlink.Tuntap); !ok {
		t.Errorf("%s is a %s, want a tun/tap", h.IfName, l.Type())
	}
	p.Close() // the switch's port goes; the TAP stays (persistent)
	p, err = HostWirer{}.Wire(h, Addrs{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if again, err := netlink.LinkByName(h.IfName); err != nil || again.Attrs().Index != l.Attrs().Index {
		t.Errorf("wiring again replaced the TAP: %v", err)
	}

	qemu := exec.Command("sleep", "600")
	if err := qemu.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = qemu.Wait(); close(exited) }()
	defer func() { _ = qemu.Process.Kill(); <-exited }()
	if err := netns.RecordProcess(InstanceName(lab, "vm1"), qemu.Process.Pid, owner); err != nil {
		t.Fatal(err)
	}
	if err := RemoveHosts(lab); err != nil {
		t.Fatal(err)
	}
	<-exited // RemoveHosts ended the lab's process
	if _, err := netlink.LinkByName(h.IfName); err == nil {
		t.Errorf("TAP %s left after RemoveHosts", h.IfName)
	}
	if left, err := HostLeftovers(lab); err != nil || len(left) > 0 {
		t.Errorf("left: %v %v", left, err)
	}
}

// A link of that name that the lab did not make (here: the test's own)
// is never used, nor removed.
func TestHostWirerVMTAPNotOwned(t *testing.T) {
	s := netnstest.New(t)
	lab := netnstest.LabName(t)
	name := s.Name("x")
	if err := instance.CreateTAP(name, s.Owner); err != nil {
		t.Fatal(err)
	}
	h := Host{Lab: lab, Node: "vm1", Kind: KindVM, Port: PortVMTAP, IfName: name}
	if _, err := (HostWirer{}).Wire(h, Addrs{}); !errors.Is(err, netns.ErrNotOwned) {
		t.Errorf("Wire onto another owner's link = %v, want ErrNotOwned", err)
	}
	if err := (HostWirer{}).Unwire(h); !errors.Is(err, netns.ErrNotOwned) {
		t.Errorf("Unwire of another owner's link = %v, want ErrNotOwned", err)
	}
	if _, err := netlink.LinkByName(name); err != nil {
		t.Errorf("the test's link is gone: %v", err)
	}
}
