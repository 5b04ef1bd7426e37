package vpc

import (
	"cmp"
	"net/netip"
	"slices"
	"sync"
)

// Topology is the compiled, immutable view of every VPC that the switch
// reads: subnets with their router and DNS addresses, network ACLs and
// route tables ready to evaluate, interfaces with their subnet. Lookups by
// id are map reads; nothing allocates per query. Safe for any number of
// concurrent readers; publish with atomic.Pointer.
type Topology struct {
	// Generation is one more than the previous Compile of the same Compiler.
	Generation uint64
	vpcs       map[string]*CompiledVPC
	subnets    map[string]*CompiledSubnet
	interfaces map[string]*CompiledInterface
}

// CompiledVPC is a compiled VPC.
type CompiledVPC struct {
	ID                 string
	CIDR               netip.Prefix
	IPv6CIDR           netip.Prefix // invalid when the VPC has no IPv6
	EnableDnsSupport   bool
	EnableDnsHostnames bool
	Subnets            []*CompiledSubnet // by IPv4 CIDR
	byIPv6             []*CompiledSubnet // the subnets with IPv6, by IPv6 CIDR
}

// CompiledSubnet is a compiled subnet: its addresses, the VPC router (base+1) and
// DNS server (base+2) addresses, its network ACL (one compiled ACL per
// direction, shared by every subnet of that ACL) and its route table (the
// explicit one or the main one).
type CompiledSubnet struct {
	ID               string
	VPC              *CompiledVPC
	CIDR             netip.Prefix
	IPv6CIDR         netip.Prefix
	Router           netip.Addr
	DNS              netip.Addr
	AvailabilityZone string
	NetworkAclID     string
	Ingress          *ACL // traffic entering the subnet
	Egress           *ACL // traffic leaving the subnet
	RouteTableID     string
	Routes           *Routes
}

// CompiledInterface is a placed network interface.
type CompiledInterface struct {
	ID              string
	Subnet          *CompiledSubnet
	SourceDestCheck bool
	IPv4            []netip.Addr
	IPv6            []netip.Addr
}

// VPC returns the VPC with that id, or nil.
func (t *Topology) VPC(id string) *CompiledVPC { return t.vpcs[id] }

// Subnet returns the subnet with that id, or nil.
func (t *Topology) Subnet(id string) *CompiledSubnet { return t.subnets[id] }

// Interface returns the placed interface with that id, or nil.
func (t *Topology) Interface(id string) *CompiledInterface { return t.interfaces[id] }

// SubnetFor returns the subnet of v that contains a (IPv4 or IPv6), or
// nil. Subnets of a VPC do not overlap, so a binary search for the last
// subnet starting at or below a finds the only candidate. No allocation.
func (v *CompiledVPC) SubnetFor(a netip.Addr) *CompiledSubnet {
	ss, v6 := v.Subnets, !a.Is4()
	if v6 {
		ss = v.byIPv6
	}
	lo, hi := 0, len(ss) // find the first subnet starting above a
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if subnetPrefix(ss[m], v6).Addr().Compare(a) <= 0 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo > 0 && subnetPrefix(ss[lo-1], v6).Contains(a) {
		return ss[lo-1]
	}
	return nil
}

func subnetPrefix(s *CompiledSubnet, v6 bool) netip.Prefix {
	if v6 {
		return s.IPv6CIDR
	}
	return s.CIDR
}

// Compiler compiles States into Topologies with increasing generations.
type Compiler struct {
	mu  sync.Mutex
	gen uint64
}

// Compile builds the Topology of st. st must not change during the call
// (callers serialise State changes anyway). Safe for concurrent use.
func (c *Compiler) Compile(st *State) *Topology {
	c.mu.Lock()
	c.gen++
	gen := c.gen
	c.mu.Unlock()
	return compile(st, gen)
}

func compile(st *State, gen uint64) *Topology {
	t := &Topology{Generation: gen, vpcs: map[string]*CompiledVPC{}, subnets: map[string]*CompiledSubnet{}, interfaces: map[string]*CompiledInterface{}}
	for i := range st.s.Vpcs {
		v := &st.s.Vpcs[i]
		t.vpcs[v.ID] = &CompiledVPC{ID: v.ID, CIDR: v.CIDR, IPv6CIDR: v.IPv6CIDR, EnableDnsSupport: v.EnableDnsSupport, EnableDnsHostnames: v.EnableDnsHostnames}
	}
	type pair struct{ in, out *ACL }
	acls := map[string]pair{}
	for i := range st.s.NetworkAcls {
		a := &st.s.NetworkAcls[i]
		acls[a.ID] = pair{compileACL(st, a, false), compileACL(st, a, true)}
	}
	for i := range st.s.Subnets {
		s := &st.s.Subnets[i]
		v := t.vpcs[s.VpcID]
		cs := &CompiledSubnet{ID: s.ID, VPC: v, CIDR: s.CIDR, IPv6CIDR: s.IPv6CIDR, Router: Router(s.CIDR), DNS: DNSServer(s.CIDR),
			AvailabilityZone: s.AvailabilityZone, NetworkAclID: s.NetworkAclID, Ingress: acls[s.NetworkAclID].in, Egress: acls[s.NetworkAclID].out,
			RouteTableID: st.subnetRouteTable(s)}
		v.Subnets = append(v.Subnets, cs)
		t.subnets[s.ID] = cs
	}
	for _, v := range t.vpcs {
		slices.SortFunc(v.Subnets, func(a, b *CompiledSubnet) int { return a.CIDR.Addr().Compare(b.CIDR.Addr()) })
		for _, s := range v.Subnets {
			if s.IPv6CIDR.IsValid() {
				v.byIPv6 = append(v.byIPv6, s)
			}
		}
		slices.SortFunc(v.byIPv6, func(a, b *CompiledSubnet) int { return a.IPv6CIDR.Addr().Compare(b.IPv6CIDR.Addr()) })
	}
	for i := range st.s.Interfaces {
		e := &st.s.Interfaces[i]
		t.interfaces[e.ID] = &CompiledInterface{ID: e.ID, Subnet: t.subnets[e.SubnetID], SourceDestCheck: e.SourceDestCheck, IPv4: slices.Clone(e.IPv4), IPv6: slices.Clone(e.IPv6)}
	}
	tables := map[string]*Routes{}
	for i := range st.s.RouteTables {
		rt := &st.s.RouteTables[i]
		tables[rt.ID] = compileRoutes(t, rt)
	}
	for _, s := range t.subnets {
		s.Routes = tables[s.RouteTableID]
	}
	return t
}

// compileRoutes orders a table's routes longest prefix first; a route to
// an interface that is not placed in the table's VPC compiles to a
// blackhole.
func compileRoutes(t *Topology, rt *RouteTableSpec) *Routes {
	out := &Routes{ID: rt.ID}
	for _, r := range rt.Routes {
		c := route{res: RouteResult{Kind: RouteLocal, Destination: r.Destination}}
		c.hi, c.lo = addrKey(r.Destination.Addr())
		c.mhi, c.mlo = prefixMask(r.Destination)
		if !r.Local() {
			c.res.Kind = RouteBlackhole
			if e := t.interfaces[r.NetworkInterfaceID]; e != nil && e.Subnet != nil && e.Subnet.VPC.ID == rt.VpcID {
				c.res.Kind, c.res.Interface = RouteInterface, e
			}
		}
		if r.Destination.Addr().Is4() {
			out.v4 = append(out.v4, c)
		} else {
			out.v6 = append(out.v6, c)
		}
	}
	longestFirst := func(a, b route) int { return cmp.Compare(b.res.Destination.Bits(), a.res.Destination.Bits()) }
	slices.SortStableFunc(out.v4, longestFirst)
	slices.SortStableFunc(out.v6, longestFirst)
	return out
}
