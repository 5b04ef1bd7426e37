package testbed

import (
	"encoding/json"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"sgswitch/internal/bounded"
)

func readExample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "examples", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseExamples(t *testing.T) {
	files, _ := filepath.Glob("../examples/*.yaml")
	if len(files) < 4 {
		t.Fatalf("expected the four examples, found %v", files)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			lab, err := Parse(f, readExample(t, filepath.Base(f)))
			if err != nil {
				t.Fatal(err)
			}
			// The Lab goes to the daemon as JSON: it must round-trip.
			b, err := json.Marshal(lab)
			if err != nil {
				t.Fatal(err)
			}
			var back Lab
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(lab, &back) {
				t.Fatalf("JSON round trip changed the lab:\n%+v\n%+v", lab, &back)
			}
		})
	}
}

func TestParseShop(t *testing.T) {
	lab, err := Parse("examples/shop.yaml", readExample(t, "shop.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if lab.Name != "shop" || lab.File != "shop.yaml" || lab.Subnet != netip.MustParsePrefix("198.18.0.0/24") {
		t.Fatalf("header: %+v", lab)
	}
	if lab.Settings != (Settings{GroupsPerInterface: 5, RulesPerGroup: 60}) {
		t.Fatalf("settings %+v", lab.Settings)
	}
	names := func() (s []string) {
		for _, g := range lab.Groups {
			s = append(s, g.Name)
		}
		return
	}()
	if !reflect.DeepEqual(names, []string{"web", "db", "bastion"}) {
		t.Fatalf("groups in file order: %v", names)
	}
	web, db, bastion := lab.Groups[0], lab.Groups[1], lab.Groups[2]
	if len(web.Ingress) != 4 || web.Ingress[2].Group != "bastion" || web.Ingress[3].PrefixList != "office" {
		t.Fatalf("web ingress %+v", web.Ingress)
	}
	if *web.Ingress[3].FromPort != 8 || *web.Ingress[3].ToPort != -1 || web.Ingress[1].CidrIpv6 != "::/0" {
		t.Fatalf("web ingress ports %+v", web.Ingress[3])
	}
	if db.Egress == nil || len(db.Egress) != 0 {
		t.Fatalf("db: present but empty egress must be non-nil empty, got %#v", db.Egress)
	}
	if bastion.Egress != nil {
		t.Fatalf("bastion: absent egress must be nil, got %#v", bastion.Egress)
	}
	if d := bastion.Ingress[0].Description; d == nil || *d != "office" {
		t.Fatalf("description %v", d)
	}
	web1 := lab.Node("web1")
	if web1.Kind != KindNetns || web1.Port != PortTAP || web1.Conntrack.TcpEstablishedTimeout != 3600 ||
		web1.Allowances.ConntrackMax != 20000 || web1.InstanceType != "t3.large" || web1.IPv6 != netip.MustParseAddr("fd00:5e5e:0:1::11") {
		t.Fatalf("web1 %+v", web1)
	}
	if lab.Node("db1").Port != PortAFXDP || lab.Node("client").Groups != nil {
		t.Fatalf("db1/client %+v %+v", lab.Node("db1"), lab.Node("client"))
	}
	if len(lab.Checks) != 7 || lab.Checks[6].Family != 6 || lab.Checks[3].Proto != "icmp" {
		t.Fatalf("checks %+v", lab.Checks)
	}
	if lab.Gateway() != netip.MustParseAddr("198.18.0.1") || lab.GatewayIPv6() != netip.MustParseAddr("fd00:5e5e:0:1::1") {
		t.Fatalf("gateways %v %v", lab.Gateway(), lab.GatewayIPv6())
	}
}

const minimal = `name: t
subnet: 198.18.0.0/24
topology:
  nodes:
    a: {ip: 198.18.0.10}
    b: {ip: 198.18.0.11}
`

// TestParseRefuses: every hostile or invalid file is refused, and the
// message names the place (path, and line where there is one).
func TestParseRefuses(t *testing.T) {
	cases := []struct {
		name, file string
		want       []string // substrings of the error
	}{
		{"empty", ``, []string{"t.yaml: empty file"}},
		{"not yaml", "name: [", []string{"t.yaml:"}},
		{"root list", "- a\n- b\n", []string{"expected a mapping"}},
		{"unknown top key", minimal + "color: blue\n", []string{`unknown key "color" (line 7)`}},
		{"unknown node key", strings.Replace(minimal, "{ip: 198.18.0.10}", "{ip: 198.18.0.10, prot: tap}", 1),
			[]string{`topology.nodes.a: unknown key "prot" (line 5)`}},
		{"unknown rule key", minimal + "security-groups:\n  w:\n    GroupDescription: x\n    SecurityGroupIngress:\n      - {IpProtocol: tcp, FromPort: 1, ToPort: 1, CidrIp: 0.0.0.0/0}\n      - {IpProtocol: tcp, Port: 1}\n",
			[]string{`security-groups.w.SecurityGroupIngress[1]: unknown key "Port" (line 12)`}},
		{"egress key on ingress", minimal + "security-groups:\n  w:\n    GroupDescription: x\n    SecurityGroupIngress:\n      - {IpProtocol: tcp, FromPort: 1, ToPort: 1, DestinationSecurityGroupId: w}\n",
			[]string{`unknown key "DestinationSecurityGroupId"`}},
		{"duplicate key", "name: t\nname: u\n", []string{`duplicate key "name" (line 2)`}},
		{"missing keys", "name: t\n", []string{`missing required key "subnet"`, `missing required key "topology"`}},
		{"bad lab name", strings.Replace(minimal, "name: t", "name: Shop_1", 1), []string{"name: lab name"}},
		{"long lab name", strings.Replace(minimal, "name: t", "name: abcdefghijklm", 1), []string{"[a-z0-9-]{1,12}"}},
		{"subnet v6", strings.Replace(minimal, "198.18.0.0/24", "fd00::/64", 1), []string{"subnet fd00::/64 must be an IPv4 CIDR"}},
		{"subnet too big", strings.Replace(minimal, "198.18.0.0/24", "198.18.0.0/8", 1), []string{"/16 to /28"}},
		{"subnet not canonical", strings.Replace(minimal, "198.18.0.0/24", "198.18.0.5/24", 1), []string{"did you mean 198.18.0.0/24"}},
		{"ip outside subnet", strings.Replace(minimal, "198.18.0.10", "198.18.1.10", 1), []string{"topology.nodes.a.ip: 198.18.1.10 is not inside subnet"}},
		{"ip reserved", strings.Replace(minimal, "198.18.0.10", "198.18.0.1", 1), []string{"is reserved"}},
		{"ip broadcast", strings.Replace(minimal, "198.18.0.10", "198.18.0.255", 1), []string{"is reserved"}},
		{"ip duplicate", strings.Replace(minimal, "198.18.0.11", "198.18.0.10", 1), []string{"already the address of node a"}},
		{"ip missing", strings.Replace(minimal, "{ip: 198.18.0.10}", "{}", 1), []string{`topology.nodes.a: missing required key "ip"`}},
		{"ip garbage", strings.Replace(minimal, "198.18.0.10", "fe80::1%eth0", 1), []string{"invalid IP address"}},
		{"ipv6 without subnet", strings.Replace(minimal, "{ip: 198.18.0.10}", "{ip: 198.18.0.10, ipv6: 'fd00:5e5e::10'}", 1), []string{"ipv6 needs subnet-ipv6"}},
		{"ipv6 subnet /48", "subnet-ipv6: fd00:5e5e::/48\n" + minimal, []string{"must be an IPv6 /64"}},
		{"node name", strings.Replace(minimal, "a: {", "A_1: {", 1), []string{`node name "A_1"`}},
		{"node name long", strings.Replace(minimal, "a: {", "abcdefghijklmnopqrstu: {", 1), []string{"at most 20"}},
		{"node kind", strings.Replace(minimal, "{ip: 198.18.0.10}", "{ip: 198.18.0.10, kind: docker}", 1), []string{"kind must be netns or vm"}},
		{"instance type", strings.Replace(minimal, "{ip: 198.18.0.10}", "{ip: 198.18.0.10, instance-type: t3.huge}", 1), []string{`instance-type "t3.huge"`}},
		{"node port", strings.Replace(minimal, "{ip: 198.18.0.10}", "{ip: 198.18.0.10, port: dpdk}", 1), []string{"port must be tap or afxdp"}},
		{"vm without interface", strings.Replace(minimal, "{ip: 198.18.0.10}", "{ip: 198.18.0.10, kind: vm}", 1), []string{"kind: vm needs interface"}},
		{"vm interface too long", strings.Replace(minimal, "{ip: 198.18.0.10}", "{ip: 198.18.0.10, kind: vm, interface: abcdefghijklmnop}", 1), []string{"kind: vm needs interface"}},
		{"interface on netns", strings.Replace(minimal, "{ip: 198.18.0.10}", "{ip: 198.18.0.10, interface: tap0}", 1), []string{"interface is for kind: vm only"}},
		{"empty groups", strings.Replace(minimal, "{ip: 198.18.0.10}", "{ip: 198.18.0.10, security-groups: []}", 1), []string{"at least one group"}},
		{"too many groups", strings.Replace(minimal, "{ip: 198.18.0.10}", "{ip: 198.18.0.10, security-groups: [a,b,c,d,e,f]}", 1), []string{"SecurityGroupsPerInterfaceLimitExceeded"}},
		{"group twice", strings.Replace(minimal, "{ip: 198.18.0.10}", "{ip: 198.18.0.10, security-groups: [a,a]}", 1), []string{"listed twice"}},
		{"settings range", minimal + "settings: {groups-per-interface: 17}\n", []string{"settings.groups-per-interface: 17 is out of range 1..16"}},
		{"settings product", minimal + "settings: {groups-per-interface: 16, rules-per-group: 100}\n", []string{"exceeds 1000"}},
		{"port not int", minimal + "security-groups:\n  w:\n    GroupDescription: x\n    SecurityGroupIngress:\n      - {IpProtocol: tcp, FromPort: http, ToPort: 1, CidrIp: 0.0.0.0/0}\n",
			[]string{`security-groups.w.SecurityGroupIngress[0].FromPort: expected an integer, found "http"`}},
		{"port overflow", minimal + "security-groups:\n  w:\n    GroupDescription: x\n    SecurityGroupIngress:\n      - {IpProtocol: tcp, FromPort: 99999999999, ToPort: 1}\n",
			[]string{"out of range"}},
		{"rules not a list", minimal + "security-groups:\n  w:\n    SecurityGroupIngress: {IpProtocol: tcp}\n", []string{"expected a list"}},
		{"two source groups", minimal + "security-groups:\n  w:\n    GroupDescription: x\n    SecurityGroupIngress:\n      - {IpProtocol: tcp, FromPort: 1, ToPort: 1, SourceSecurityGroupId: w, SourceSecurityGroupName: w}\n",
			[]string{"InvalidParameterCombination"}},
		{"prefix list over max", minimal + "prefix-lists:\n  o: {max-entries: 1, entries: [198.18.0.0/28, 198.18.0.16/28]}\n", []string{"prefix-lists.o: 2 entries exceed max-entries 1"}},
		{"prefix list no max", minimal + "prefix-lists:\n  o: {entries: [198.18.0.0/28]}\n", []string{`missing required key "max-entries"`}},
		{"prefix list mixed", minimal + "prefix-lists:\n  o: {max-entries: 2, entries: [198.18.0.0/28, 'fd00::/64']}\n", []string{"one address family"}},
		{"prefix list bad cidr", minimal + "prefix-lists:\n  o: {max-entries: 2, entries: [198.18.0.0]}\n", []string{"invalid CIDR"}},
		{"check unknown node", minimal + "checks:\n  - {from: a, to: zz, proto: tcp, port: 1, expect: allow}\n", []string{`checks[0]: no node "zz" (line 8)`}},
		{"check self", minimal + "checks:\n  - {from: a, to: a, proto: tcp, port: 1, expect: allow}\n", []string{"same node"}},
		{"check no port", minimal + "checks:\n  - {from: a, to: b, proto: tcp, expect: allow}\n", []string{"needs port"}},
		{"check icmp port", minimal + "checks:\n  - {from: a, to: b, proto: icmp, port: 1, expect: allow}\n", []string{"takes no port"}},
		{"check proto", minimal + "checks:\n  - {from: a, to: b, proto: sctp, port: 1, expect: allow}\n", []string{"proto must be"}},
		{"check expect", minimal + "checks:\n  - {from: a, to: b, proto: icmp, expect: maybe}\n", []string{"expect must be"}},
		{"check family", minimal + "checks:\n  - {from: a, to: b, proto: icmp, expect: deny, family: ipx}\n", []string{"family must be"}},
		{"check v6 without address", minimal + "checks:\n  - {from: a, to: b, proto: icmp, expect: deny, family: ipv6}\n", []string{"has no ipv6"}},
		{"check port 0", minimal + "checks:\n  - {from: a, to: b, proto: tcp, port: 0, expect: deny}\n", []string{"out of range 1..65535"}},
		{"check on vm", strings.Replace(minimal, "{ip: 198.18.0.10}", "{ip: 198.18.0.10, kind: vm, interface: tap0}", 1) +
			"checks:\n  - {from: a, to: b, proto: icmp, expect: deny}\n", []string{"checks run inside netns nodes and booted VMs only"}},
		{"merge key", minimal + "x: &x {a: 1}\ny:\n  <<: *x\n", []string{`unknown key "x"`}},
		{"no nodes", "name: t\nsubnet: 198.18.0.0/24\ntopology: {nodes: {}}\n", []string{"at least one node"}},
		{"nodes list", "name: t\nsubnet: 198.18.0.0/24\ntopology: {nodes: [a, b]}\n", []string{"topology.nodes: expected a mapping, found a list"}},
		{"alias bomb", "a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\n" +
			"d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n" +
			"name: t\nsubnet: 198.18.0.0/24\ntopology: {nodes: {a: {ip: 198.18.0.10, security-groups: *f}}}\n", []string{"t.yaml:"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			lab, err := Parse("dir/t.yaml", []byte(tc.file))
			if err == nil {
				t.Fatalf("accepted: %+v", lab)
			}
			t.Log(err)
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not contain %q", err, w)
				}
			}
		})
	}
}

func TestParseDefaults(t *testing.T) {
	lab, err := Parse("t.yaml", []byte(minimal+"checks:\n  - {from: a, to: b, proto: tcp, port: 22, expect: deny}\n"))
	if err != nil {
		t.Fatal(err)
	}
	a := lab.Node("a")
	if a.Kind != KindNetns || a.Port != PortTAP || a.Groups != nil || a.IPv6.IsValid() {
		t.Fatalf("node defaults %+v", a)
	}
	if lab.Checks[0].Family != 4 || lab.SubnetIPv6.IsValid() {
		t.Fatalf("check defaults %+v", lab.Checks[0])
	}
}

func TestParseAliases(t *testing.T) {
	src := "name: t\nsubnet: 198.18.0.0/24\nrule: &ssh {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 0.0.0.0/0}\n"
	_, err := Parse("t.yaml", []byte(src+"topology: {nodes: {a: {ip: 198.18.0.10}}}\n"))
	if err == nil || !strings.Contains(err.Error(), `unknown key "rule"`) {
		t.Fatalf("want unknown key, got %v", err)
	}
	// An alias inside known keys works.
	src = "name: t\nsubnet: 198.18.0.0/24\nsecurity-groups:\n  a:\n    GroupDescription: x\n    SecurityGroupIngress: [&ssh {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 0.0.0.0/0}]\n" +
		"  b:\n    GroupDescription: y\n    SecurityGroupIngress: [*ssh]\ntopology: {nodes: {a: {ip: 198.18.0.10}}}\n"
	lab, err := Parse("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if lab.Groups[1].Ingress[0].IpProtocol != "tcp" || *lab.Groups[1].Ingress[0].FromPort != 22 {
		t.Fatalf("alias not followed: %+v", lab.Groups[1].Ingress)
	}
}

func TestNames(t *testing.T) {
	for _, lab := range []string{"a", "shop", "abcdefghijkl"} {
		for _, node := range []string{"a", "abcdefghijklmnopqrst"} {
			n := HostIfName(lab, node)
			if !validIfName(n) || !strings.HasPrefix(n, HostIfPrefix(lab)) {
				t.Fatalf("HostIfName(%q,%q) = %q", lab, node, n)
			}
		}
	}
	if HostIfName("shop", "a") == HostIfName("shop", "b") || HostIfPrefix("shop") == HostIfPrefix("shop2") {
		t.Fatal("names collide")
	}
	m := NodeMAC("shop", "a", 0)
	if m[0] != 0x02 || m.String() != NodeMAC("shop", "a", 0).String() || m.String() == NodeMAC("shop", "a", 1).String() {
		t.Fatalf("mac %v", m)
	}
}

// TestScriptLabs: the lab files the integration scripts use are valid.
func TestScriptLabs(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.yaml")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		lab, err := Parse(f, data)
		if err == nil {
			err = Validate(lab)
		}
		if err != nil {
			t.Error(err)
		}
	}
}

// TestParseSizeBound: Parse takes exactly the bytes the bounded reader
// accepts (bounded.MaxBytes) and refuses one more, naming the file.
func TestParseSizeBound(t *testing.T) {
	pad := func(n int) []byte {
		head := "name: big\n"
		return []byte(head + "#" + strings.Repeat("x", n-len(head)-2) + "\n")
	}
	if _, err := Parse("big.yaml", pad(bounded.MaxBytes)); err != nil && strings.Contains(err.Error(), "larger than") {
		t.Fatalf("Parse of exactly %d bytes refused for its size: %v", bounded.MaxBytes, err)
	}
	_, err := Parse("big.yaml", pad(bounded.MaxBytes+1))
	if err == nil || err.Error() != "big.yaml: file larger than 4194304 bytes" {
		t.Fatalf("Parse of %d bytes = %v, want big.yaml: file larger than 4194304 bytes", bounded.MaxBytes+1, err)
	}
}

// TestParseOneDocument: a lab file is one YAML document. A second document
// was silently ignored; it is refused with its line. A leading "---" or a
// closing "..." around the one document is fine.
func TestParseOneDocument(t *testing.T) {
	for _, ok := range []string{"---\n" + minimal, minimal + "...\n", "--- # lab\n" + minimal} {
		if _, err := Parse("t.yaml", []byte(ok)); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	lines := strings.Count(minimal, "\n")
	for _, tail := range []string{"---\nname: other\n", "---\n", "--- \n# only a comment\n"} {
		_, err := Parse("t.yaml", []byte(minimal+tail))
		var pe *PosError
		if !errors.As(err, &pe) || pe.File != "t.yaml" || pe.Line != lines+1 || !strings.Contains(err.Error(), "second YAML document") {
			t.Errorf("%q: got %v, want a second-document error at line %d", tail, err, lines+1)
		}
	}
}

// clock: takes real or virtual; anything else is refused at its line.
func TestParseClock(t *testing.T) {
	base := "name: t\nsubnet: 198.18.0.0/24\ntopology: {nodes: {a: {ip: 198.18.0.10}}}\n"
	for _, c := range []struct{ clock, want, err string }{
		{"", "", ""}, {"clock: virtual\n", ClockVirtual, ""}, {"clock: real\n", ClockReal, ""},
		{"clock: fast\n", "", "clock: must be real or virtual (line 4)"},
	} {
		lab, err := Parse("t.yaml", []byte(base+c.clock))
		switch {
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%q: %v, want %s", c.clock, err, c.err)
		case c.err == "" && (err != nil || lab.Clock != c.want):
			t.Errorf("%q: %v %v, want %q", c.clock, lab, err, c.want)
		}
	}
}
