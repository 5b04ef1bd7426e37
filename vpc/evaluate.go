package vpc

import (
	"encoding/binary"
	"net/netip"
	"slices"
)

// Packet holds the fields a network ACL looks at. Remote is the far end
// of the packet as the ACL sees it: the source for inbound (ingress)
// evaluation, the destination for outbound (egress). Port is the
// packet's destination port (TCP, UDP); ICMPType/ICMPCode are read for
// ICMP entries.
type Packet struct {
	Protocol uint8
	Remote   netip.Addr
	Port     uint16
	ICMPType uint8
	ICMPCode uint8
}

// Verdict is a network ACL decision: Allow, and the number of the entry
// that decided (DefaultDenyRule or DefaultDenyRuleIPv6 for the `*` entry).
type Verdict struct {
	Allow bool
	Rule  int32
}

// ACL is one direction of a compiled network ACL: its entries in rule
// number order, split by address family, with the `*` deny last.
// Immutable; safe for concurrent readers.
type ACL struct {
	v4 []aclEntry
	v6 []aclEntry
}

// match kinds of a compiled entry
const (
	matchAny   = iota // protocol -1, or a protocol without ports
	matchPorts        // TCP/UDP port range
	matchICMP         // ICMP type and code (-1 = all)
)

// aclEntry is an entry compiled for a linear scan: the CIDR as masked
// 64-bit halves (IPv4 in lo), the protocol (-1 any), the match kind with
// its bounds, the action and the rule number.
type aclEntry struct {
	hi, lo   uint64
	mhi, mlo uint64
	proto    int16
	kind     uint8
	allow    bool
	portLo   uint16
	portHi   uint16
	icmpType int16
	icmpCode int16
	rule     int32
}

func compileACL(st *State, a *NetworkAclSpec, egress bool) *ACL {
	out := &ACL{}
	for _, e := range st.effectiveEntries(a) {
		if e.Egress != egress {
			continue
		}
		c := aclEntry{proto: int16(e.Protocol), allow: e.Allow, rule: e.RuleNumber}
		v6 := e.CIDR.Addr().Is6()
		c.hi, c.lo = addrKey(e.CIDR.Addr())
		c.mhi, c.mlo = prefixMask(e.CIDR)
		switch {
		case portEntry(e.Protocol):
			c.kind, c.portLo, c.portHi = matchPorts, uint16(e.FromPort), uint16(e.ToPort)
		case icmpEntry(e.Protocol, v6):
			c.kind, c.icmpType, c.icmpCode = matchICMP, int16(e.IcmpType), int16(e.IcmpCode)
		}
		if v6 {
			out.v6 = append(out.v6, c)
		} else {
			out.v4 = append(out.v4, c)
		}
	}
	// effectiveEntries is in rule order already; keep the scan order explicit.
	slices.SortStableFunc(out.v4, func(x, y aclEntry) int { return int(x.rule - y.rule) })
	slices.SortStableFunc(out.v6, func(x, y aclEntry) int { return int(x.rule - y.rule) })
	return out
}

// addrKey is an address as two 64-bit halves; IPv4 sits in lo.
func addrKey(a netip.Addr) (hi, lo uint64) {
	if a.Is4() {
		b := a.As4()
		return 0, uint64(binary.BigEndian.Uint32(b[:]))
	}
	return u128(a)
}

func prefixMask(p netip.Prefix) (hi, lo uint64) {
	if p.Addr().Is4() {
		if p.Bits() == 0 {
			return 0, 0
		}
		return 0, uint64(^uint32(0) << (32 - p.Bits()))
	}
	return mask128(p.Bits())
}

// Evaluate decides a packet: the first entry in rule number order that
// matches it allows or denies it. No allocation.
func (a *ACL) Evaluate(p Packet) Verdict {
	es, deny := a.v4, int32(DefaultDenyRule)
	if !p.Remote.Is4() {
		es, deny = a.v6, DefaultDenyRuleIPv6
	}
	hi, lo := addrKey(p.Remote)
	proto := int16(p.Protocol)
	for i := range es {
		e := &es[i]
		if hi&e.mhi != e.hi || lo&e.mlo != e.lo || e.proto != -1 && e.proto != proto {
			continue
		}
		switch e.kind {
		case matchPorts:
			if p.Port < e.portLo || p.Port > e.portHi {
				continue
			}
		case matchICMP:
			if e.icmpType != -1 && (e.icmpType != int16(p.ICMPType) || e.icmpCode != -1 && e.icmpCode != int16(p.ICMPCode)) {
				continue
			}
		}
		return Verdict{Allow: e.allow, Rule: e.rule}
	}
	// Only reached for a family whose `*` entry is not listed (an IPv4-only
	// VPC evaluating an IPv6 packet): denied by the `*` entry all the same.
	return Verdict{Rule: deny}
}

// RouteKind is what a route lookup found.
type RouteKind uint8

const (
	RouteNone      RouteKind = iota // no route covers the destination: drop
	RouteLocal                      // the VPC's local route: deliver inside the VPC
	RouteInterface                  // a route to a network interface
	RouteBlackhole                  // a route whose interface is gone: drop
)

func (k RouteKind) String() string {
	return [...]string{"none", "local", "interface", "blackhole"}[k]
}

// RouteResult is the outcome of a route lookup: the kind, the matching
// route's destination and, for RouteInterface, the target interface.
type RouteResult struct {
	Kind        RouteKind
	Destination netip.Prefix
	Interface   *CompiledInterface
}

// Routes is a compiled route table: per family, its routes longest
// prefix first. Immutable; safe for concurrent readers.
type Routes struct {
	ID string
	v4 []route
	v6 []route
}

type route struct {
	hi, lo   uint64
	mhi, mlo uint64
	res      RouteResult
}

// Lookup returns the longest-prefix route for dst. No allocation.
func (t *Routes) Lookup(dst netip.Addr) RouteResult {
	rs := t.v6
	if dst.Is4() {
		rs = t.v4
	}
	hi, lo := addrKey(dst)
	for i := range rs {
		r := &rs[i]
		if hi&r.mhi == r.hi && lo&r.mlo == r.lo {
			return r.res
		}
	}
	return RouteResult{}
}
