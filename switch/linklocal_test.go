package vswitch

import (
	"net/netip"
	"testing"

	"pgregory.net/rapid"
)

// isServiceReference is spec 1.6's list, compared one by one: the
// reference for isService.
func isServiceReference(dns4 [4]byte, fam uint8, a *[16]byte) bool {
	if fam == 4 {
		d := [4]byte(a[:4])
		if d == [4]byte{} {
			return false
		}
		for _, s := range [][4]byte{{169, 254, 169, 253}, {169, 254, 169, 254}, {169, 254, 169, 123}, dns4} {
			if s == d {
				return true
			}
		}
		return false
	}
	for _, s := range []string{"fd00:ec2::253", "fd00:ec2::254", "fd00:ec2::123"} {
		if netip.MustParseAddr(s).As16() == *a {
			return true
		}
	}
	return false
}

func TestIsServiceExamples(t *testing.T) {
	dns4 := [4]byte{198, 18, 0, 2}
	ll := newLinkLocal(dns4)
	noSubnet := newLinkLocal([4]byte{})
	for _, tc := range []struct {
		addr     string
		want     bool
		noSubnet bool // the answer without an IPv4 subnet (no base+2)
	}{
		{"169.254.169.253", true, true}, {"169.254.169.254", true, true}, {"169.254.169.123", true, true},
		{"198.18.0.2", true, false},
		{"169.254.169.252", false, false}, {"169.254.170.254", false, false}, {"198.18.0.3", false, false},
		{"198.18.0.11", false, false}, {"0.0.0.0", false, false}, {"2.0.18.198", false, false},
		{"fd00:ec2::253", true, true}, {"fd00:ec2::254", true, true}, {"fd00:ec2::123", true, true},
		{"fd00:ec2::1", false, false}, {"fd00:ec2:0:1::253", false, false}, {"fd00:ec2::1:253", false, false},
		{"fd00:5e5e:0:1::11", false, false}, {"::", false, false},
	} {
		ip := netip.MustParseAddr(tc.addr)
		fam := uint8(6)
		if ip.Is4() {
			fam = 4
		}
		if got := ll.isService(fam, addr16(tc.addr)); got != tc.want {
			t.Errorf("%s: isService %v, want %v", tc.addr, got, tc.want)
		}
		if got := noSubnet.isService(fam, addr16(tc.addr)); got != tc.noSubnet {
			t.Errorf("%s without subnet: isService %v, want %v", tc.addr, got, tc.noSubnet)
		}
	}
}

// TestIsServiceMatchesReference: any address, near the service addresses
// or not, with or without a subnet's base+2.
func TestIsServiceMatchesReference(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var dns4 [4]byte
		if rapid.Bool().Draw(t, "subnet") {
			dns4 = [4]byte(rapid.SliceOfN(rapid.Byte(), 4, 4).Draw(t, "dns4"))
		}
		ll := newLinkLocal(dns4)
		fam := rapid.SampledFrom([]uint8{4, 6}).Draw(t, "fam")
		var a [16]byte
		switch rapid.IntRange(0, 3).Draw(t, "kind") {
		case 0: // anything
			copy(a[:], rapid.SliceOfN(rapid.Byte(), 16, 16).Draw(t, "raw"))
		case 1: // a service address with one byte changed, or not
			s := rapid.SampledFrom([]string{"169.254.169.253", "169.254.169.254", "169.254.169.123",
				"fd00:ec2::253", "fd00:ec2::254", "fd00:ec2::123"}).Draw(t, "svc")
			a = *addr16(s)
			i := rapid.IntRange(0, 15).Draw(t, "byte")
			a[i] ^= rapid.Byte().Draw(t, "flip")
		case 2:
			copy(a[:], dns4[:])
			a[3] ^= rapid.SampledFrom([]byte{0, 1}).Draw(t, "flip")
		case 3: // zero
		}
		if fam == 4 {
			clear(a[4:])
		}
		if got, want := ll.isService(fam, &a), isServiceReference(dns4, fam, &a); got != want {
			t.Fatalf("IPv%d %x (dns %v): isService %v, want %v", fam, a, dns4, got, want)
		}
	})
}
