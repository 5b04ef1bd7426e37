package testbed

import (
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sgswitch/ruleset"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func parseExample(t *testing.T, name string) *Lab {
	t.Helper()
	lab, err := Parse(name, readExample(t, name))
	if err != nil {
		t.Fatal(err)
	}
	return lab
}

// TestApplyGolden applies every example to a fresh state and compares
// the describe output (groups with rules, interfaces) with a golden file.
func TestApplyGolden(t *testing.T) {
	for _, name := range []string{"shop.yaml", "conntrack.yaml", "default-group.yaml", "ipv6.yaml", "secondary-ips.yaml"} {
		t.Run(name, func(t *testing.T) {
			lab := parseExample(t, name)
			if err := Validate(lab); err != nil {
				t.Fatal(err)
			}
			st, enis := scratch(t, lab)
			if len(enis) != len(lab.Nodes) {
				t.Fatalf("enis %v", enis)
			}
			got := []byte(summary(t, st, enis))
			golden := filepath.Join("testdata", strings.TrimSuffix(name, ".yaml")+".apply.txt")
			if *update {
				if err := os.WriteFile(golden, append(got, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if strings.TrimSpace(string(want)) != strings.TrimSpace(string(got)) {
				t.Fatalf("Apply(%s) differs from %s (go test -update rewrites it):\n%s", name, golden, got)
			}
		})
	}
}

// TestApplyRefuses: EC2 validation errors carry the file, the position of
// the entry and the EC2 code.
func TestApplyRefuses(t *testing.T) {
	const head = "name: t\nsubnet: 198.18.0.0/24\nsubnet-ipv6: fd00:5e5e:0:1::/64\n"
	const nodes = "topology:\n  nodes:\n    a: {ip: 198.18.0.10, security-groups: [web]}\n"
	group := func(rules string) string {
		return head + "security-groups:\n  web:\n    GroupDescription: web\n    SecurityGroupIngress:\n      - {IpProtocol: tcp, FromPort: 80, ToPort: 80, CidrIp: 0.0.0.0/0}\n" + rules + nodes
	}
	cases := []struct {
		name, file, path, code string
	}{
		{"bad cidr", group("      - {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 198.18.0.1}\n"),
			"security-groups.web.SecurityGroupIngress[1]", "InvalidParameterValue"},
		{"no protocol", group("      - {FromPort: 22, ToPort: 22, CidrIp: 0.0.0.0/0}\n"),
			"security-groups.web.SecurityGroupIngress[1]", "InvalidParameterValue"},
		{"one port", group("      - {IpProtocol: udp, FromPort: 22, CidrIp: 0.0.0.0/0}\n"),
			"security-groups.web.SecurityGroupIngress[1]", "InvalidParameterValue"},
		{"no peer", group("      - {IpProtocol: tcp, FromPort: 22, ToPort: 22}\n"),
			"security-groups.web.SecurityGroupIngress[1]", "MissingParameter"},
		{"two peers", group("      - {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 0.0.0.0/0, CidrIpv6: '::/0'}\n"),
			"security-groups.web.SecurityGroupIngress[1]", "InvalidParameterCombination"},
		{"duplicate rule", group("      - {IpProtocol: tcp, FromPort: 80, ToPort: 80, CidrIp: 0.0.0.0/0}\n"),
			"security-groups.web.SecurityGroupIngress[1]", "InvalidPermission.Duplicate"},
		{"duplicate non-canonical", group("      - {IpProtocol: tcp, FromPort: 80, ToPort: 80, CidrIp: 0.1.2.3/0}\n"),
			"security-groups.web.SecurityGroupIngress[1]", "InvalidPermission.Duplicate"},
		{"unknown group", group("      - {IpProtocol: tcp, FromPort: 22, ToPort: 22, SourceSecurityGroupId: nosuch}\n"),
			"security-groups.web.SecurityGroupIngress[1]", "InvalidGroup.NotFound"},
		{"malformed group id", group("      - {IpProtocol: tcp, FromPort: 22, ToPort: 22, SourceSecurityGroupId: sg-xyz}\n"),
			"security-groups.web.SecurityGroupIngress[1]", "InvalidGroupId.Malformed"},
		{"unknown prefix list", group("      - {IpProtocol: tcp, FromPort: 22, ToPort: 22, SourcePrefixListId: office}\n"),
			"security-groups.web.SecurityGroupIngress[1]", "InvalidPrefixListId.Malformed"},
		{"malformed prefix list id", group("      - {IpProtocol: tcp, FromPort: 22, ToPort: 22, SourcePrefixListId: pl-zz}\n"),
			"security-groups.web.SecurityGroupIngress[1]", "InvalidPrefixListId.Malformed"},
		{"unknown prefix list id", group("      - {IpProtocol: tcp, FromPort: 22, ToPort: 22, SourcePrefixListId: pl-0123456789abcdef0}\n"),
			"security-groups.web.SecurityGroupIngress[1]", "InvalidPrefixListID.NotFound"},
		{"icmp type -1 code 0", group("      - {IpProtocol: icmp, FromPort: -1, ToPort: 0, CidrIp: 0.0.0.0/0}\n"),
			"security-groups.web.SecurityGroupIngress[1]", ""},
		{"bad description", group("      - {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 0.0.0.0/0, Description: 'a<b'}\n"),
			"security-groups.web.SecurityGroupIngress[1]", "InvalidParameterValue"},
		{"egress duplicate", head + "security-groups:\n  web:\n    GroupDescription: web\n    SecurityGroupEgress:\n      - {IpProtocol: '-1', CidrIp: 0.0.0.0/0}\n      - {IpProtocol: '-1', CidrIp: 0.0.0.0/0}\n" + nodes,
			"security-groups.web.SecurityGroupEgress[1]", "InvalidPermission.Duplicate"},
		{"no description", head + "security-groups:\n  web: {}\n" + nodes, "security-groups.web", "MissingParameter"},
		{"group named sg-", head + "security-groups:\n  sg-web: {GroupDescription: x}\n" + nodes, "security-groups.sg-web", ""},
		{"too many rules", head + "settings: {rules-per-group: 2}\nsecurity-groups:\n  web:\n    GroupDescription: web\n    SecurityGroupIngress:\n" +
			"      - {IpProtocol: tcp, FromPort: 1, ToPort: 1, CidrIp: 0.0.0.0/0}\n      - {IpProtocol: tcp, FromPort: 2, ToPort: 2, CidrIp: 0.0.0.0/0}\n      - {IpProtocol: tcp, FromPort: 3, ToPort: 3, CidrIp: 0.0.0.0/0}\n" + nodes,
			"security-groups.web.SecurityGroupIngress[2]", "RulesPerSecurityGroupLimitExceeded"},
		{"node unknown group", head + "topology:\n  nodes:\n    a: {ip: 198.18.0.10, security-groups: [nosuch]}\n", "topology.nodes.a", "InvalidGroup.NotFound"},
		{"conntrack range", head + "topology:\n  nodes:\n    a: {ip: 198.18.0.10, conntrack: {udp-timeout: 61}}\n", "topology.nodes.a", "InvalidParameterValue"},
		{"prefix list name", head + "prefix-lists:\n  com.amazonaws.x: {max-entries: 1}\n" + nodes, "prefix-lists.com.amazonaws.x", "InvalidParameterValue"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			lab, err := Parse("dir/t.yaml", []byte(tc.file))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			err = Validate(lab)
			if err == nil {
				t.Fatal("accepted")
			}
			t.Log(err)
			var pe *PosError
			if !errors.As(err, &pe) || pe.File != "t.yaml" || pe.Path != tc.path || pe.Line == 0 {
				t.Fatalf("want position t.yaml %s with a line, got %#v", tc.path, err)
			}
			if !strings.HasPrefix(err.Error(), "t.yaml: "+tc.path+": ") {
				t.Fatalf("message %q", err)
			}
			if code := EC2Code(err); code == "" || tc.code != "" && code != tc.code {
				t.Fatalf("EC2 code %q, want %q", code, tc.code)
			}
		})
	}
}

// TestApplyDefaultGroup: declaring default replaces its rule lists.
func TestApplyDefaultGroup(t *testing.T) {
	src := "name: t\nsubnet: 198.18.0.0/24\nsecurity-groups:\n  default:\n    GroupDescription: ignored\n" +
		"    SecurityGroupIngress:\n      - {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 198.18.0.0/24}\n" +
		"    SecurityGroupEgress: []\ntopology: {nodes: {a: {ip: 198.18.0.10}}}\n"
	lab, err := Parse("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	st, _ := scratch(t, lab)
	rules, _ := st.DescribeSecurityGroupRules(nil, []ruleset.Filter{{Name: "group-id", Values: []string{st.DefaultGroupID()}}})
	if len(rules) != 1 || rules[0].IsEgress || rules[0].CidrIpv4 == nil || *rules[0].CidrIpv4 != "198.18.0.0/24" {
		t.Fatalf("default group rules %+v", rules)
	}
	ifs, _ := st.DescribeNetworkInterfaces(nil, nil)
	if len(ifs) != 1 || len(ifs[0].Groups) != 1 || ifs[0].Groups[0].GroupId != st.DefaultGroupID() {
		t.Fatalf("interface groups %+v", ifs)
	}
}

// summary is what Apply created, one line per rule and per interface, in
// a form that does not depend on describe output details.
func summary(t *testing.T, st *ruleset.State, enis map[string]string) string {
	t.Helper()
	groups, err := st.DescribeSecurityGroups(nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	name := map[string]string{}
	for _, g := range groups {
		name[g.GroupId] = g.GroupName
	}
	var b strings.Builder
	for _, g := range groups {
		fmt.Fprintf(&b, "group %s %q\n", g.GroupName, g.Description)
		rules, err := st.DescribeSecurityGroupRules(nil, []ruleset.Filter{{Name: "group-id", Values: []string{g.GroupId}}})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rules {
			dir, peer := "in ", ""
			if r.IsEgress {
				dir = "out"
			}
			switch {
			case r.CidrIpv4 != nil:
				peer = *r.CidrIpv4
			case r.CidrIpv6 != nil:
				peer = *r.CidrIpv6
			case r.PrefixListId != nil:
				pls, _ := st.DescribeManagedPrefixLists([]string{*r.PrefixListId}, nil)
				peer = "prefix-list:" + pls[0].PrefixListName
			case r.ReferencedGroupInfo != nil:
				peer = "group:" + name[r.ReferencedGroupInfo.GroupId]
			}
			desc := ""
			if r.Description != nil {
				desc = fmt.Sprintf(" %q", *r.Description)
			}
			fmt.Fprintf(&b, "  %s %s %d..%d %s%s\n", dir, r.IpProtocol, r.FromPort, r.ToPort, peer, desc)
		}
	}
	ifs, err := st.DescribeNetworkInterfaces(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range ifs {
		node := ""
		for k, v := range enis {
			if v == n.NetworkInterfaceId {
				node = k
			}
		}
		var gs []string
		for _, g := range n.Groups {
			gs = append(gs, g.GroupName)
		}
		var v6 []string
		for _, a := range n.Ipv6Addresses {
			v6 = append(v6, a.Ipv6Address)
		}
		ct := n.ConnectionTrackingConfiguration
		fmt.Fprintf(&b, "eni %s mac %s ip %s ipv6 %v groups %v conntrack %d/%d/%d\n", node, n.MacAddress, n.PrivateIpAddress, v6, gs,
			ct.TcpEstablishedTimeout, ct.UdpStreamTimeout, ct.UdpTimeout)
		for _, a := range n.PrivateIpAddresses {
			if !a.Primary {
				fmt.Fprintf(&b, "  secondary %s\n", a.PrivateIpAddress)
			}
		}
	}
	return b.String()
}

// TestApplyChecksStructure: a Lab that arrives as JSON (not through
// Parse) is held to Parse's rules; omitted defaults are filled in.
func TestApplyChecksStructure(t *testing.T) {
	lab := &Lab{Name: "j", Subnet: netip.MustParsePrefix("198.18.0.0/24"),
		Nodes: []Node{{Name: "../../etc", IP: netip.MustParseAddr("198.18.0.10")}}}
	apply := func(lab *Lab) error {
		_, _, err := Scratch(lab)
		return err
	}
	if err := apply(lab); err == nil || !strings.Contains(err.Error(), "node name") {
		t.Fatalf("hostile node name accepted: %v", err)
	}
	lab.Nodes[0].Name = "a"
	lab.Checks = []Check{{From: "a", To: "a", Proto: "icmp", Expect: "deny"}}
	if err := apply(lab); err == nil || !strings.Contains(err.Error(), "lab j: checks[0]") {
		t.Fatalf("bad check accepted: %v", err)
	}
	lab.Checks = nil
	if err := apply(lab); err != nil {
		t.Fatalf("defaults not filled in: %v", err)
	}
	if lab.Nodes[0].Kind != "" || lab.Settings.GroupsPerInterface != 0 {
		t.Fatal("Apply changed the caller's lab")
	}
}

// TestApplyPrefixListNamedLikeID: a prefix list may be named "pl-office"
// (EC2 refuses only names starting with com.amazonaws), and a rule naming
// it reaches that list rather than being read as a malformed id.
func TestApplyPrefixListNamedLikeID(t *testing.T) {
	const file = "name: t\nsubnet: 198.18.0.0/24\nprefix-lists:\n  pl-office: {max-entries: 1, entries: [198.18.0.0/28]}\n" +
		"security-groups:\n  web:\n    GroupDescription: web\n    SecurityGroupIngress:\n      - {IpProtocol: tcp, FromPort: 22, ToPort: 22, SourcePrefixListId: pl-office}\n" +
		"topology:\n  nodes:\n    a: {ip: 198.18.0.10, security-groups: [web]}\n"
	lab, err := Parse("t.yaml", []byte(file))
	if err != nil {
		t.Fatal(err)
	}
	st, _ := scratch(t, lab)
	pls, err := st.DescribeManagedPrefixLists(nil, nil)
	if err != nil || len(pls) != 1 || pls[0].PrefixListName != "pl-office" {
		t.Fatalf("prefix lists %+v %v", pls, err)
	}
	rules, err := st.DescribeSecurityGroupRules(nil, []ruleset.Filter{{Name: "group-id", Values: []string{mustGroup(t, st, "web")}}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rules {
		if r.PrefixListId != nil {
			got = append(got, *r.PrefixListId)
		}
	}
	if len(got) != 1 || got[0] != pls[0].PrefixListId {
		t.Fatalf("rule prefix lists %v, want [%s]", got, pls[0].PrefixListId)
	}
}

// scratch applies lab to a scratch account and returns its VPC's
// security groups and each node's eth0 interface.
func scratch(t *testing.T, lab *Lab) (*ruleset.State, map[string]string) {
	t.Helper()
	acct, ap, err := Scratch(lab)
	if err != nil {
		t.Fatal(err)
	}
	return acct.Groups(ap.VpcID), ap.ENIs
}

func mustGroup(t *testing.T, st *ruleset.State, name string) string {
	t.Helper()
	id, err := st.ResolveGroup(name)
	if err != nil {
		t.Fatal(err)
	}
	return id
}
