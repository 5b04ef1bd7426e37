package testbed

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"sgswitch/iface"
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

// linkInfo is what a test reads of a device inside a namespace.
type linkInfo struct {
	index   int
	carrier bool // a TAP with a reader, a veth with both ends up
	addrs   []string
}

func readLink(t *testing.T, ns, dev string) (linkInfo, bool) {
	t.Helper()
	var li linkInfo
	var nf netlink.LinkNotFoundError
	err := netns.Do(ns, func() error {
		l, err := netlink.LinkByName(dev)
		if err != nil {
			return err
		}
		li.index, li.carrier = l.Attrs().Index, l.Attrs().RawFlags&unix.IFF_LOWER_UP != 0
		as, err := netlink.AddrList(l, netlink.FAMILY_ALL)
		for _, a := range as {
			if !a.IP.IsLinkLocalUnicast() {
				li.addrs = append(li.addrs, a.IPNet.String())
			}
		}
		return err
	})
	if errors.As(err, &nf) {
		return li, false
	}
	if err != nil {
		t.Fatal(err)
	}
	return li, true
}

// routeTo is where the namespace sends dst: the device and next hop
// (invalid: on-link).
func routeTo(t *testing.T, ns, dst string) (dev string, gw netip.Addr) {
	t.Helper()
	err := netns.Do(ns, func() error {
		rs, err := netlink.RouteGet(net.ParseIP(dst))
		if err != nil {
			return err
		}
		l, err := netlink.LinkByIndex(rs[0].LinkIndex)
		if err != nil {
			return err
		}
		dev = l.Attrs().Name
		if rs[0].Gw != nil {
			gw, _ = netip.AddrFromSlice(rs[0].Gw)
			gw = gw.Unmap()
		}
		return nil
	})
	if err != nil {
		t.Fatalf("route to %s in %s: %v", dst, ns, err)
	}
	return dev, gw
}

// defaultRoutes counts the default routes (any family) per device.
func defaultRoutes(t *testing.T, ns string) map[string]int {
	t.Helper()
	n := map[string]int{}
	err := netns.Do(ns, func() error {
		rs, err := netlink.RouteList(nil, netlink.FAMILY_ALL)
		for _, r := range rs {
			if r.Dst == nil || r.Dst.IP.IsUnspecified() {
				l, lerr := netlink.LinkByIndex(r.LinkIndex)
				if lerr != nil {
					return lerr
				}
				n[l.Attrs().Name]++
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// hostForwarding reads the host's forwarding switches from the test's
// own thread (in the host namespace: netns.Do never leaves one elsewhere).
func hostForwarding(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	for _, p := range []string{"/proc/sys/net/ipv4/ip_forward", "/proc/sys/net/ipv6/conf/all/forwarding"} {
		v, err := os.ReadFile(p)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		b.Write(v)
	}
	return b.String()
}

// wireNat1 wires nat1's interfaces of lab, addressed as Apply made them, and
// returns their hosts and ports (closed when the test ends; closing twice
// is fine).
func wireNat1(t *testing.T, lab *Lab) ([]Host, []iface.Port) {
	t.Helper()
	var hs []Host
	var ps []iface.Port
	acct, ifaces := natAccount(t, lab)
	for _, h := range HostsOf(lab, ifaces) {
		if h.Node != "nat1" {
			continue
		}
		a, err := AddrsIn(acct, h.ENI)
		if err != nil {
			t.Fatal(err)
		}
		p, err := HostWirer{}.Wire(h, a)
		if err != nil {
			t.Fatalf("Wire %s: %v", h.Endpoint(), err)
		}
		t.Cleanup(func() { p.Close() })
		hs, ps = append(hs, h), append(ps, p)
	}
	return hs, ps
}

// A node with an interface in each of two subnets (natLab's nat1) is
// wired into one namespace: eth0 with the default routes via its
// subnet's router, eth1 on-link only, forwarding on inside and the
// host's unchanged; unwiring eth1 leaves eth0; after a simulated restart
// each interface is re-attached on its own; RemoveHosts leaves nothing.
func TestHostWirerNodeWithTwoInterfaces(t *testing.T) {
	for _, port := range []string{PortTAP, PortAFXDP} {
		t.Run(port, func(t *testing.T) { testTwoInterfaces(t, port) })
	}
}

func testTwoInterfaces(t *testing.T, port string) {
	name := netnstest.LabName(t)
	lab := natLab(t, name, port)
	hostFwd := hostForwarding(t)
	hs, ps := wireNat1(t, lab)
	ns := hs[0].Netns
	if len(hs) != 2 || hs[1].Netns != ns {
		t.Fatalf("hosts %+v", hs)
	}
	checkTwoInterfaces(t, ns, port)
	if v4, v6, err := netns.Forwarding(ns); err != nil || !v4 || !v6 {
		t.Errorf("forwarding in the namespace: %v %v %v", v4, v6, err)
	}
	if now := hostForwarding(t); now != hostFwd {
		t.Errorf("the host's forwarding changed: %q, was %q", now, hostFwd)
	}

	eth0, _ := readLink(t, ns, "eth0")
	ps[1].Close()
	if err := (HostWirer{}).Unwire(hs[1]); err != nil {
		t.Fatal(err)
	}
	if _, ok := readLink(t, ns, "eth1"); ok {
		t.Error("eth1 left after its Unwire")
	}
	if _, err := net.InterfaceByName(hs[1].IfName); err == nil {
		t.Errorf("host link %s left after eth1's Unwire", hs[1].IfName)
	}
	if li, ok := readLink(t, ns, "eth0"); !ok || li.index != eth0.index || (port == PortTAP && !li.carrier) {
		t.Errorf("eth0 after eth1's Unwire: %+v %v (was ifindex %d)", li, ok, eth0.index)
	}

	ps[0].Close() // the daemon dies; its ports close
	if li, _ := readLink(t, ns, "eth0"); port == PortTAP && li.carrier {
		t.Error("eth0 has a carrier without a reader: the carrier check proves nothing")
	}
	rewire(t, lab, ns, port, eth0.index)
	removeLab(t, name, hs)
}

// rewire wires nat1 again twice, as restarted daemons do: eth0 is
// re-attached both times; eth1, unwired before, is made in the first
// round and re-attached in the second (its own port record or veth).
func rewire(t *testing.T, lab *Lab, ns, port string, eth0 int) {
	t.Helper()
	eth1 := 0
	for round := range 2 {
		hs, ps := wireNat1(t, lab)
		for _, h := range hs {
			li, ok := readLink(t, ns, h.Device())
			want := map[string]int{"eth0": eth0, "eth1": eth1}[h.Device()]
			if !ok || (want != 0 && li.index != want) || (port == PortTAP && !li.carrier) {
				t.Errorf("round %d: %s %+v %v, want ifindex %d (re-attached)", round, h.Device(), li, ok, want)
			}
			if h.Interface == 1 {
				eth1 = li.index
			}
			if found, err := netns.FindPort(ns, h.Device(), netns.LabOwner(lab.Name)); port == PortTAP && (err != nil || !found) {
				t.Errorf("round %d: FindPort %s = %v %v", round, h.Device(), found, err)
			}
		}
		checkTwoInterfaces(t, ns, port)
		for _, p := range ps {
			p.Close()
		}
	}
}

// checkTwoInterfaces reads nat1's interfaces back with netlink.
func checkTwoInterfaces(t *testing.T, ns, port string) {
	t.Helper()
	for dev, want := range map[string][]string{"eth0": {"198.18.1.20/24", "fd00:5e5e:0:1::20/64"}, "eth1": {"198.18.2.20/24", "198.18.2.21/24"}} {
		li, ok := readLink(t, ns, dev)
		slices.Sort(li.addrs)
		if !ok || !slices.Equal(li.addrs, want) || (port == PortTAP && !li.carrier) {
			t.Errorf("%s: %+v %v, want addresses %v and a reader", dev, li, ok, want)
		}
	}
	for _, c := range []struct{ dst, dev, gw string }{
		{"198.18.1.99", "eth0", "invalid IP"},            // eth0's subnet: on-link
		{"198.18.2.99", "eth1", "invalid IP"},            // eth1's subnet: on-link
		{"198.18.3.7", "eth0", "198.18.1.1"},             // anywhere else: eth0's router
		{"fd00:5e5e:0:2::7", "eth0", "fd00:5e5e:0:1::1"}, // IPv6 too
		{"fd00:5e5e:0:1::99", "eth0", "invalid IP"},      // eth0's IPv6 subnet
	} {
		if dev, gw := routeTo(t, ns, c.dst); dev != c.dev || gw.String() != c.gw {
			t.Errorf("route to %s: %s via %s, want %s via %s", c.dst, dev, gw, c.dev, c.gw)
		}
	}
	if d := defaultRoutes(t, ns); d["eth0"] != 2 || len(d) != 1 {
		t.Errorf("default routes per device %v, want IPv4 and IPv6 on eth0 only", d)
	}
}

// removeLab removes the lab and checks nothing of it is left: records,
// the namespace (as `ip netns list` shows it), the host links.
func removeLab(t *testing.T, name string, hs []Host) {
	t.Helper()
	if err := RemoveHosts(name); err != nil {
		t.Fatal(err)
	}
	if left, err := HostLeftovers(name); err != nil || len(left) != 0 {
		t.Errorf("left after RemoveHosts: %v %v", left, err)
	}
	if recs, _ := netns.Records(netns.LabOwner(name)); len(recs) != 0 {
		t.Errorf("records after RemoveHosts: %+v", recs)
	}
	out, err := exec.Command("ip", "netns", "list").CombinedOutput()
	if err != nil || strings.Contains(string(out), hs[0].Netns) {
		t.Errorf("ip netns list after RemoveHosts: %v\n%s", err, out)
	}
	for _, h := range hs {
		if _, err := net.InterfaceByName(h.IfName); err == nil {
			t.Errorf("host link %s left after RemoveHosts", h.IfName)
		}
	}
}

// A lab wired by the previous version (its Host without Interface, its
// eth0's port record in the first format, one per namespace) is wired
// again after the upgrade by re-attaching that eth0, and unwired fully.
func TestHostWirerRewiresAFirstFormatPort(t *testing.T) {
	lab := netnstest.LabName(t)
	n := Host{Lab: lab, Node: "n1", ENI: "eni-1", Kind: KindNetns, Port: PortTAP,
		Netns: NetnsName(lab, "n1"), IfName: HostIfName(lab, "n1")}
	a := Addrs{MAC: net.HardwareAddr{0x02, 1, 2, 3, 4, 8}, IPv4: netip.MustParsePrefix("198.18.9.13/24")}
	p, err := HostWirer{}.Wire(n, a)
	if err != nil {
		t.Fatal(err)
	}
	p.Close()
	before, _ := readLink(t, n.Netns, "eth0")
	// What the previous version's RecordPort wrote instead of ours.
	owned := netns.RecordDir + "/"
	if err := os.Remove(owned + "port-" + n.Netns + ":eth0"); err != nil {
		t.Fatal(err)
	}
	old := fmt.Sprintf(`{"kind":"port","name":%q,"owner":%q,"pid":%d,"ifindex":%d,"link":"eth0","created":"2026-12-01T00:00:00Z"}`+"\n",
		n.Netns, netns.LabOwner(lab), os.Getpid(), before.index)
	if err := os.WriteFile(owned+"port-"+n.Netns, []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err = HostWirer{}.Wire(n, a)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if after, _ := readLink(t, n.Netns, "eth0"); after.index != before.index || !after.carrier {
		t.Errorf("eth0 after the upgrade: %+v, was ifindex %d: not re-attached", after, before.index)
	}
	p.Close()
	if err := (HostWirer{}).Unwire(n); err != nil {
		t.Fatal(err)
	}
	if left, err := HostLeftovers(lab); err != nil || len(left) != 0 || netns.Exists(n.Netns) {
		t.Errorf("left after Unwire: %v %v", left, err)
	}
}
