package vswitch

import (
	"net/netip"

	"sgswitch/packet"
	"sgswitch/vpc"
)

// route is the VPC router for a frame whose destination is outside the
// sender's subnet (only with a published topology): the sender subnet's
// route table picks the receiving interface. It returns the receiver, or
// the reason the router drops the frame. The frame itself is rewritten
// later by routed, once every check passed.
// byAddr is the interface owning the destination address, or nil.
func (v *view) route(src *eniView, p *packet.Parsed, byAddr *eniView) (*eniView, DropReason) {
	// A host reaches another subnet through its gateway, the router's MAC.
	if p.DstMAC != v.routerMAC {
		return nil, DropDstMAC
	}
	rt := src.subnet.cs.Routes
	if rt == nil {
		return nil, DropNoRoute
	}
	var dstAddr netip.Addr
	if p.Family == 4 {
		dstAddr = netip.AddrFrom4([4]byte(p.Dst[:4]))
	} else {
		dstAddr = netip.AddrFrom16(p.Dst)
	}
	res := rt.Lookup(dstAddr)
	switch res.Kind {
	case vpc.RouteLocal:
		if byAddr == nil {
			return nil, DropNoDestination
		}
		return byAddr, DropNone
	case vpc.RouteInterface:
		dst := v.byID[res.Interface.ID]
		if dst == nil || dst.vpc != src.vpc {
			// The target is placed in the topology but has no security
			// groups published yet, or (a topology the vpc model would
			// refuse) sits in another VPC: nothing to deliver to.
			return nil, DropNoDestination
		}
		// An appliance receives traffic for addresses it does not own only
		// with its source/dest check off (NAT instances, firewalls).
		if dst.srcDstCheck && !dst.owns(p.Family, &p.Dst) {
			return nil, DropDestCheck
		}
		return dst, DropNone
	default: // no route, or a blackhole (its interface is gone)
		return nil, DropNoRoute
	}
}

// routed makes frame what the router sends on: from the router's MAC to
// the receiver's, TTL (IPv4, checksum updated incrementally) or hop limit
// (IPv6) one less. A GSO super-frame carries its IP header once, and each
// fragment its own, so one decrement per frame is one per hop. It reports
// false, leaving the frame untouched, when the TTL is spent.
func routed(p *packet.Parsed, frame []byte, dstMAC, routerMAC *[6]byte) bool {
	l3 := int(p.L3Off)
	if p.Family == 4 {
		ttl := frame[l3+8]
		if ttl <= 1 {
			return false
		}
		frame[l3+8] = ttl - 1
		// RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), m the 16-bit word
		// holding TTL and protocol.
		old := uint32(ttl)<<8 | uint32(frame[l3+9])
		cur := old - 0x100
		hc := uint32(frame[l3+10])<<8 | uint32(frame[l3+11])
		sum := (^hc & 0xffff) + (^old & 0xffff) + cur
		sum = (sum & 0xffff) + sum>>16
		sum = (sum & 0xffff) + sum>>16
		hc = ^sum & 0xffff
		frame[l3+10], frame[l3+11] = byte(hc>>8), byte(hc)
	} else {
		if frame[l3+7] <= 1 {
			return false
		}
		frame[l3+7]--
	}
	copy(frame[0:6], dstMAC[:])
	copy(frame[6:12], routerMAC[:])
	return true
}
