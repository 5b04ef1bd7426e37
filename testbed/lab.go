package testbed

import "net/netip"

// Lab is one parsed, structurally valid lab file. It is plain data that
// round-trips through encoding/json: the CLI sends it to the daemon, which
// applies it with Apply. Slices keep the order of the file, so errors,
// tables and ids come out in the order the author wrote.
type Lab struct {
	Name       string       `json:"name"`
	File       string       `json:"file,omitempty"` // base name of the file, for error messages
	Subnet     netip.Prefix `json:"subnet"`
	SubnetIPv6 netip.Prefix `json:"subnetIpv6"` // zero: the VPC has no IPv6
	// VPC is the vpc: section of a VPC lab; nil for a file with subnet:
	// (see Network). Exactly one of the two is given.
	VPC *VPC `json:"vpc,omitempty"`
	// VpcID, with subnet:, puts the lab in an existing VPC (one made
	// through the EC2 API) instead of a VPC of its own: its nodes go into
	// that VPC's subnet with the lab's subnet CIDR, its groups and prefix
	// lists into the VPC, and `lab down` removes only what the lab made.
	VpcID string `json:"vpcId,omitempty"`
	// Clock is the daemon clock the lab needs: ClockVirtual when its
	// checks advance the clock (`sgswitch clock advance`); "" or ClockReal
	// otherwise. `lab up` starts a daemon on that clock when none runs and
	// refuses a running daemon on the real one.
	Clock    string   `json:"clock,omitempty"`
	Settings Settings `json:"settings"`

	PrefixLists []PrefixList `json:"prefixLists,omitempty"`
	Groups      []Group      `json:"securityGroups,omitempty"`
	Nodes       []Node       `json:"nodes"`
	Checks      []Check      `json:"checks,omitempty"`
	// Scenarios are checks over time (scenario.go).
	Scenarios []Scenario `json:"scenarios,omitempty"`
}

// Settings are the lab's quotas (EC2 defaults when absent).
type Settings struct {
	GroupsPerInterface int `json:"groupsPerInterface"` // 1..16, default 5
	RulesPerGroup      int `json:"rulesPerGroup"`      // per direction and family, default 60
}

// Default quotas, as in EC2.
const (
	DefaultGroupsPerInterface = 5
	DefaultRulesPerGroup      = 60
)

// PrefixList is a customer-managed prefix list.
type PrefixList struct {
	Name       string         `json:"name"`
	MaxEntries int            `json:"maxEntries"`
	Entries    []netip.Prefix `json:"entries"`
	Line       int            `json:"line,omitempty"`
}

// Group is one security group. A group named "default" edits the VPC's
// default group instead of creating one.
type Group struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Ingress     []Rule `json:"ingress"`
	// Egress is nil when the file leaves SecurityGroupEgress out (EC2's
	// default outbound rules stay), and a non-nil empty slice when the
	// file gives an empty list (no outbound rules at all).
	Egress []Rule `json:"egress"`
	Line   int    `json:"line,omitempty"`
}

// Rule is one entry of SecurityGroupIngress or SecurityGroupEgress in the
// CloudFormation shape. Peer fields hold exactly what the file says; the
// EC2 checks (protocol, ports, exactly one peer, CIDR syntax) are the
// ruleset's, run by Apply. Group and PrefixList take a lab name or an id.
type Rule struct {
	IpProtocol  string  `json:"ipProtocol"`
	FromPort    *int32  `json:"fromPort,omitempty"`
	ToPort      *int32  `json:"toPort,omitempty"`
	CidrIp      string  `json:"cidrIp,omitempty"`
	CidrIpv6    string  `json:"cidrIpv6,omitempty"`
	PrefixList  string  `json:"prefixList,omitempty"`  // SourcePrefixListId / DestinationPrefixListId
	Group       string  `json:"group,omitempty"`       // SourceSecurityGroupId / DestinationSecurityGroupId
	Description *string `json:"description,omitempty"` // nil: none
	Line        int     `json:"line,omitempty"`
}

// Node kinds and port kinds.
const (
	KindNetns = "netns"
	KindVM    = "vm"
	PortTAP   = "tap"
	PortAFXDP = "afxdp"
)

// Node is one instance: a network namespace "<lab>-<node>" with eth0, a
// VM whose host interface the switch attaches to (Interface), or a VM
// that sgswitch boots (Image; see VM).
type Node struct {
	Name      string `json:"name"`
	Kind      string `json:"kind"`                // KindNetns or KindVM
	Port      string `json:"port"`                // PortTAP or PortAFXDP (netns only)
	Interface string `json:"interface,omitempty"` // KindVM: existing host interface
	// VM is set, for kind: vm, by the keys of a VM that sgswitch boots
	// (image, memory, cpus); nil for any other node.
	VM *VM `json:"vm,omitempty"`
	// UserData (user-data) and Metadata (metadata) are what instance
	// metadata serves the node as its EC2 user data and
	// InstanceMetadataOptions (MetadataOptions). UserDataFile is the path
	// as written, relative to the lab file; ResolveFiles reads it.
	UserDataFile string     `json:"userDataFile,omitempty"`
	UserData     []byte     `json:"userData,omitempty"`
	Metadata     *Metadata  `json:"metadata,omitempty"`
	IP           netip.Addr `json:"ip"`
	IPv6         netip.Addr `json:"ipv6"` // zero: none
	// Groups are lab names or sg- ids; empty means the default group.
	Groups []string `json:"securityGroups,omitempty"`
	// Subnet, SecondaryIPs and SourceDestCheck complete the short form
	// (one interface, eth0); Interfaces is the long form (eth0, eth1, …)
	// and excludes the short form's keys. ENIs returns either as a list.
	Subnet          string          `json:"subnet,omitempty"` // "": MainSubnet
	SecondaryIPs    []netip.Addr    `json:"secondaryIps,omitempty"`
	SourceDestCheck *bool           `json:"sourceDestCheck,omitempty"`
	Interfaces      []NodeInterface `json:"interfaces,omitempty"`
	// Forwarding makes the instance route between its interfaces (IPv4 and
	// IPv6 forwarding on inside its namespace): a NAT or firewall instance.
	// The switch still drops what it forwards unless source-dest-check is
	// off on its interfaces, as on EC2.
	Forwarding bool       `json:"forwarding,omitempty"`
	Conntrack  Conntrack  `json:"conntrack"`
	Allowances Allowances `json:"allowances"`
	// InstanceType (instance-type) picks the allowances the node does not
	// name (ruleset.ConntrackMaxFor); "" for none.
	InstanceType string `json:"instanceType,omitempty"`
	Line         int    `json:"line,omitempty"`
}

// Conntrack is EC2's ConnectionTrackingSpecification in seconds (0 = default).
type Conntrack struct {
	TcpEstablishedTimeout int32 `json:"tcpEstablishedTimeout,omitempty"`
	UdpStreamTimeout      int32 `json:"udpStreamTimeout,omitempty"`
	UdpTimeout            int32 `json:"udpTimeout,omitempty"`
}

// Allowances are per-interface limits (0 = unlimited, except ConntrackMax:
// 0 is the default of the node's instance type, ruleset.DefaultConntrackMax
// without one; every interface has a conntrack allowance).
type Allowances struct {
	ConntrackMax            uint64 `json:"conntrackMax,omitempty"`
	NewConnectionsPerSecond uint64 `json:"newConnectionsPerSecond,omitempty"`
	PPS                     uint64 `json:"pps,omitempty"`
	BandwidthInMbps         uint64 `json:"bandwidthInMbps,omitempty"`
	BandwidthOutMbps        uint64 `json:"bandwidthOutMbps,omitempty"`
}

// Check is one expected reachability from one node to another. From and
// To name a node (its eth0) or an interface (node.ethN); FromIP picks
// another source address the sender owns, and ToIP replaces To with any
// address at all (the node that owns it, if any, answers).
type Check struct {
	From   string     `json:"from"`
	To     string     `json:"to,omitempty"`
	FromIP netip.Addr `json:"fromIp,omitzero"`
	ToIP   netip.Addr `json:"toIp,omitzero"`
	Proto  string     `json:"proto"`          // tcp | udp | icmp
	Port   uint16     `json:"port,omitempty"` // tcp and udp
	Family int        `json:"family"`         // 4 or 6
	Expect string     `json:"expect"`         // allow | deny
	Line   int        `json:"line,omitempty"`
}

// Node returns the node called name, or nil.
func (l *Lab) Node(name string) *Node {
	for i := range l.Nodes {
		if l.Nodes[i].Name == name {
			return &l.Nodes[i]
		}
	}
	return nil
}

// Gateway is the VPC router's address: the subnet's base + 1.
func (l *Lab) Gateway() netip.Addr { return l.Subnet.Masked().Addr().Next() }

// GatewayIPv6 is the IPv6 router address (subnet ::1), zero without IPv6.
func (l *Lab) GatewayIPv6() netip.Addr {
	if !l.SubnetIPv6.IsValid() {
		return netip.Addr{}
	}
	return l.SubnetIPv6.Masked().Addr().Next()
}

// The daemon clocks a lab may ask for (Lab.Clock).
const (
	ClockReal    = "real"
	ClockVirtual = "virtual"
)
