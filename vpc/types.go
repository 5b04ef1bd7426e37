package vpc

// The types in this file have the field names of the EC2 API / AWS CLI
// JSON, so encoding/json of them prints what the AWS CLI prints.

// Tag is an EC2 tag.
type Tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// Filter is an EC2 describe filter; several values are ORed and may use
// the wildcards * and ?.
type Filter struct {
	Name   string   `json:"Name"`
	Values []string `json:"Values"`
}

// StateField is the {"State": …} object EC2 nests for lifecycle states.
type StateField struct {
	State string `json:"State"`
}

// Vpc is the DescribeVpcs shape.
type Vpc struct {
	CidrBlock                   string                        `json:"CidrBlock"`
	DhcpOptionsId               string                        `json:"DhcpOptionsId"`
	State                       string                        `json:"State"`
	VpcId                       string                        `json:"VpcId"`
	OwnerId                     string                        `json:"OwnerId"`
	InstanceTenancy             string                        `json:"InstanceTenancy"`
	Ipv6CidrBlockAssociationSet []VpcIpv6CidrBlockAssociation `json:"Ipv6CidrBlockAssociationSet,omitempty"`
	CidrBlockAssociationSet     []VpcCidrBlockAssociation     `json:"CidrBlockAssociationSet"`
	IsDefault                   bool                          `json:"IsDefault"`
	Tags                        []Tag                         `json:"Tags,omitempty"`
}

// VpcCidrBlockAssociation is an IPv4 CIDR of a VPC.
type VpcCidrBlockAssociation struct {
	AssociationId  string     `json:"AssociationId"`
	CidrBlock      string     `json:"CidrBlock"`
	CidrBlockState StateField `json:"CidrBlockState"`
}

// VpcIpv6CidrBlockAssociation is the IPv6 CIDR of a VPC.
type VpcIpv6CidrBlockAssociation struct {
	AssociationId      string     `json:"AssociationId"`
	Ipv6CidrBlock      string     `json:"Ipv6CidrBlock"`
	Ipv6CidrBlockState StateField `json:"Ipv6CidrBlockState"`
	NetworkBorderGroup string     `json:"NetworkBorderGroup"`
	Ipv6Pool           string     `json:"Ipv6Pool,omitempty"`
}

// SubnetIpv6CidrBlockAssociation is the IPv6 CIDR of a subnet.
type SubnetIpv6CidrBlockAssociation struct {
	AssociationId      string     `json:"AssociationId"`
	Ipv6CidrBlock      string     `json:"Ipv6CidrBlock"`
	Ipv6CidrBlockState StateField `json:"Ipv6CidrBlockState"`
}

// Subnet is the DescribeSubnets shape.
type Subnet struct {
	AvailabilityZone            string                           `json:"AvailabilityZone"`
	AvailableIpAddressCount     int                              `json:"AvailableIpAddressCount"`
	CidrBlock                   string                           `json:"CidrBlock"`
	DefaultForAz                bool                             `json:"DefaultForAz"`
	MapPublicIpOnLaunch         bool                             `json:"MapPublicIpOnLaunch"`
	State                       string                           `json:"State"`
	SubnetId                    string                           `json:"SubnetId"`
	VpcId                       string                           `json:"VpcId"`
	OwnerId                     string                           `json:"OwnerId"`
	AssignIpv6AddressOnCreation bool                             `json:"AssignIpv6AddressOnCreation"`
	Ipv6CidrBlockAssociationSet []SubnetIpv6CidrBlockAssociation `json:"Ipv6CidrBlockAssociationSet"`
	SubnetArn                   string                           `json:"SubnetArn"`
	Tags                        []Tag                            `json:"Tags,omitempty"`
}

// RouteTable is the DescribeRouteTables shape.
type RouteTable struct {
	Associations    []RouteTableAssociation `json:"Associations"`
	PropagatingVgws []struct{}              `json:"PropagatingVgws"`
	RouteTableId    string                  `json:"RouteTableId"`
	Routes          []Route                 `json:"Routes"`
	Tags            []Tag                   `json:"Tags"`
	VpcId           string                  `json:"VpcId"`
	OwnerId         string                  `json:"OwnerId"`
}

// RouteTableAssociation links a route table to a subnet, or marks it main.
type RouteTableAssociation struct {
	Main                    bool       `json:"Main"`
	RouteTableAssociationId string     `json:"RouteTableAssociationId"`
	RouteTableId            string     `json:"RouteTableId"`
	SubnetId                string     `json:"SubnetId,omitempty"`
	AssociationState        StateField `json:"AssociationState"`
}

// Route is one route as DescribeRouteTables shows it.
type Route struct {
	DestinationCidrBlock     string `json:"DestinationCidrBlock,omitempty"`
	DestinationIpv6CidrBlock string `json:"DestinationIpv6CidrBlock,omitempty"`
	GatewayId                string `json:"GatewayId,omitempty"`
	NetworkInterfaceId       string `json:"NetworkInterfaceId,omitempty"`
	Origin                   string `json:"Origin"`
	State                    string `json:"State"`
}

// NetworkAcl is the DescribeNetworkAcls shape.
type NetworkAcl struct {
	Associations []NetworkAclAssociation `json:"Associations"`
	Entries      []NetworkAclEntry       `json:"Entries"`
	IsDefault    bool                    `json:"IsDefault"`
	NetworkAclId string                  `json:"NetworkAclId"`
	Tags         []Tag                   `json:"Tags"`
	VpcId        string                  `json:"VpcId"`
	OwnerId      string                  `json:"OwnerId"`
}

// NetworkAclAssociation links a network ACL to a subnet.
type NetworkAclAssociation struct {
	NetworkAclAssociationId string `json:"NetworkAclAssociationId"`
	NetworkAclId            string `json:"NetworkAclId"`
	SubnetId                string `json:"SubnetId"`
}

// NetworkAclEntry is one entry as DescribeNetworkAcls shows it, and the
// input of CreateNetworkAclEntry / ReplaceNetworkAclEntry (Protocol may
// then also be "all", "tcp", "udp", "icmp" or "icmpv6").
type NetworkAclEntry struct {
	CidrBlock     string        `json:"CidrBlock,omitempty"`
	Egress        bool          `json:"Egress"`
	IcmpTypeCode  *IcmpTypeCode `json:"IcmpTypeCode,omitempty"`
	Ipv6CidrBlock string        `json:"Ipv6CidrBlock,omitempty"`
	PortRange     *PortRange    `json:"PortRange,omitempty"`
	Protocol      string        `json:"Protocol"`
	RuleAction    string        `json:"RuleAction"`
	RuleNumber    int32         `json:"RuleNumber"`
}

// IcmpTypeCode is an ICMP type and code; -1 means all.
type IcmpTypeCode struct {
	Code int32 `json:"Code"`
	Type int32 `json:"Type"`
}

// PortRange is an inclusive port range.
type PortRange struct {
	From int32 `json:"From"`
	To   int32 `json:"To"`
}

// TagDescription is the DescribeTags shape.
type TagDescription struct {
	Key          string `json:"Key"`
	ResourceId   string `json:"ResourceId"`
	ResourceType string `json:"ResourceType"`
	Value        string `json:"Value"`
}

// VpcAttribute names for ModifyVpcAttribute / DescribeVpcAttribute.
const (
	AttrEnableDnsSupport   = "enableDnsSupport"
	AttrEnableDnsHostnames = "enableDnsHostnames"
)
