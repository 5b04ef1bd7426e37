package wire

import (
	"crypto/rand"
	"encoding/hex"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/vishvananda/netlink"

	"sgswitch/iface/tap"
)

func needRoot(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates network namespaces and links")
	}
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	prefix := "sgw" + hex.EncodeToString(b)
	t.Cleanup(func() {
		if err := Teardown(prefix); err != nil {
			t.Errorf("teardown: %v", err)
		}
		ns, _ := ListNetns(prefix)
		links, _ := ListLinks(prefix)
		if len(ns)+len(links) > 0 {
			t.Errorf("left behind: %v %v", ns, links)
		}
	})
	return prefix
}

func TestNetnsIsIPRouteCompatible(t *testing.T) {
	p := needRoot(t)
	name := p + "-ns"
	if err := CreateNetns(name); err != nil {
		t.Fatal(err)
	}
	if err := CreateNetns(name); err == nil {
		t.Error("creating an existing namespace succeeded")
	}
	got, err := ListNetns(p)
	if err != nil || len(got) != 1 || got[0] != name {
		t.Fatalf("ListNetns(%q) = %v, %v", p, got, err)
	}
	if _, err := exec.LookPath("ip"); err == nil {
		out, err := exec.Command("ip", "netns", "exec", name, "ip", "-o", "link", "show", "lo").CombinedOutput()
		if err != nil || !strings.Contains(string(out), "UP") {
			t.Errorf("ip netns exec: %v: %s", err, out)
		}
	}
	var inside []netlink.Link
	if err := Do(name, func() error {
		var err error
		inside, err = retryDump(netlink.LinkList)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(inside) != 1 || inside[0].Attrs().Name != "lo" {
		t.Errorf("links inside a new namespace: %v", inside)
	}
	if err := DeleteNetns(name); err != nil {
		t.Fatal(err)
	}
	if err := DeleteNetns(name); err != nil {
		t.Errorf("deleting a missing namespace: %v", err)
	}
}

func TestWireTAPAndVeth(t *testing.T) {
	p := needRoot(t)
	ns := p + "-ns"
	if err := CreateNetns(ns); err != nil {
		t.Fatal(err)
	}
	n := Node{Netns: ns, IPv4: netip.MustParsePrefix("198.18.0.11/24"), IPv6: netip.MustParsePrefix("fd00:5e5e:0:1::11/64")}
	port, err := WireTAP(p+"t", n, tap.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer port.Close()
	if !port.GSO() {
		t.Errorf("tap offloads refused: %s", port.Fallback())
	}
	n2 := n
	n2.IfName = "eth1"
	n2.IPv4 = netip.MustParsePrefix("198.18.1.11/24")
	n2.IPv6 = netip.Prefix{}
	n2.NoDefaultRoute = true
	if err := WireVeth(p+"v", n2); err != nil {
		t.Fatal(err)
	}
	err = Do(ns, func() error {
		for _, name := range []string{"eth0", "eth1"} {
			l, err := netlink.LinkByName(name)
			if err != nil {
				return err
			}
			if l.Attrs().Flags&(1<<0) == 0 {
				t.Errorf("%s is down", name)
			}
		}
		tx, err := TxChecksum("eth1")
		if err != nil {
			return err
		}
		if tx {
			t.Error("veth eth1: tx checksum offload still on")
		}
		routes, err := retryDump(func() ([]netlink.Route, error) { return netlink.RouteList(nil, netlink.FAMILY_ALL) })
		if err != nil {
			return err
		}
		var gws []string
		for _, r := range routes {
			if r.Gw != nil {
				gws = append(gws, r.Gw.String())
			}
		}
		if strings.Join(gws, ",") != "198.18.0.1,fd00:5e5e:0:1::1" {
			t.Errorf("default routes via %v, want the VPC router 198.18.0.1 and fd00:5e5e:0:1::1", gws)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
