package netns_test

import (
	"errors"
	"net/netip"
	"os/exec"
	"strings"
	"testing"

	"github.com/vishvananda/netlink"

	"sgswitch/netns"
	"sgswitch/netns/netnstest"
)

// ip runs `ip ARGS…` for links the test itself made outside sgswitch.
func ip(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
	}
}

// foreignVeth makes a veth pair as another tool would (not recorded by
// sgswitch) and removes it when the test ends.
func foreignVeth(t *testing.T, s *netns.Scope, short string) string {
	name := s.Name(short)
	ip(t, "link", "add", name, "type", "veth", "peer", "name", name+"p")
	t.Cleanup(func() { _ = exec.Command("ip", "link", "del", name).Run() })
	ip(t, "link", "set", name, "up")
	return name
}

// TestClaimRefusesHostInterfaces is defect 6: `kind: vm` may attach an
// interface only when the host does not use it and nobody else owns it.
func TestClaimRefusesHostInterfaces(t *testing.T) {
	s := netnstest.New(t)
	other := netnstest.New(t)

	plain := foreignVeth(t, s, "pl")
	withAddr := foreignVeth(t, s, "ad")
	ip(t, "addr", "add", "198.18.99.1/24", "dev", withAddr)
	withRoute := foreignVeth(t, s, "rt")
	ip(t, "route", "add", "198.18.98.0/24", "dev", withRoute)
	member := foreignVeth(t, s, "mb")
	bridge := s.Name("br")
	ip(t, "link", "add", bridge, "type", "bridge")
	t.Cleanup(func() { _ = exec.Command("ip", "link", "del", bridge).Run() })
	ip(t, "link", "set", member, "master", bridge)
	made := s.Name("mk")
	if err := netns.CreateVeth(made, netns.Interface{Netns: mustNetns(t, s, "-mk")}, s.Owner); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name, iface, why string
	}{
		{"loopback", "lo", "loopback"},
		{"global address", withAddr, "198.18.99.1/24"},
		{"route", withRoute, "198.18.98.0/24"},
		{"bridge member", member, "bridge"},
		{"made by sgswitch", made, "sgswitch created it"},
		{"missing", s.Name("none"), "no such interface"},
	}
	if gw := defaultRouteLink(t); gw != "" {
		cases = append(cases, struct{ name, iface, why string }{"default route", gw, ""})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := netns.Claim(c.iface, s.Owner)
			if err == nil || !strings.Contains(err.Error(), c.why) {
				t.Errorf("Claim(%s) = %v, want an error naming %q", c.iface, err, c.why)
			}
		})
	}
	if err := netns.Claim(plain, s.Owner); err != nil {
		t.Fatalf("Claim of an unused interface: %v", err)
	}
	if err := netns.Claim(plain, s.Owner); err != nil {
		t.Errorf("the same owner claiming again: %v", err)
	}
	if err := netns.Claim(plain, other.Owner); !errors.Is(err, netns.ErrNotAttachable) || !strings.Contains(err.Error(), string(s.Owner)) {
		t.Errorf("another owner claiming it: %v, want ErrNotAttachable naming %s", err, s.Owner)
	}
	if err := netns.RemoveAll(s.Owner); err != nil {
		t.Fatal(err)
	}
	if _, err := netlink.LinkByName(plain); err != nil {
		t.Errorf("releasing a claim removed the interface: %v", err)
	}
	if err := netns.Claim(plain, other.Owner); err != nil {
		t.Errorf("claim after release: %v", err)
	}
}

func mustNetns(t *testing.T, s *netns.Scope, short string) string {
	t.Helper()
	name, err := s.CreateNetns(short)
	if err != nil {
		t.Fatal(err)
	}
	return name
}

// defaultRouteLink names the interface of the host's IPv4 default route,
// or "" when there is none. Only read.
func defaultRouteLink(t *testing.T) string {
	routes, err := netlink.RouteList(nil, netlink.FAMILY_V4)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range routes {
		if r.Dst == nil || r.Dst.String() == "0.0.0.0/0" {
			if l, err := netlink.LinkByIndex(r.LinkIndex); err == nil {
				return l.Attrs().Name
			}
		}
	}
	return ""
}

// TestLinksAreOwned: sgswitch deletes only the links it recorded, and
// never takes over a name another tool uses.
func TestLinksAreOwned(t *testing.T) {
	s := netnstest.New(t)
	other := netnstest.New(t)
	ns := mustNetns(t, s, "-l")
	in := netns.Interface{Netns: ns, IPv4: netip.MustParsePrefix("198.18.0.11/24"), Gateway4: netip.MustParseAddr("198.18.0.1")}
	host := s.Name("v")
	if err := netns.CreateVeth(host, in, s.Owner); err != nil {
		t.Fatal(err)
	}
	if err := netns.DeleteLink(host, other.Owner); !errors.Is(err, netns.ErrNotOwned) {
		t.Errorf("another owner deleting the link: %v", err)
	}
	if err := netns.CreateVeth(host, in, other.Owner); !errors.Is(err, netns.ErrNotOwned) {
		t.Errorf("another owner re-using the name: %v", err)
	}
	err := netns.Do(ns, func() error {
		tx, err := netns.TxChecksum("eth0")
		if err == nil && tx {
			t.Error("eth0: tx checksum offload still on")
		}
		routes, err := netlink.RouteList(nil, netlink.FAMILY_V4)
		found := false
		for _, r := range routes {
			found = found || ((r.Dst == nil || r.Dst.String() == "0.0.0.0/0") && r.Gw.String() == "198.18.0.1")
		}
		if !found {
			t.Errorf("no default route via 198.18.0.1: %v", routes)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	foreign := foreignVeth(t, s, "f")
	if err := netns.ClaimLinkName(foreign, s.Owner); !errors.Is(err, netns.ErrNotOwned) {
		t.Errorf("claiming the name of a foreign link: %v", err)
	}
	if err := netns.DeleteLink(host, s.Owner); err != nil {
		t.Fatal(err)
	}
	if _, err := netlink.LinkByName(host); err == nil {
		t.Error("link still there after DeleteLink")
	}
}

// TestDeleteLinkKeepsOthersRecords: asking to delete a link that is not
// there (e.g. it lives in another namespace) drops no other owner's record.
func TestDeleteLinkKeepsOthersRecords(t *testing.T) {
	s := netnstest.New(t)
	other := netnstest.New(t)
	ns := mustNetns(t, s, "-k")
	host := s.Name("k")
	if err := netns.CreateVeth(host, netns.Interface{Netns: ns}, s.Owner); err != nil {
		t.Fatal(err)
	}
	err := netns.Do(ns, func() error { return netns.DeleteLink(host, other.Owner) })
	if err != nil {
		t.Fatalf("DeleteLink of a link not in this namespace: %v", err)
	}
	recs, err := netns.Records(s.Owner)
	found := false
	for _, r := range recs {
		found = found || (r.Kind == netns.KindLink && r.Name == host)
	}
	if err != nil || !found {
		t.Fatalf("the owner's link record was dropped: %v %v", recs, err)
	}
}
