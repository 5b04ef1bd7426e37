package vswitch

import "net/netip"

// linkLocal recognises traffic that EC2 security groups do not filter
// (spec 1.6): the Amazon DNS resolver at the subnet's base+2 and
// 169.254.169.253 / fd00:ec2::253, instance metadata 169.254.169.254 /
// fd00:ec2::254, Amazon Time Sync 169.254.169.123 / fd00:ec2::123, and DHCP
// (recognised by its ports, see isDHCP). Such traffic bypasses the
// security groups, is charged to the interface's link-local allowance
// (linklocal_allowance_exceeded) and is handed to the Service, if any.
type linkLocal struct {
	v4 [4][4]byte
	v6 [3][16]byte
}

func newLinkLocal(dns4 [4]byte) linkLocal {
	ll := linkLocal{
		v4: [4][4]byte{{169, 254, 169, 253}, {169, 254, 169, 254}, {169, 254, 169, 123}, dns4},
	}
	for i, s := range []string{"fd00:ec2::253", "fd00:ec2::254", "fd00:ec2::123"} {
		ll.v6[i] = netip.MustParseAddr(s).As16()
	}
	return ll
}

// isService reports whether destination a (family fam) is a link-local
// service address.
func (l *linkLocal) isService(fam uint8, a *[16]byte) bool {
	if fam == 4 {
		d := [4]byte(a[:4])
		if d == [4]byte{} {
			return false
		}
		for _, s := range l.v4 {
			if s == d {
				return true
			}
		}
		return false
	}
	for _, s := range l.v6 {
		if s == *a {
			return true
		}
	}
	return false
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
