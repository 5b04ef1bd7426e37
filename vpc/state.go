package vpc

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"maps"
	"net/netip"
	"slices"
)

// Config configures a State: the account, the region and the quotas.
type Config struct {
	OwnerId string `json:"OwnerId,omitempty"` // default DefaultOwnerID
	Region  string `json:"Region,omitempty"`  // default "us-east-1"
	// IDSeed makes every generated id deterministic. 0: a random seed is
	// chosen (and kept in the Spec).
	IDSeed uint64 `json:"IDSeed,omitempty"`
	// Quotas; 0 = EC2's default.
	VpcsPerRegion              int `json:"VpcsPerRegion,omitempty"`              // 5
	SubnetsPerVpc              int `json:"SubnetsPerVpc,omitempty"`              // 200
	RouteTablesPerVpc          int `json:"RouteTablesPerVpc,omitempty"`          // 200
	RoutesPerTable             int `json:"RoutesPerTable,omitempty"`             // 50 (local routes not counted)
	NetworkAclsPerVpc          int `json:"NetworkAclsPerVpc,omitempty"`          // 200
	NetworkAclEntriesPerAclDir int `json:"NetworkAclEntriesPerAclDir,omitempty"` // 20, adjustable up to 40
}

// EC2's default quotas.
const (
	DefaultOwnerID                    = "123456789012"
	DefaultRegion                     = "us-east-1"
	DefaultVpcsPerRegion              = 5
	DefaultSubnetsPerVpc              = 200
	DefaultRouteTablesPerVpc          = 200
	DefaultRoutesPerTable             = 50
	DefaultNetworkAclsPerVpc          = 200
	DefaultNetworkAclEntriesPerAclDir = 20
	MaxNetworkAclEntriesPerAclDir     = 40
)

func (c *Config) fill() error {
	def := func(p *int, d int) {
		if *p == 0 {
			*p = d
		}
	}
	if c.OwnerId == "" {
		c.OwnerId = DefaultOwnerID
	}
	if c.Region == "" {
		c.Region = DefaultRegion
	}
	def(&c.VpcsPerRegion, DefaultVpcsPerRegion)
	def(&c.SubnetsPerVpc, DefaultSubnetsPerVpc)
	def(&c.RouteTablesPerVpc, DefaultRouteTablesPerVpc)
	def(&c.RoutesPerTable, DefaultRoutesPerTable)
	def(&c.NetworkAclsPerVpc, DefaultNetworkAclsPerVpc)
	def(&c.NetworkAclEntriesPerAclDir, DefaultNetworkAclEntriesPerAclDir)
	for _, q := range []int{c.VpcsPerRegion, c.SubnetsPerVpc, c.RouteTablesPerVpc, c.RoutesPerTable, c.NetworkAclsPerVpc} {
		if q < 1 || q > 100000 {
			return errorf(CodeInvalidParameterValue, "quota %d is out of range 1..100000", q)
		}
	}
	if n := c.NetworkAclEntriesPerAclDir; n < 1 || n > MaxNetworkAclEntriesPerAclDir {
		return errorf(CodeInvalidParameterValue, "The quota for network ACL entries per direction must be between 1 and %d, not %d", MaxNetworkAclEntriesPerAclDir, n)
	}
	return nil
}

// Spec is the whole State as plain JSON-serialisable data.
// StateFromSpec(st.Spec()) gives back an identical State.
type Spec struct {
	Config      Config           `json:"Config"`
	IDCounter   uint64           `json:"IDCounter"`
	Vpcs        []VpcSpec        `json:"Vpcs"`
	Subnets     []SubnetSpec     `json:"Subnets"`
	RouteTables []RouteTableSpec `json:"RouteTables"`
	NetworkAcls []NetworkAclSpec `json:"NetworkAcls"`
	Interfaces  []InterfaceSpec  `json:"Interfaces"`
}

// VpcSpec is one VPC.
type VpcSpec struct {
	ID                    string       `json:"ID"`
	CIDR                  netip.Prefix `json:"CIDR"`
	CidrAssociationID     string       `json:"CidrAssociationID"`
	IPv6CIDR              netip.Prefix `json:"IPv6CIDR,omitzero"`
	IPv6CidrAssociationID string       `json:"IPv6CidrAssociationID,omitempty"`
	EnableDnsSupport      bool         `json:"EnableDnsSupport"`
	EnableDnsHostnames    bool         `json:"EnableDnsHostnames"`
	// Default marks the region's default VPC, the one EC2 calls that name
	// no VPC use (IsDefault); at most one VPC has it.
	Default bool  `json:"Default,omitempty"`
	Tags    []Tag `json:"Tags,omitempty"`
}

// SubnetSpec is one subnet. RouteTableAssociationID is empty when the
// subnet uses its VPC's main route table; NetworkAclID and its association
// id are always set.
type SubnetSpec struct {
	ID                      string       `json:"ID"`
	VpcID                   string       `json:"VpcID"`
	CIDR                    netip.Prefix `json:"CIDR"`
	IPv6CIDR                netip.Prefix `json:"IPv6CIDR,omitzero"`
	IPv6CidrAssociationID   string       `json:"IPv6CidrAssociationID,omitempty"`
	AvailabilityZone        string       `json:"AvailabilityZone"`
	RouteTableID            string       `json:"RouteTableID,omitempty"`
	RouteTableAssociationID string       `json:"RouteTableAssociationID,omitempty"`
	NetworkAclID            string       `json:"NetworkAclID"`
	NetworkAclAssociationID string       `json:"NetworkAclAssociationID"`
	Tags                    []Tag        `json:"Tags,omitempty"`
}

// RouteTableSpec is one route table. The main table of a VPC has Main set
// and MainAssociationID.
type RouteTableSpec struct {
	ID                string      `json:"ID"`
	VpcID             string      `json:"VpcID"`
	Main              bool        `json:"Main,omitempty"`
	MainAssociationID string      `json:"MainAssociationID,omitempty"`
	Routes            []RouteSpec `json:"Routes"`
	Tags              []Tag       `json:"Tags,omitempty"`
}

// RouteSpec is one route: local (NetworkInterfaceID empty) or to an ENI.
// Destination is canonical (host bits clear).
type RouteSpec struct {
	Destination        netip.Prefix `json:"Destination"`
	NetworkInterfaceID string       `json:"NetworkInterfaceID,omitempty"`
}

// Local reports whether r is a local route.
func (r RouteSpec) Local() bool { return r.NetworkInterfaceID == "" }

// NetworkAclSpec is one network ACL with its numbered entries (the `*`
// entries are implicit).
type NetworkAclSpec struct {
	ID      string     `json:"ID"`
	VpcID   string     `json:"VpcID"`
	Default bool       `json:"Default,omitempty"`
	Entries []AclEntry `json:"Entries"`
	Tags    []Tag      `json:"Tags,omitempty"`
}

// AclEntry is one network ACL entry in canonical form: Protocol -1..255;
// FromPort/ToPort are set (0..65535) only for protocols 6 and 17, IcmpType
// and IcmpCode (-1..255, -1 = all) only for ICMP entries that use them
// (protocol 1, or 58 with an IPv6 CIDR); otherwise they are 0 and ignored.
type AclEntry struct {
	RuleNumber int32        `json:"RuleNumber"`
	Egress     bool         `json:"Egress"`
	Protocol   int32        `json:"Protocol"`
	Allow      bool         `json:"Allow"`
	CIDR       netip.Prefix `json:"CIDR"`
	FromPort   int32        `json:"FromPort,omitempty"`
	ToPort     int32        `json:"ToPort,omitempty"`
	IcmpType   int32        `json:"IcmpType,omitempty"`
	IcmpCode   int32        `json:"IcmpCode,omitempty"`
}

// InterfaceSpec is the placement of one network interface: its subnet,
// the addresses it holds there and its source/destination check.
type InterfaceSpec struct {
	ID              string       `json:"ID"`
	SubnetID        string       `json:"SubnetID"`
	IPv4            []netip.Addr `json:"IPv4"`
	IPv6            []netip.Addr `json:"IPv6,omitempty"`
	SourceDestCheck bool         `json:"SourceDestCheck"`
}

// State is the mutable model of every VPC of a daemon. It is NOT safe for
// concurrent use: callers serialise (mutate a Clone and swap it in). Every
// mutating method either succeeds entirely or changes nothing.
type State struct {
	s      Spec
	vpcIdx map[string]int
	subIdx map[string]int
	rtbIdx map[string]int
	aclIdx map[string]int
	eniIdx map[string]int
	// used holds every id and association id in s, so newID never hands
	// out one that a (restored) spec already holds.
	used map[string]bool
}

// NewState makes an empty State (no VPC).
func NewState(cfg Config) (*State, error) {
	if err := cfg.fill(); err != nil {
		return nil, err
	}
	if cfg.IDSeed == 0 {
		var b [8]byte
		_, _ = rand.Read(b[:])
		cfg.IDSeed = binary.LittleEndian.Uint64(b[:]) | 1
	}
	st := &State{s: Spec{Config: cfg}}
	st.reindex()
	return st, nil
}

// Config returns the configuration with the quotas filled in.
func (st *State) Config() Config { return st.s.Config }

// newID returns prefix + 17 hex digits, a function of IDSeed and the
// counter, so a seeded State gives the same ids every run.
func (st *State) newID(prefix string) string {
	for {
		st.s.IDCounter++
		x := splitmix(st.s.Config.IDSeed + st.s.IDCounter*0x9e3779b97f4a7c15)
		y := splitmix(x)
		id := fmt.Sprintf("%s%x%016x", prefix, y&0xf, x)
		if !st.used[id] {
			st.used[id] = true
			return id
		}
	}
}

func splitmix(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func (st *State) reindex() {
	if st.used == nil {
		st.used = map[string]bool{}
	}
	mark := func(ids ...string) {
		for _, id := range ids {
			if id != "" {
				st.used[id] = true
			}
		}
	}
	for _, v := range st.s.Vpcs {
		mark(v.ID, v.CidrAssociationID, v.IPv6CidrAssociationID)
	}
	for _, v := range st.s.Subnets {
		mark(v.ID, v.IPv6CidrAssociationID, v.RouteTableAssociationID, v.NetworkAclAssociationID)
	}
	for _, v := range st.s.RouteTables {
		mark(v.ID, v.MainAssociationID)
	}
	for _, v := range st.s.NetworkAcls {
		mark(v.ID)
	}
	st.vpcIdx = make(map[string]int, len(st.s.Vpcs))
	for i, v := range st.s.Vpcs {
		st.vpcIdx[v.ID] = i
	}
	st.subIdx = make(map[string]int, len(st.s.Subnets))
	for i, v := range st.s.Subnets {
		st.subIdx[v.ID] = i
	}
	st.rtbIdx = make(map[string]int, len(st.s.RouteTables))
	for i, v := range st.s.RouteTables {
		st.rtbIdx[v.ID] = i
	}
	st.aclIdx = make(map[string]int, len(st.s.NetworkAcls))
	for i, v := range st.s.NetworkAcls {
		st.aclIdx[v.ID] = i
	}
	st.eniIdx = make(map[string]int, len(st.s.Interfaces))
	for i, v := range st.s.Interfaces {
		st.eniIdx[v.ID] = i
	}
}

// Spec returns a deep copy of the state as plain data.
func (st *State) Spec() Spec { return cloneSpec(st.s) }

// Clone returns a deep copy that shares nothing with st.
func (st *State) Clone() *State {
	c := &State{s: cloneSpec(st.s), used: maps.Clone(st.used)}
	c.reindex()
	return c
}

func cloneSpec(s Spec) Spec {
	c := s
	c.Vpcs = slices.Clone(s.Vpcs)
	for i := range c.Vpcs {
		c.Vpcs[i].Tags = slices.Clone(c.Vpcs[i].Tags)
	}
	c.Subnets = slices.Clone(s.Subnets)
	for i := range c.Subnets {
		c.Subnets[i].Tags = slices.Clone(c.Subnets[i].Tags)
	}
	c.RouteTables = slices.Clone(s.RouteTables)
	for i := range c.RouteTables {
		c.RouteTables[i].Routes = slices.Clone(c.RouteTables[i].Routes)
		c.RouteTables[i].Tags = slices.Clone(c.RouteTables[i].Tags)
	}
	c.NetworkAcls = slices.Clone(s.NetworkAcls)
	for i := range c.NetworkAcls {
		c.NetworkAcls[i].Entries = slices.Clone(c.NetworkAcls[i].Entries)
		c.NetworkAcls[i].Tags = slices.Clone(c.NetworkAcls[i].Tags)
	}
	c.Interfaces = slices.Clone(s.Interfaces)
	for i := range c.Interfaces {
		c.Interfaces[i].IPv4 = slices.Clone(c.Interfaces[i].IPv4)
		c.Interfaces[i].IPv6 = slices.Clone(c.Interfaces[i].IPv6)
	}
	return c
}

// lookups with EC2's errors

func (st *State) vpc(id string) (*VpcSpec, error) {
	if i, ok := st.vpcIdx[id]; ok {
		return &st.s.Vpcs[i], nil
	}
	return nil, errorf(CodeInvalidVpcIDNotFound, "The vpc ID '%s' does not exist", id)
}

func (st *State) subnet(id string) (*SubnetSpec, error) {
	if i, ok := st.subIdx[id]; ok {
		return &st.s.Subnets[i], nil
	}
	return nil, errorf(CodeInvalidSubnetIDNotFound, "The subnet ID '%s' does not exist", id)
}

func (st *State) routeTable(id string) (*RouteTableSpec, error) {
	if i, ok := st.rtbIdx[id]; ok {
		return &st.s.RouteTables[i], nil
	}
	return nil, errorf(CodeInvalidRouteTableIDNotFound, "The routeTable ID '%s' does not exist", id)
}

func (st *State) networkAcl(id string) (*NetworkAclSpec, error) {
	if i, ok := st.aclIdx[id]; ok {
		return &st.s.NetworkAcls[i], nil
	}
	return nil, errorf(CodeInvalidNetworkAclIDNotFound, "The networkAcl ID '%s' does not exist", id)
}

func (st *State) iface(id string) (*InterfaceSpec, error) {
	if i, ok := st.eniIdx[id]; ok {
		return &st.s.Interfaces[i], nil
	}
	return nil, errorf(CodeInvalidNetworkInterfaceIDNotFound, "The networkInterface ID '%s' does not exist", id)
}

// mainRouteTable returns the main route table of a VPC.
func (st *State) mainRouteTable(vpcID string) *RouteTableSpec {
	for i := range st.s.RouteTables {
		if t := &st.s.RouteTables[i]; t.VpcID == vpcID && t.Main {
			return t
		}
	}
	return nil
}

// defaultNetworkAcl returns the default network ACL of a VPC.
func (st *State) defaultNetworkAcl(vpcID string) *NetworkAclSpec {
	for i := range st.s.NetworkAcls {
		if a := &st.s.NetworkAcls[i]; a.VpcID == vpcID && a.Default {
			return a
		}
	}
	return nil
}

// subnetRouteTable is the id of the table a subnet uses (explicit or main).
func (st *State) subnetRouteTable(sn *SubnetSpec) string {
	if sn.RouteTableID != "" {
		return sn.RouteTableID
	}
	if m := st.mainRouteTable(sn.VpcID); m != nil {
		return m.ID
	}
	return ""
}

func count[T any](xs []T, f func(*T) bool) int {
	n := 0
	for i := range xs {
		if f(&xs[i]) {
			n++
		}
	}
	return n
}
