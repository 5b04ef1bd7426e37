package ec2api

// Wire shapes of the EC2 API (version 2016-11-15). Each field carries
// three names: `query` (the request parameter), `xml` (the response
// element, the model's locationName) and `json` (the name the AWS CLI
// prints), so one type serves the server, the sgswitch ec2 client and its
// JSON output. Shapes used in both requests and responses (IpPermission)
// carry all three.
//
// A response struct's fields follow its shape's member order in the EC2
// model: EC2 writes its XML in that order and the AWS CLI builds its JSON
// objects in it, so sgswitch ec2 prints the CLI's key order with no table
// of its own. Members newer than the AWS CLI 2.9.19 model that CI checks
// against (TestOutputFieldsInModelOrder, newerThanModel) come last.

// IpPermission is a set of rules that share a protocol and port range.
// UserIdGroupPairs is called Groups on the wire.
type IpPermission struct {
	FromPort         *int32                `query:"FromPort" xml:"fromPort,omitempty" json:"FromPort,omitempty"`
	IpProtocol       string                `query:"IpProtocol" xml:"ipProtocol" json:"IpProtocol"`
	IpRanges         List[IpRange]         `query:"IpRanges" xml:"ipRanges" json:"IpRanges"`
	Ipv6Ranges       List[Ipv6Range]       `query:"Ipv6Ranges" xml:"ipv6Ranges" json:"Ipv6Ranges"`
	PrefixListIds    List[PrefixListId]    `query:"PrefixListIds" xml:"prefixListIds" json:"PrefixListIds"`
	ToPort           *int32                `query:"ToPort" xml:"toPort,omitempty" json:"ToPort,omitempty"`
	UserIdGroupPairs List[UserIdGroupPair] `query:"Groups" xml:"groups" json:"UserIdGroupPairs"`
}

// IpRange is an IPv4 CIDR peer.
type IpRange struct {
	CidrIp      string  `query:"CidrIp" xml:"cidrIp" json:"CidrIp"`
	Description *string `query:"Description" xml:"description,omitempty" json:"Description,omitempty"`
}

// Ipv6Range is an IPv6 CIDR peer.
type Ipv6Range struct {
	CidrIpv6    string  `query:"CidrIpv6" xml:"cidrIpv6" json:"CidrIpv6"`
	Description *string `query:"Description" xml:"description,omitempty" json:"Description,omitempty"`
}

// PrefixListId is a managed prefix list peer.
type PrefixListId struct {
	Description  *string `query:"Description" xml:"description,omitempty" json:"Description,omitempty"`
	PrefixListId string  `query:"PrefixListId" xml:"prefixListId" json:"PrefixListId"`
}

// UserIdGroupPair is a security group peer.
type UserIdGroupPair struct {
	Description            *string `query:"Description" xml:"description,omitempty" json:"Description,omitempty"`
	GroupId                string  `query:"GroupId" xml:"groupId,omitempty" json:"GroupId,omitempty"`
	GroupName              string  `query:"GroupName" xml:"groupName,omitempty" json:"GroupName,omitempty"`
	PeeringStatus          string  `query:"PeeringStatus" xml:"peeringStatus,omitempty" json:"PeeringStatus,omitempty"`
	UserId                 string  `query:"UserId" xml:"userId,omitempty" json:"UserId,omitempty"`
	VpcId                  string  `query:"VpcId" xml:"vpcId,omitempty" json:"VpcId,omitempty"`
	VpcPeeringConnectionId string  `query:"VpcPeeringConnectionId" xml:"vpcPeeringConnectionId,omitempty" json:"VpcPeeringConnectionId,omitempty"`
}

// Tag is a key/value pair.
type Tag struct {
	Key   string `query:"Key" xml:"key" json:"Key"`
	Value string `query:"Value" xml:"value" json:"Value"`
}

// TagSpecification tags a resource at creation (TagSpecification.N).
type TagSpecification struct {
	ResourceType string `query:"ResourceType" json:"ResourceType,omitempty"`
	Tags         []Tag  `query:"Tag" json:"Tags"`
}

// Filter is one Filter.N of a Describe call; its values are ORed.
type Filter struct {
	Name   string   `query:"Name" json:"Name"`
	Values []string `query:"Value" json:"Values"`
}

// SecurityGroup is an item of DescribeSecurityGroups.
type SecurityGroup struct {
	Description         string             `xml:"groupDescription" json:"Description"`
	GroupName           string             `xml:"groupName" json:"GroupName"`
	IpPermissions       List[IpPermission] `xml:"ipPermissions" json:"IpPermissions"`
	OwnerId             string             `xml:"ownerId" json:"OwnerId"`
	GroupId             string             `xml:"groupId" json:"GroupId"`
	IpPermissionsEgress List[IpPermission] `xml:"ipPermissionsEgress" json:"IpPermissionsEgress"`
	Tags                *List[Tag]         `xml:"tagSet,omitempty" json:"Tags,omitempty"`
	VpcId               string             `xml:"vpcId" json:"VpcId"`
	SecurityGroupArn    string             `xml:"securityGroupArn" json:"SecurityGroupArn"`
}

// SecurityGroupRule is one rule (one peer) with its sgr- ID.
type SecurityGroupRule struct {
	SecurityGroupRuleId  string                   `xml:"securityGroupRuleId" json:"SecurityGroupRuleId"`
	GroupId              string                   `xml:"groupId" json:"GroupId"`
	GroupOwnerId         string                   `xml:"groupOwnerId" json:"GroupOwnerId"`
	IsEgress             bool                     `xml:"isEgress" json:"IsEgress"`
	IpProtocol           string                   `xml:"ipProtocol" json:"IpProtocol"`
	FromPort             int32                    `xml:"fromPort" json:"FromPort"`
	ToPort               int32                    `xml:"toPort" json:"ToPort"`
	CidrIpv4             *string                  `xml:"cidrIpv4,omitempty" json:"CidrIpv4,omitempty"`
	CidrIpv6             *string                  `xml:"cidrIpv6,omitempty" json:"CidrIpv6,omitempty"`
	PrefixListId         *string                  `xml:"prefixListId,omitempty" json:"PrefixListId,omitempty"`
	ReferencedGroupInfo  *ReferencedSecurityGroup `xml:"referencedGroupInfo,omitempty" json:"ReferencedGroupInfo,omitempty"`
	Description          *string                  `xml:"description,omitempty" json:"Description,omitempty"`
	Tags                 List[Tag]                `xml:"tagSet" json:"Tags"`
	SecurityGroupRuleArn string                   `xml:"securityGroupRuleArn,omitempty" json:"SecurityGroupRuleArn,omitempty"`
}

// ReferencedSecurityGroup is the peer group of a SecurityGroupRule.
type ReferencedSecurityGroup struct {
	GroupId                string `xml:"groupId" json:"GroupId"`
	PeeringStatus          string `xml:"peeringStatus,omitempty" json:"PeeringStatus,omitempty"`
	UserId                 string `xml:"userId,omitempty" json:"UserId,omitempty"`
	VpcId                  string `xml:"vpcId,omitempty" json:"VpcId,omitempty"`
	VpcPeeringConnectionId string `xml:"vpcPeeringConnectionId,omitempty" json:"VpcPeeringConnectionId,omitempty"`
}

// SecurityGroupRuleUpdate is one SecurityGroupRule.N of ModifySecurityGroupRules.
type SecurityGroupRuleUpdate struct {
	SecurityGroupRuleId string                    `query:"SecurityGroupRuleId" json:"SecurityGroupRuleId"`
	SecurityGroupRule   *SecurityGroupRuleRequest `query:"SecurityGroupRule" json:"SecurityGroupRule,omitempty"`
}

// SecurityGroupRuleRequest is the new content of a modified rule.
type SecurityGroupRuleRequest struct {
	IpProtocol        string  `query:"IpProtocol" json:"IpProtocol,omitempty"`
	FromPort          *int32  `query:"FromPort" json:"FromPort,omitempty"`
	ToPort            *int32  `query:"ToPort" json:"ToPort,omitempty"`
	CidrIpv4          string  `query:"CidrIpv4" json:"CidrIpv4,omitempty"`
	CidrIpv6          string  `query:"CidrIpv6" json:"CidrIpv6,omitempty"`
	PrefixListId      string  `query:"PrefixListId" json:"PrefixListId,omitempty"`
	ReferencedGroupId string  `query:"ReferencedGroupId" json:"ReferencedGroupId,omitempty"`
	Description       *string `query:"Description" json:"Description,omitempty"`
}

// SecurityGroupRuleDescription sets one rule's description by ID.
type SecurityGroupRuleDescription struct {
	SecurityGroupRuleId string  `query:"SecurityGroupRuleId" json:"SecurityGroupRuleId"`
	Description         *string `query:"Description" json:"Description,omitempty"`
}

// NetworkInterface is an item of DescribeNetworkInterfaces.
type NetworkInterface struct {
	Attachment                      *NetworkInterfaceAttachment            `xml:"attachment,omitempty" json:"Attachment,omitempty"`
	AvailabilityZone                string                                 `xml:"availabilityZone,omitempty" json:"AvailabilityZone,omitempty"`
	Description                     string                                 `xml:"description" json:"Description"`
	Groups                          List[GroupIdentifier]                  `xml:"groupSet" json:"Groups"`
	InterfaceType                   string                                 `xml:"interfaceType" json:"InterfaceType"`
	Ipv6Addresses                   List[NetworkInterfaceIpv6Address]      `xml:"ipv6AddressesSet" json:"Ipv6Addresses"`
	MacAddress                      string                                 `xml:"macAddress" json:"MacAddress"`
	NetworkInterfaceId              string                                 `xml:"networkInterfaceId" json:"NetworkInterfaceId"`
	OwnerId                         string                                 `xml:"ownerId" json:"OwnerId"`
	PrivateIpAddress                string                                 `xml:"privateIpAddress,omitempty" json:"PrivateIpAddress,omitempty"`
	PrivateIpAddresses              List[NetworkInterfacePrivateIpAddress] `xml:"privateIpAddressesSet" json:"PrivateIpAddresses"`
	RequesterManaged                bool                                   `xml:"requesterManaged" json:"RequesterManaged"`
	SourceDestCheck                 bool                                   `xml:"sourceDestCheck" json:"SourceDestCheck"`
	Status                          string                                 `xml:"status" json:"Status"`
	SubnetId                        string                                 `xml:"subnetId,omitempty" json:"SubnetId,omitempty"`
	TagSet                          List[Tag]                              `xml:"tagSet" json:"TagSet"`
	VpcId                           string                                 `xml:"vpcId" json:"VpcId"`
	ConnectionTrackingConfiguration *ConnectionTrackingConfiguration       `xml:"connectionTrackingConfiguration,omitempty" json:"ConnectionTrackingConfiguration,omitempty"`
}

// NetworkInterfaceAttachment is how an interface is attached.
type NetworkInterfaceAttachment struct {
	AttachmentId    string `xml:"attachmentId" json:"AttachmentId"`
	DeviceIndex     int32  `xml:"deviceIndex" json:"DeviceIndex"`
	InstanceId      string `xml:"instanceId" json:"InstanceId"`
	InstanceOwnerId string `xml:"instanceOwnerId" json:"InstanceOwnerId"`
	Status          string `xml:"status" json:"Status"`
}

// GroupIdentifier names a group associated with an interface.
type GroupIdentifier struct {
	GroupName string `xml:"groupName,omitempty" json:"GroupName,omitempty"`
	GroupId   string `xml:"groupId" json:"GroupId"`
}

// ConnectionTrackingConfiguration holds an interface's idle timeouts (seconds).
type ConnectionTrackingConfiguration struct {
	TcpEstablishedTimeout *int32 `xml:"tcpEstablishedTimeout,omitempty" json:"TcpEstablishedTimeout,omitempty"`
	UdpStreamTimeout      *int32 `xml:"udpStreamTimeout,omitempty" json:"UdpStreamTimeout,omitempty"`
	UdpTimeout            *int32 `xml:"udpTimeout,omitempty" json:"UdpTimeout,omitempty"`
}

// ConnectionTrackingSpecificationRequest sets idle timeouts; nil fields are unchanged.
type ConnectionTrackingSpecificationRequest struct {
	TcpEstablishedTimeout *int32 `query:"TcpEstablishedTimeout" json:"TcpEstablishedTimeout,omitempty"`
	UdpStreamTimeout      *int32 `query:"UdpStreamTimeout" json:"UdpStreamTimeout,omitempty"`
	UdpTimeout            *int32 `query:"UdpTimeout" json:"UdpTimeout,omitempty"`
}

// NetworkInterfaceIpv6Address is one IPv6 address of an interface.
type NetworkInterfaceIpv6Address struct {
	Ipv6Address   string `xml:"ipv6Address" json:"Ipv6Address"`
	IsPrimaryIpv6 *bool  `xml:"isPrimaryIpv6,omitempty" json:"IsPrimaryIpv6,omitempty"`
}

// NetworkInterfacePrivateIpAddress is one private IPv4 address of an interface.
type NetworkInterfacePrivateIpAddress struct {
	Primary          bool   `xml:"primary" json:"Primary"`
	PrivateIpAddress string `xml:"privateIpAddress" json:"PrivateIpAddress"`
}

// AttributeBooleanValue is a Name.Value boolean parameter.
type AttributeBooleanValue struct {
	Value *bool `query:"Value" json:"Value,omitempty"`
}

// AttributeValue is a Name.Value string parameter.
type AttributeValue struct {
	Value *string `query:"Value" json:"Value,omitempty"`
}

// Vpc is an item of DescribeVpcs.
type Vpc struct {
	CidrBlock                   string                             `xml:"cidrBlock" json:"CidrBlock"`
	DhcpOptionsId               string                             `xml:"dhcpOptionsId,omitempty" json:"DhcpOptionsId,omitempty"`
	State                       string                             `xml:"state" json:"State"`
	VpcId                       string                             `xml:"vpcId" json:"VpcId"`
	OwnerId                     string                             `xml:"ownerId" json:"OwnerId"`
	InstanceTenancy             string                             `xml:"instanceTenancy" json:"InstanceTenancy"`
	Ipv6CidrBlockAssociationSet *List[VpcIpv6CidrBlockAssociation] `xml:"ipv6CidrBlockAssociationSet,omitempty" json:"Ipv6CidrBlockAssociationSet,omitempty"`
	CidrBlockAssociationSet     List[VpcCidrBlockAssociation]      `xml:"cidrBlockAssociationSet" json:"CidrBlockAssociationSet"`
	IsDefault                   bool                               `xml:"isDefault" json:"IsDefault"`
	Tags                        *List[Tag]                         `xml:"tagSet,omitempty" json:"Tags,omitempty"`
}

// VpcCidrBlockAssociation is an IPv4 CIDR of a VPC.
type VpcCidrBlockAssociation struct {
	AssociationId  string             `xml:"associationId" json:"AssociationId"`
	CidrBlock      string             `xml:"cidrBlock" json:"CidrBlock"`
	CidrBlockState *VpcCidrBlockState `xml:"cidrBlockState,omitempty" json:"CidrBlockState,omitempty"`
}

// VpcIpv6CidrBlockAssociation is an IPv6 CIDR of a VPC.
type VpcIpv6CidrBlockAssociation struct {
	AssociationId      string             `xml:"associationId" json:"AssociationId"`
	Ipv6CidrBlock      string             `xml:"ipv6CidrBlock" json:"Ipv6CidrBlock"`
	Ipv6CidrBlockState *VpcCidrBlockState `xml:"ipv6CidrBlockState,omitempty" json:"Ipv6CidrBlockState,omitempty"`
	NetworkBorderGroup string             `xml:"networkBorderGroup,omitempty" json:"NetworkBorderGroup,omitempty"`
}

// VpcCidrBlockState is the state of a VPC CIDR association.
type VpcCidrBlockState struct {
	State string `xml:"state" json:"State"`
}
