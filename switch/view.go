package vswitch

import (
	"net/netip"
	"slices"

	"sgswitch/ruleset"
	"sgswitch/vpc"
)

// view is what the packet path reads: the published VPCs, each with its
// security-group Snapshot and the lookup tables derived from it (address
// → interface, the subnets' special addresses), and every interface by
// zone and by id. Built off the packet path by PublishVPCs; immutable
// once stored.
type view struct {
	// gen numbers the switch's publications. A flow entry's cached network
	// ACL verdicts hold for the publication that confirmed them only: any
	// publication may change an ACL, a route or where an interface sits.
	gen    uint64
	byZone []*eniView // by conntrack zone (nil holes)
	byID   map[string]*eniView
	vpcs   map[string]*vpcView

	routerMAC [6]byte
}

// vpcView is one VPC: its own address tables (VPCs are isolated and may
// use the same addresses, so a destination is looked up in the sender's
// VPC only) and its own security-group snapshot.
type vpcView struct {
	id   string
	snap *ruleset.Snapshot
	// gen is snap's generation: an untracked flow admitted under another
	// one of its VPC is judged again (judge.go). Each VPC's snapshots come
	// from its own compiler, so generations are only compared within a VPC
	// (a zone belongs to one interface, of one VPC).
	gen      uint64
	v4       addrTable4 // interface addresses → interface
	v6       addrTable6
	services linkLocal
	// routed: a topology was published, so a frame leaving its sender's
	// subnet goes through the VPC router; without one every interface is
	// in subnet, the VPC's CIDR, and nothing is routed.
	routed bool
	subnet *subnetView
}

// eniView is one interface as the packet path sees it.
type eniView struct {
	eni  *eni // the live object: counters and attached port
	ci   *ruleset.CompiledInterface
	vpc  *vpcView
	zone uint32
	mac  [6]byte
	// shaped: the interface has pps or bandwidth allowances, so every
	// packet is charged to its buckets (without, the call is skipped).
	shaped bool
	v4     [][4]byte
	v6     [][16]byte
	// subnet is where the interface is placed (its VPC's CIDR when the
	// topology does not place it); never nil.
	subnet *subnetView
	// srcDstCheck: the interface only sends from and receives for its own
	// addresses (EC2's default). Off for NAT instances and appliances.
	srcDstCheck bool
}

// routerLinkLocal is the VPC router's link-local IPv6 address (spec 1.6).
var routerLinkLocal = netip.MustParseAddr("fe80:ec2::1").As16()

// newView builds the view of groups (snapshot by VPC id) placed by topo
// (nil: no VPC layer). zones holds every interface's zone; an interface
// without one (MaxInterfaces reached) is left out.
func newView(gen uint64, topo *vpc.Topology, groups map[string]*ruleset.Snapshot, zones map[string]uint32, enis map[string]*eni, routerMAC [6]byte) *view {
	v := &view{gen: gen, byID: map[string]*eniView{}, vpcs: map[string]*vpcView{}, routerMAC: routerMAC}
	subnets := subnetViews{}
	for _, id := range sortedKeys(groups) {
		vv := newVPCView(id, groups[id], topo != nil)
		v.vpcs[id] = vv
		for _, ci := range groups[id].Interfaces() {
			z, ok := zones[ci.ID]
			if !ok || v.byID[ci.ID] != nil {
				continue
			}
			ev := newENIView(vv, ci, z, enis[ci.ID])
			if topo != nil {
				// An interface the topology does not place keeps the VPC-wide
				// subnet: publishing the two layers need not be atomic upstream.
				if pi := topo.Interface(ci.ID); pi != nil && pi.Subnet != nil {
					ev.subnet = subnets.get(pi.Subnet)
					ev.srcDstCheck = pi.SourceDestCheck
				}
			}
			for int(z) >= len(v.byZone) {
				v.byZone = append(v.byZone, nil)
			}
			v.byZone[z] = ev
			v.byID[ci.ID] = ev
		}
	}
	for _, ev := range v.byZone {
		if ev != nil {
			ev.vpc.add(ev)
		}
	}
	return v
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func newVPCView(id string, snap *ruleset.Snapshot, routed bool) *vpcView {
	info := snap.VPC()
	vv := &vpcView{id: id, snap: snap, gen: snap.Generation, routed: routed,
		subnet: newSubnetView(info.SubnetId, info.CIDR, info.IPv6CIDR, nil)}
	// The VPC's resolver at its base+2; each subnet's own base+2 is
	// checked beside it (frames, subnetView.dns4Word).
	vv.services = newLinkLocal(vv.subnet.dns4)
	n4, n6 := 0, 0
	for _, ci := range snap.Interfaces() {
		n4, n6 = n4+len(ci.IPv4), n6+len(ci.IPv6)
	}
	vv.v4, vv.v6 = newAddrTable4(n4), newAddrTable6(n6)
	return vv
}

func newENIView(vv *vpcView, ci *ruleset.CompiledInterface, zone uint32, e *eni) *eniView {
	a := ci.Allowances
	ev := &eniView{eni: e, ci: ci, vpc: vv, zone: zone, mac: ci.MAC,
		shaped: a.PPS != 0 || a.BandwidthInMbps != 0 || a.BandwidthOutMbps != 0,
		subnet: vv.subnet, srcDstCheck: true}
	for _, a := range ci.IPv4 {
		ev.v4 = append(ev.v4, a.Unmap().As4())
	}
	for _, a := range ci.IPv6 {
		ev.v6 = append(ev.v6, a.As16())
	}
	return ev
}

// add enters ev's addresses in the VPC's tables.
func (vv *vpcView) add(ev *eniView) {
	for _, b := range ev.v4 {
		var w [16]byte
		copy(w[:], b[:])
		vv.v4.put(&w, ev)
	}
	for _, b := range ev.v6 {
		vv.v6.put(&b, ev)
	}
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
