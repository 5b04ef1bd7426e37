package vswitch

import (
	"net/netip"

	"sgswitch/ruleset"
	"sgswitch/vpc"
)

// view is what the packet path reads: one published Snapshot and the
// lookup tables derived from it (address → interface, the subnet's special
// addresses). Built off the packet path by Publish; immutable once stored.
type view struct {
	snap    *ruleset.Snapshot
	gen     uint64
	byIndex []*eniView // by CompiledInterface.Index (nil holes)
	byID    map[string]*eniView
	v4      addrTable4 // interface addresses → interface
	v6      addrTable6

	routerMAC [6]byte
	services  linkLocal
	// topo is the VPC layer published with the snapshot (PublishNetwork),
	// nil when only security groups are published (Publish): then every
	// interface is in vpcSubnet and the source/dest check is on.
	topo      *vpc.Topology
	vpcSubnet *subnetView
}

// eniView is one interface as the packet path sees it.
type eniView struct {
	eni  *eni // the live object: counters and attached port
	ci   *ruleset.CompiledInterface
	zone uint32
	mac  [6]byte
	// shaped: the interface has pps or bandwidth allowances, so every
	// packet is charged to its buckets (without, the call is skipped).
	shaped bool
	v4     [][4]byte
	v6     [][16]byte
	// subnet is where the interface is placed (the VPC's CIDR without a
	// topology); never nil.
	subnet *subnetView
	// srcDstCheck: the interface only sends from and receives for its own
	// addresses (EC2's default). Off for NAT instances and appliances.
	srcDstCheck bool
}

// routerLinkLocal is the VPC router's link-local IPv6 address (spec 1.6).
var routerLinkLocal = netip.MustParseAddr("fe80:ec2::1").As16()

func newView(snap *ruleset.Snapshot, topo *vpc.Topology, enis map[string]*eni, routerMAC [6]byte) *view {
	vpcInfo := snap.VPC()
	v := &view{
		snap: snap, gen: snap.Generation,
		byID:      map[string]*eniView{},
		routerMAC: routerMAC,
		topo:      topo,
	}
	v.vpcSubnet = newSubnetView(vpcInfo.SubnetId, vpcInfo.CIDR, vpcInfo.IPv6CIDR, nil)
	subnets := subnetViews{}
	// The resolver at base+2 is the VPC subnet's; with a topology, each
	// subnet's own base+2 is not yet a service (see doc.go).
	v.services = newLinkLocal(v.vpcSubnet.dns4)
	n4, n6 := 0, 0
	for _, ci := range snap.Interfaces() {
		n4, n6 = n4+len(ci.IPv4), n6+len(ci.IPv6)
	}
	v.v4, v.v6 = newAddrTable4(n4), newAddrTable6(n6)
	for _, ci := range snap.Interfaces() {
		e := enis[ci.ID]
		a := ci.Allowances
		ev := &eniView{eni: e, ci: ci, zone: ci.Index, mac: ci.MAC,
			shaped: a.PPS != 0 || a.BandwidthInMbps != 0 || a.BandwidthOutMbps != 0,
			subnet: v.vpcSubnet, srcDstCheck: true}
		if topo != nil {
			// An interface the topology does not place keeps the VPC-wide
			// subnet: publishing the two layers need not be atomic upstream.
			if pi := topo.Interface(ci.ID); pi != nil && pi.Subnet != nil {
				ev.subnet = subnets.get(pi.Subnet)
				ev.srcDstCheck = pi.SourceDestCheck
			}
		}
		for _, a := range ci.IPv4 {
			b := a.Unmap().As4()
			ev.v4 = append(ev.v4, b)
			var w [16]byte
			copy(w[:], b[:])
			v.v4.put(&w, ev)
		}
		for _, a := range ci.IPv6 {
			b := a.As16()
			ev.v6 = append(ev.v6, b)
			v.v6.put(&b, ev)
		}
		for int(ci.Index) >= len(v.byIndex) {
			v.byIndex = append(v.byIndex, nil)
		}
		v.byIndex[ci.Index] = ev
		v.byID[ci.ID] = ev
	}
	return v
}

func addOffset4(b [4]byte, n uint32) [4]byte {
	x := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	x += n
	return [4]byte{byte(x >> 24), byte(x >> 16), byte(x >> 8), byte(x)}
}

// owns reports whether a (of family fam) is one of the interface's addresses.
func (e *eniView) owns(fam uint8, a *[16]byte) bool {
	if fam == 4 {
		for i := range e.v4 {
			if e.v4[i] == [4]byte(a[:4]) {
				return true
			}
		}
		return false
	}
	for i := range e.v6 {
		if e.v6[i] == *a {
			return true
		}
	}
	return false
}
