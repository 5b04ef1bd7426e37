package subnetaddr

import (
	"net/netip"
	"testing"
)

func TestReserved(t *testing.T) {
	p4, p6 := netip.MustParsePrefix("198.18.1.0/24"), netip.MustParsePrefix("fd00:5e5e:0:1::/64")
	for _, c := range []struct {
		p    netip.Prefix
		a    string
		want bool
	}{
		{p4, "198.18.1.0", true}, {p4, "198.18.1.1", true}, {p4, "198.18.1.2", true}, {p4, "198.18.1.3", true},
		{p4, "198.18.1.4", false}, {p4, "198.18.1.254", false}, {p4, "198.18.1.255", true},
		{p4, "198.18.2.1", false}, {p4, "fd00:5e5e:0:1::1", false},
		{p6, "fd00:5e5e:0:1::", true}, {p6, "fd00:5e5e:0:1::3", true}, {p6, "fd00:5e5e:0:1::4", false},
		{p6, "fd00:5e5e:0:1:ffff:ffff:ffff:ffff", true}, {p6, "fd00:5e5e:0:1:ffff:ffff:ffff:fffe", false},
		{p6, "198.18.1.1", false}, {netip.MustParsePrefix("198.18.1.16/28"), "198.18.1.31", true},
	} {
		if got := Reserved(c.p, netip.MustParseAddr(c.a)); got != c.want {
			t.Errorf("Reserved(%v, %s) = %v, want %v", c.p, c.a, got, c.want)
		}
	}
}

func TestLowest(t *testing.T) {
	p := netip.MustParsePrefix("198.18.1.0/28") // 16 addresses, 5 reserved
	used := map[netip.Addr]bool{netip.MustParseAddr("198.18.1.4"): true, netip.MustParseAddr("198.18.1.6"): true}
	got := Lowest(p, 3, used)
	want := []string{"198.18.1.5", "198.18.1.7", "198.18.1.8"}
	if len(got) != len(want) {
		t.Fatalf("Lowest = %v", got)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Fatalf("Lowest = %v, want %v", got, want)
		}
	}
	if got := Lowest(p, 20, used); len(got) != 9 { // 16 - 5 reserved - 2 used
		t.Fatalf("all free: %v", got)
	}
	if got := Lowest(netip.MustParsePrefix("fd00:5e5e:0:1::/64"), 2, nil); len(got) != 2 || got[0].String() != "fd00:5e5e:0:1::4" {
		t.Fatalf("IPv6: %v", got)
	}
}
