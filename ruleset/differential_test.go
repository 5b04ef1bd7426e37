package ruleset

import (
	"fmt"
	"net/netip"
	"reflect"
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// The compiled classifier must agree with the naive reference evaluator
// over random rulesets, packets and mutations.

var (
	cidr4Pool = []string{"0.0.0.0/0", "198.18.0.0/24", "198.18.0.0/28", "198.18.0.16/28", "198.18.0.11/32", "198.18.0.12/32", "10.0.0.0/8", "203.0.113.7/32", "128.0.0.0/1", "255.255.255.255/32", "0.0.0.0/32"}
	cidr6Pool = []string{"::/0", "fd00:5e5e:0:1::/64", "fd00:5e5e:0:1::11/128", "fd00:5e5e:0:1::/120", "2001:db8::/32", "::/1", "8000::/1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"}
	portPool  = []int32{0, 1, 22, 53, 79, 80, 81, 443, 1024, 8080, 65534, 65535}
	protoPool = []string{"-1", "tcp", "udp", "icmp", "icmpv6", "47", "6", "17"}
)

func genState(t *rapid.T) *State {
	cfg := VPCConfig{CIDR: netip.MustParsePrefix("198.18.0.0/24"), IDSeed: 7}
	if rapid.Bool().Draw(t, "ipv6") {
		cfg.IPv6CIDR = netip.MustParsePrefix("fd00:5e5e:0:1::/64")
	}
	cfg.LiftQuotas = true
	st, err := NewState(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i := range rapid.IntRange(0, 2).Draw(t, "npl") {
		var es []PrefixListEntry
		pool := cidr4Pool
		if rapid.Bool().Draw(t, "pl6") {
			pool = cidr6Pool
		}
		for _, c := range rapid.SliceOfNDistinct(rapid.SampledFrom(pool), 1, 3, rapid.ID).Draw(t, "ples") {
			es = append(es, PrefixListEntry{Cidr: c})
		}
		if _, err := st.CreateManagedPrefixList(fmt.Sprintf("pl%d", i), 5, es); err != nil {
			t.Fatal(err)
		}
	}
	for i := range rapid.IntRange(1, 4).Draw(t, "ngroups") {
		if _, err := st.CreateSecurityGroup(fmt.Sprintf("g%d", i), "d", nil); err != nil {
			t.Fatal(err)
		}
	}
	for range rapid.IntRange(0, 12).Draw(t, "nauth") {
		mutateAuthorize(t, st)
	}
	for i := range rapid.IntRange(1, 4).Draw(t, "neni") {
		spec := ENISpec{Name: fmt.Sprintf("n%d", i), IPv4: []netip.Addr{netip.AddrFrom4([4]byte{198, 18, 0, byte(10 + i)})}, Groups: drawGroups(t, st)}
		if cfg.IPv6CIDR.IsValid() {
			spec.IPv6 = []netip.Addr{netip.MustParseAddr(fmt.Sprintf("fd00:5e5e:0:1::%x", 0x10+i))}
		}
		if _, err := st.CreateNetworkInterface(spec); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

func drawGroups(t *rapid.T, st *State) []string {
	var ids []string
	for _, g := range st.s.Groups {
		ids = append(ids, g.ID)
	}
	return rapid.SliceOfNDistinct(rapid.SampledFrom(ids), 1, 3, rapid.ID).Draw(t, "groups")
}

func drawPermission(t *rapid.T, st *State) IpPermission {
	p := IpPermission{IpProtocol: rapid.SampledFrom(protoPool).Draw(t, "proto")}
	switch p.IpProtocol {
	case "tcp", "udp", "6", "17":
		a, b := rapid.SampledFrom(portPool).Draw(t, "from"), rapid.SampledFrom(portPool).Draw(t, "to")
		if a > b {
			a, b = b, a
		}
		p.FromPort, p.ToPort = &a, &b
	case "icmp", "icmpv6":
		typ := rapid.SampledFrom([]int32{-1, 0, 3, 8, 128}).Draw(t, "type")
		code := int32(-1)
		if typ >= 0 {
			code = rapid.SampledFrom([]int32{-1, 0, 4}).Draw(t, "code")
		}
		p.FromPort, p.ToPort = &typ, &code
	}
	switch rapid.IntRange(0, 3).Draw(t, "peer") {
	case 0:
		p.IpRanges = []IpRange{{CidrIp: rapid.SampledFrom(cidr4Pool).Draw(t, "c4")}}
	case 1:
		p.Ipv6Ranges = []Ipv6Range{{CidrIpv6: rapid.SampledFrom(cidr6Pool).Draw(t, "c6")}}
	case 2:
		if len(st.s.PrefixLists) == 0 {
			p.IpRanges = []IpRange{{CidrIp: "0.0.0.0/0"}}
			break
		}
		p.PrefixListIds = []PrefixListId{{PrefixListId: rapid.SampledFrom(st.s.PrefixLists).Draw(t, "pl").ID}}
	case 3:
		p.UserIdGroupPairs = []UserIdGroupPair{{GroupId: rapid.SampledFrom(st.s.Groups).Draw(t, "ref").ID}}
	}
	return p
}

// mutate applies one checked operation; a failing one must change nothing.
func checkAtomic(t *rapid.T, st *State, op func() error) {
	before := st.Spec()
	if err := op(); err != nil {
		if !reflect.DeepEqual(before, st.Spec()) {
			t.Fatalf("failed operation (%v) changed the state", err)
		}
	}
}

func mutateAuthorize(t *rapid.T, st *State) {
	g := rapid.SampledFrom(st.s.Groups).Draw(t, "group").ID
	perm := drawPermission(t, st)
	checkAtomic(t, st, func() error {
		var err error
		if rapid.Bool().Draw(t, "egress") {
			_, err = st.AuthorizeSecurityGroupEgress(g, []IpPermission{perm}, nil)
		} else {
			_, err = st.AuthorizeSecurityGroupIngress(g, []IpPermission{perm}, nil)
		}
		return err
	})
}

func mutate(t *rapid.T, st *State) {
	switch rapid.IntRange(0, 7).Draw(t, "mutation") {
	case 0:
		mutateAuthorize(t, st)
	case 1: // revoke by id
		g := rapid.SampledFrom(st.s.Groups).Draw(t, "group")
		egress := rapid.Bool().Draw(t, "egress")
		rs := *g.rules(egress)
		if len(rs) == 0 {
			return
		}
		id := rapid.SampledFrom(rs).Draw(t, "rule").ID
		checkAtomic(t, st, func() error {
			if egress {
				_, _, err := st.RevokeSecurityGroupEgress(g.ID, nil, []string{id})
				return err
			}
			_, _, err := st.RevokeSecurityGroupIngress(g.ID, nil, []string{id})
			return err
		})
	case 2: // membership change
		if len(st.s.Interfaces) == 0 {
			return
		}
		e := rapid.SampledFrom(st.s.Interfaces).Draw(t, "eni").ID
		gs := drawGroups(t, st)
		checkAtomic(t, st, func() error { return st.ModifyNetworkInterfaceAttribute(e, gs, nil) })
	case 3: // address change
		if len(st.s.Interfaces) == 0 {
			return
		}
		e := rapid.SampledFrom(st.s.Interfaces).Draw(t, "eni")
		a := netip.AddrFrom4([4]byte{198, 18, 0, byte(rapid.IntRange(1, 30).Draw(t, "addr"))})
		checkAtomic(t, st, func() error { return st.SetInterfaceAddresses(e.ID, []netip.Addr{a}, e.IPv6) })
	case 5: // prefix-list change
		if len(st.s.PrefixLists) == 0 {
			return
		}
		pl := rapid.SampledFrom(st.s.PrefixLists).Draw(t, "pl")
		pool := cidr4Pool
		if pl.AddressFamily == "IPv6" {
			pool = cidr6Pool
		}
		add := []PrefixListEntry{{Cidr: rapid.SampledFrom(pool).Draw(t, "add")}}
		var remove []string
		if len(pl.Entries) > 0 && rapid.Bool().Draw(t, "remove") {
			remove = []string{rapid.SampledFrom(pl.Entries).Draw(t, "rm").Cidr}
		}
		checkAtomic(t, st, func() error { _, err := st.ModifyManagedPrefixList(pl.ID, add, remove); return err })
	case 6: // modify a rule in place
		g := rapid.SampledFrom(st.s.Groups).Draw(t, "group")
		rs := append(append([]RuleSpec(nil), g.Ingress...), g.Egress...)
		if len(rs) == 0 {
			return
		}
		id := rapid.SampledFrom(rs).Draw(t, "rule").ID
		p := drawPermission(t, st)
		req := &SecurityGroupRuleRequest{IpProtocol: &p.IpProtocol, FromPort: p.FromPort, ToPort: p.ToPort}
		switch {
		case len(p.IpRanges) > 0:
			req.CidrIpv4 = &p.IpRanges[0].CidrIp
		case len(p.Ipv6Ranges) > 0:
			req.CidrIpv6 = &p.Ipv6Ranges[0].CidrIpv6
		case len(p.PrefixListIds) > 0:
			req.PrefixListId = &p.PrefixListIds[0].PrefixListId
		default:
			req.ReferencedGroupId = &p.UserIdGroupPairs[0].GroupId
		}
		checkAtomic(t, st, func() error {
			return st.ModifySecurityGroupRules(g.ID, []SecurityGroupRuleUpdate{{SecurityGroupRuleId: id, SecurityGroupRule: req}})
		})
	case 7: // interface leaves or joins the VPC
		if len(st.s.Interfaces) > 1 && rapid.Bool().Draw(t, "delete") {
			e := rapid.SampledFrom(st.s.Interfaces).Draw(t, "eni").ID
			checkAtomic(t, st, func() error { return st.DeleteNetworkInterface(e) })
			return
		}
		a := netip.AddrFrom4([4]byte{198, 18, 0, byte(rapid.IntRange(31, 60).Draw(t, "addr"))})
		checkAtomic(t, st, func() error {
			_, err := st.CreateNetworkInterface(ENISpec{IPv4: []netip.Addr{a}, Groups: drawGroups(t, st)})
			return err
		})
	case 4: // revoke by properties
		g := rapid.SampledFrom(st.s.Groups).Draw(t, "group")
		perm := drawPermission(t, st)
		checkAtomic(t, st, func() error {
			_, _, err := st.RevokeSecurityGroupIngress(g.ID, []IpPermission{perm}, nil)
			return err
		})
	}
}

func drawQuery(t *rapid.T, st *State) Query {
	var q Query
	var addrs []netip.Addr
	for _, e := range st.s.Interfaces {
		addrs = append(addrs, e.IPv4...)
		addrs = append(addrs, e.IPv6...)
	}
	addrs = append(addrs, netip.MustParseAddr("198.18.0.5"), netip.MustParseAddr("198.18.0.20"), netip.MustParseAddr("10.1.2.3"),
		netip.MustParseAddr("203.0.113.7"), netip.MustParseAddr("255.255.255.255"), netip.MustParseAddr("0.0.0.0"), netip.MustParseAddr("200.1.1.1"),
		netip.MustParseAddr("fd00:5e5e:0:1::5"), netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("::"), netip.MustParseAddr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), netip.MustParseAddr("9000::1"))
	q.SetRemote(rapid.SampledFrom(addrs).Draw(t, "remote"))
	q.Proto = rapid.SampledFrom([]uint8{6, 17, 1, 58, 47, 50}).Draw(t, "qproto")
	q.Port = uint16(rapid.SampledFrom(portPool).Draw(t, "qport"))
	q.ICMPType = rapid.SampledFrom([]uint8{0, 3, 8, 128, 255}).Draw(t, "qtype")
	q.ICMPCode = rapid.SampledFrom([]uint8{0, 4, 255}).Draw(t, "qcode")
	return q
}

func checkAgainstReference(t *rapid.T, st *State, snap *Snapshot) {
	if len(snap.Interfaces()) != len(st.s.Interfaces) {
		t.Fatalf("snapshot has %d interfaces, state %d", len(snap.Interfaces()), len(st.s.Interfaces))
	}
	for range 30 {
		q := drawQuery(t, st)
		for _, ci := range snap.Interfaces() {
			for _, egress := range []bool{false, true} {
				cl := ci.In
				if egress {
					cl = ci.Out
				}
				got := cl.Classify(&q)
				want := st.ReferenceClassify(ci.ID, egress, &q)
				if got.Allowed != want.Allowed || got.Allowed && got.Tracked != want.Tracked {
					t.Fatalf("%s egress=%v %+v: compiled %+v, reference %+v", ci.ID, egress, q, got, want)
				}
				if got.Allowed && !slices.Contains(want.Rules, snap.RuleID(got.Rule)) {
					t.Fatalf("%s: reported rule %s does not match (%v)", ci.ID, snap.RuleID(got.Rule), want.Rules)
				}
				// The pair trace names for an untracked flow: the open rule the
				// classifier reports and the other direction's all-ports rule.
				if got.Allowed && !got.Tracked && (!slices.Contains(want.Open, snap.RuleID(got.Rule)) || st.ReverseOpenRule(ci.ID, !egress, q.Family, q.Proto) == "") {
					t.Fatalf("%s egress=%v %+v: untracked by %s, open %v, no reverse rule", ci.ID, egress, q, snap.RuleID(got.Rule), want.Open)
				}
			}
		}
	}
}

func TestClassifierMatchesReference(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		st := genState(t)
		c := NewCompiler()
		checkAgainstReference(t, st, c.Compile(st))
		for range rapid.IntRange(1, 8).Draw(t, "steps") {
			mutate(t, st)
			checkAgainstReference(t, st, c.Compile(st))
		}
	})
}
