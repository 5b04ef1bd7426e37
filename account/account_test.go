package account

import (
	"errors"
	"net/netip"
	"reflect"
	"testing"

	"pgregory.net/rapid"

	"sgswitch/ruleset"
	"sgswitch/vpc"
)

// tb is what the helpers need of a *testing.T or a *rapid.T.
type tb interface {
	Helper()
	Fatal(args ...any)
}

func newAccount(t tb) *Account {
	t.Helper()
	a, err := New(Config{Network: vpc.Config{IDSeed: 11}})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// must(call())(t) is call's value, or t fails with its error.
func must[T any](v T, err error) func(tb) T {
	return func(t tb) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func code(err error) string {
	var v *vpc.Error
	if errors.As(err, &v) {
		return v.Code
	}
	var r *ruleset.Error
	if errors.As(err, &r) {
		return r.Code
	}
	return ""
}

func addrs(ss ...string) []netip.Addr {
	out := make([]netip.Addr, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParseAddr(s)
	}
	return out
}

// lab makes a VPC with two subnets.
func lab(t tb, a *Account, cidr string) (vpcID, pub, priv string) {
	t.Helper()
	v := must(a.CreateVpc(cidr, "", nil))(t)
	p := netip.MustParsePrefix(cidr).Addr().As4()
	sub := func(third byte) string {
		q := netip.PrefixFrom(netip.AddrFrom4([4]byte{p[0], p[1], third, 0}), 24)
		return must(a.Network().CreateSubnet(v.VpcId, q.String(), "", "", nil))(t).SubnetId
	}
	return v.VpcId, sub(1), sub(2)
}

func TestCreateVpcHasItsOwnDefaultGroup(t *testing.T) {
	a := newAccount(t)
	v1, _, _ := lab(t, a, "198.18.0.0/16")
	v2, _, _ := lab(t, a, "198.18.0.0/16") // VPCs may overlap
	g1, g2 := a.Groups(v1), a.Groups(v2)
	if g1 == nil || g2 == nil || g1.DefaultGroupID() == g2.DefaultGroupID() {
		t.Fatalf("default groups %v %v", g1, g2)
	}
	if g1.VPC().VpcId != v1 || g1.VPC().CIDR != netip.MustParsePrefix("198.18.0.0/16") {
		t.Fatalf("groups of %s: %+v", v1, g1.VPC())
	}
	if got, ok := a.VPCOfGroup(g2.DefaultGroupID()); !ok || got != v2 {
		t.Fatalf("VPCOfGroup %s %v", got, ok)
	}
	if !reflect.DeepEqual(a.VPCs(), sortedPair(v1, v2)) {
		t.Fatalf("VPCs %v", a.VPCs())
	}
	if err := a.Consistent(); err != nil {
		t.Fatal(err)
	}
}

func sortedPair(a, b string) []string {
	if a < b {
		return []string{a, b}
	}
	return []string{b, a}
}

func TestInterfacesInSubnets(t *testing.T) {
	a := newAccount(t)
	v, pub, priv := lab(t, a, "198.18.0.0/16")
	// No address: the subnet's lowest free one, not the VPC's.
	e1 := must(a.CreateNetworkInterface(priv, ruleset.ENISpec{Name: "db"}, nil))(t)
	if e1.PrivateIpAddress != "198.18.2.4" {
		t.Fatalf("primary %s", e1.PrivateIpAddress)
	}
	off := false
	e2 := must(a.CreateNetworkInterface(pub, ruleset.ENISpec{IPv4: addrs("198.18.1.20")}, &off))(t)
	if p, _ := a.Network().Interface(e2.NetworkInterfaceId); p.SourceDestCheck || p.SubnetID != pub {
		t.Fatalf("placement %+v", p)
	}
	if got, ok := a.VPCOfInterface(e1.NetworkInterfaceId); !ok || got != v {
		t.Fatalf("VPCOfInterface %s", got)
	}
	// Secondary addresses by count come from the interface's own subnet.
	got := must(a.AssignPrivateIpAddresses(e1.NetworkInterfaceId, nil, 2, false))(t)
	if !reflect.DeepEqual(got, addrs("198.18.2.5", "198.18.2.6")) {
		t.Fatalf("assigned %v", got)
	}
	// An address outside the subnet is the VPC layer's refusal.
	_, err := a.AssignPrivateIpAddresses(e1.NetworkInterfaceId, addrs("198.18.1.50"), 0, false)
	if err == nil {
		t.Fatal("an address of another subnet was assigned")
	}
	// Reassignment moves a secondary between interfaces of one subnet.
	e3 := must(a.CreateNetworkInterface(priv, ruleset.ENISpec{}, nil))(t)
	must(a.AssignPrivateIpAddresses(e3.NetworkInterfaceId, addrs("198.18.2.6"), 0, true))(t)
	if err := a.Consistent(); err != nil {
		t.Fatal(err)
	}
	if err := a.UnassignPrivateIpAddresses(e1.NetworkInterfaceId, addrs("198.18.2.5")); err != nil {
		t.Fatal(err)
	}
	if err := a.DeleteNetworkInterface(e2.NetworkInterfaceId); err != nil {
		t.Fatal(err)
	}
	if err := a.Consistent(); err != nil {
		t.Fatal(err)
	}
	if _, ok := a.Network().Interface(e2.NetworkInterfaceId); ok {
		t.Fatal("deleted interface still placed")
	}
}

// TestFailedCallsChangeNothing: every refusal leaves both models as they were.
func TestFailedCallsChangeNothing(t *testing.T) {
	a := newAccount(t)
	v1, pub, _ := lab(t, a, "198.18.0.0/16")
	v2, other, _ := lab(t, a, "198.19.0.0/16")
	e := must(a.CreateNetworkInterface(pub, ruleset.ENISpec{IPv4: addrs("198.18.1.10")}, nil))(t)
	before := a.Spec()
	for name, call := range map[string]func() error{
		"reserved address": func() error {
			_, err := a.CreateNetworkInterface(pub, ruleset.ENISpec{IPv4: addrs("198.18.1.1")}, nil)
			return err
		},
		"address in use": func() error {
			_, err := a.CreateNetworkInterface(pub, ruleset.ENISpec{IPv4: addrs("198.18.1.10")}, nil)
			return err
		},
		"other VPC's group": func() error {
			_, err := a.CreateNetworkInterface(other, ruleset.ENISpec{Groups: []string{a.Groups(v1).DefaultGroupID()}}, nil)
			return err
		},
		"unknown subnet": func() error {
			_, err := a.CreateNetworkInterface("subnet-0123456789abcdef0", ruleset.ENISpec{}, nil)
			return err
		},
		"assign too many":     func() error { _, err := a.AssignPrivateIpAddresses(e.NetworkInterfaceId, nil, 300, false); return err },
		"unassign primary":    func() error { return a.UnassignPrivateIpAddresses(e.NetworkInterfaceId, addrs("198.18.1.10")) },
		"delete unknown eni":  func() error { return a.DeleteNetworkInterface("eni-0123456789abcdef0") },
		"delete vpc w subnet": func() error { return a.DeleteVpc(v2) },
		"bad vpc cidr":        func() error { _, err := a.CreateVpc("10.0.0.0/8", "", nil); return err },
	} {
		if err := call(); err == nil {
			t.Errorf("%s: accepted", name)
		}
		if !reflect.DeepEqual(before, a.Spec()) {
			t.Fatalf("%s: a refused call changed the account", name)
		}
	}
}

func TestDeleteVpc(t *testing.T) {
	a := newAccount(t)
	v := must(a.CreateVpc("198.18.0.0/16", "", nil))(t).VpcId
	if _, err := a.Groups(v).CreateSecurityGroup("web", "web", nil); err != nil {
		t.Fatal(err)
	}
	if err := a.DeleteVpc(v); code(err) != vpc.CodeDependencyViolation {
		t.Fatalf("with a custom group: %v", err)
	}
	if _, err := a.Groups(v).DeleteSecurityGroup("web"); err != nil {
		t.Fatal(err)
	}
	if err := a.DeleteVpc(v); err != nil {
		t.Fatal(err)
	}
	if a.Groups(v) != nil || len(a.VPCs()) != 0 {
		t.Fatal("VPC left")
	}
}

func TestSpecRoundTripAndCompile(t *testing.T) {
	a := newAccount(t)
	v, pub, _ := lab(t, a, "198.18.0.0/16")
	must(a.CreateNetworkInterface(pub, ruleset.ENISpec{Name: "web"}, nil))(t)
	b, err := FromSpec(a.Spec())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a.Spec(), b.Spec()) {
		t.Fatal("round trip changed the spec")
	}
	// A spec whose models disagree is refused.
	bad := a.Spec()
	bad.Network.Interfaces = nil
	if _, err := FromSpec(bad); err == nil {
		t.Fatal("an interface nobody placed was accepted")
	}
	c := NewCompilers().Compile(a)
	if c.Topology.VPC(v) == nil || c.Groups[v] == nil || len(c.Groups[v].Interfaces()) != 1 {
		t.Fatalf("compiled %+v", c)
	}
}

// TestRandomChangesStayConsistent: any sequence of account actions, failed
// or not, keeps the two models equal, and a failed one changes nothing.
func TestRandomChangesStayConsistent(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		a := newAccount(rt)
		v, pub, priv := lab(rt, a, "198.18.0.0/16")
		subnets := []string{pub, priv, "subnet-0123456789abcdef0"}
		var enis []string
		pick := func(label string) netip.Addr {
			return netip.AddrFrom4([4]byte{198, 18, byte(rapid.IntRange(0, 3).Draw(rt, label+"-3")), byte(rapid.IntRange(0, 12).Draw(rt, label+"-4"))})
		}
		for i := range rapid.IntRange(1, 25).Draw(rt, "steps") {
			before := a.Spec()
			var err error
			switch op := rapid.IntRange(0, 4).Draw(rt, "op"); {
			case op == 0 || len(enis) == 0:
				var spec ruleset.ENISpec
				if rapid.Bool().Draw(rt, "explicit") {
					spec.IPv4 = []netip.Addr{pick("primary")}
				}
				var e *ruleset.NetworkInterface
				if e, err = a.CreateNetworkInterface(rapid.SampledFrom(subnets).Draw(rt, "subnet"), spec, nil); err == nil {
					enis = append(enis, e.NetworkInterfaceId)
				}
			case op == 1:
				_, err = a.AssignPrivateIpAddresses(rapid.SampledFrom(enis).Draw(rt, "eni"), nil, rapid.IntRange(1, 3).Draw(rt, "n"), false)
			case op == 2:
				_, err = a.AssignPrivateIpAddresses(rapid.SampledFrom(enis).Draw(rt, "eni"), []netip.Addr{pick("secondary")}, 0, rapid.Bool().Draw(rt, "move"))
			case op == 3:
				eni := rapid.SampledFrom(enis).Draw(rt, "eni")
				drop := pick("drop")
				if held := secondaries(a, v, eni); len(held) > 0 && rapid.Bool().Draw(rt, "held") {
					drop = rapid.SampledFrom(held).Draw(rt, "which")
				}
				err = a.UnassignPrivateIpAddresses(eni, []netip.Addr{drop})
			default:
				err = a.DeleteNetworkInterface(rapid.SampledFrom(enis).Draw(rt, "eni"))
			}
			if cerr := a.Consistent(); cerr != nil {
				rt.Fatalf("step %d: %v", i, cerr)
			}
			if err != nil && !reflect.DeepEqual(before, a.Spec()) {
				rt.Fatalf("step %d: a failed call (%v) changed the account", i, err)
			}
		}
		_ = v
	})
}

// secondaries lists the secondary addresses interface eni of VPC v holds.
func secondaries(a *Account, v, eni string) []netip.Addr {
	for _, e := range a.Groups(v).View().Interfaces {
		if e.ID == eni && len(e.IPv4) > 1 {
			return e.IPv4[1:]
		}
	}
	return nil
}

// IPv6 addresses by count come from the interface's subnet's /64, not
// the VPC's first one, and both models keep them.
func TestIPv6AddressesInSubnets(t *testing.T) {
	a := newAccount(t)
	v := must(a.CreateVpc("10.5.0.0/16", "fd00:5::/56", nil))(t)
	first := must(a.Network().CreateSubnet(v.VpcId, "10.5.1.0/24", "fd00:5::/64", "", nil))(t)
	second := must(a.Network().CreateSubnet(v.VpcId, "10.5.2.0/24", "fd00:5:0:2::/64", "", nil))(t)
	v4only := must(a.Network().CreateSubnet(v.VpcId, "10.5.3.0/24", "", "", nil))(t)
	must(a.CreateNetworkInterface(first.SubnetId, ruleset.ENISpec{}, nil))(t)
	e := must(a.CreateNetworkInterface(second.SubnetId, ruleset.ENISpec{}, nil))(t)
	got := must(a.AssignIpv6Addresses(e.NetworkInterfaceId, nil, 2))(t)
	if !reflect.DeepEqual(got, addrs("fd00:5:0:2::4", "fd00:5:0:2::5")) {
		t.Fatalf("assigned %v", got)
	}
	if err := a.Consistent(); err != nil {
		t.Fatal(err)
	}
	if err := a.UnassignIpv6Addresses(e.NetworkInterfaceId, addrs("fd00:5:0:2::4")); err != nil {
		t.Fatal(err)
	}
	if p, _ := a.Network().Interface(e.NetworkInterfaceId); !reflect.DeepEqual(p.IPv6, addrs("fd00:5:0:2::5")) {
		t.Fatalf("VPC layer holds %v", p.IPv6)
	}
	e4 := must(a.CreateNetworkInterface(v4only.SubnetId, ruleset.ENISpec{}, nil))(t)
	before := a.Spec()
	if _, err := a.AssignIpv6Addresses(e4.NetworkInterfaceId, nil, 1); code(err) != vpc.CodeInvalidParameterValue {
		t.Fatalf("IPv6 in a subnet without a block: %v", err)
	}
	if _, err := a.AssignIpv6Addresses("eni-0123456789abcdef0", nil, 1); code(err) != ruleset.CodeInvalidNetworkInterfaceIDNotFound {
		t.Fatalf("unknown interface: %v", err)
	}
	if !reflect.DeepEqual(before, a.Spec()) {
		t.Fatal("a refusal changed the account")
	}
}
