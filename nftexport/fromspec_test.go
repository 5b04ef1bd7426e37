package nftexport

import (
	"net/netip"
	"strings"
	"testing"

	"sgswitch/ruleset"
)

func i32(v int32) *int32 { return &v }

// labState is a web server reachable on 80 from the subnet, on 443 from a
// prefix list and on 22 from members of an "admin" group.
func labState(t *testing.T) *ruleset.State {
	t.Helper()
	st, err := ruleset.NewState(ruleset.VPCConfig{CIDR: netip.MustParsePrefix("198.18.0.0/24"),
		IPv6CIDR: netip.MustParsePrefix("fd00:5e5e::/56"), IDSeed: 7})
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	web, err := st.CreateSecurityGroup("web", "web servers", nil)
	must(err)
	admin, err := st.CreateSecurityGroup("admin", "admins", nil)
	must(err)
	pl, err := st.CreateManagedPrefixList("office", 5, []ruleset.PrefixListEntry{{Cidr: "198.18.1.0/24"}, {Cidr: "198.18.2.0/24"}})
	must(err)
	_, err = st.AuthorizeSecurityGroupIngress(web.GroupId, []ruleset.IpPermission{
		{IpProtocol: "tcp", FromPort: i32(80), ToPort: i32(80), IpRanges: []ruleset.IpRange{{CidrIp: "198.18.0.0/24"}}},
		{IpProtocol: "tcp", FromPort: i32(443), ToPort: i32(443), PrefixListIds: []ruleset.PrefixListId{{PrefixListId: pl.PrefixListId}}},
		{IpProtocol: "tcp", FromPort: i32(22), ToPort: i32(22), UserIdGroupPairs: []ruleset.UserIdGroupPair{{GroupId: admin.GroupId}}},
		{IpProtocol: "icmp", FromPort: i32(8), ToPort: i32(-1), IpRanges: []ruleset.IpRange{{CidrIp: "198.18.0.0/24"}}},
	}, nil)
	must(err)
	_, err = st.CreateNetworkInterface(ruleset.ENISpec{Name: "web1", IPv4: []netip.Addr{netip.MustParseAddr("198.18.0.10")}, Groups: []string{"web"}})
	must(err)
	_, err = st.CreateNetworkInterface(ruleset.ENISpec{Name: "ops", IPv4: []netip.Addr{netip.MustParseAddr("198.18.0.20")},
		IPv6: []netip.Addr{netip.MustParseAddr("fd00:5e5e::20")}, Groups: []string{"admin"}})
	must(err)
	return st
}

func TestFromSpecExpandsPeers(t *testing.T) {
	rs, err := FromSpec(labState(t).Spec())
	if err != nil {
		t.Fatal(err)
	}
	if len(rs.Interfaces) != 2 {
		t.Fatalf("want 2 interfaces, got %d", len(rs.Interfaces))
	}
	out := Generate(rs, Options{})
	for _, want := range []string{
		"tcp . 80 . 198.18.0.0/24",
		"tcp . 443 . 198.18.1.0/24", "tcp . 443 . 198.18.2.0/24", // prefix list entries
		"tcp . 22 . 198.18.0.20", "tcp . 22 . fd00:5e5e::20", // group reference → member addresses
		"8 . 0-255 . 198.18.0.0/24",
		"(web1)", "(ops)",
		"ip daddr @", // default egress: all traffic to 0.0.0.0/0
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
}
