package ruleset

import (
	"net/netip"
	"slices"
	"testing"
)

// filterLab is one VPC with four groups whose rules give every filter of
// DescribeSecurityGroups and DescribeSecurityGroupRules something to tell
// apart. names maps a group's name to its id and back.
type filterLab struct {
	st      *State
	ids     map[string]string // group name -> sg- id
	names   map[string]string // sg- id -> group name
	pl      string
	webRule string // web's inbound tcp 80 rule, tagged env=prod
}

func newFilterLab(t *testing.T) *filterLab {
	t.Helper()
	st, err := NewState(VPCConfig{CIDR: netip.MustParsePrefix("198.18.0.0/24"), IPv6CIDR: netip.MustParsePrefix("fd00:5e5e:0:1::/64"), IDSeed: 9})
	if err != nil {
		t.Fatal(err)
	}
	l := &filterLab{st: st, ids: map[string]string{"default": st.DefaultGroupID()}, names: map[string]string{}}
	for _, g := range [][2]string{{"web", "web tier"}, {"bastion", "ssh jump"}, {"db", "database"}} {
		out, err := st.CreateSecurityGroup(g[0], g[1], nil)
		if err != nil {
			t.Fatal(err)
		}
		l.ids[g[0]] = out.GroupId
	}
	for n, id := range l.ids {
		l.names[id] = n
	}
	pl, err := st.CreateManagedPrefixList("office", 5, []PrefixListEntry{{Cidr: "192.0.2.0/28"}})
	if err != nil {
		t.Fatal(err)
	}
	l.pl = pl.PrefixListId
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	web, bastion, db := l.ids["web"], l.ids["bastion"], l.ids["db"]
	rs, err := st.AuthorizeSecurityGroupIngress(web, []IpPermission{perm("tcp", 80, 80, "0.0.0.0/0")}, []Tag{{Key: "env", Value: "prod"}})
	must(rs, err)
	l.webRule = rs[0].SecurityGroupRuleId
	must(st.AuthorizeSecurityGroupIngress(web, []IpPermission{perm("tcp", 22, 22, bastion)}, nil))
	must(nil, st.CreateTags([]string{web}, []Tag{{Key: "env", Value: "prod"}}))
	must(st.AuthorizeSecurityGroupIngress(bastion, []IpPermission{perm("tcp", 22, 22, "203.0.113.0/24"), perm("icmpv6", 128, 0, "2001:db8::/32")}, nil))
	must(nil, revokeAll(st, bastion))
	must(st.AuthorizeSecurityGroupEgress(bastion, []IpPermission{perm("udp", 53, 53, l.pl)}, nil))
	must(st.AuthorizeSecurityGroupIngress(db, []IpPermission{perm("tcp", 5432, 5432, web)}, nil))
	must(st.AuthorizeSecurityGroupEgress(db, []IpPermission{perm("tcp", 443, 443, web)}, nil))
	return l
}

// revokeAll removes a group's default outbound rules.
func revokeAll(st *State, g string) error {
	_, _, err := st.RevokeSecurityGroupEgress(g, []IpPermission{perm("-1", noPort, 0, "0.0.0.0/0", "::/0")}, nil)
	return err
}

// TestDescribeSecurityGroupsFilters: one row per filter EC2 documents for
// DescribeSecurityGroups
// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeSecurityGroups.html),
// plus wildcards, several values (OR), several filters (AND, any
// combination of rules) and unknown names.
func TestDescribeSecurityGroupsFilters(t *testing.T) {
	l := newFilterLab(t)
	owner, vpc := l.st.VPC().OwnerId, l.st.VPC().VpcId
	all := []string{"bastion", "db", "default", "web"}
	f := func(name string, values ...string) Filter { return Filter{Name: name, Values: values} }
	cases := []struct {
		name    string
		filters []Filter
		want    []string // group names, sorted
		code    string
	}{
		{"description", []Filter{f("description", "web tier")}, []string{"web"}, ""},
		{"description wildcard *", []Filter{f("description", "*tier")}, []string{"web"}, ""},
		{"description wildcard ?", []Filter{f("description", "ssh jum?")}, []string{"bastion"}, ""},
		{"description is case-sensitive", []Filter{f("description", "Web tier")}, nil, ""},
		{"group-id", []Filter{f("group-id", l.ids["db"])}, []string{"db"}, ""},
		{"group-id wildcard", []Filter{f("group-id", "sg-*")}, all, ""},
		{"group-name", []Filter{f("group-name", "db")}, []string{"db"}, ""},
		{"group-name wildcard", []Filter{f("group-name", "d*")}, []string{"db", "default"}, ""},
		{"group-name is case-sensitive", []Filter{f("group-name", "WEB")}, nil, ""},
		{"owner-id", []Filter{f("owner-id", owner)}, all, ""},
		{"owner-id other", []Filter{f("owner-id", "000000000000")}, nil, ""},
		{"vpc-id", []Filter{f("vpc-id", vpc)}, all, ""},
		{"tag:key", []Filter{f("tag:env", "prod")}, []string{"web"}, ""},
		{"tag:key other value", []Filter{f("tag:env", "dev")}, nil, ""},
		{"tag-key", []Filter{f("tag-key", "env")}, []string{"web"}, ""},
		{"ip-permission.cidr", []Filter{f("ip-permission.cidr", "0.0.0.0/0")}, []string{"web"}, ""},
		{"ip-permission.cidr wildcard", []Filter{f("ip-permission.cidr", "203.0.113.*")}, []string{"bastion"}, ""},
		{"ip-permission.ipv6-cidr", []Filter{f("ip-permission.ipv6-cidr", "2001:db8::/32")}, []string{"bastion"}, ""},
		{"ip-permission.from-port", []Filter{f("ip-permission.from-port", "22")}, []string{"bastion", "web"}, ""},
		{"ip-permission.from-port icmp type", []Filter{f("ip-permission.from-port", "128")}, []string{"bastion"}, ""},
		{"ip-permission.from-port all protocols", []Filter{f("ip-permission.from-port", "-1")}, []string{"default"}, ""},
		{"ip-permission.to-port", []Filter{f("ip-permission.to-port", "5432")}, []string{"db"}, ""},
		{"ip-permission.to-port icmp code", []Filter{f("ip-permission.to-port", "0")}, []string{"bastion"}, ""},
		{"ip-permission.protocol name", []Filter{f("ip-permission.protocol", "tcp")}, []string{"bastion", "db", "web"}, ""},
		{"ip-permission.protocol number", []Filter{f("ip-permission.protocol", "6")}, []string{"bastion", "db", "web"}, ""},
		{"ip-permission.protocol icmpv6 by number", []Filter{f("ip-permission.protocol", "58")}, []string{"bastion"}, ""},
		{"ip-permission.protocol -1", []Filter{f("ip-permission.protocol", "-1")}, []string{"default"}, ""},
		{"ip-permission.group-id", []Filter{f("ip-permission.group-id", l.ids["bastion"])}, []string{"web"}, ""},
		{"ip-permission.group-id self", []Filter{f("ip-permission.group-id", l.ids["default"])}, []string{"default"}, ""},
		{"ip-permission.group-name of a rule written with an id", []Filter{f("ip-permission.group-name", "bastion")}, []string{"web"}, ""},
		{"ip-permission.group-name wildcard", []Filter{f("ip-permission.group-name", "*")}, []string{"db", "default", "web"}, ""},
		{"ip-permission.prefix-list-id inbound", []Filter{f("ip-permission.prefix-list-id", l.pl)}, nil, ""},
		{"ip-permission.user-id", []Filter{f("ip-permission.user-id", owner)}, []string{"db", "default", "web"}, ""},
		{"egress.ip-permission.cidr", []Filter{f("egress.ip-permission.cidr", "0.0.0.0/0")}, []string{"db", "default", "web"}, ""},
		{"egress.ip-permission.ipv6-cidr", []Filter{f("egress.ip-permission.ipv6-cidr", "::/0")}, []string{"db", "default", "web"}, ""},
		{"egress.ip-permission.from-port", []Filter{f("egress.ip-permission.from-port", "53")}, []string{"bastion"}, ""},
		{"egress.ip-permission.to-port", []Filter{f("egress.ip-permission.to-port", "443")}, []string{"db"}, ""},
		{"egress.ip-permission.protocol", []Filter{f("egress.ip-permission.protocol", "udp")}, []string{"bastion"}, ""},
		{"egress.ip-permission.group-id", []Filter{f("egress.ip-permission.group-id", l.ids["web"])}, []string{"db"}, ""},
		{"egress.ip-permission.group-name", []Filter{f("egress.ip-permission.group-name", "web")}, []string{"db"}, ""},
		{"egress.ip-permission.prefix-list-id", []Filter{f("egress.ip-permission.prefix-list-id", l.pl)}, []string{"bastion"}, ""},
		{"egress.ip-permission.user-id", []Filter{f("egress.ip-permission.user-id", owner)}, []string{"db"}, ""},
		{"several values are ORed", []Filter{f("group-name", "web", "db")}, []string{"db", "web"}, ""},
		{"several filters are ANDed", []Filter{f("ip-permission.from-port", "22"), f("ip-permission.cidr", "203.0.113.0/24")}, []string{"bastion"}, ""},
		{"rule filters hold for any combination of rules", []Filter{f("ip-permission.cidr", "0.0.0.0/0"), f("ip-permission.from-port", "22")}, []string{"web"}, ""},
		{"group and rule filters ANDed", []Filter{f("group-name", "web"), f("ip-permission.from-port", "5432")}, nil, ""},
		{"unknown filter", []Filter{f("bogus", "x")}, nil, CodeInvalidParameterValue},
		{"unknown rule filter", []Filter{f("ip-permission.bogus", "x")}, nil, CodeInvalidParameterValue},
		{"undocumented rules filter", []Filter{f("security-group-rule-id", "sgr-*")}, nil, CodeInvalidParameterValue},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sgs, err := l.st.DescribeSecurityGroups(nil, nil, c.filters)
			if c.code != "" {
				wantCode(t, err, c.code)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, g := range sgs {
				got = append(got, l.names[g.GroupId])
			}
			slices.Sort(got)
			if !slices.Equal(got, c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
}

// TestDescribeSecurityGroupRulesFilters: one row per filter EC2 documents
// for DescribeSecurityGroupRules (group-id, security-group-rule-id,
// tag:<key>; https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeSecurityGroupRules.html),
// the tag-key filter sgswitch also accepts, and the errors.
func TestDescribeSecurityGroupRulesFilters(t *testing.T) {
	l := newFilterLab(t)
	f := func(name string, values ...string) Filter { return Filter{Name: name, Values: values} }
	cases := []struct {
		name    string
		filters []Filter
		want    []string // group:direction:peer, sorted
		code    string
	}{
		{"group-id", []Filter{f("group-id", l.ids["web"])}, []string{"web:in:0.0.0.0/0", "web:in:bastion", "web:out:0.0.0.0/0", "web:out:::/0"}, ""},
		{"group-id wildcard", []Filter{f("group-id", "sg-*")}, nil, ""}, // every rule: checked by count below
		{"group-id unknown is empty", []Filter{f("group-id", "sg-0123456789abcdef0")}, nil, ""},
		{"group-id malformed", []Filter{f("group-id", "foobar")}, nil, CodeInvalidGroupIdMalformed},
		{"security-group-rule-id", []Filter{f("security-group-rule-id", l.webRule)}, []string{"web:in:0.0.0.0/0"}, ""},
		{"tag:key", []Filter{f("tag:env", "prod")}, []string{"web:in:0.0.0.0/0"}, ""},
		{"tag:key wildcard", []Filter{f("tag:env", "p?od")}, []string{"web:in:0.0.0.0/0"}, ""},
		{"tag-key", []Filter{f("tag-key", "env")}, []string{"web:in:0.0.0.0/0"}, ""},
		{"several values are ORed", []Filter{f("group-id", l.ids["bastion"], l.ids["db"])}, []string{"bastion:in:2001:db8::/32", "bastion:in:203.0.113.0/24", "bastion:out:" + l.pl, "db:in:web", "db:out:0.0.0.0/0", "db:out:::/0", "db:out:web"}, ""},
		{"several filters are ANDed", []Filter{f("group-id", l.ids["db"]), f("tag:env", "prod")}, nil, ""},
		{"unknown filter", []Filter{f("ip-permission.cidr", "0.0.0.0/0")}, nil, CodeInvalidParameterValue},
		{"tag-value is not a rules filter", []Filter{f("tag-value", "prod")}, nil, CodeInvalidParameterValue},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rs, err := l.st.DescribeSecurityGroupRules(nil, c.filters)
			if c.code != "" {
				wantCode(t, err, c.code)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := l.ruleLabels(rs)
			if c.name == "group-id wildcard" {
				every, _ := l.st.DescribeSecurityGroupRules(nil, nil)
				if len(got) != len(every) || len(got) < 10 {
					t.Fatalf("got %d rules, want all %d", len(got), len(every))
				}
				return
			}
			if !slices.Equal(got, c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
}

func (l *filterLab) ruleLabels(rs []SecurityGroupRule) []string {
	var out []string
	for _, r := range rs {
		dir := "in"
		if r.IsEgress {
			dir = "out"
		}
		peer := ""
		switch {
		case r.CidrIpv4 != nil:
			peer = *r.CidrIpv4
		case r.CidrIpv6 != nil:
			peer = *r.CidrIpv6
		case r.PrefixListId != nil:
			peer = *r.PrefixListId
		case r.ReferencedGroupInfo != nil:
			peer = l.names[r.ReferencedGroupInfo.GroupId]
		}
		out = append(out, l.names[r.GroupId]+":"+dir+":"+peer)
	}
	slices.Sort(out)
	return out
}

// TestDescribeNetworkInterfacesFilters: one row per filter sgswitch
// supports for DescribeNetworkInterfaces, each a name EC2 documents
// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeNetworkInterfaces.html).
func TestDescribeNetworkInterfacesFilters(t *testing.T) {
	l := newFilterLab(t)
	web1 := mustENI(t, l.st, "web1", "198.18.0.11", "fd00:5e5e:0:1::11", l.ids["web"])
	jump := mustENI(t, l.st, "jump", "198.18.0.12", "", l.ids["bastion"], l.ids["web"])
	names := map[string]string{web1: "web1", jump: "jump"}
	macs, err := l.st.DescribeNetworkInterfaces([]string{web1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	vpc := l.st.VPC()
	f := func(name string, values ...string) Filter { return Filter{Name: name, Values: values} }
	both := []string{"jump", "web1"}
	cases := []struct {
		name    string
		filters []Filter
		want    []string
		code    string
	}{
		{"network-interface-id", []Filter{f("network-interface-id", jump)}, []string{"jump"}, ""},
		{"group-id", []Filter{f("group-id", l.ids["bastion"])}, []string{"jump"}, ""},
		{"group-id any of the groups", []Filter{f("group-id", l.ids["web"])}, both, ""},
		{"group-name", []Filter{f("group-name", "bastion")}, []string{"jump"}, ""},
		{"mac-address", []Filter{f("mac-address", macs[0].MacAddress)}, []string{"web1"}, ""},
		{"private-ip-address", []Filter{f("private-ip-address", "198.18.0.12")}, []string{"jump"}, ""},
		{"addresses.private-ip-address wildcard", []Filter{f("addresses.private-ip-address", "198.18.0.1?")}, both, ""},
		{"ipv6-addresses.ipv6-address", []Filter{f("ipv6-addresses.ipv6-address", "fd00:5e5e:0:1::11")}, []string{"web1"}, ""},
		{"vpc-id", []Filter{f("vpc-id", vpc.VpcId)}, both, ""},
		{"subnet-id", []Filter{f("subnet-id", vpc.SubnetId)}, both, ""},
		{"status", []Filter{f("status", "available")}, both, ""},
		{"description", []Filter{f("description", "")}, both, ""},
		{"tag:Name", []Filter{f("tag:Name", "web1")}, []string{"web1"}, ""},
		{"tag-key", []Filter{f("tag-key", "Name")}, both, ""},
		{"several values are ORed", []Filter{f("tag:Name", "web1", "jump")}, both, ""},
		{"several filters are ANDed", []Filter{f("group-id", l.ids["web"]), f("tag:Name", "jump")}, []string{"jump"}, ""},
		{"undocumented alias ipv6-address", []Filter{f("ipv6-address", "fd00:5e5e:0:1::11")}, nil, CodeInvalidParameterValue},
		{"unknown filter", []Filter{f("bogus", "x")}, nil, CodeInvalidParameterValue},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ns, err := l.st.DescribeNetworkInterfaces(nil, c.filters)
			if c.code != "" {
				wantCode(t, err, c.code)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, n := range ns {
				got = append(got, names[n.NetworkInterfaceId])
			}
			slices.Sort(got)
			if !slices.Equal(got, c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
}
