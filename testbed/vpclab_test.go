package testbed

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"reflect"
	"strings"
	"testing"
)

// twotier is lab-file.md's "VPC labs" example without its VM (booting
// instances is issue 16) and its fourth check (which names the VM).
const twotier = `name: twotier
vpc:
  cidr: 198.18.0.0/16
  ipv6-cidr: fd00:5e5e::/56
  subnets:
    public:  {cidr: 198.18.1.0/24, ipv6-cidr: 'fd00:5e5e:0:1::/64', network-acl: edge}
    private: {cidr: 198.18.2.0/24, route-table: via-nat}
  route-tables:
    via-nat:
      routes:
        - {destination: 0.0.0.0/0, target: nat1.eth0}
  network-acls:
    edge:
      ingress:
        - {RuleNumber: 100, Protocol: 6, RuleAction: allow, CidrBlock: 0.0.0.0/0, PortRange: {From: 22, To: 22}}
        - {RuleNumber: 110, Protocol: 6, RuleAction: allow, CidrBlock: 0.0.0.0/0, PortRange: {From: 1024, To: 65535}}
        - {RuleNumber: 120, Protocol: 1, RuleAction: allow, CidrBlock: 198.18.0.0/16, Icmp: {Type: -1, Code: -1}}
      egress:
        - {RuleNumber: 100, Protocol: -1, RuleAction: allow, CidrBlock: 0.0.0.0/0}
security-groups:
  bastion: {GroupDescription: bastion}
  nat: {GroupDescription: nat}
  db: {GroupDescription: db}
topology:
  nodes:
    bastion:
      subnet: public
      ip: 198.18.1.10
      security-groups: [bastion]
    nat1:
      interfaces:
        - {subnet: public, ip: 198.18.1.20, security-groups: [nat], source-dest-check: false}
        - {subnet: private, ip: 198.18.2.20, secondary-ips: [198.18.2.21], security-groups: [nat]}
    db1:
      subnet: private
      ip: 198.18.2.30
      security-groups: [db]
checks:
  - {from: bastion, to: db1, proto: tcp, port: 5432, expect: deny}
  - {from: nat1.eth1, to: db1, proto: tcp, port: 22, expect: allow}
  - {from: bastion, to-ip: 198.18.2.21, proto: icmp, expect: allow}
`

func TestParseVPCLab(t *testing.T) {
	lab, err := Parse("twotier.yaml", []byte(twotier))
	if err != nil {
		t.Fatal(err)
	}
	v := lab.VPC
	if !lab.IsVPCLab() || lab.Network() != v || v.CIDR != netip.MustParsePrefix("198.18.0.0/16") ||
		v.IPv6CIDR != netip.MustParsePrefix("fd00:5e5e::/56") || v.Line != 2 {
		t.Fatalf("vpc: %+v", v)
	}
	want := []Subnet{
		{Name: "public", CIDR: netip.MustParsePrefix("198.18.1.0/24"), IPv6CIDR: netip.MustParsePrefix("fd00:5e5e:0:1::/64"), NetworkACL: "edge", Line: 6},
		{Name: "private", CIDR: netip.MustParsePrefix("198.18.2.0/24"), RouteTable: "via-nat", Line: 7},
	}
	if !reflect.DeepEqual(v.Subnets, want) {
		t.Fatalf("subnets %+v", v.Subnets)
	}
	if len(v.RouteTables) != 1 || !reflect.DeepEqual(v.RouteTables[0].Routes,
		[]Route{{Destination: netip.MustParsePrefix("0.0.0.0/0"), Target: "nat1.eth0", Line: 11}}) {
		t.Fatalf("route tables %+v", v.RouteTables)
	}
	edge := v.NetworkACLs[0]
	if edge.Name != "edge" || len(edge.Ingress) != 3 || len(edge.Egress) != 1 {
		t.Fatalf("acl %+v", edge)
	}
	if e := edge.Ingress[1]; e != (ACLEntry{RuleNumber: 110, Protocol: 6, RuleAction: "allow", CidrBlock: "0.0.0.0/0",
		PortRange: e.PortRange, Line: 16}) || *e.PortRange != (PortRange{From: 1024, To: 65535}) {
		t.Fatalf("entry %+v", e)
	}
	if e := edge.Ingress[2]; *e.Icmp != (ICMPCode{Type: -1, Code: -1}) || e.PortRange != nil {
		t.Fatalf("icmp entry %+v", e)
	}
	nat := lab.Node("nat1")
	enis := nat.ENIs()
	if len(enis) != 2 || enis[0].CheckEnabled() || !enis[1].CheckEnabled() || enis[1].Subnet != "private" ||
		!reflect.DeepEqual(enis[1].SecondaryIPs, []netip.Addr{netip.MustParseAddr("198.18.2.21")}) {
		t.Fatalf("nat1 interfaces %+v", enis)
	}
	if b := lab.Node("bastion").ENIs(); len(b) != 1 || b[0].Subnet != "public" || b[0].IP != netip.MustParseAddr("198.18.1.10") {
		t.Fatalf("bastion short form %+v", b)
	}
	if c := lab.Checks[2]; c.To != "" || c.ToIP != netip.MustParseAddr("198.18.2.21") {
		t.Fatalf("to-ip check %+v", c)
	}
	b, err := json.Marshal(lab)
	if err != nil {
		t.Fatal(err)
	}
	var back Lab
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(lab, &back) {
		t.Fatalf("JSON round trip: %v\n%+v\n%+v", err, lab, &back)
	}
}

// TestSubnetLabIsOneSubnetVPC: a file with subnet: reads as a VPC of one
// subnet "main", and its JSON has none of the VPC-lab keys (the daemon
// compares a lab's JSON byte for byte with what it stored before).
func TestSubnetLabIsOneSubnetVPC(t *testing.T) {
	lab, err := Parse("t.yaml", []byte(minimal+"checks:\n  - {from: a, to: b, proto: icmp, expect: allow}\n"))
	if err != nil {
		t.Fatal(err)
	}
	n := lab.Network()
	if lab.IsVPCLab() || n.CIDR != lab.Subnet || len(n.Subnets) != 1 || n.Subnets[0].Name != MainSubnet || n.Subnet("main") == nil {
		t.Fatalf("network %+v", n)
	}
	b, _ := json.Marshal(lab)
	for _, k := range []string{`"vpc"`, `"interfaces"`, `"secondaryIps"`, `"sourceDestCheck"`, `"fromIp"`, `"toIp"`, `"subnet":""`} {
		if strings.Contains(string(b), k) {
			t.Errorf("JSON of a subnet lab has %s: %s", k, b)
		}
	}
	// The short form may name the one subnet.
	if _, err := Parse("t.yaml", []byte(strings.Replace(minimal, "{ip: 198.18.0.10}", "{subnet: main, ip: 198.18.0.10}", 1))); err != nil {
		t.Fatal(err)
	}
}

func TestParseRefusesVPCLab(t *testing.T) {
	sub := func(old, new string) string { return strings.Replace(twotier, old, new, 1) }
	cases := []struct {
		name, file string
		want       []string
	}{
		{"subnet and vpc", "subnet: 198.18.3.0/24\n" + twotier, []string{"not both"}},
		{"subnet-ipv6 in vpc lab", "subnet-ipv6: 'fd00:5e5e:0:9::/64'\n" + twotier, []string{"subnet-ipv6 belongs to a subnet: lab"}},
		{"neither", "name: t\ntopology: {nodes: {a: {ip: 198.18.0.10}}}\n", []string{`missing required key "subnet" (or "vpc"`}},
		{"vpc without cidr", sub("  cidr: 198.18.0.0/16\n", ""), []string{`vpc: missing required key "cidr" (line 2)`}},
		{"vpc too big", sub("cidr: 198.18.0.0/16\n", "cidr: 198.0.0.0/8\n"), []string{"vpc.cidr: 198.0.0.0/8 must be an IPv4 CIDR from /16 to /28"}},
		{"vpc v6 size", sub("fd00:5e5e::/56", "fd00:5e5e::/64"), []string{"vpc.ipv6-cidr", "/44 to /60"}},
		{"no subnets", sub("  subnets:\n    public:  {cidr: 198.18.1.0/24, ipv6-cidr: 'fd00:5e5e:0:1::/64', network-acl: edge}\n    private: {cidr: 198.18.2.0/24, route-table: via-nat}\n", "  subnets: {}\n"),
			[]string{"at least one subnet"}},
		{"subnet outside vpc", sub("public:  {cidr: 198.18.1.0/24", "public:  {cidr: 198.19.1.0/24"), []string{"vpc.subnets.public.cidr: 198.19.1.0/24 is not inside the VPC's 198.18.0.0/16 (line 6)"}},
		{"subnet overlap", sub("private: {cidr: 198.18.2.0/24", "private: {cidr: 198.18.1.128/25"), []string{"vpc.subnets.private.cidr: 198.18.1.128/25 overlaps subnet public"}},
		{"subnet too small", sub("private: {cidr: 198.18.2.0/24", "private: {cidr: 198.18.2.0/29"), []string{"/16 to /28"}},
		{"subnet not canonical", sub("private: {cidr: 198.18.2.0/24", "private: {cidr: 198.18.2.1/24"), []string{"did you mean 198.18.2.0/24"}},
		{"subnet v6 not /64", sub("fd00:5e5e:0:1::/64", "fd00:5e5e:0:1::/60"), []string{"must be an IPv6 /64"}},
		{"subnet v6 outside", sub("fd00:5e5e:0:1::/64", "fd00:5e5f:0:1::/64"), []string{"is not inside the VPC's fd00:5e5e::/56"}},
		{"subnet v6 without vpc v6", sub("  ipv6-cidr: fd00:5e5e::/56\n", ""), []string{"the VPC has no ipv6-cidr"}},
		{"subnet name", sub("    private: {", "    Private_1: {"), []string{`subnet name "Private_1"`}},
		{"subnet unknown key", sub("route-table: via-nat}", "route-table: via-nat, az: us-east-1a}"), []string{`vpc.subnets.private: unknown key "az" (line 7)`}},
		{"unknown route table", sub("route-table: via-nat}", "route-table: via-gw}"), []string{`no route table "via-gw"`}},
		{"unknown acl", sub("network-acl: edge}", "network-acl: strict}"), []string{`no network ACL "strict"`}},
		{"route target node only", sub("target: nat1.eth0", "target: nat1"), []string{`target "nat1": name the interface, nat1.eth0`}},
		{"route target no node", sub("target: nat1.eth0", "target: nat9.eth0"), []string{`no node "nat9"`}},
		{"route target no interface", sub("target: nat1.eth0", "target: nat1.eth2"), []string{"node nat1 has 2 interface(s)"}},
		{"route target bad", sub("target: nat1.eth0", "target: nat1.wlan0"), []string{"node.ethN"}},
		{"route no target", sub(", target: nat1.eth0", ""), []string{"a route needs destination"}},
		{"route bad cidr", sub("destination: 0.0.0.0/0", "destination: default"), []string{`invalid CIDR "default"`}},
		{"route not canonical", sub("destination: 0.0.0.0/0", "destination: 10.1.2.3/8"), []string{"did you mean 10.0.0.0/8"}},
		{"acl entry unknown key", sub("RuleAction: allow, CidrBlock: 0.0.0.0/0}", "RuleAction: allow, CidrBlock: 0.0.0.0/0, Egress: true}"),
			[]string{`vpc.network-acls.edge.egress[0]: unknown key "Egress"`}},
		{"acl entry missing", sub("{RuleNumber: 100, Protocol: -1, ", "{Protocol: -1, "), []string{`missing required key "RuleNumber"`}},
		{"acl entry not int", sub("RuleNumber: 120", "RuleNumber: one"), []string{`RuleNumber: expected an integer, found "one"`}},
		{"acl port range half", sub("PortRange: {From: 22, To: 22}", "PortRange: {From: 22}"), []string{"a PortRange needs From and To"}},
		{"acl unknown key", sub("      egress:\n", "      outbound:\n      egress:\n"), []string{`unknown key "outbound"`}},
		{"node without subnet", sub("    db1:\n      subnet: private\n", "    db1:\n"), []string{`topology.nodes.db1: missing required key "subnet" (a VPC lab`}},
		{"node unknown subnet", sub("subnet: private\n      ip: 198.18.2.30", "subnet: data\n      ip: 198.18.2.30"), []string{`topology.nodes.db1.subnet: no subnet "data"`}},
		{"ip outside its subnet", sub("ip: 198.18.2.30", "ip: 198.18.1.30"), []string{"topology.nodes.db1.ip: 198.18.1.30 is not inside subnet 198.18.2.0/24"}},
		{"ip reserved", sub("ip: 198.18.2.30", "ip: 198.18.2.3"), []string{"is reserved"}},
		{"secondary reserved", sub("secondary-ips: [198.18.2.21]", "secondary-ips: [198.18.2.255]"), []string{"topology.nodes.nat1.interfaces[1].secondary-ips[0]: 198.18.2.255 is reserved"}},
		{"secondary used", sub("secondary-ips: [198.18.2.21]", "secondary-ips: [198.18.2.30]"), []string{"198.18.2.30 is already the address of node nat1"}},
		{"ipv6 in subnet without v6", sub("ip: 198.18.2.30", "ip: 198.18.2.30\n      ipv6: 'fd00:5e5e:0:2::10'"), []string{"ipv6 needs the subnet's ipv6-cidr"}},
		{"long and short", sub("    nat1:\n      interfaces:", "    nat1:\n      ip: 198.18.1.99\n      interfaces:"), []string{"ip belongs in each entry of interfaces"}},
		{"no interfaces", sub("    nat1:\n      interfaces:\n        - {subnet: public, ip: 198.18.1.20, security-groups: [nat], source-dest-check: false}\n        - {subnet: private, ip: 198.18.2.20, secondary-ips: [198.18.2.21], security-groups: [nat]}\n",
			"    nat1:\n      interfaces: []\n"), []string{"give at least one"}},
		{"sdc not bool", sub("source-dest-check: false", "source-dest-check: no"), []string{`expected true or false, found "no"`}},
		{"forwarding not bool", sub("    nat1:\n", "    nat1:\n      forwarding: 1\n"), []string{`forwarding: expected true or false, found "1"`}},
		{"interface groups twice", sub("security-groups: [nat], source", "security-groups: [nat, nat], source"), []string{`security group "nat" listed twice`}},
		{"vm with two interfaces", sub("    nat1:\n", "    nat1:\n      kind: vm\n      interface: tap9\n"), []string{"kind: vm attaches one host interface"}},
		{"check bad interface", sub("from: nat1.eth1", "from: nat1.eth7"), []string{"node nat1 has no eth7"}},
		{"check bad endpoint", sub("from: nat1.eth1", "from: nat1.eth01"), []string{"node.ethN"}},
		{"check to and to-ip", sub("to-ip: 198.18.2.21", "to: db1, to-ip: 198.18.2.21"), []string{"give to or to-ip, not both"}},
		{"check neither to", sub("to-ip: 198.18.2.21, ", ""), []string{`missing required key "to" (or "to-ip")`}},
		{"check to-ip family", sub("to-ip: 198.18.2.21", "to-ip: 'fd00:5e5e:0:1::5'"), []string{"is not of family ipv4"}},
		{"check to-ip own", sub("from: bastion, to-ip: 198.18.2.21", "from: nat1, to-ip: 198.18.2.21"), []string{"is node nat1's own address"}},
		{"check from-ip not owned", sub("to-ip: 198.18.2.21", "to-ip: 198.18.2.21, from-ip: 198.18.2.30"), []string{"from-ip 198.18.2.30 is not an address of node bastion"}},
		{"check same node interfaces", sub("from: nat1.eth1, to: db1", "from: nat1.eth1, to: nat1.eth0"), []string{"same node"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			lab, err := Parse("dir/t.yaml", []byte(tc.file))
			if err == nil {
				t.Fatalf("accepted: %+v", lab)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not contain %q", err, w)
				}
			}
		})
	}
}

// TestVPCLabKeysRun: every VPC-lab key applies: the long form of a
// node's interfaces, the source/dest check off, forwarding, and a VPC of
// several subnets.
func TestVPCLabKeysRun(t *testing.T) {
	for name, file := range map[string]string{
		"long form":              strings.Replace(minimal, "{ip: 198.18.0.10}", "{interfaces: [{ip: 198.18.0.10}]}", 1),
		"source dest check off":  strings.Replace(minimal, "{ip: 198.18.0.10}", "{ip: 198.18.0.10, source-dest-check: false}", 1),
		"forwarding":             strings.Replace(minimal, "{ip: 198.18.0.10}", "{ip: 198.18.0.10, forwarding: true}", 1),
		"VPC of several subnets": twotier,
	} {
		t.Run(name, func(t *testing.T) {
			lab, err := Parse("t.yaml", []byte(file))
			if err != nil {
				t.Fatal(err)
			}
			if err := Validate(lab); err != nil {
				t.Fatalf("Validate = %v", err)
			}
		})
	}
	ok := strings.Replace(minimal, "{ip: 198.18.0.10}", "{subnet: main, ip: 198.18.0.10, source-dest-check: true, secondary-ips: [198.18.0.12]}", 1) +
		"checks:\n  - {from: a.eth0, to-ip: 198.18.0.11, from-ip: 198.18.0.12, proto: icmp, expect: allow}\n"
	lab, err := Parse("t.yaml", []byte(ok))
	if err != nil {
		t.Fatal(err)
	}
	if err := Validate(lab); err != nil {
		t.Fatalf("a subnet lab with the runnable new keys: %v", err)
	}
	if err := Validate(parseFile(t, "../examples/vpc-public-private.yaml")); err != nil {
		t.Fatalf("a VPC lab of one-interface nodes: %v", err)
	}
}

// TestCheckEndpoints: where each form of check starts and goes.
func TestCheckEndpoints(t *testing.T) {
	lab, err := Parse("secondary-ips.yaml", readExample(t, "secondary-ips.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	a := netip.MustParseAddr
	want := []struct {
		from    string
		src     netip.Addr
		to      string
		dst     netip.Addr
		fromCol string
		toCol   string
	}{
		{"app", netip.Addr{}, "db", a("198.18.4.30"), "app", "db"},
		{"app", a("198.18.4.21"), "db", a("198.18.4.30"), "app (198.18.4.21)", "db"},
		{"client", netip.Addr{}, "app", a("198.18.4.20"), "client", "app"},
		{"client", netip.Addr{}, "app", a("198.18.4.21"), "client", "198.18.4.21"},
		{"client", netip.Addr{}, "", a("198.18.4.22"), "client", "198.18.4.22"},
		{"client", netip.Addr{}, "app", a("198.18.4.20"), "client.eth0", "app.eth0"},
	}
	if len(lab.Checks) != len(want) {
		t.Fatalf("%d checks", len(lab.Checks))
	}
	for i, w := range want {
		c := lab.Checks[i]
		from, src := lab.source(c)
		to, dst := lab.target(c)
		if from != w.from || src != w.src || to != w.to || dst != w.dst || c.fromColumn() != w.fromCol || c.toColumn() != w.toCol {
			t.Errorf("check %d: from %s %v to %s %v, columns %q %q; want %+v", i, from, src, to, dst, c.fromColumn(), c.toColumn(), w)
		}
	}
	if got := lab.CheckNodes(); !reflect.DeepEqual(got, []string{"app", "db", "client"}) {
		t.Errorf("CheckNodes %v", got)
	}
}

// TestVPCExamplesToBe: the two VPC labs of issue 15's "done means" parse,
// with what they are for.
func TestVPCExamplesToBe(t *testing.T) {
	nat := parseFile(t, "../examples/nat-instance.yaml")
	n := nat.Node("nat1")
	if !n.Forwarding || len(n.ENIs()) != 2 || n.ENIs()[0].CheckEnabled() || n.ENIs()[1].CheckEnabled() {
		t.Fatalf("nat1 %+v", n)
	}
	if rt := nat.VPC.RouteTables; len(rt) != 2 || rt[1].Routes[0].Target != "nat1.eth1" {
		t.Fatalf("route tables %+v", rt)
	}
	two := parseFile(t, "../examples/vpc-public-private.yaml")
	if s := two.VPC.Subnet("private"); s == nil || s.NetworkACL != "data" || len(two.VPC.NetworkACLs[0].Egress) != 2 {
		t.Fatalf("two-tier %+v", two.VPC)
	}
}

func parseFile(t *testing.T, path string) *Lab {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lab, err := Parse(path, data)
	if err != nil {
		t.Fatal(err)
	}
	return lab
}

// TestVPCLabEC2Errors: Validate runs a VPC lab through the VPC model, so
// EC2's rules for ACL entries, routes and placements are refused with
// EC2's code at the entry's position.
func TestVPCLabEC2Errors(t *testing.T) {
	sub := func(old, new string) string {
		if !strings.Contains(twotier, old) {
			t.Fatalf("fixture has no %q", old)
		}
		return strings.Replace(twotier, old, new, 1)
	}
	entry := "        - {RuleNumber: 110, Protocol: 6, RuleAction: allow, CidrBlock: 0.0.0.0/0, PortRange: {From: 1024, To: 65535}}\n"
	many := ""
	for i := 0; i < 20; i++ {
		many += fmt.Sprintf("        - {RuleNumber: %d, Protocol: 6, RuleAction: allow, CidrBlock: 0.0.0.0/0, PortRange: {From: 80, To: 80}}\n", 200+i)
	}
	cases := []struct {
		name, file, code, where string
	}{
		{"rule number range", sub("RuleNumber: 110", "RuleNumber: 40000"), "InvalidParameterValue", "vpc.network-acls.edge.ingress[1]"},
		{"rule number twice", sub("RuleNumber: 110", "RuleNumber: 100"), "NetworkAclEntryAlreadyExists", "vpc.network-acls.edge.ingress[1]"},
		{"entry limit", sub(entry, entry+many), "NetworkAclEntryLimitExceeded", "vpc.network-acls.edge.ingress["},
		{"tcp without ports", sub(", PortRange: {From: 1024, To: 65535}", ""), "MissingParameter", "vpc.network-acls.edge.ingress[1]"},
		{"bad action", sub("RuleNumber: 110, Protocol: 6, RuleAction: allow", "RuleNumber: 110, Protocol: 6, RuleAction: permit"), "InvalidParameterValue", "ingress[1]"},
		{"two cidrs", sub("CidrBlock: 198.18.0.0/16, Icmp", "CidrBlock: 198.18.0.0/16, Ipv6CidrBlock: '::/0', Icmp"), "", "ingress[2]"},
		{"route twice", sub("        - {destination: 0.0.0.0/0, target: nat1.eth0}\n",
			"        - {destination: 0.0.0.0/0, target: nat1.eth0}\n        - {destination: 0.0.0.0/0, target: nat1.eth1}\n"), "RouteAlreadyExists", "vpc.route-tables.via-nat.routes[1]"},
		{"route equal to local", sub("destination: 0.0.0.0/0", "destination: 198.18.0.0/16"), "RouteAlreadyExists", "routes[0]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			lab, err := Parse("t.yaml", []byte(tc.file))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			err = Validate(lab)
			if err == nil {
				t.Fatalf("Validate = %v, want an EC2 error", err)
			}
			var pe *PosError
			if !errors.As(err, &pe) || !strings.Contains(pe.Path, tc.where) || pe.Line == 0 {
				t.Fatalf("error %v: want it at %s with a line", err, tc.where)
			}
			if tc.code != "" && EC2Code(err) != tc.code {
				t.Fatalf("code %q (%v), want %s", EC2Code(err), err, tc.code)
			}
		})
	}
	// The fixture itself passes EC2's rules.
	lab, err := Parse("twotier.yaml", []byte(twotier))
	if err != nil {
		t.Fatal(err)
	}
	if err := Validate(lab); err != nil {
		t.Fatalf("Validate(twotier) = %v", err)
	}
}
