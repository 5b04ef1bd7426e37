package daemon

import (
	"net"
	"net/netip"
	"strings"
	"sync/atomic"

	"sgswitch/account"
	"sgswitch/ruleset"
	"sgswitch/vpc"
	"sgswitch/vpcsvc"
)

// Directory is the vpcsvc.Directory over the daemon's live account. The
// VPC services read it on the packet path, so it takes no lock: every
// publication (SwitchDataplane.Publish, under the daemon's lock) builds
// an immutable index of the new account and swaps it in with one atomic
// store; a reader loads it once per call and sees one whole version.
// What it returns shares the index's slices and maps: read-only.
//
// Instances are lab nodes today: an instance is what interfaces are
// attached to ("lab/node", ruleset.InterfaceSpec.AttachedTo), its id
// ruleset.InstanceID of that, its name the node's.
type Directory struct {
	idx     atomic.Pointer[dirIndex]
	details instanceOverlay // what the labs say (daemon/instances.go)
}

// dirIndex is one version of the account, indexed for the services.
type dirIndex struct {
	ifaces map[string]vpcsvc.Interface
	byAddr map[vpcAddr]string // → interface id
	insts  map[string]vpcsvc.Instance
	byName map[vpcName]string // → instance id
}

type vpcAddr struct {
	vpc  string
	addr netip.Addr
}

type vpcName struct{ vpc, name string }

// NewDirectory returns an empty Directory: it knows nothing until the
// first Publish.
func NewDirectory() *Directory {
	d := &Directory{}
	d.idx.Store(&dirIndex{})
	return d
}

// Publish indexes a, with topo its compiled VPC layer, and makes it what
// the Directory answers from. Callers serialise it (the daemon's lock).
func (d *Directory) Publish(a *account.Account, topo *vpc.Topology) {
	d.idx.Store(buildIndex(a, topo))
}

// Interface implements vpcsvc.Directory.
func (d *Directory) Interface(eniID string) (vpcsvc.Interface, bool) {
	e, ok := d.idx.Load().ifaces[eniID]
	return e, ok
}

// InterfaceByAddr implements vpcsvc.Directory.
func (d *Directory) InterfaceByAddr(vpcID string, a netip.Addr) (vpcsvc.Interface, bool) {
	x := d.idx.Load()
	id, ok := x.byAddr[vpcAddr{vpcID, a.Unmap()}]
	if !ok {
		return vpcsvc.Interface{}, false
	}
	return x.ifaces[id], true
}

// Instance implements vpcsvc.Directory.
func (d *Directory) Instance(id string) (vpcsvc.Instance, bool) {
	in, ok := d.idx.Load().insts[id]
	if !ok {
		return in, false
	}
	return d.details.apply(in), true
}

// InstanceByName implements vpcsvc.Directory. Two labs may both have a
// node of that name in one VPC: the first in the account's interface
// order wins.
func (d *Directory) InstanceByName(vpcID, name string) (vpcsvc.Instance, bool) {
	x := d.idx.Load()
	id, ok := x.byName[vpcName{vpcID, name}]
	if !ok {
		return vpcsvc.Instance{}, false
	}
	return d.details.apply(x.insts[id]), true
}

// buildIndex indexes every VPC's interfaces and the instances they are
// attached to.
func buildIndex(a *account.Account, topo *vpc.Topology) *dirIndex {
	x := &dirIndex{
		ifaces: map[string]vpcsvc.Interface{}, byAddr: map[vpcAddr]string{},
		insts: map[string]vpcsvc.Instance{}, byName: map[vpcName]string{},
	}
	netCfg := a.Config().Network
	for _, vpcID := range a.VPCs() {
		spec := a.Groups(vpcID).View()
		names := make(map[string]string, len(spec.Groups))
		for _, g := range spec.Groups {
			names[g.ID] = g.Name
		}
		for _, e := range spec.Interfaces {
			ifc := indexedInterface(e, vpcID, names, topo)
			ifc.Region, ifc.OwnerID = netCfg.Region, netCfg.OwnerId
			x.ifaces[e.ID] = ifc
			for _, ad := range append(append([]netip.Addr{}, ifc.IPv4...), ifc.IPv6...) {
				x.byAddr[vpcAddr{vpcID, ad.Unmap()}] = e.ID
			}
			if e.AttachedTo != "" {
				x.addAttachment(e, vpcID)
			}
		}
	}
	return x
}

// indexedInterface is e as the services see it, placed by topo.
func indexedInterface(e ruleset.InterfaceSpec, vpcID string, groupNames map[string]string, topo *vpc.Topology) vpcsvc.Interface {
	mac, _ := net.ParseMAC(e.MAC)
	ifc := vpcsvc.Interface{ID: e.ID, MAC: mac, IPv4: e.IPv4, IPv6: e.IPv6, VpcID: vpcID,
		DeviceIndex: int(e.DeviceIndex), EnableDnsSupport: true}
	if e.AttachedTo != "" {
		ifc.InstanceID = ruleset.InstanceID(e.AttachedTo)
	}
	for _, g := range e.Groups {
		ifc.Groups = append(ifc.Groups, vpcsvc.Group{ID: g, Name: groupNames[g]})
	}
	if topo == nil {
		return ifc
	}
	if v := topo.VPC(vpcID); v != nil {
		ifc.EnableDnsSupport, ifc.EnableDnsHostnames = v.EnableDnsSupport, v.EnableDnsHostnames
		ifc.VpcCIDR4 = validPrefixes(v.CIDR)
		ifc.VpcCIDR6 = validPrefixes(v.IPv6CIDR)
		if v.CIDR.IsValid() {
			ifc.DNS = vpc.DNSServer(v.CIDR) // AmazonProvidedDNS: the VPC's base+2, in every subnet
		}
	}
	if ci := topo.Interface(e.ID); ci != nil && ci.Subnet != nil {
		s := ci.Subnet
		ifc.SubnetID, ifc.AvailabilityZone = s.ID, s.AvailabilityZone
		ifc.Subnet4, ifc.Subnet6, ifc.Router = s.CIDR, s.IPv6CIDR, s.Router
	}
	return ifc
}

func validPrefixes(p netip.Prefix) []netip.Prefix {
	if !p.IsValid() {
		return nil
	}
	return []netip.Prefix{p}
}

// addAttachment records interface e in the instance it is attached to.
func (x *dirIndex) addAttachment(e ruleset.InterfaceSpec, vpcID string) {
	id := ruleset.InstanceID(e.AttachedTo)
	in, ok := x.insts[id]
	if !ok {
		name := e.AttachedTo[strings.LastIndexByte(e.AttachedTo, '/')+1:]
		in = vpcsvc.Instance{ID: id, Name: name, Metadata: vpcsvc.DefaultMetadataOptions(), Interfaces: map[int]string{}}
		if _, taken := x.byName[vpcName{vpcID, name}]; !taken && name != "" {
			x.byName[vpcName{vpcID, name}] = id
		}
	}
	in.Interfaces[int(e.DeviceIndex)] = e.ID
	if e.DeviceIndex == 0 {
		in.InstanceType = e.InstanceType
	}
	x.insts[id] = in
}
