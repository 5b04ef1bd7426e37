package testbed

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"strings"
	"testing"

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
		IPv6: netip.MustParsePrefix("fd00:5e5e:0:9::10/64")}
	w := HostWirer{}
	for round := 0; round < 2; round++ {
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
			!strings.Contains(addrsString(addrs), "fd00:5e5e:0:9::10/64") {
			t.Errorf("round %d: eth0 %s %v", round, ifc.HardwareAddr, addrs)
		}
		// Closing the port is what kill -9 does to a TAP: eth0 goes away,
		// the namespace stays, and the next Wire re-creates eth0.
		p.Close()
		if _, _, err := eth0(t, n.Netns); err == nil {
			t.Errorf("round %d: eth0 still there after the port closed", round)
		}
	}
	if err := w.Unwire(n); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat("/run/netns/" + n.Netns); !os.IsNotExist(err) {
		t.Errorf("namespace left after Unwire: %v", err)
	}
	if err := w.Unwire(n); err != nil {
		t.Errorf("second Unwire: %v", err)
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
	for round := 0; round < 2; round++ { // the second round finds the veth of the first
		p, err := w.Wire(n, a)
		if err != nil {
			t.Fatalf("round %d: Wire: %v", round, err)
		}
		if _, _, err := eth0(t, n.Netns); err != nil {
			t.Errorf("round %d: eth0: %v", round, err)
		}
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
