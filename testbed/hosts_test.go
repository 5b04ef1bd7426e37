package testbed

import (
	"errors"
	"net"
	"net/netip"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"sgswitch/account"
	"sgswitch/netns"
	"sgswitch/netns/netnstest"
	"sgswitch/ruleset"
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

// natLab is twotier (vpclab_test.go) named name, with nat1 forwarding,
// its eth0 with an IPv6 address and its port kind port ("" for the
// default): a node with an interface in each of two subnets.
func natLab(t *testing.T, name, port string) *Lab {
	t.Helper()
	src := strings.Replace(twotier, "name: twotier", "name: "+name, 1)
	extra := "      forwarding: true\n"
	if port != "" {
		extra += "      port: " + port + "\n"
	}
	src = strings.Replace(src, "    nat1:\n", "    nat1:\n"+extra, 1)
	src = strings.Replace(src, "ip: 198.18.1.20,", "ip: 198.18.1.20, ipv6: 'fd00:5e5e:0:1::20',", 1)
	return parseLab(t, src)
}

// natENIs are the ENI ids of natLab's interfaces.
var natENIs = map[Endpoint]string{
	{Node: "bastion"}: "eni-b", {Node: "nat1"}: "eni-n0", {Node: "nat1", Interface: 1}: "eni-n1", {Node: "db1"}: "eni-d",
}

// natAccount applies natLab to a scratch account and returns it with the
// ids Apply gave every interface.
func natAccount(t *testing.T, lab *Lab) (*account.Account, map[Endpoint]string) {
	t.Helper()
	acct, ap, err := Scratch(lab)
	if err != nil {
		t.Fatal(err)
	}
	return acct, ap.Interfaces
}

// HostsOf gives one Host per (node, interface) with its ENI; a node's
// interfaces share its namespace and forwarding and have host links of
// their own; Hosts gives each node's eth0 under its old name.
func TestHostsOf(t *testing.T) {
	lab := natLab(t, "twotier", "")
	type row struct {
		node, eni, dev string
		fwd            bool
	}
	var got []row
	links := map[string]bool{}
	for _, h := range HostsOf(lab, natENIs) {
		got = append(got, row{h.Node, h.ENI, h.Device(), h.Forwarding})
		if h.Kind != KindNetns || h.Port != PortTAP || h.Netns != NetnsName("twotier", h.Node) ||
			h.IfName != HostIfNameOf("twotier", h.Node, h.Interface) || links[h.IfName] {
			t.Errorf("%+v", h)
		}
		links[h.IfName] = true
	}
	want := []row{{"bastion", "eni-b", "eth0", false}, {"nat1", "eni-n0", "eth0", true}, {"nat1", "eni-n1", "eth1", true}, {"db1", "eni-d", "eth0", false}}
	if !slices.Equal(got, want) {
		t.Errorf("HostsOf = %v, want %v", got, want)
	}
	old := Hosts(lab, map[string]string{"bastion": "eni-b", "nat1": "eni-n0", "db1": "eni-d"})
	if len(old) != 3 {
		t.Fatalf("Hosts = %+v", old)
	}
	for _, h := range old {
		if !h.Primary() || h.IfName != HostIfName("twotier", h.Node) || h.ENI == "" {
			t.Errorf("Hosts: %+v", h)
		}
	}

	vm := parseLab(t, "name: v\nsubnet: 198.18.251.0/24\ntopology:\n  nodes:\n    v: {ip: 198.18.251.12, kind: vm, interface: tapv}\n")
	if hs := HostsOf(vm, map[Endpoint]string{{Node: "v"}: "eni-v"}); len(hs) != 1 || hs[0].IfName != "tapv" || hs[0].Port != PortAttach || hs[0].ENI != "eni-v" {
		t.Errorf("HostsOf a VM node = %+v", hs)
	}
}

// Every interface's host link name has the lab's prefix, fits a veth
// peer's extra byte, and is unique in the lab as long as the nodes' eth0
// names are (what Validate checks); eth0's is the name it always had.
func TestHostIfNameOf(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		lab := rapid.StringMatching(`[a-z0-9-]{1,12}`).Draw(t, "lab")
		nodes := rapid.SliceOfNDistinct(rapid.StringMatching(`[a-z0-9]{1,20}`), 1, 40, rapid.ID).Draw(t, "nodes")
		owner := map[string]string{}
		eth0 := map[string]bool{}
		for _, n := range nodes {
			if eth0[HostIfName(lab, n)] {
				continue // Validate refuses the lab
			}
			eth0[HostIfName(lab, n)] = true
			for i := range MaxInterfaces {
				name, who := HostIfNameOf(lab, n, i), n+"."+IfName(i)
				if len(name) != 14 || !strings.HasPrefix(name, HostIfPrefix(lab)) || !validIfName(name) {
					t.Fatalf("%s: host link %q", who, name)
				}
				if i == 0 && name != HostIfName(lab, n) {
					t.Fatalf("%s: %q, was %q", who, name, HostIfName(lab, n))
				}
				if other, dup := owner[name]; dup {
					t.Fatalf("%s and %s are both %q", who, other, name)
				}
				owner[name] = who
			}
		}
	})
	defer func() {
		if recover() == nil {
			t.Error("HostIfNameOf accepted interface 15")
		}
	}()
	HostIfNameOf("l", "n", MaxInterfaces)
}

// AddrsIn gives each interface its own subnet's prefix lengths, so its
// on-link route and router are the subnet's, not the VPC's.
func TestAddrsIn(t *testing.T) {
	lab := natLab(t, "twotier", "")
	acct, ifaces := natAccount(t, lab)
	hs := HostsOf(lab, ifaces)
	for _, c := range []struct {
		h          Host
		v4, v6, gw string
		sec        []string
	}{
		{hs[1], "198.18.1.20/24", "fd00:5e5e:0:1::20/64", "198.18.1.1", nil},
		{hs[2], "198.18.2.20/24", "invalid Prefix", "198.18.2.1", []string{"198.18.2.21/24"}},
	} {
		a, err := AddrsIn(acct, c.h.ENI)
		if err != nil {
			t.Fatal(err)
		}
		var sec []string
		for _, p := range a.SecondaryIPv4 {
			sec = append(sec, p.String())
		}
		if a.IPv4.String() != c.v4 || a.IPv6.String() != c.v6 || Router(a.IPv4).String() != c.gw || !slices.Equal(sec, c.sec) || a.MAC == nil {
			t.Errorf("%s: %+v", c.h.Endpoint(), a)
		}
	}
	if _, err := AddrsIn(acct, "eni-0000000000000000f"); err == nil {
		t.Error("AddrsIn of an interface the account does not have")
	}
}

// Apply attaches each interface of a node to it at the device index of its
// number (ethN: N), so describe shows one instance with eth0 as primary.
func TestApplyDeviceIndexes(t *testing.T) {
	acct, ifaces := natAccount(t, natLab(t, "twotier", ""))
	for ep, eni := range ifaces {
		vpcID, _ := acct.VPCOfInterface(eni)
		ds, err := acct.Groups(vpcID).DescribeNetworkInterfaces([]string{eni}, nil)
		if err != nil {
			t.Fatal(err)
		}
		at := ds[0].Attachment
		if at == nil || at.DeviceIndex != int32(ep.Interface) || at.InstanceId != ruleset.InstanceID(AttachmentOf("twotier", ep.Node)) {
			t.Errorf("%s: attachment %+v", ep, at)
		}
	}
}
