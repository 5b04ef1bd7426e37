package ruleset

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"

	"sgswitch/internal/cputime"
)

// benchState builds one interface whose groups hold nRules rules in total
// (nGroups groups), mixing CIDRs of both families, port ranges, ICMP, group
// references (to groups with members) and prefix lists, plus 200 other
// interfaces so that group references have members.
func benchState(tb testing.TB, nGroups, rulesPerGroup int, seed uint64) (*State, string) {
	rng := rand.New(rand.NewPCG(seed, 1))
	st, err := NewState(VPCConfig{CIDR: netip.MustParsePrefix("198.18.0.0/16"), IPv6CIDR: netip.MustParsePrefix("fd00:5e5e::/64"), IDSeed: seed, LiftQuotas: true})
	if err != nil {
		tb.Fatal(err)
	}
	var pls []string
	for i := range 8 {
		var es []PrefixListEntry
		for range 10 {
			es = append(es, PrefixListEntry{Cidr: fmt.Sprintf("100.%d.%d.0/24", rng.IntN(256), rng.IntN(256))})
		}
		pl, err := st.CreateManagedPrefixList(fmt.Sprintf("pl%d", i), 10, es)
		if err != nil {
			tb.Fatal(err)
		}
		pls = append(pls, pl.PrefixListId)
	}
	// Peer groups with members.
	var peers []string
	for i := range 20 {
		g, err := st.CreateSecurityGroup(fmt.Sprintf("peer%d", i), "peer", nil)
		if err != nil {
			tb.Fatal(err)
		}
		peers = append(peers, g.GroupId)
	}
	for i := range 200 {
		a := netip.AddrFrom4([4]byte{198, 18, byte(1 + i/200), byte(i%200 + 10)})
		a6 := netip.MustParseAddr(fmt.Sprintf("fd00:5e5e::1:%x", i+10))
		if _, err := st.CreateNetworkInterface(ENISpec{IPv4: []netip.Addr{a}, IPv6: []netip.Addr{a6}, Groups: []string{peers[i%len(peers)], peers[(i*7)%len(peers)]}}); err != nil {
			tb.Fatal(err)
		}
	}
	var groups []string
	for i := range nGroups {
		g, err := st.CreateSecurityGroup(fmt.Sprintf("g%d", i), "bench", nil)
		if err != nil {
			tb.Fatal(err)
		}
		groups = append(groups, g.GroupId)
		for len(st.group(g.GroupId).Ingress) < rulesPerGroup {
			p := randomPermission(rng, peers, pls)
			_, _ = st.AuthorizeSecurityGroupIngress(g.GroupId, []IpPermission{p}, nil) // duplicates are skipped
		}
		// Outbound: the default all-to-0.0.0.0/0 plus a few narrower rules.
		for range rulesPerGroup / 10 {
			_, _ = st.AuthorizeSecurityGroupEgress(g.GroupId, []IpPermission{randomPermission(rng, peers, pls)}, nil)
		}
	}
	eni, err := st.CreateNetworkInterface(ENISpec{Name: "target", IPv4: []netip.Addr{netip.MustParseAddr("198.18.0.5")}, Groups: groups})
	if err != nil {
		tb.Fatal(err)
	}
	return st, eni.NetworkInterfaceId
}

var wellKnownPorts = []int32{22, 25, 53, 80, 443, 1433, 1521, 2049, 3306, 3389, 5432, 5439, 6379, 8080, 8443, 9090, 9200, 11211, 27017}

func randomPermission(rng *rand.Rand, peers, pls []string) IpPermission {
	p := IpPermission{}
	switch r := rng.IntN(10); {
	case r < 6:
		p.IpProtocol = "tcp"
	case r < 8:
		p.IpProtocol = "udp"
	case r < 9:
		p.IpProtocol = "icmp"
	default:
		p.IpProtocol = "-1"
	}
	switch p.IpProtocol {
	case "tcp", "udp":
		var from, to int32
		if rng.IntN(3) == 0 {
			from = int32(rng.IntN(60000))
			to = from + int32(rng.IntN(2000))
		} else {
			from = wellKnownPorts[rng.IntN(len(wellKnownPorts))]
			to = from
		}
		p.FromPort, p.ToPort = &from, &to
	case "icmp":
		typ, code := int32([]int{0, 3, 8, 11}[rng.IntN(4)]), int32(-1)
		p.FromPort, p.ToPort = &typ, &code
	}
	switch r := rng.IntN(20); {
	case r < 9:
		bits := 16 + rng.IntN(17)
		a := netip.AddrFrom4([4]byte{byte(rng.IntN(224)), byte(rng.IntN(256)), byte(rng.IntN(256)), byte(rng.IntN(256))})
		p.IpRanges = []IpRange{{CidrIp: netip.PrefixFrom(a, bits).Masked().String()}}
	case r < 11:
		var b [16]byte
		b[0], b[1] = 0x20, 0x01
		for i := 2; i < 8; i++ {
			b[i] = byte(rng.IntN(256))
		}
		p.Ipv6Ranges = []Ipv6Range{{CidrIpv6: netip.PrefixFrom(netip.AddrFrom16(b), 32+rng.IntN(33)).Masked().String()}}
	case r < 15:
		p.UserIdGroupPairs = []UserIdGroupPair{{GroupId: peers[rng.IntN(len(peers))]}}
	case r < 17:
		p.PrefixListIds = []PrefixListId{{PrefixListId: pls[rng.IntN(len(pls))]}}
	case r < 19 && p.FromPort != nil && p.IpProtocol != "icmp": // open to the world: a port, never "all"
		p.IpRanges = []IpRange{{CidrIp: "0.0.0.0/0"}}
	case p.FromPort != nil && p.IpProtocol != "icmp":
		p.Ipv6Ranges = []Ipv6Range{{CidrIpv6: "::/0"}}
	default:
		p.IpRanges = []IpRange{{CidrIp: "192.0.2.0/24"}}
	}
	return p
}

// benchQueries draws realistic packets: remotes inside rule CIDRs, prefix
// lists, member interfaces or anywhere; ports from rules or anywhere.
func benchQueries(st *State, eniID string, n int, seed uint64) []Query {
	rng := rand.New(rand.NewPCG(seed, 2))
	e := &st.s.Interfaces[st.eniByID[eniID]]
	var rules []RuleSpec
	for _, gid := range e.Groups {
		rules = append(rules, st.group(gid).Ingress...)
	}
	qs := make([]Query, n)
	for i := range qs {
		q := &qs[i]
		r := &rules[rng.IntN(len(rules))]
		var remote netip.Addr
		switch {
		case r.CidrIpv4 != "" || r.CidrIpv6 != "":
			pfx := netip.MustParsePrefix(r.CidrIpv4 + r.CidrIpv6)
			remote = randomIn(rng, pfx)
		case r.PrefixListId != "":
			pl := st.prefixList(r.PrefixListId)
			remote = randomIn(rng, netip.MustParsePrefix(pl.Entries[rng.IntN(len(pl.Entries))].Cidr))
		default:
			o := &st.s.Interfaces[rng.IntN(len(st.s.Interfaces))]
			remote = o.IPv4[0]
			if len(o.IPv6) > 0 && rng.IntN(4) == 0 {
				remote = o.IPv6[0]
			}
		}
		if rng.IntN(5) == 0 {
			remote = netip.AddrFrom4([4]byte{byte(rng.IntN(256)), byte(rng.IntN(256)), byte(rng.IntN(256)), byte(rng.IntN(256))})
		}
		q.SetRemote(remote)
		q.Proto = []uint8{6, 6, 6, 17, 1}[rng.IntN(5)]
		if q.Family == 6 && q.Proto == 1 {
			q.Proto = 58
		}
		q.Port = uint16(rng.IntN(65536))
		if (r.Protocol == "tcp" || r.Protocol == "udp") && rng.IntN(2) == 0 {
			q.Port = uint16(r.FromPort + int32(rng.IntN(int(r.ToPort-r.FromPort)+1)))
		}
		q.ICMPType = []uint8{0, 3, 8, 11}[rng.IntN(4)]
	}
	return qs
}

func randomIn(rng *rand.Rand, p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	for i := range b {
		bit := i * 8
		for j := 0; j < 8; j++ {
			if bit+j >= p.Bits() && rng.IntN(2) == 0 {
				b[i] |= 0x80 >> j
			}
		}
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

func BenchmarkClassify(b *testing.B) {
	for _, bc := range []struct {
		name           string
		groups, perGrp int
	}{{"rules=10", 1, 10}, {"rules=1000", 16, 60}, {"rules=10000", 16, 625}} {
		b.Run(bc.name, func(b *testing.B) {
			st, id := benchState(b, bc.groups, bc.perGrp, 42)
			ci := Compile(st).InterfaceByID(id)
			qs := benchQueries(st, id, 1<<14, 43)
			allowed := 0
			b.ReportAllocs()
			b.ResetTimer()
			cpu := cputime.Process()
			for i := 0; i < b.N; i++ {
				if ci.In.Classify(&qs[i&(len(qs)-1)]).Allowed {
					allowed++
				}
			}
			b.ReportMetric(float64(cputime.Process()-cpu)/float64(b.N), "cpu-ns/op")
			b.ReportMetric(float64(allowed)/float64(b.N), "allowed/op")
		})
	}
}

func BenchmarkCompile(b *testing.B) {
	st, id := benchState(b, 16, 60, 42)
	b.Run("rules=1000", func(b *testing.B) {
		b.ReportAllocs()
		var snap *Snapshot
		cpu := cputime.Process()
		for i := 0; i < b.N; i++ {
			snap = Compile(st)
		}
		b.ReportMetric(float64(cputime.Process()-cpu)/float64(b.N), "cpu-ns/op")
		b.ReportMetric(float64(snap.InterfaceByID(id).Bytes()), "bytes/iface")
	})
	// A warm Compiler after one interface changes groups: only the
	// address → groups table and that interface's tables are rebuilt.
	b.Run("rules=1000/membership-change", func(b *testing.B) {
		c := NewCompiler()
		c.Compile(st)
		peer := st.s.Interfaces[0].ID
		groups := [][]string{st.s.Interfaces[0].Groups, st.s.Interfaces[1].Groups}
		b.ReportAllocs()
		cpu := cputime.Process()
		for i := 0; i < b.N; i++ {
			if err := st.ModifyNetworkInterfaceAttribute(peer, groups[i%2], nil); err != nil {
				b.Fatal(err)
			}
			c.Compile(st)
		}
		b.ReportMetric(float64(cputime.Process()-cpu)/float64(b.N), "cpu-ns/op")
	})
}
