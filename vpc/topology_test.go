package vpc

import (
	"fmt"
	"net/netip"
	"sync"
	"testing"
)

func TestTopology(t *testing.T) {
	f := newFixture(t)
	must(t, f.st.CreateRoute(f.rtb, "0.0.0.0/0", eniA))
	must(t, f.st.CreateRoute(f.rtb, "10.0.1.0/24", eniA)) // middlebox: b → a through eniA
	must(t, f.st.SetSourceDestCheck(eniA, false))
	var c Compiler
	topo := c.Compile(f.st)
	v := topo.VPC(f.v1)
	if v == nil || len(v.Subnets) != 2 || v.Subnets[0].ID != f.a || !v.EnableDnsSupport {
		t.Fatalf("VPC %+v", v)
	}
	a, b := topo.Subnet(f.a), topo.Subnet(f.b)
	if a.Router != netip.MustParseAddr("10.0.1.1") || a.DNS != netip.MustParseAddr("10.0.1.2") || a.VPC != v {
		t.Errorf("subnet a router %s dns %s", a.Router, a.DNS)
	}
	if v.SubnetFor(netip.MustParseAddr("fd00:5e5e:0:1::99")) != a || v.SubnetFor(netip.MustParseAddr("10.0.2.7")) != b || v.SubnetFor(netip.MustParseAddr("10.0.3.1")) != nil {
		t.Error("SubnetFor")
	}
	e := topo.Interface(eniA)
	if e == nil || e.Subnet != a || e.SourceDestCheck {
		t.Fatalf("interface %+v", e)
	}
	if topo.Interface("eni-1") != nil || topo.Subnet("subnet-1") != nil || topo.VPC("vpc-1") != nil {
		t.Error("unknown ids found")
	}
	// a uses the main table (local only), b its own
	if r := a.Routes.Lookup(netip.MustParseAddr("10.0.2.5")); r.Kind != RouteLocal {
		t.Errorf("a → b: %v", r.Kind)
	}
	if r := a.Routes.Lookup(netip.MustParseAddr("8.8.8.8")); r.Kind != RouteNone {
		t.Errorf("a → internet: %v", r.Kind)
	}
	if r := b.Routes.Lookup(netip.MustParseAddr("10.0.1.20")); r.Kind != RouteInterface || r.Interface != e || r.Destination.Bits() != 24 {
		t.Errorf("b → a: %+v", r)
	}
	if r := b.Routes.Lookup(netip.MustParseAddr("10.0.2.20")); r.Kind != RouteLocal {
		t.Errorf("b → b: %v", r.Kind)
	}
	if r := b.Routes.Lookup(netip.MustParseAddr("fd00:5e5e:0:1::5")); r.Kind != RouteLocal {
		t.Errorf("b → a over IPv6: %v", r.Kind)
	}
	// ACLs: a has the default (allow all), b the custom one (deny all)
	p := Packet{Protocol: 6, Remote: netip.MustParseAddr("10.0.2.5"), Port: 22}
	if v := a.Ingress.Evaluate(p); v != (Verdict{true, 100}) {
		t.Errorf("a in %+v", v)
	}
	if v := b.Egress.Evaluate(p); v != (Verdict{false, DefaultDenyRule}) {
		t.Errorf("b out %+v", v)
	}
	p.Remote = netip.MustParseAddr("fd00:5e5e:0:1::5")
	if v := b.Egress.Evaluate(p); v != (Verdict{false, DefaultDenyRuleIPv6}) {
		t.Errorf("b out IPv6 %+v", v)
	}
	if v := a.Ingress.Evaluate(p); v != (Verdict{true, 101}) {
		t.Errorf("a in IPv6 %+v", v)
	}
	// an IPv4-only VPC denies IPv6 with the IPv6 `*` number
	c2 := topo.Subnet(f.c)
	if v := c2.Ingress.Evaluate(p); v != (Verdict{false, DefaultDenyRuleIPv6}) {
		t.Errorf("IPv4-only VPC, IPv6 packet: %+v", v)
	}
	// the target goes: blackhole in the next generation; the old one is unchanged
	must(t, f.st.RemoveInterface(eniA))
	topo2 := c.Compile(f.st)
	if topo2.Generation != topo.Generation+1 {
		t.Errorf("generations %d %d", topo.Generation, topo2.Generation)
	}
	if r := topo2.Subnet(f.b).Routes.Lookup(netip.MustParseAddr("10.0.1.20")); r.Kind != RouteBlackhole || r.Interface != nil {
		t.Errorf("after removal: %+v", r)
	}
	if r := b.Routes.Lookup(netip.MustParseAddr("10.0.1.20")); r.Kind != RouteInterface {
		t.Errorf("published topology changed: %+v", r)
	}
}

// Readers may share a Topology while a new one is compiled (go test -race).
func TestTopologyConcurrentReaders(t *testing.T) {
	f := newFixture(t)
	var c Compiler
	topo := c.Compile(f.st)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			s := topo.Subnet(f.a)
			for i := range 1000 {
				s.Ingress.Evaluate(Packet{Protocol: 6, Remote: netip.AddrFrom4([4]byte{10, 0, 2, byte(i)}), Port: uint16(i)})
				s.Routes.Lookup(netip.AddrFrom4([4]byte{10, 0, byte(i), 1}))
			}
		})
	}
	must(t, f.st.CreateTags([]string{f.a}, []Tag{{"k", "v"}}))
	_ = c.Compile(f.st.Clone())
	wg.Wait()
}

// SubnetFor agrees with a linear search over many subnets.
func TestSubnetForMany(t *testing.T) {
	st, _ := NewState(Config{IDSeed: 2})
	v, err := st.CreateVpc("10.0.0.0/16", "fd00:5e5e::/56", nil)
	must(t, err)
	for i := range 200 {
		if i%7 == 3 {
			continue // gaps
		}
		v6 := ""
		if i%2 == 0 {
			v6 = fmt.Sprintf("fd00:5e5e:0:%x::/64", i)
		}
		_, err := st.CreateSubnet(v.VpcId, fmt.Sprintf("10.0.%d.0/%d", i, 24+i%5), v6, "", nil)
		must(t, err)
	}
	var c Compiler
	cv := c.Compile(st).VPC(v.VpcId)
	for i := range 4000 {
		a := netip.AddrFrom4([4]byte{10, 0, byte(i % 256), byte(i * 7)})
		if i%3 == 0 {
			a = netip.MustParseAddr(fmt.Sprintf("fd00:5e5e:0:%x::%x", i%256, i))
		}
		var want *CompiledSubnet
		for _, s := range cv.Subnets {
			if s.CIDR.Contains(a) || s.IPv6CIDR.IsValid() && s.IPv6CIDR.Contains(a) {
				want = s
			}
		}
		if got := cv.SubnetFor(a); got != want {
			t.Fatalf("SubnetFor(%s) = %v, want %v", a, got, want)
		}
	}
}
