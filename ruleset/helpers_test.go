package ruleset

import (
	"errors"
	"net/netip"
	"testing"
)

func newTestState(t testing.TB, ipv6 bool) *State {
	t.Helper()
	cfg := VPCConfig{CIDR: netip.MustParsePrefix("198.18.0.0/24"), IDSeed: 99}
	if ipv6 {
		cfg.IPv6CIDR = netip.MustParsePrefix("fd00:5e5e:0:1::/64")
	}
	st, err := NewState(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func i32(v int32) *int32   { return &v }
func str(s string) *string { return &s }

// perm builds an IpPermission; peers are CIDRs (v4 or v6), pl- ids or sg- ids.
func perm(proto string, from, to int32, peers ...string) IpPermission {
	p := IpPermission{IpProtocol: proto}
	if from != noPort {
		p.FromPort, p.ToPort = i32(from), i32(to)
	}
	for _, peer := range peers {
		switch {
		case len(peer) > 3 && peer[:3] == "sg-":
			p.UserIdGroupPairs = append(p.UserIdGroupPairs, UserIdGroupPair{GroupId: peer})
		case len(peer) > 3 && peer[:3] == "pl-":
			p.PrefixListIds = append(p.PrefixListIds, PrefixListId{PrefixListId: peer})
		case netip.MustParsePrefix(peer).Addr().Is4():
			p.IpRanges = append(p.IpRanges, IpRange{CidrIp: peer})
		default:
			p.Ipv6Ranges = append(p.Ipv6Ranges, Ipv6Range{CidrIpv6: peer})
		}
	}
	return p
}

const noPort = -1000

func mustGroup(t testing.TB, st *State, name string) string {
	t.Helper()
	g, err := st.CreateSecurityGroup(name, name+" group", nil)
	if err != nil {
		t.Fatal(err)
	}
	return g.GroupId
}

func mustIngress(t testing.TB, st *State, g string, ps ...IpPermission) {
	t.Helper()
	if _, err := st.AuthorizeSecurityGroupIngress(g, ps, nil); err != nil {
		t.Fatal(err)
	}
}

func mustEgress(t testing.TB, st *State, g string, ps ...IpPermission) {
	t.Helper()
	if _, err := st.AuthorizeSecurityGroupEgress(g, ps, nil); err != nil {
		t.Fatal(err)
	}
}

func mustENI(t testing.TB, st *State, name, v4, v6 string, groups ...string) string {
	t.Helper()
	spec := ENISpec{Name: name, IPv4: []netip.Addr{netip.MustParseAddr(v4)}, Groups: groups}
	if v6 != "" {
		spec.IPv6 = []netip.Addr{netip.MustParseAddr(v6)}
	}
	e, err := st.CreateNetworkInterface(spec)
	if err != nil {
		t.Fatal(err)
	}
	return e.NetworkInterfaceId
}

// pkt is a packet seen by an interface in one direction.
type pkt struct {
	out    bool
	remote string
	proto  uint8
	port   uint16 // or ICMP type<<8|code for ICMP
}

func classify(snap *Snapshot, eni string, p pkt) Verdict {
	q := Query{Proto: p.proto, Port: p.port}
	q.SetRemote(netip.MustParseAddr(p.remote))
	if p.proto == 1 || p.proto == 58 {
		q.Port, q.ICMPType, q.ICMPCode = 0, uint8(p.port>>8), uint8(p.port)
	}
	ci := snap.InterfaceByID(eni)
	if p.out {
		return ci.Out.Classify(&q)
	}
	return ci.In.Classify(&q)
}

// expectVerdicts checks packets against the compiled classifier and the
// reference evaluator. want: "deny", "tracked" or "untracked".
func expectVerdicts(t *testing.T, st *State, eni string, cases map[pkt]string) {
	t.Helper()
	snap := Compile(st)
	for p, want := range cases {
		v := classify(snap, eni, p)
		got := "deny"
		if v.Allowed {
			got = "untracked"
			if v.Tracked {
				got = "tracked"
			}
		}
		if got != want {
			t.Errorf("%+v: got %s, want %s", p, got, want)
		}
		q := Query{Proto: p.proto, Port: p.port}
		q.SetRemote(netip.MustParseAddr(p.remote))
		if p.proto == 1 || p.proto == 58 {
			q.Port, q.ICMPType, q.ICMPCode = 0, uint8(p.port>>8), uint8(p.port)
		}
		ref := st.ReferenceClassify(eni, p.out, &q)
		if ref.Allowed != v.Allowed || v.Allowed && ref.Tracked != v.Tracked {
			t.Errorf("%+v: reference %+v disagrees with compiled %+v", p, ref, v)
		}
	}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v, want EC2 error %s", err, code)
	}
	if e.Code != code {
		t.Fatalf("got %s (%s), want %s", e.Code, e.Message, code)
	}
}
