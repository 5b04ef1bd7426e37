package ruleset

import (
	"net"
	"net/netip"
)

// The types in this file have the field names of the EC2 API / AWS CLI JSON,
// so encoding/json of them prints what the AWS CLI prints.

// IpPermission is one permission of a security group as the API sends and
// DescribeSecurityGroups returns it. It may list several peers; each becomes
// its own SecurityGroupRule.
type IpPermission struct {
	IpProtocol       string            `json:"IpProtocol"`
	FromPort         *int32            `json:"FromPort,omitempty"`
	ToPort           *int32            `json:"ToPort,omitempty"`
	UserIdGroupPairs []UserIdGroupPair `json:"UserIdGroupPairs"`
	IpRanges         []IpRange         `json:"IpRanges"`
	Ipv6Ranges       []Ipv6Range       `json:"Ipv6Ranges"`
	PrefixListIds    []PrefixListId    `json:"PrefixListIds"`
}

// IpRange is an IPv4 CIDR peer.
type IpRange struct {
	CidrIp      string  `json:"CidrIp"`
	Description *string `json:"Description,omitempty"`
}

// Ipv6Range is an IPv6 CIDR peer.
type Ipv6Range struct {
	CidrIpv6    string  `json:"CidrIpv6"`
	Description *string `json:"Description,omitempty"`
}

// PrefixListId is a prefix-list peer.
type PrefixListId struct {
	PrefixListId string  `json:"PrefixListId"`
	Description  *string `json:"Description,omitempty"`
}

// UserIdGroupPair is a security-group peer.
type UserIdGroupPair struct {
	Description            *string `json:"Description,omitempty"`
	GroupId                string  `json:"GroupId,omitempty"`
	GroupName              string  `json:"GroupName,omitempty"`
	UserId                 string  `json:"UserId,omitempty"`
	VpcId                  string  `json:"VpcId,omitempty"`
	VpcPeeringConnectionId string  `json:"VpcPeeringConnectionId,omitempty"`
	PeeringStatus          string  `json:"PeeringStatus,omitempty"`
}

// Tag is an EC2 tag.
type Tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// Filter is an EC2 describe filter; several values are ORed.
type Filter struct {
	Name   string   `json:"Name"`
	Values []string `json:"Values"`
}

// SecurityGroup is the DescribeSecurityGroups shape.
type SecurityGroup struct {
	GroupId             string         `json:"GroupId"`
	GroupName           string         `json:"GroupName"`
	Description         string         `json:"Description"`
	OwnerId             string         `json:"OwnerId"`
	VpcId               string         `json:"VpcId"`
	SecurityGroupArn    string         `json:"SecurityGroupArn"`
	IpPermissions       []IpPermission `json:"IpPermissions"`
	IpPermissionsEgress []IpPermission `json:"IpPermissionsEgress"`
	Tags                []Tag          `json:"Tags,omitempty"`
}

// ReferencedGroup is the peer of a group-reference rule in
// DescribeSecurityGroupRules.
type ReferencedGroup struct {
	GroupId                string `json:"GroupId"`
	PeeringStatus          string `json:"PeeringStatus,omitempty"`
	UserId                 string `json:"UserId,omitempty"`
	VpcId                  string `json:"VpcId,omitempty"`
	VpcPeeringConnectionId string `json:"VpcPeeringConnectionId,omitempty"`
}

// SecurityGroupRule is the DescribeSecurityGroupRules shape: one peer per rule.
// FromPort/ToPort are -1 where the protocol has no ports.
type SecurityGroupRule struct {
	SecurityGroupRuleId  string           `json:"SecurityGroupRuleId"`
	GroupId              string           `json:"GroupId"`
	GroupOwnerId         string           `json:"GroupOwnerId"`
	IsEgress             bool             `json:"IsEgress"`
	IpProtocol           string           `json:"IpProtocol"`
	FromPort             int32            `json:"FromPort"`
	ToPort               int32            `json:"ToPort"`
	CidrIpv4             *string          `json:"CidrIpv4,omitempty"`
	CidrIpv6             *string          `json:"CidrIpv6,omitempty"`
	PrefixListId         *string          `json:"PrefixListId,omitempty"`
	ReferencedGroupInfo  *ReferencedGroup `json:"ReferencedGroupInfo,omitempty"`
	Description          *string          `json:"Description,omitempty"`
	Tags                 []Tag            `json:"Tags"`
	SecurityGroupRuleArn string           `json:"SecurityGroupRuleArn"`
}

// SecurityGroupRuleRequest is the new content of a rule in
// ModifySecurityGroupRules. Nil fields are "not given".
type SecurityGroupRuleRequest struct {
	IpProtocol        *string `json:"IpProtocol,omitempty"`
	FromPort          *int32  `json:"FromPort,omitempty"`
	ToPort            *int32  `json:"ToPort,omitempty"`
	CidrIpv4          *string `json:"CidrIpv4,omitempty"`
	CidrIpv6          *string `json:"CidrIpv6,omitempty"`
	PrefixListId      *string `json:"PrefixListId,omitempty"`
	ReferencedGroupId *string `json:"ReferencedGroupId,omitempty"`
	Description       *string `json:"Description,omitempty"`
}

// SecurityGroupRuleUpdate is one item of ModifySecurityGroupRules.
type SecurityGroupRuleUpdate struct {
	SecurityGroupRuleId string                    `json:"SecurityGroupRuleId"`
	SecurityGroupRule   *SecurityGroupRuleRequest `json:"SecurityGroupRule,omitempty"`
}

// SecurityGroupRuleDescription is one item of
// UpdateSecurityGroupRuleDescriptions{Ingress,Egress} by rule id. A nil
// Description removes the description.
type SecurityGroupRuleDescription struct {
	SecurityGroupRuleId string  `json:"SecurityGroupRuleId"`
	Description         *string `json:"Description,omitempty"`
}

// ManagedPrefixList is the DescribeManagedPrefixLists shape.
type ManagedPrefixList struct {
	PrefixListId   string `json:"PrefixListId"`
	AddressFamily  string `json:"AddressFamily"`
	State          string `json:"State"`
	PrefixListArn  string `json:"PrefixListArn"`
	PrefixListName string `json:"PrefixListName"`
	MaxEntries     int32  `json:"MaxEntries"`
	Version        int64  `json:"Version"`
	Tags           []Tag  `json:"Tags,omitempty"`
	OwnerId        string `json:"OwnerId"`
}

// PrefixListEntry is one CIDR of a prefix list.
type PrefixListEntry struct {
	Cidr        string  `json:"Cidr"`
	Description *string `json:"Description,omitempty"`
}

// ConntrackSpec is EC2's ConnectionTrackingSpecification, in seconds; 0 means
// "not set" (the default applies). Ranges: TcpEstablishedTimeout 60..432000,
// UdpStreamTimeout 60..180, UdpTimeout 30..60.
type ConntrackSpec struct {
	TcpEstablishedTimeout int32 `json:"TcpEstablishedTimeout,omitempty"`
	UdpStreamTimeout      int32 `json:"UdpStreamTimeout,omitempty"`
	UdpTimeout            int32 `json:"UdpTimeout,omitempty"`
}

// EC2's default idle timeouts (seconds).
const (
	DefaultTcpEstablishedTimeout = 432000
	DefaultUdpStreamTimeout      = 180
	DefaultUdpTimeout            = 30
)

// WithDefaults returns c with every unset (0) field set to EC2's default.
func (c ConntrackSpec) WithDefaults() ConntrackSpec {
	if c.TcpEstablishedTimeout == 0 {
		c.TcpEstablishedTimeout = DefaultTcpEstablishedTimeout
	}
	if c.UdpStreamTimeout == 0 {
		c.UdpStreamTimeout = DefaultUdpStreamTimeout
	}
	if c.UdpTimeout == 0 {
		c.UdpTimeout = DefaultUdpTimeout
	}
	return c
}

// Allowances are sgswitch's per-interface limits (0 = unlimited, except
// ConntrackMax, where 0 is the default of the interface's instance type:
// allowances.go), enforced by the switch and counted under the ENA metric
// names.
type Allowances struct {
	ConntrackMax            uint64 `json:"ConntrackMax,omitempty"`
	NewConnectionsPerSecond uint64 `json:"NewConnectionsPerSecond,omitempty"`
	PPS                     uint64 `json:"PPS,omitempty"`
	BandwidthInMbps         uint64 `json:"BandwidthInMbps,omitempty"`
	BandwidthOutMbps        uint64 `json:"BandwidthOutMbps,omitempty"`
}

// GroupIdentifier names a group of a network interface.
type GroupIdentifier struct {
	GroupId   string `json:"GroupId"`
	GroupName string `json:"GroupName"`
}

// NetworkInterfaceIpv6Address is one IPv6 address of an interface.
type NetworkInterfaceIpv6Address struct {
	Ipv6Address string `json:"Ipv6Address"`
}

// NetworkInterfacePrivateIpAddress is one private IPv4 address of an interface.
type NetworkInterfacePrivateIpAddress struct {
	Primary          bool   `json:"Primary"`
	PrivateIpAddress string `json:"PrivateIpAddress"`
}

// ConnectionTrackingConfiguration is the describe shape of ConntrackSpec
// (defaults filled in).
type ConnectionTrackingConfiguration struct {
	TcpEstablishedTimeout int32 `json:"TcpEstablishedTimeout"`
	UdpStreamTimeout      int32 `json:"UdpStreamTimeout"`
	UdpTimeout            int32 `json:"UdpTimeout"`
}

// NetworkInterface is the DescribeNetworkInterfaces shape, plus sgswitch's
// Allowances.
type NetworkInterface struct {
	NetworkInterfaceId              string                             `json:"NetworkInterfaceId"`
	Description                     string                             `json:"Description"`
	InterfaceType                   string                             `json:"InterfaceType"`
	MacAddress                      string                             `json:"MacAddress"`
	OwnerId                         string                             `json:"OwnerId"`
	PrivateIpAddress                string                             `json:"PrivateIpAddress"`
	PrivateIpAddresses              []NetworkInterfacePrivateIpAddress `json:"PrivateIpAddresses"`
	Ipv6Addresses                   []NetworkInterfaceIpv6Address      `json:"Ipv6Addresses"`
	Groups                          []GroupIdentifier                  `json:"Groups"`
	ConnectionTrackingConfiguration *ConnectionTrackingConfiguration   `json:"ConnectionTrackingConfiguration,omitempty"`
	SourceDestCheck                 bool                               `json:"SourceDestCheck"`
	Status                          string                             `json:"Status"`
	Attachment                      *NetworkInterfaceAttachment        `json:"Attachment,omitempty"`
	SubnetId                        string                             `json:"SubnetId"`
	VpcId                           string                             `json:"VpcId"`
	TagSet                          []Tag                              `json:"TagSet"`
	Allowances                      *Allowances                        `json:"Allowances,omitempty"`
}

// NetworkInterfaceAttachment is the describe shape of an attached
// interface; InstanceId is InstanceID of the attachment target.
type NetworkInterfaceAttachment struct {
	AttachmentId    string `json:"AttachmentId"`
	DeviceIndex     int32  `json:"DeviceIndex"`
	InstanceId      string `json:"InstanceId"`
	InstanceOwnerId string `json:"InstanceOwnerId"`
	Status          string `json:"Status"`
}

// ENISpec is the input of CreateNetworkInterface.
type ENISpec struct {
	Name         string           // the Name tag; also a lab name for ResolveInterface
	Description  string           // optional
	MAC          net.HardwareAddr // nil: a locally administered MAC derived from the id
	IPv4         []netip.Addr     // first is primary; at least one, inside the VPC subnet
	IPv6         []netip.Addr     // needs the VPC to have IPv6
	Groups       []string         // ids or names; empty: the default group
	Conntrack    ConntrackSpec
	Allowances   Allowances
	Tags         []Tag  // besides Name
	InstanceType string // the node's instance type ("": none); picks default allowances
	AttachedTo   string // the instance it is attached to ("lab/node"); "": available
	DeviceIndex  int32  // the attachment's device index (with AttachedTo)
}

// VPCInfo describes the VPC of a State.
type VPCInfo struct {
	VpcId    string
	SubnetId string
	OwnerId  string
	Region   string
	CIDR     netip.Prefix
	IPv6CIDR netip.Prefix // invalid (zero) when the VPC has no IPv6
}

// HasIPv6 reports whether the VPC has an IPv6 CIDR.
func (v VPCInfo) HasIPv6() bool { return v.IPv6CIDR.IsValid() }
