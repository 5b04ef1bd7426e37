package vswitch

import "net/netip"

// linkLocal recognises traffic that EC2 security groups do not filter
// (spec 1.6): the Amazon DNS resolver at the subnet's base+2 and
// 169.254.169.253 / fd00:ec2::253, instance metadata 169.254.169.254 /
// fd00:ec2::254, Amazon Time Sync 169.254.169.123 / fd00:ec2::123, and DHCP
// (recognised by its ports, see isDHCP). Such traffic bypasses the
// security groups, is charged to the interface's link-local allowance
// (linklocal_allowance_exceeded) and is handed to the Service, if any.
//
// The check runs on every frame; addresses are kept as the words the
// packet path compares (addrWord4, addrWords6), so the common case — a
// unicast destination in the subnet — is rejected by four word compares
// (IPv4) or one (IPv6: the high half of fd00:ec2::/64).
type linkLocal struct {
	v4    [4]uint32 // the three 169.254.169.x services, then base+2 (0 without an IPv4 subnet)
	hi6   uint64    // fd00:ec2::, the high half of every IPv6 service address
	v6Low [3]uint64
}

func newLinkLocal(dns4 [4]byte) linkLocal {
	var ll linkLocal
	for i, a := range [4][4]byte{{169, 254, 169, 253}, {169, 254, 169, 254}, {169, 254, 169, 123}, dns4} {
		var b [16]byte
		copy(b[:], a[:])
		ll.v4[i] = addrWord4(&b)
	}
	for i, s := range []string{"fd00:ec2::253", "fd00:ec2::254", "fd00:ec2::123"} {
		a := netip.MustParseAddr(s).As16()
		ll.hi6, ll.v6Low[i] = addrWords6(&a)
	}
	return ll
}

// isService reports whether destination a (family fam) is a link-local
// service address.
func (l *linkLocal) isService(fam uint8, a *[16]byte) bool {
	if fam == 4 {
		return l.isService4(a)
	}
	return l.isService6(a)
}

// isService4 is isService for IPv4, small enough to be inlined in the
// packet path.
func (l *linkLocal) isService4(a *[16]byte) bool {
	d := addrWord4(a)
	return d == l.v4[0] || d == l.v4[1] || d == l.v4[2] || d == l.v4[3] && d != 0
}

// isService6 is isService for IPv6.
func (l *linkLocal) isService6(a *[16]byte) bool {
	hi, lo := addrWords6(a)
	return hi == l.hi6 && (lo == l.v6Low[0] || lo == l.v6Low[1] || lo == l.v6Low[2])
}

// isDHCP reports whether a UDP packet is DHCP (client→server) or DHCPv6
// (client→server/relay), by ports.
func isDHCP(fam uint8, proto uint8, hasL4 bool, sport, dport uint16) bool {
	if proto != 17 || !hasL4 {
		return false
	}
	if fam == 4 {
		return sport == 68 && dport == 67
	}
	return sport == 546 && dport == 547
}
