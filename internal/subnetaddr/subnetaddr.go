// Package subnetaddr knows the addresses EC2 keeps for itself in every
// subnet, IPv4 and IPv6 alike: the network address, base+1 (the VPC
// router), base+2 (the DNS server), base+3 (reserved for future use) and
// the last address ("Subnet CIDR blocks" in the VPC User Guide). It is the
// one answer of the packages that place addresses: vpc, ruleset, testbed
// and ec2api.
package subnetaddr

import "net/netip"

// Reserved reports whether a is one of the five addresses EC2 reserves in
// subnet p (false for an address outside p or of the other family).
func Reserved(p netip.Prefix, a netip.Addr) bool {
	if !p.IsValid() || a.Is4() != p.Addr().Is4() || !p.Contains(a) {
		return false
	}
	base := p.Masked().Addr()
	for range 4 {
		if a == base {
			return true
		}
		base = base.Next()
	}
	return Last(p) == a
}

// Last is the highest address of p.
func Last(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// Lowest returns the n lowest addresses of p that are neither reserved
// nor in used, or fewer when p has fewer (EC2 does not document which
// free address it picks; lowest-first keeps labs reproducible). Every
// address skipped is used or reserved, so the walk takes at most
// n + len(used) + 5 steps, even in an IPv6 /64.
func Lowest(p netip.Prefix, n int, used map[netip.Addr]bool) []netip.Addr {
	var out []netip.Addr
	a := p.Masked().Addr()
	for steps := n + len(used) + 5; steps > 0 && len(out) < n && p.Contains(a); steps-- {
		if !used[a] && !Reserved(p, a) {
			out = append(out, a)
		}
		a = a.Next()
	}
	return out
}
