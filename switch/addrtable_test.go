package vswitch

import (
	"net/netip"
	"testing"

	"pgregory.net/rapid"
)

// TestAddrTableExamples: addresses inside and outside the subnet, the
// zero address, IPv6 addresses that differ only in one half.
func TestAddrTableExamples(t *testing.T) {
	a, b := &eniView{}, &eniView{}
	v4 := map[string]*eniView{
		"198.18.0.11": a, "198.18.0.12": b, "198.18.0.13": a,
		"10.0.0.1": b, // outside the subnet: still found
	}
	v6 := map[string]*eniView{
		"fd00:5e5e:0:1::11": a, "fd00:5e5e:0:1::12": b,
		"fd00:5e5e:0:2::11": b, // other high half, same low half
		"2001:db8::1":       a,
	}
	t4, t6 := newAddrTable4(len(v4)), newAddrTable6(len(v6))
	for s, e := range v4 {
		t4.put(addr16(s), e)
	}
	for s, e := range v6 {
		t6.put(addr16(s), e)
	}
	for _, tc := range []struct {
		addr string
		want *eniView
	}{
		{"198.18.0.11", a}, {"198.18.0.12", b}, {"198.18.0.13", a}, {"10.0.0.1", b},
		{"198.18.0.14", nil}, {"198.18.0.0", nil}, {"0.0.0.0", nil}, {"255.255.255.255", nil},
		{"fd00:5e5e:0:1::11", a}, {"fd00:5e5e:0:1::12", b}, {"fd00:5e5e:0:2::11", b},
		{"2001:db8::1", a}, {"fd00:5e5e:0:1::13", nil}, {"fd00:5e5e:0:3::11", nil}, {"::", nil},
	} {
		ip := netip.MustParseAddr(tc.addr)
		var got *eniView
		if ip.Is4() {
			got = t4.get(addr16(tc.addr))
		} else {
			got = t6.get(addr16(tc.addr))
		}
		if got != tc.want {
			t.Errorf("%s: got %p, want %p", tc.addr, got, tc.want)
		}
	}
}

// addr16 is s in the packet path's layout: IPv4 in the first 4 bytes.
func addr16(s string) *[16]byte {
	ip := netip.MustParseAddr(s)
	var a [16]byte
	if ip.Is4() {
		b := ip.As4()
		copy(a[:], b[:])
	} else {
		a = ip.As16()
	}
	return &a
}

// TestAddrTableMatchesMap: for any subnet EC2 allows (IPv4 /16../28,
// IPv6 /56 or /64) and interfaces with addresses inside it, outside it and
// repeated, the tables answer every query as a map assigned in the same
// order would: stored addresses, other addresses of the subnet, addresses
// outside it.
func TestAddrTableMatchesMap(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		bits4 := rapid.IntRange(16, 28).Draw(t, "bits4")
		base4 := netip.PrefixFrom(netip.AddrFrom4([4]byte(rapid.SliceOfN(rapid.Byte(), 4, 4).Draw(t, "base4"))), bits4).Masked()
		bits6 := rapid.SampledFrom([]int{56, 64}).Draw(t, "bits6")
		base6 := netip.PrefixFrom(netip.AddrFrom16([16]byte(rapid.SliceOfN(rapid.Byte(), 16, 16).Draw(t, "base6"))), bits6).Masked()
		addr := func(label string, p netip.Prefix) [16]byte {
			var a [16]byte
			raw := rapid.SliceOfN(rapid.Byte(), 16, 16).Draw(t, label+"-raw")
			if rapid.IntRange(0, 4).Draw(t, label+"-outside") == 0 {
				copy(a[:], raw) // anywhere, most likely outside the subnet
			} else {
				// the subnet's prefix bits, random host bits
				b := p.Addr().AsSlice()
				copy(a[:], b)
				for i := range len(b) {
					keep := max(0, min(8, p.Bits()-8*i))
					m := byte(0xff) << (8 - keep)
					if keep == 0 {
						m = 0
					}
					a[i] = b[i]&m | raw[i]&^m
				}
			}
			if p.Addr().Is4() {
				clear(a[4:])
			}
			return a
		}
		n := rapid.IntRange(1, 40).Draw(t, "interfaces")
		enis := make([]*eniView, n)
		want4, want6 := map[[16]byte]*eniView{}, map[[16]byte]*eniView{}
		var stored4, stored6 [][16]byte
		for i := range enis {
			enis[i] = &eniView{zone: uint32(i)}
			for range rapid.IntRange(0, 3).Draw(t, "v4n") {
				stored4 = append(stored4, addr("v4", base4))
			}
			for range rapid.IntRange(0, 3).Draw(t, "v6n") {
				stored6 = append(stored6, addr("v6", base6))
			}
		}
		// Some addresses given again, to another interface.
		for range rapid.IntRange(0, 3).Draw(t, "repeats") {
			if len(stored4) > 0 {
				stored4 = append(stored4, stored4[rapid.IntRange(0, len(stored4)-1).Draw(t, "r4")])
			}
			if len(stored6) > 0 {
				stored6 = append(stored6, stored6[rapid.IntRange(0, len(stored6)-1).Draw(t, "r6")])
			}
		}
		t4, t6 := newAddrTable4(len(stored4)), newAddrTable6(len(stored6))
		for i, a := range stored4 {
			e := enis[i%n]
			t4.put(&a, e)
			want4[a] = e
		}
		for i, a := range stored6 {
			e := enis[(i*7)%n]
			t6.put(&a, e)
			want6[a] = e
		}
		queries4 := append([][16]byte{{}}, stored4...)
		queries6 := append([][16]byte{{}}, stored6...)
		for range 20 {
			queries4 = append(queries4, addr("q4", base4))
			queries6 = append(queries6, addr("q6", base6))
		}
		for _, q := range queries4 {
			if got := t4.get(&q); got != want4[q] {
				t.Fatalf("IPv4 %v: got %v, want %v", netip.AddrFrom4([4]byte(q[:4])), got, want4[q])
			}
		}
		for _, q := range queries6 {
			if got := t6.get(&q); got != want6[q] {
				t.Fatalf("IPv6 %v: got %v, want %v", netip.AddrFrom16(q), got, want6[q])
			}
		}
	})
}

// TestAddrTableSizes: tables of every size hold the addresses they were
// sized for (at least twice as many slots, a power of two), consecutive
// ones included, and miss an address they do not hold.
func TestAddrTableSizes(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 16, 100, 1000} {
		t4, t6 := newAddrTable4(n), newAddrTable6(n)
		if len(t4.slots) < 2*n || len(t6.slots) < 2*n || len(t4.slots)&(len(t4.slots)-1) != 0 {
			t.Fatalf("%d addresses: %d/%d slots", n, len(t4.slots), len(t6.slots))
		}
		e := &eniView{}
		for i := range n {
			var a [16]byte
			a[0], a[1], a[2], a[3] = 198, 18, byte(i>>8), byte(i)
			t4.put(&a, e)
			a[15] = 1
			t6.put(&a, e)
		}
		for i := range n {
			var a [16]byte
			a[0], a[1], a[2], a[3] = 198, 18, byte(i>>8), byte(i)
			if t4.get(&a) != e {
				t.Fatalf("%d addresses: IPv4 %d lost", n, i)
			}
			a[15] = 1
			if t6.get(&a) != e {
				t.Fatalf("%d addresses: IPv6 %d lost", n, i)
			}
		}
		var miss [16]byte
		miss[0] = 203
		if t4.get(&miss) != nil || t6.get(&miss) != nil {
			t.Fatalf("%d addresses: a stranger found", n)
		}
	}
}
