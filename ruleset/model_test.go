package ruleset

import (
	"encoding/json"
	"net/netip"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
)

func TestDescribeFiltersAnyCombination(t *testing.T) {
	st := newTestState(t, true)
	a := mustGroup(t, st, "a")
	b := mustGroup(t, st, "b")
	// a: port 22 from 10.0.0.0/8 and port 80 from 192.0.2.0/24 (two rules).
	mustIngress(t, st, a, perm("tcp", 22, 22, "10.0.0.0/8"), perm("tcp", 80, 80, "192.0.2.0/24"))
	// b: port 22 from 192.0.2.0/24 only.
	mustIngress(t, st, b, perm("tcp", 22, 22, "192.0.2.0/24"), perm("udp", 53, 53, a))
	names := func(fs ...Filter) []string {
		sgs, err := st.DescribeSecurityGroups(nil, nil, fs)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, g := range sgs {
			out = append(out, g.GroupName)
		}
		return out
	}
	for _, c := range []struct {
		name    string
		filters []Filter
		want    []string
	}{
		// No single rule of a has port 22 and 192.0.2.0/24, but a combination does.
		{"any combination", []Filter{{Name: "ip-permission.from-port", Values: []string{"22"}}, {Name: "ip-permission.cidr", Values: []string{"192.0.2.0/24"}}}, []string{"a", "b"}},
		{"values ORed", []Filter{{Name: "ip-permission.cidr", Values: []string{"10.0.0.0/8", "nothing"}}}, []string{"a"}},
		{"protocol by number", []Filter{{Name: "ip-permission.protocol", Values: []string{"17"}}}, []string{"b"}},
		{"group-id of a rule", []Filter{{Name: "ip-permission.group-id", Values: []string{a}}}, []string{"b"}},
		{"group-name of a rule", []Filter{{Name: "ip-permission.group-name", Values: []string{"a"}}}, []string{"b"}},
		{"egress cidr", []Filter{{Name: "egress.ip-permission.ipv6-cidr", Values: []string{"::/0"}}, {Name: "group-name", Values: []string{"a", "b"}}}, []string{"a", "b"}},
		{"egress protocol", []Filter{{Name: "egress.ip-permission.protocol", Values: []string{"-1"}}, {Name: "group-name", Values: []string{"?"}}}, []string{"a", "b"}},
		{"wildcard", []Filter{{Name: "group-name", Values: []string{"def*"}}}, []string{"default"}},
		{"description", []Filter{{Name: "description", Values: []string{"a group"}}}, []string{"a"}},
		{"case-sensitive", []Filter{{Name: "group-name", Values: []string{"A"}}}, nil},
		{"ingress only sees ingress", []Filter{{Name: "ip-permission.cidr", Values: []string{"0.0.0.0/0"}}}, nil},
	} {
		if got := names(c.filters...); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
	// Unknown sg in DescribeSecurityGroupRules' filter: empty, no error.
	rs, err := st.DescribeSecurityGroupRules(nil, []Filter{{Name: "group-id", Values: []string{"sg-0123456789abcdef0"}}})
	if err != nil || len(rs) != 0 {
		t.Errorf("unknown group filter: %v %v", rs, err)
	}
}

func TestRevokeAndDescriptions(t *testing.T) {
	st := newTestState(t, false)
	g := mustGroup(t, st, "g")
	mustIngress(t, st, g, IpPermission{IpProtocol: "tcp", FromPort: i32(22), ToPort: i32(22), IpRanges: []IpRange{{CidrIp: "10.0.0.0/8", Description: str("old")}, {CidrIp: "192.0.2.0/24"}}})
	// Description by properties; a missing description removes it.
	if err := st.UpdateSecurityGroupRuleDescriptionsIngress(g, []IpPermission{{IpProtocol: "tcp", FromPort: i32(22), ToPort: i32(22), IpRanges: []IpRange{{CidrIp: "10.0.0.0/8", Description: str("new & shiny")}, {CidrIp: "192.0.2.0/24"}}}}, nil); err != nil {
		t.Fatal(err)
	}
	rs, _ := st.DescribeSecurityGroupRules(nil, []Filter{{Name: "group-id", Values: []string{g}}})
	var ssh []SecurityGroupRule
	for _, r := range rs {
		if !r.IsEgress {
			ssh = append(ssh, r)
		}
	}
	if len(ssh) != 2 || *ssh[0].Description != "new & shiny" || ssh[1].Description != nil {
		t.Fatalf("descriptions: %+v", ssh)
	}
	// By rule id, removing it.
	if err := st.UpdateSecurityGroupRuleDescriptionsIngress(g, nil, []SecurityGroupRuleDescription{{SecurityGroupRuleId: ssh[0].SecurityGroupRuleId}}); err != nil {
		t.Fatal(err)
	}
	// Revoke by properties with a non-canonical CIDR and no description.
	revoked, unknown, err := st.RevokeSecurityGroupIngress(g, []IpPermission{perm("tcp", 22, 22, "10.1.2.3/8")}, nil)
	if err != nil || len(revoked) != 1 || len(unknown) != 0 || revoked[0].SecurityGroupRuleId != ssh[0].SecurityGroupRuleId || revoked[0].Description != nil {
		t.Fatalf("revoke: %+v %+v %v", revoked, unknown, err)
	}
	// Default VPC: unknown permissions are returned, not an error.
	dst, _ := NewState(VPCConfig{CIDR: netip.MustParsePrefix("198.18.0.0/24"), DefaultVPC: true, IDSeed: 3})
	dg := mustGroup(t, dst, "g")
	revoked, unknown, err = dst.RevokeSecurityGroupIngress(dg, []IpPermission{perm("tcp", 1, 1, "10.0.0.0/8")}, nil)
	if err != nil || len(revoked) != 0 || len(unknown) != 1 {
		t.Fatalf("default VPC revoke: %v %v %v", revoked, unknown, err)
	}
}

func TestModifyKeepsRuleID(t *testing.T) {
	st := newTestState(t, true)
	g := mustGroup(t, st, "g")
	rs, _ := st.AuthorizeSecurityGroupIngress(g, []IpPermission{perm("tcp", 22, 22, "10.0.0.0/8")}, []Tag{{Key: "k", Value: "v"}})
	id := rs[0].SecurityGroupRuleId
	if err := st.ModifySecurityGroupRules(g, []SecurityGroupRuleUpdate{{SecurityGroupRuleId: id, SecurityGroupRule: &SecurityGroupRuleRequest{IpProtocol: str("6"), FromPort: i32(2222), ToPort: i32(2222), ReferencedGroupId: &g, Description: str("self")}}}); err != nil {
		t.Fatal(err)
	}
	got, err := st.DescribeSecurityGroupRules([]string{id}, nil)
	if err != nil || got[0].IpProtocol != "tcp" || got[0].FromPort != 2222 || got[0].ReferencedGroupInfo.GroupId != g || *got[0].Description != "self" || got[0].Tags[0].Key != "k" {
		t.Fatalf("%+v %v", got, err)
	}
}

func TestCopySecurityGroup(t *testing.T) {
	st := newTestState(t, false)
	g := mustGroup(t, st, "src")
	mustIngress(t, st, g, perm("tcp", 22, 22, "10.0.0.0/8"), perm("-1", noPort, 0, g))
	cp, err := st.CopySecurityGroup("src", "copy", "")
	if err != nil {
		t.Fatal(err)
	}
	if cp.GroupId == g || cp.Description != "src group" || len(cp.IpPermissions) != 2 || cp.IpPermissions[1].UserIdGroupPairs[0].GroupId != cp.GroupId {
		t.Fatalf("%+v", cp)
	}
	_, err = st.CopySecurityGroup("src", "copy", "")
	wantCode(t, err, CodeInvalidGroupDuplicate)
}

func TestSpecRoundTripAndClone(t *testing.T) {
	f := newFixture(t, nil)
	mustIngress(t, f.st, f.db, perm("tcp", 5432, 5432, f.web), perm("tcp", 1, 1, f.pl))
	if err := f.st.ModifyNetworkInterfaceAttribute(f.eni, nil, &ConntrackSpec{UdpTimeout: 45}); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(f.st.Spec())
	if err != nil {
		t.Fatal(err)
	}
	var sp Spec
	if err := json.Unmarshal(b, &sp); err != nil {
		t.Fatal(err)
	}
	st2, err := StateFromSpec(sp)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(st2.Spec(), f.st.Spec()) {
		t.Fatalf("spec round trip differs:\n%+v\n%+v", st2.Spec(), f.st.Spec())
	}
	// Same next ids after the round trip.
	g1, _ := f.st.CreateSecurityGroup("next", "d", nil)
	g2, _ := st2.CreateSecurityGroup("next", "d", nil)
	if g1.GroupId != g2.GroupId {
		t.Errorf("id sequence differs: %s %s", g1.GroupId, g2.GroupId)
	}
	// A clone shares nothing.
	c := f.st.Clone()
	mustIngress(t, c, f.web, perm("udp", 9, 9, "10.0.0.0/8"))
	if reflect.DeepEqual(c.Spec(), f.st.Spec()) {
		t.Error("clone mutation leaked")
	}
}

func TestResolveNames(t *testing.T) {
	f := newFixture(t, nil)
	if id, err := f.st.ResolveGroup("web"); err != nil || id != f.web {
		t.Errorf("ResolveGroup: %s %v", id, err)
	}
	if id, err := f.st.ResolveInterface("web1"); err != nil || id != f.eni {
		t.Errorf("ResolveInterface: %s %v", id, err)
	}
	if id, err := f.st.ResolvePrefixList("office"); err != nil || id != f.pl {
		t.Errorf("ResolvePrefixList: %s %v", id, err)
	}
	_, err := f.st.ResolveGroup("nope")
	wantCode(t, err, CodeInvalidGroupNotFound)
	// Deterministic ids from the seed.
	g := newFixture(t, nil)
	if g.web != f.web || g.eni != f.eni {
		t.Error("ids are not deterministic for a seed")
	}
	// Interface without groups: the default group; describe shape.
	e, err := f.st.CreateNetworkInterface(ENISpec{Name: "plain", IPv4: []netip.Addr{netip.MustParseAddr("198.18.0.99")}})
	if err != nil || len(e.Groups) != 1 || e.Groups[0].GroupId != f.st.DefaultGroupID() || e.ConnectionTrackingConfiguration.TcpEstablishedTimeout != 432000 {
		t.Fatalf("%+v %v", e, err)
	}
	nis, err := f.st.DescribeNetworkInterfaces(nil, []Filter{{Name: "group-name", Values: []string{"web"}}})
	if err != nil || len(nis) != 1 || nis[0].NetworkInterfaceId != f.eni {
		t.Fatalf("%+v %v", nis, err)
	}
}

// Membership and address changes reuse the compiled tables; every Compile
// has a new generation; older snapshots are untouched.
func TestIncrementalCompile(t *testing.T) {
	st := newTestState(t, false)
	web := mustGroup(t, st, "web")
	db := mustGroup(t, st, "db")
	mustIngress(t, st, db, perm("tcp", 5432, 5432, web))
	w := mustENI(t, st, "w", "198.18.0.10", "", web)
	d := mustENI(t, st, "d", "198.18.0.20", "", db)
	x := mustENI(t, st, "x", "198.18.0.30", "", st.DefaultGroupID())
	c := NewCompiler()
	s1 := c.Compile(st)
	q := Query{Proto: 6, Port: 5432}
	q.SetRemote(netip.MustParseAddr("198.18.0.30"))
	if s1.InterfaceByID(d).In.Classify(&q).Allowed {
		t.Fatal("x is not in web yet")
	}
	if err := st.ModifyNetworkInterfaceAttribute(x, []string{web}, nil); err != nil {
		t.Fatal(err)
	}
	s2 := c.Compile(st)
	if s2.Generation != s1.Generation+1 {
		t.Errorf("generation %d after %d", s2.Generation, s1.Generation)
	}
	if s2.InterfaceByID(d).In.t != s1.InterfaceByID(d).In.t {
		t.Error("db's table was rebuilt for a membership change")
	}
	if s2.InterfaceByID(x).In.t != s1.InterfaceByID(w).In.t {
		t.Error("interfaces with the same groups do not share a table")
	}
	v := s2.InterfaceByID(d).In.Classify(&q)
	if !v.Allowed || s2.RuleGroup(v.Rule) != db {
		t.Errorf("after join: %+v", v)
	}
	if s1.InterfaceByID(d).In.Classify(&q).Allowed {
		t.Error("old snapshot changed")
	}
	// Address change.
	if err := st.SetInterfaceAddresses(x, []netip.Addr{netip.MustParseAddr("198.18.0.31")}, nil); err != nil {
		t.Fatal(err)
	}
	s3 := c.Compile(st)
	if s3.InterfaceByID(d).In.Classify(&q).Allowed {
		t.Error("old address still matches")
	}
	q.SetRemote(netip.MustParseAddr("198.18.0.31"))
	if !s3.InterfaceByID(d).In.Classify(&q).Allowed {
		t.Error("new address does not match")
	}
	if s3.InterfaceByAddr(netip.MustParseAddr("198.18.0.31")).ID != x || s3.InterfaceByIndex(s3.InterfaceByID(x).Index).ID != x {
		t.Error("interface lookups")
	}
	// Nothing changed: the same classifiers are reused.
	s4 := c.Compile(st)
	if s4.InterfaceByID(d).In != s3.InterfaceByID(d).In {
		t.Error("unchanged state rebuilt classifiers")
	}
}

func TestClassifyAllocs(t *testing.T) {
	st, id := benchState(t, 4, 30, 1)
	ci := Compile(st).InterfaceByID(id)
	qs := benchQueries(st, id, 256, 2)
	i := 0
	if n := testing.AllocsPerRun(1000, func() { ci.In.Classify(&qs[i%len(qs)]); i++ }); n != 0 {
		t.Errorf("%v allocations per Classify", n)
	}
}

func TestTags(t *testing.T) {
	f := newFixture(t, nil)
	if err := f.st.CreateTags([]string{f.web, f.webRule, f.eni}, []Tag{{Key: "env", Value: "lab"}}); err != nil {
		t.Fatal(err)
	}
	rs, err := f.st.DescribeSecurityGroupRules(nil, []Filter{{Name: "tag:env", Values: []string{"lab"}}})
	if err != nil || len(rs) != 1 || rs[0].SecurityGroupRuleId != f.webRule {
		t.Fatalf("%+v %v", rs, err)
	}
	sgs, _ := f.st.DescribeSecurityGroups(nil, nil, []Filter{{Name: "tag-key", Values: []string{"env"}}})
	if len(sgs) != 1 || sgs[0].GroupId != f.web {
		t.Fatalf("%+v", sgs)
	}
	before := f.st.Spec()
	wantCode(t, f.st.CreateTags([]string{f.web, "sg-0123456789abcdef0"}, []Tag{{Key: "x"}}), CodeInvalidGroupNotFound)
	if !reflect.DeepEqual(before, f.st.Spec()) {
		t.Error("failed CreateTags changed the state")
	}
	if err := f.st.CreateTags([]string{f.eni}, []Tag{{Key: "Name", Value: "renamed"}}); err != nil {
		t.Fatal(err)
	}
	if id, _ := f.st.ResolveInterface("renamed"); id != f.eni {
		t.Error("Name tag does not rename the interface")
	}
	if err := f.st.DeleteTags([]string{f.web}, []Tag{{Key: "env"}}); err != nil {
		t.Fatal(err)
	}
	sgs, _ = f.st.DescribeSecurityGroups([]string{f.web}, nil, nil)
	if len(sgs[0].Tags) != 0 {
		t.Errorf("tags left: %+v", sgs[0].Tags)
	}
}

// Readers classify on published snapshots while new versions are compiled
// and published (run with -race): no locks, no half-built ruleset.
func TestConcurrentPublish(t *testing.T) {
	st := newTestState(t, false)
	web := mustGroup(t, st, "web")
	mustIngress(t, st, web, perm("tcp", 80, 80, "0.0.0.0/0"))
	eni := mustENI(t, st, "w", "198.18.0.10", "", web)
	c := NewCompiler()
	var cur atomic.Pointer[Snapshot]
	cur.Store(c.Compile(st))
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			q := Query{Proto: 6, Port: 80}
			q.SetRemote(netip.MustParseAddr("192.0.2.1"))
			for {
				select {
				case <-done:
					return
				default:
				}
				snap := cur.Load()
				// Port 80 is allowed in every version.
				if v := snap.InterfaceByID(eni).In.Classify(&q); !v.Allowed || snap.RuleID(v.Rule) == "" {
					t.Errorf("generation %d: %+v", snap.Generation, v)
					return
				}
			}
		}()
	}
	for i := range 50 {
		mustIngress(t, st, web, perm("udp", int32(1000+i), int32(1000+i), "10.0.0.0/8"))
		cur.Store(c.Compile(st))
	}
	close(done)
	wg.Wait()
	if g := cur.Load().Generation; g != 51 {
		t.Errorf("generation %d, want 51", g)
	}
}

// TestTagFilterForms checks tag-key and tag:<key> on groups, rules and
// interfaces, and tag-value on groups, against one tagged set.
func TestTagFilterForms(t *testing.T) {
	f := newFixture(t, nil)
	if err := f.st.CreateTags([]string{f.web, f.webRule, f.eni}, []Tag{{Key: "env", Value: "lab"}}); err != nil {
		t.Fatal(err)
	}
	for _, flt := range []Filter{{Name: "tag-key", Values: []string{"env"}}, {Name: "tag:env", Values: []string{"lab"}}} {
		sgs, err := f.st.DescribeSecurityGroups(nil, nil, []Filter{flt})
		if err != nil || len(sgs) != 1 || sgs[0].GroupId != f.web {
			t.Errorf("groups %s: %+v %v", flt.Name, sgs, err)
		}
		rs, err := f.st.DescribeSecurityGroupRules(nil, []Filter{flt})
		if err != nil || len(rs) != 1 || rs[0].SecurityGroupRuleId != f.webRule {
			t.Errorf("rules %s: %+v %v", flt.Name, rs, err)
		}
		ns, err := f.st.DescribeNetworkInterfaces(nil, []Filter{flt})
		if err != nil || len(ns) != 1 || ns[0].NetworkInterfaceId != f.eni {
			t.Errorf("interfaces %s: %+v %v", flt.Name, ns, err)
		}
	}
	if sgs, _ := f.st.DescribeSecurityGroups(nil, nil, []Filter{{Name: "tag:env", Values: []string{"prod"}}}); len(sgs) != 0 {
		t.Errorf("tag:env=prod matched %+v", sgs)
	}
	if sgs, _ := f.st.DescribeSecurityGroups(nil, nil, []Filter{{Name: "tag-value", Values: []string{"lab"}}}); len(sgs) != 1 {
		t.Errorf("tag-value=lab matched %+v", sgs)
	}
	_, err := f.st.DescribeSecurityGroupRules(nil, []Filter{{Name: "tag-value", Values: []string{"lab"}}})
	wantCode(t, err, CodeInvalidParameterValue)
}
