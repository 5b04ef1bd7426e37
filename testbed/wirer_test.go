package testbed

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/vishvananda/netlink"

	"sgswitch/netns"
	"sgswitch/netns/netnstest"
)

// eth0 returns the node's eth0 as seen inside its namespace.
func eth0(t *testing.T, ns string) (*net.Interface, []net.Addr, error) {
	t.Helper()
	var ifc *net.Interface
	var addrs []net.Addr
	err := netns.Do(ns, func() error {
		var err error
		if ifc, err = net.InterfaceByName("eth0"); err != nil {
			return err
		}
		addrs, err = ifc.Addrs()
		return err
	})
	return ifc, addrs, err
}

func TestHostWirerTAPSurvivesPortLoss(t *testing.T) {
	lab := netnstest.LabName(t)
	n := Host{Lab: lab, Node: "n1", ENI: "eni-1", Kind: KindNetns, Port: PortTAP,
		Netns: NetnsName(lab, "n1"), IfName: HostIfName(lab, "n1")}
	a := Addrs{MAC: net.HardwareAddr{0x02, 1, 2, 3, 4, 5}, IPv4: netip.MustParsePrefix("198.18.9.10/24"),
		IPv6: netip.MustParsePrefix("fd00:5e5e:0:9::10/64"), SecondaryIPv4: []netip.Prefix{netip.MustParsePrefix("198.18.9.11/24")}}
	w := HostWirer{}
	index := 0
	for round := 0; round < 3; round++ {
		p, err := w.Wire(n, a)
		if err != nil {
			t.Fatalf("round %d: Wire: %v", round, err)
		}
		ifc, addrs, err := eth0(t, n.Netns)
		if err != nil {
			p.Close()
			t.Fatalf("round %d: eth0: %v", round, err)
		}
		if ifc.HardwareAddr.String() != a.MAC.String() || !strings.Contains(addrsString(addrs), "198.18.9.10/24") ||
			!strings.Contains(addrsString(addrs), "198.18.9.11/24") || !strings.Contains(addrsString(addrs), "fd00:5e5e:0:9::10/64") {
			t.Errorf("round %d: eth0 %s %v", round, ifc.HardwareAddr, addrs)
		}
		// The next Wire re-attaches the same device, as a restarted
		// daemon does.
		if round > 0 && ifc.Index != index {
			t.Errorf("round %d: eth0 is ifindex %d, was %d: re-created instead of re-attached", round, ifc.Index, index)
		}
		index = ifc.Index
		// Closing the port is what a daemon's exit (kill -9 too) does to
		// it: the persistent eth0 stays, with its addresses.
		p.Close()
		if ifc, addrs, err := eth0(t, n.Netns); err != nil || ifc.Index != index || !strings.Contains(addrsString(addrs), "198.18.9.10/24") {
			t.Errorf("round %d: eth0 after the port closed: %v %v %v", round, ifc, addrs, err)
		}
	}
	if err := w.Unwire(n); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat("/run/netns/" + n.Netns); !os.IsNotExist(err) {
		t.Errorf("namespace left after Unwire: %v", err)
	}
	if recs, _ := netns.Records(netns.LabOwner(lab)); len(recs) != 0 {
		t.Errorf("records left after Unwire: %+v", recs)
	}
	if err := w.Unwire(n); err != nil {
		t.Errorf("second Unwire: %v", err)
	}
}

// A port record whose device was replaced by someone else is not reused:
// the device is left alone and a new eth0 is made.
func TestHostWirerDoesNotReattachAReplacedDevice(t *testing.T) {
	lab := netnstest.LabName(t)
	n := Host{Lab: lab, Node: "n1", ENI: "eni-1", Kind: KindNetns, Port: PortTAP,
		Netns: NetnsName(lab, "n1"), IfName: HostIfName(lab, "n1")}
	a := Addrs{MAC: net.HardwareAddr{0x02, 1, 2, 3, 4, 7}, IPv4: netip.MustParsePrefix("198.18.9.12/24")}
	w := HostWirer{}
	p, err := w.Wire(n, a)
	if err != nil {
		t.Fatal(err)
	}
	p.Close()
	// Someone deletes eth0 and makes other devices in the namespace.
	err = netns.Do(n.Netns, func() error {
		l, err := netlink.LinkByName("eth0")
		if err == nil {
			err = netlink.LinkDel(l)
		}
		if err == nil {
			err = netlink.LinkAdd(&netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: "other0"}, PeerName: "other1"})
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	p, err = w.Wire(n, a)
	if err != nil {
		t.Fatalf("Wire after eth0 was replaced: %v", err)
	}
	defer p.Close()
	if _, _, err := eth0(t, n.Netns); err != nil {
		t.Errorf("no new eth0: %v", err)
	}
	err = netns.Do(n.Netns, func() error { _, err := net.InterfaceByName("other0"); return err })
	if err != nil {
		t.Errorf("the other device was touched: %v", err)
	}
}

func TestHostWirerVMNeedsItsInterface(t *testing.T) {
	w := HostWirer{}
	netnstest.RequireRoot(t) // Claim reads the host's links
	_, err := w.Wire(Host{Lab: "novm", Node: "vm1", Kind: KindVM, Port: PortAttach, IfName: "sgdw-novm0"}, Addrs{})
	if !errors.Is(err, netns.ErrNoInterface) || !strings.Contains(err.Error(), "sgdw-novm0") {
		t.Errorf("Wire of a VM without its interface = %v", err)
	}
}

func TestHostWirerAFXDP(t *testing.T) {
	lab := netnstest.LabName(t)
	n := Host{Lab: lab, Node: "n1", ENI: "eni-1", Kind: KindNetns, Port: PortAFXDP,
		Netns: NetnsName(lab, "n1"), IfName: HostIfName(lab, "n1")}
	a := Addrs{MAC: net.HardwareAddr{0x02, 1, 2, 3, 4, 6}, IPv4: netip.MustParsePrefix("198.18.9.11/24")}
	w := HostWirer{}
	index := 0
	for round := 0; round < 2; round++ { // the second round re-attaches the veth of the first
		p, err := w.Wire(n, a)
		if err != nil {
			t.Fatalf("round %d: Wire: %v", round, err)
		}
		ifc, _, err := eth0(t, n.Netns)
		if err != nil {
			t.Fatalf("round %d: eth0: %v", round, err)
		}
		if round > 0 && ifc.Index != index {
			t.Errorf("round %d: eth0 is ifindex %d, was %d: re-created instead of re-attached", round, ifc.Index, index)
		}
		index = ifc.Index
		p.Close()
	}
	if err := w.Unwire(n); err != nil {
		t.Fatal(err)
	}
	if _, err := net.InterfaceByName(n.IfName); err == nil {
		t.Errorf("host veth %s left after Unwire", n.IfName)
	}
}

func addrsString(addrs []net.Addr) string {
	var b strings.Builder
	for _, a := range addrs {
		b.WriteString(a.String() + " ")
	}
	return b.String()
}
