package ruleset

import (
	"net/netip"
	"testing"
)

const (
	tcp, udp, icmp, icmp6, gre = 6, 17, 1, 58, 47
)

func icmpKey(typ, code uint8) uint16 { return uint16(typ)<<8 | uint16(code) }

// Spec 2.8: the connection-tracking example.
func TestConntrackExample(t *testing.T) {
	st := newTestState(t, true)
	g := mustGroup(t, st, "ct")
	mustIngress(t, st, g,
		perm("tcp", 22, 22, "203.0.113.1/32"),
		perm("tcp", 80, 80, "0.0.0.0/0", "::/0"),
		perm("icmp", -1, -1, "0.0.0.0/0"))
	// Outbound: the group's defaults, all to 0.0.0.0/0 and ::/0.
	eni := mustENI(t, st, "i", "198.18.0.10", "fd00:5e5e:0:1::10", g)
	expectVerdicts(t, st, eni, map[pkt]string{
		{false, "203.0.113.1", tcp, 22}:    "tracked",   // /32, not 0.0.0.0/0
		{false, "203.0.113.2", tcp, 22}:    "deny",      //
		{false, "198.51.100.7", tcp, 80}:   "untracked", // 0.0.0.0/0 + outbound all/all
		{false, "2001:db8::7", tcp, 80}:    "untracked", // ::/0 + outbound all/all
		{false, "198.51.100.7", icmp, 0}:   "tracked",   // ICMP is always tracked
		{false, "198.51.100.7", udp, 80}:   "deny",
		{true, "198.51.100.7", tcp, 443}:   "tracked", // inbound has no all-ports 0.0.0.0/0 rule
		{true, "2001:db8::7", udp, 53}:     "tracked",
		{true, "198.51.100.7", icmp, 2048}: "tracked",
	})
	// Remove the IPv4 outbound rule: all IPv4 traffic is tracked, port 80
	// included; IPv6 is unchanged.
	if _, _, err := st.RevokeSecurityGroupEgress(g, []IpPermission{perm("-1", noPort, 0, "0.0.0.0/0")}, nil); err != nil {
		t.Fatal(err)
	}
	expectVerdicts(t, st, eni, map[pkt]string{
		{false, "198.51.100.7", tcp, 80}: "tracked",
		{false, "2001:db8::7", tcp, 80}:  "untracked",
		{false, "203.0.113.1", tcp, 22}:  "tracked",
		{true, "198.51.100.7", tcp, 80}:  "deny",
		{true, "2001:db8::7", tcp, 80}:   "tracked",
	})
	// And the IPv6 one: now everything is tracked.
	if _, _, err := st.RevokeSecurityGroupEgress(g, []IpPermission{perm("-1", noPort, 0, "::/0")}, nil); err != nil {
		t.Fatal(err)
	}
	expectVerdicts(t, st, eni, map[pkt]string{
		{false, "2001:db8::7", tcp, 80}:  "tracked",
		{false, "198.51.100.7", tcp, 80}: "tracked",
	})
}

// The literal reading of spec 2.2 (package comment, "Choices").
func TestUntrackedLiteralReading(t *testing.T) {
	for _, c := range []struct {
		name    string
		in, out []IpPermission
		pkt     pkt
		want    string
	}{
		{"reverse tcp 0-65535 counts", []IpPermission{perm("tcp", 80, 80, "0.0.0.0/0")}, []IpPermission{perm("tcp", 0, 65535, "0.0.0.0/0")}, pkt{false, "192.0.2.1", tcp, 80}, "untracked"},
		{"reverse tcp 1-65535 does not", []IpPermission{perm("tcp", 80, 80, "0.0.0.0/0")}, []IpPermission{perm("tcp", 1, 65535, "0.0.0.0/0")}, pkt{false, "192.0.2.1", tcp, 80}, "tracked"},
		{"reverse udp 0-65535 does not cover tcp", []IpPermission{perm("tcp", 80, 80, "0.0.0.0/0")}, []IpPermission{perm("udp", 0, 65535, "0.0.0.0/0")}, pkt{false, "192.0.2.1", tcp, 80}, "tracked"},
		{"reverse udp 0-65535 covers udp", []IpPermission{perm("udp", 53, 53, "0.0.0.0/0")}, []IpPermission{perm("udp", 0, 65535, "0.0.0.0/0")}, pkt{false, "192.0.2.1", udp, 53}, "untracked"},
		{"reverse rule to a /1 pair does not", []IpPermission{perm("tcp", 80, 80, "0.0.0.0/0")}, []IpPermission{perm("-1", noPort, 0, "0.0.0.0/1", "128.0.0.0/1")}, pkt{false, "192.0.2.1", tcp, 80}, "tracked"},
		{"initiating rule need not cover all ports", []IpPermission{perm("tcp", 8000, 8100, "0.0.0.0/0")}, []IpPermission{perm("-1", noPort, 0, "0.0.0.0/0")}, pkt{false, "192.0.2.1", tcp, 8050}, "untracked"},
		{"narrow rule plus open rule: open wins", []IpPermission{perm("tcp", 22, 22, "192.0.2.1/32"), perm("tcp", 22, 22, "0.0.0.0/0")}, []IpPermission{perm("-1", noPort, 0, "0.0.0.0/0")}, pkt{false, "192.0.2.1", tcp, 22}, "untracked"},
		{"other protocols are tracked", []IpPermission{perm("-1", noPort, 0, "0.0.0.0/0")}, []IpPermission{perm("-1", noPort, 0, "0.0.0.0/0")}, pkt{false, "192.0.2.1", gre, 0}, "tracked"},
		{"icmp with all-open rules is tracked", []IpPermission{perm("-1", noPort, 0, "0.0.0.0/0")}, []IpPermission{perm("-1", noPort, 0, "0.0.0.0/0")}, pkt{false, "192.0.2.1", icmp, icmpKey(8, 0)}, "tracked"},
		{"protocol -1 both ways: tcp untracked", []IpPermission{perm("-1", noPort, 0, "0.0.0.0/0")}, []IpPermission{perm("-1", noPort, 0, "0.0.0.0/0")}, pkt{false, "192.0.2.1", tcp, 5}, "untracked"},
		{"families judged separately", []IpPermission{perm("tcp", 80, 80, "::/0")}, []IpPermission{perm("-1", noPort, 0, "0.0.0.0/0")}, pkt{false, "2001:db8::1", tcp, 80}, "tracked"},
	} {
		t.Run(c.name, func(t *testing.T) {
			st := newTestState(t, true)
			g := mustGroup(t, st, "g")
			if _, _, err := st.RevokeSecurityGroupEgress(g, []IpPermission{perm("-1", noPort, 0, "0.0.0.0/0", "::/0")}, nil); err != nil {
				t.Fatal(err)
			}
			mustIngress(t, st, g, c.in...)
			mustEgress(t, st, g, c.out...)
			eni := mustENI(t, st, "i", "198.18.0.10", "", g)
			expectVerdicts(t, st, eni, map[pkt]string{c.pkt: c.want})
		})
	}
}

// Prefix lists and group references never count as "all addresses".
func TestUntrackedNeedsLiteralCIDR(t *testing.T) {
	st := newTestState(t, false)
	pl, err := st.CreateManagedPrefixList("world", 2, []PrefixListEntry{{Cidr: "0.0.0.0/0"}})
	if err != nil {
		t.Fatal(err)
	}
	g := mustGroup(t, st, "g")
	mustIngress(t, st, g, perm("tcp", 80, 80, pl.PrefixListId))
	eni := mustENI(t, st, "i", "198.18.0.10", "", g)
	expectVerdicts(t, st, eni, map[pkt]string{{false, "192.0.2.1", tcp, 80}: "tracked"})
	// The reverse rule through the prefix list does not count either.
	if _, _, err := st.RevokeSecurityGroupEgress(g, []IpPermission{perm("-1", noPort, 0, "0.0.0.0/0")}, nil); err != nil {
		t.Fatal(err)
	}
	mustEgress(t, st, g, perm("-1", noPort, 0, pl.PrefixListId))
	mustIngress(t, st, g, perm("tcp", 81, 81, "0.0.0.0/0"))
	expectVerdicts(t, st, eni, map[pkt]string{{false, "192.0.2.1", tcp, 81}: "tracked", {true, "192.0.2.1", tcp, 1}: "tracked"})
}

// Spec 3.1/3.2: the default group and a new group's defaults.
func TestDefaultGroup(t *testing.T) {
	for _, ipv6 := range []bool{false, true} {
		st := newTestState(t, ipv6)
		a := mustENI(t, st, "a", "198.18.0.10", map[bool]string{true: "fd00:5e5e:0:1::10"}[ipv6])
		mustENI(t, st, "b", "198.18.0.11", map[bool]string{true: "fd00:5e5e:0:1::11"}[ipv6])
		other := mustGroup(t, st, "other")
		mustENI(t, st, "c", "198.18.0.12", "", other)
		cases := map[pkt]string{
			{false, "198.18.0.11", tcp, 22}:             "tracked", // member of default: self reference
			{false, "198.18.0.11", gre, 0}:              "tracked",
			{false, "198.18.0.11", icmp, icmpKey(8, 0)}: "tracked",
			{false, "198.18.0.12", tcp, 22}:             "deny", // not a member
			{false, "203.0.113.1", udp, 53}:             "deny",
			{true, "203.0.113.1", tcp, 443}:             "tracked", // outbound all (inbound is not open)
		}
		if ipv6 {
			cases[pkt{false, "fd00:5e5e:0:1::11", tcp, 22}] = "tracked"
			cases[pkt{true, "2001:db8::1", tcp, 443}] = "tracked"
		} else {
			cases[pkt{true, "2001:db8::1", tcp, 443}] = "deny" // ::/0 only with IPv6
		}
		expectVerdicts(t, st, a, cases)

		def, err := st.DescribeSecurityGroups([]string{st.DefaultGroupID()}, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if def[0].GroupName != "default" || len(def[0].IpPermissions) != 1 || def[0].IpPermissions[0].UserIdGroupPairs[0].GroupId != st.DefaultGroupID() {
			t.Errorf("default group: %+v", def[0])
		}
		_, err = st.DeleteSecurityGroup(st.DefaultGroupID())
		wantCode(t, err, CodeCannotDelete)

		// A new custom group: no inbound; outbound all in one IpPermission.
		sgs, _ := st.DescribeSecurityGroups([]string{other}, nil, nil)
		eg := sgs[0].IpPermissionsEgress
		if len(sgs[0].IpPermissions) != 0 || len(eg) != 1 || eg[0].IpProtocol != "-1" || eg[0].FromPort != nil || len(eg[0].IpRanges) != 1 || len(eg[0].Ipv6Ranges) != map[bool]int{false: 0, true: 1}[ipv6] {
			t.Errorf("new group defaults (ipv6=%v): %+v", ipv6, sgs[0])
		}
		rules, _ := st.DescribeSecurityGroupRules(nil, []Filter{{Name: "group-id", Values: []string{other}}})
		if len(rules) != map[bool]int{false: 1, true: 2}[ipv6] || !rules[0].IsEgress || *rules[0].CidrIpv4 != "0.0.0.0/0" || rules[0].FromPort != -1 {
			t.Errorf("new group rules: %+v", rules)
		}
		_, err = st.AuthorizeSecurityGroupEgress(other, []IpPermission{perm("-1", noPort, 0, "0.0.0.0/0")}, nil)
		wantCode(t, err, CodeInvalidPermissionDuplicate)
	}
}

// Spec 6: every use-case table as concrete packets.
func TestUseCases(t *testing.T) {
	st := newTestState(t, true)
	client := mustGroup(t, st, "client")
	web := mustGroup(t, st, "web")
	mustIngress(t, st, web,
		perm("tcp", 80, 80, "0.0.0.0/0", "::/0"),
		perm("tcp", 443, 443, "0.0.0.0/0", "::/0"),
		perm("tcp", 22, 22, "203.0.113.0/24", "2001:db8:1::/48"),
		perm("tcp", 3389, 3389, "203.0.113.0/24"),
		perm("-1", noPort, 0, web))
	db := mustGroup(t, st, "db")
	mustIngress(t, st, db, perm("tcp", 1433, 1433, client), perm("tcp", 3306, 3306, client), perm("tcp", 5439, 5439, "198.18.0.0/28"),
		perm("tcp", 5432, 5432, client, web), perm("tcp", 1521, 1521, client))
	// Restricted outbound for the DB server.
	if _, _, err := st.RevokeSecurityGroupEgress(db, []IpPermission{perm("-1", noPort, 0, "0.0.0.0/0", "::/0")}, nil); err != nil {
		t.Fatal(err)
	}
	mustEgress(t, st, db, perm("tcp", 80, 80, "0.0.0.0/0", "::/0"), perm("tcp", 443, 443, "0.0.0.0/0", "::/0"))
	ping := mustGroup(t, st, "ping")
	mustIngress(t, st, ping, perm("icmp", 8, -1, "198.18.0.0/24"), perm("icmpv6", 128, 0, "fd00:5e5e:0:1::/64"),
		perm("icmp", 3, 4, "0.0.0.0/0"), perm("icmpv6", 2, -1, "::/0"))
	dns := mustGroup(t, st, "dns")
	mustIngress(t, st, dns, perm("tcp", 53, 53, client), perm("udp", 53, 53, client))
	efs := mustGroup(t, st, "efs")
	mustIngress(t, st, efs, perm("tcp", 2049, 2049, efs))
	lb := mustGroup(t, st, "lb")
	inst := mustGroup(t, st, "inst")
	mustIngress(t, st, lb, perm("tcp", 443, 443, "0.0.0.0/0"))
	if _, _, err := st.RevokeSecurityGroupEgress(lb, []IpPermission{perm("-1", noPort, 0, "0.0.0.0/0", "::/0")}, nil); err != nil {
		t.Fatal(err)
	}
	mustEgress(t, st, lb, perm("tcp", 8080, 8080, inst), perm("tcp", 8081, 8081, inst))
	mustIngress(t, st, inst, perm("tcp", 8080, 8080, lb), perm("tcp", 8081, 8081, lb))

	cl := mustENI(t, st, "client1", "198.18.0.5", "fd00:5e5e:0:1::5", client)
	web1 := mustENI(t, st, "web1", "198.18.0.11", "fd00:5e5e:0:1::11", web)
	mustENI(t, st, "web2", "198.18.0.12", "", web)
	db1 := mustENI(t, st, "db1", "198.18.0.21", "fd00:5e5e:0:1::21", db)
	ping1 := mustENI(t, st, "ping1", "198.18.0.31", "fd00:5e5e:0:1::31", ping)
	dns1 := mustENI(t, st, "dns1", "198.18.0.41", "", dns)
	efs1 := mustENI(t, st, "efs1", "198.18.0.51", "", efs)
	mustENI(t, st, "efs2", "198.18.0.52", "", efs)
	lb1 := mustENI(t, st, "lb1", "198.18.0.61", "", lb)
	inst1 := mustENI(t, st, "inst1", "198.18.0.62", "", inst)
	_ = cl

	t.Run("web server", func(t *testing.T) {
		expectVerdicts(t, st, web1, map[pkt]string{
			{false, "192.0.2.1", tcp, 80}:        "untracked",
			{false, "192.0.2.1", tcp, 443}:       "untracked",
			{false, "2001:db8::1", tcp, 80}:      "untracked",
			{false, "2001:db8::1", tcp, 443}:     "untracked",
			{false, "192.0.2.1", tcp, 8080}:      "deny",
			{false, "192.0.2.1", udp, 80}:        "deny",
			{false, "203.0.113.9", tcp, 22}:      "tracked",
			{false, "2001:db8:1::9", tcp, 22}:    "tracked",
			{false, "198.51.100.1", tcp, 22}:     "deny",
			{false, "203.0.113.9", tcp, 3389}:    "tracked",
			{false, "198.18.0.12", udp, 9999}:    "tracked", // same group, all
			{false, "198.18.0.5", udp, 9999}:     "deny",
			{false, "198.18.0.12", icmp, 0x0800}: "tracked",
		})
	})
	t.Run("database server", func(t *testing.T) {
		expectVerdicts(t, st, db1, map[pkt]string{
			{false, "198.18.0.5", tcp, 1433}:       "tracked",
			{false, "198.18.0.5", tcp, 3306}:       "tracked",
			{false, "fd00:5e5e:0:1::5", tcp, 3306}: "tracked", // group references match IPv6 too
			{false, "198.18.0.5", tcp, 5432}:       "tracked",
			{false, "198.18.0.11", tcp, 5432}:      "tracked",
			{false, "198.18.0.11", tcp, 3306}:      "deny", // web is not a client
			{false, "198.18.0.5", tcp, 1521}:       "tracked",
			{false, "198.18.0.5", tcp, 5439}:       "tracked", // 198.18.0.0/28
			{false, "198.18.0.21", tcp, 5439}:      "deny",
			{false, "192.0.2.1", tcp, 3306}:        "deny",
			{true, "192.0.2.1", tcp, 80}:           "tracked",
			{true, "2001:db8::1", tcp, 443}:        "tracked",
			{true, "192.0.2.1", tcp, 25}:           "deny",
			{true, "198.18.0.5", udp, 53}:          "deny",
		})
	})
	t.Run("ping and path MTU", func(t *testing.T) {
		expectVerdicts(t, st, ping1, map[pkt]string{
			{false, "198.18.0.5", icmp, icmpKey(8, 0)}:          "tracked",
			{false, "192.0.2.1", icmp, icmpKey(8, 0)}:           "deny",
			{false, "198.18.0.5", icmp, icmpKey(0, 0)}:          "deny", // echo reply is not a request
			{false, "192.0.2.1", icmp, icmpKey(3, 4)}:           "tracked",
			{false, "192.0.2.1", icmp, icmpKey(3, 3)}:           "deny",
			{false, "fd00:5e5e:0:1::5", icmp6, icmpKey(128, 0)}: "tracked",
			{false, "fd00:5e5e:0:1::5", icmp6, icmpKey(128, 1)}: "deny",
			{false, "fd00:5e5e:0:1::5", icmp6, icmpKey(129, 0)}: "deny",
			{false, "2001:db8::1", icmp6, icmpKey(2, 0)}:        "tracked",
			{false, "198.18.0.5", tcp, 22}:                      "deny",
		})
	})
	t.Run("dns server", func(t *testing.T) {
		expectVerdicts(t, st, dns1, map[pkt]string{
			{false, "198.18.0.5", tcp, 53}:  "tracked",
			{false, "198.18.0.5", udp, 53}:  "tracked",
			{false, "198.18.0.11", udp, 53}: "deny",
			{false, "198.18.0.5", udp, 54}:  "deny",
		})
	})
	t.Run("efs", func(t *testing.T) {
		expectVerdicts(t, st, efs1, map[pkt]string{
			{false, "198.18.0.52", tcp, 2049}: "tracked",
			{false, "198.18.0.5", tcp, 2049}:  "deny",
		})
	})
	t.Run("load balancer", func(t *testing.T) {
		expectVerdicts(t, st, lb1, map[pkt]string{
			{false, "192.0.2.1", tcp, 443}:   "tracked", // outbound is not open
			{true, "198.18.0.62", tcp, 8080}: "tracked",
			{true, "198.18.0.62", tcp, 8081}: "tracked",
			{true, "198.18.0.62", tcp, 22}:   "deny",
			{true, "198.18.0.11", tcp, 8080}: "deny",
		})
		expectVerdicts(t, st, inst1, map[pkt]string{
			{false, "198.18.0.61", tcp, 8080}: "tracked",
			{false, "198.18.0.61", tcp, 8081}: "tracked",
			{false, "198.18.0.5", tcp, 8080}:  "deny",
		})
	})
}

// TestVPCOwner: the owner a config names, else DefaultOwnerID, and a
// State built from the config says the same.
func TestVPCOwner(t *testing.T) {
	for _, owner := range []string{"", "210987654321"} {
		cfg := VPCConfig{CIDR: netip.MustParsePrefix("198.18.0.0/24"), OwnerId: owner, IDSeed: 1}
		want := owner
		if want == "" {
			want = DefaultOwnerID
		}
		if got := cfg.Owner(); got != want {
			t.Errorf("Owner() of OwnerId %q = %q, want %q", owner, got, want)
		}
		st, err := NewState(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if got := st.VPC().OwnerId; got != want {
			t.Errorf("NewState with OwnerId %q: VPC owner %q, want %q", owner, got, want)
		}
	}
}
