package testbed

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"sgswitch/ruleset"
)

// The types of a VPC lab (lab-file.md, "VPC labs"). A file with vpc:
// describes the whole VPC; a file with subnet: is a VPC with one subnet
// named "main" (Lab.Network builds that view, so callers see one shape).
// Like the rest of Lab they are plain data that round-trips through JSON;
// the fields of labs without vpc: stay empty, so the JSON of every older
// lab is unchanged (the daemon compares it byte for byte).

// VPC is the vpc: section.
type VPC struct {
	CIDR        netip.Prefix `json:"cidr"`
	IPv6CIDR    netip.Prefix `json:"ipv6Cidr"` // zero: no IPv6
	Subnets     []Subnet     `json:"subnets"`
	RouteTables []RouteTable `json:"routeTables,omitempty"`
	NetworkACLs []NetworkACL `json:"networkAcls,omitempty"`
	Line        int          `json:"line,omitempty"`
}

// Subnet is one subnet of the VPC: its own L2 segment.
type Subnet struct {
	Name     string       `json:"name"`
	CIDR     netip.Prefix `json:"cidr"`
	IPv6CIDR netip.Prefix `json:"ipv6Cidr"` // zero: no IPv6
	// NetworkACL and RouteTable name a table of the file; empty means
	// the VPC's default network ACL and main route table, as in EC2.
	NetworkACL string `json:"networkAcl,omitempty"`
	RouteTable string `json:"routeTable,omitempty"`
	Line       int    `json:"line,omitempty"`
}

// The names that always exist, as the VPC creates them.
const (
	MainRouteTable    = "main"
	DefaultNetworkACL = "default"
	// MainSubnet is the one subnet of a lab written with subnet:.
	MainSubnet = "main"
)

// RouteTable is a route table of the file. Its local routes are implied;
// "main" names the VPC's main table (declaring it adds routes to it).
type RouteTable struct {
	Name   string  `json:"name"`
	Routes []Route `json:"routes"`
	Line   int     `json:"line,omitempty"`
}

// Route sends Destination to Target, an interface written node.ethN.
type Route struct {
	Destination netip.Prefix `json:"destination"`
	Target      string       `json:"target"`
	Line        int          `json:"line,omitempty"`
}

// NetworkACL is a network ACL of the file. "default" names the VPC's
// default ACL (allow all both ways); declaring it adds entries to it.
type NetworkACL struct {
	Name    string     `json:"name"`
	Ingress []ACLEntry `json:"ingress"`
	Egress  []ACLEntry `json:"egress"`
	Line    int        `json:"line,omitempty"`
}

// ACLEntry is one entry in the CloudFormation NetworkAclEntry shape. The
// fields hold what the file says; the EC2 checks (rule number range,
// protocol, ports, one CIDR, action) are the VPC model's, run by Apply,
// as rules are the ruleset's.
type ACLEntry struct {
	RuleNumber    int32      `json:"ruleNumber"`
	Protocol      int32      `json:"protocol"`
	RuleAction    string     `json:"ruleAction"`
	CidrBlock     string     `json:"cidrBlock,omitempty"`
	Ipv6CidrBlock string     `json:"ipv6CidrBlock,omitempty"`
	PortRange     *PortRange `json:"portRange,omitempty"`
	Icmp          *ICMPCode  `json:"icmp,omitempty"`
	Line          int        `json:"line,omitempty"`
}

// PortRange is a NetworkAclEntry's PortRange.
type PortRange struct {
	From int32 `json:"from"`
	To   int32 `json:"to"`
}

// ICMPCode is a NetworkAclEntry's Icmp (-1: any).
type ICMPCode struct {
	Type int32 `json:"type"`
	Code int32 `json:"code"`
}

// NodeInterface is one network interface of a node: eth0, eth1, … in the
// order of the file. The short form of a node (subnet:, ip:, … on the
// node itself) is its one interface eth0.
type NodeInterface struct {
	Subnet       string       `json:"subnet,omitempty"` // "": MainSubnet
	IP           netip.Addr   `json:"ip"`
	IPv6         netip.Addr   `json:"ipv6"` // zero: none
	SecondaryIPs []netip.Addr `json:"secondaryIps,omitempty"`
	// Groups are lab names or sg- ids; empty means the default group.
	Groups []string `json:"securityGroups,omitempty"`
	// SourceDestCheck is EC2's source/destination check; nil means on.
	SourceDestCheck *bool `json:"sourceDestCheck,omitempty"`
	Line            int   `json:"line,omitempty"`
}

// CheckEnabled reports whether the source/destination check is on.
func (i NodeInterface) CheckEnabled() bool { return i.SourceDestCheck == nil || *i.SourceDestCheck }

// MaxInterfaces bounds the interfaces of one node, in a lab file and
// through AttachNetworkInterface: the model's bound on an instance's
// device indexes.
const MaxInterfaces = ruleset.MaxInterfacesPerInstance

// ENIs returns the node's interfaces in order: the long form as written,
// or the short form as one interface.
func (n *Node) ENIs() []NodeInterface {
	if len(n.Interfaces) > 0 {
		return n.Interfaces
	}
	return []NodeInterface{{
		Subnet: n.Subnet, IP: n.IP, IPv6: n.IPv6, SecondaryIPs: n.SecondaryIPs,
		Groups: n.Groups, SourceDestCheck: n.SourceDestCheck, Line: n.Line,
	}}
}

// IfName is the name of a node's interface number i inside the instance.
func IfName(i int) string { return "eth" + strconv.Itoa(i) }

// Endpoint is a check's from or to: a node, optionally one interface.
type Endpoint struct {
	Node      string
	Interface int // 0 when only the node is named: its eth0
}

// ParseEndpoint splits "node" or "node.ethN".
func ParseEndpoint(s string) (Endpoint, error) {
	node, ifn, dotted := strings.Cut(s, ".")
	if !dotted {
		return Endpoint{Node: s}, nil
	}
	num, ok := strings.CutPrefix(ifn, "eth")
	i, err := strconv.Atoi(num)
	if !ok || err != nil || i < 0 || i >= MaxInterfaces || strconv.Itoa(i) != num {
		return Endpoint{}, fmt.Errorf("%q: an interface is written node.ethN, N from 0 to %d", s, MaxInterfaces-1)
	}
	return Endpoint{Node: node, Interface: i}, nil
}

func (e Endpoint) String() string { return e.Node + "." + IfName(e.Interface) }

// Interface returns the interface the endpoint names, or nil when the lab
// has no such node or the node no such interface.
func (l *Lab) Interface(e Endpoint) (*Node, *NodeInterface) {
	nd := l.Node(e.Node)
	if nd == nil {
		return nil, nil
	}
	enis := nd.ENIs()
	if e.Interface >= len(enis) {
		return nd, nil
	}
	return nd, &enis[e.Interface]
}

// IsVPCLab reports whether the file describes a whole VPC (vpc:).
func (l *Lab) IsVPCLab() bool { return l.VPC != nil }

// Network returns the lab's VPC: the vpc: section, or for a file with
// subnet: a VPC of that one subnet, named "main".
func (l *Lab) Network() *VPC {
	if l.VPC != nil {
		return l.VPC
	}
	// The VPC of a one-subnet lab is its subnet; its IPv6 block is the /56
	// around the subnet's /64, since an EC2 VPC's IPv6 block is /44 to /60.
	var v6 netip.Prefix
	if l.SubnetIPv6.IsValid() {
		v6 = netip.PrefixFrom(l.SubnetIPv6.Addr(), min(56, l.SubnetIPv6.Bits())).Masked()
	}
	return &VPC{
		CIDR: l.Subnet, IPv6CIDR: v6,
		Subnets: []Subnet{{Name: MainSubnet, CIDR: l.Subnet, IPv6CIDR: l.SubnetIPv6}},
	}
}

// Subnet returns the subnet called name, or nil.
func (v *VPC) Subnet(name string) *Subnet {
	for i := range v.Subnets {
		if v.Subnets[i].Name == name {
			return &v.Subnets[i]
		}
	}
	return nil
}

// subnetOf is the subnet an interface sits in ("" means main).
func subnetOf(i NodeInterface) string {
	if i.Subnet == "" {
		return MainSubnet
	}
	return i.Subnet
}
