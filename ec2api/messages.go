package ec2api

// Request and response messages of the supported actions. Inputs are
// decoded from (and, by the sgswitch ec2 client, encoded to) query
// parameters; outputs are encoded as <ActionResponse> XML and printed by
// the client as AWS CLI JSON.

// DryRunParam is the DryRun parameter every action accepts.
type DryRunParam struct {
	DryRun *bool `query:"DryRun" json:"-"`
}

func (p DryRunParam) dryRun() bool { return p.DryRun != nil && *p.DryRun }

// SetDryRun sets or clears DryRun (every input embeds DryRunParam).
func (p *DryRunParam) SetDryRun(on bool) { p.DryRun = &on }

// ResponseMetadata carries the request ID of every response.
type ResponseMetadata struct {
	RequestId string `xml:"requestId" json:"-"`
}

func (m *ResponseMetadata) setRequestID(id string) { m.RequestId = id }

// PageParams are the pagination parameters of Describe calls.
type PageParams struct {
	MaxResults *int32 `query:"MaxResults" json:"-"`
	NextToken  string `query:"NextToken" json:"-"`
}

type CreateSecurityGroupInput struct {
	GroupName         string             `query:"GroupName"`
	Description       string             `query:"GroupDescription"`
	VpcId             string             `query:"VpcId"`
	TagSpecifications []TagSpecification `query:"TagSpecification"`
	DryRunParam
}

type CreateSecurityGroupOutput struct {
	ResponseMetadata
	GroupId          string     `xml:"groupId" json:"GroupId"`
	Tags             *List[Tag] `xml:"tagSet,omitempty" json:"Tags,omitempty"`
	SecurityGroupArn string     `xml:"securityGroupArn" json:"SecurityGroupArn"`
}

type DeleteSecurityGroupInput struct {
	GroupId   string `query:"GroupId"`
	GroupName string `query:"GroupName"`
	DryRunParam
}

type DeleteSecurityGroupOutput struct {
	ResponseMetadata
	Return  bool   `xml:"return" json:"Return"`
	GroupId string `xml:"groupId" json:"GroupId"`
}

type DescribeSecurityGroupsInput struct {
	GroupIds   []string `query:"GroupId"`
	GroupNames []string `query:"GroupName"`
	Filters    []Filter `query:"Filter"`
	PageParams
	DryRunParam
}

type DescribeSecurityGroupsOutput struct {
	ResponseMetadata
	SecurityGroups List[SecurityGroup] `xml:"securityGroupInfo" json:"SecurityGroups"`
	NextToken      string              `xml:"nextToken,omitempty" json:"NextToken,omitempty"`
}

type DescribeSecurityGroupRulesInput struct {
	SecurityGroupRuleIds []string `query:"SecurityGroupRuleId"`
	Filters              []Filter `query:"Filter"`
	PageParams
	DryRunParam
}

type DescribeSecurityGroupRulesOutput struct {
	ResponseMetadata
	SecurityGroupRules List[SecurityGroupRule] `xml:"securityGroupRuleSet" json:"SecurityGroupRules"`
	NextToken          string                  `xml:"nextToken,omitempty" json:"NextToken,omitempty"`
}

// AuthorizeSecurityGroupInput is the input of AuthorizeSecurityGroupIngress
// and AuthorizeSecurityGroupEgress (which does not take GroupName).
type AuthorizeSecurityGroupInput struct {
	GroupId           string             `query:"GroupId"`
	GroupName         string             `query:"GroupName"`
	IpPermissions     []IpPermission     `query:"IpPermissions"`
	TagSpecifications []TagSpecification `query:"TagSpecification"`
	LegacyPermission
	DryRunParam
}

// LegacyPermission holds the flat, pre-IpPermissions parameters.
type LegacyPermission struct {
	IpProtocol                 string `query:"IpProtocol"`
	FromPort                   *int32 `query:"FromPort"`
	ToPort                     *int32 `query:"ToPort"`
	CidrIp                     string `query:"CidrIp"`
	SourceSecurityGroupName    string `query:"SourceSecurityGroupName"`
	SourceSecurityGroupOwnerId string `query:"SourceSecurityGroupOwnerId"`
}

func (l LegacyPermission) given() bool {
	return l.IpProtocol != "" || l.FromPort != nil || l.ToPort != nil || l.CidrIp != "" ||
		l.SourceSecurityGroupName != "" || l.SourceSecurityGroupOwnerId != ""
}

type AuthorizeSecurityGroupOutput struct {
	ResponseMetadata
	Return             bool                    `xml:"return" json:"Return"`
	SecurityGroupRules List[SecurityGroupRule] `xml:"securityGroupRuleSet" json:"SecurityGroupRules"`
}

// RevokeSecurityGroupInput is the input of RevokeSecurityGroupIngress and
// RevokeSecurityGroupEgress (which does not take GroupName).
type RevokeSecurityGroupInput struct {
	GroupId              string         `query:"GroupId"`
	GroupName            string         `query:"GroupName"`
	IpPermissions        []IpPermission `query:"IpPermissions"`
	SecurityGroupRuleIds []string       `query:"SecurityGroupRuleId"`
	LegacyPermission
	DryRunParam
}

type RevokeSecurityGroupOutput struct {
	ResponseMetadata
	Return                    bool                    `xml:"return" json:"Return"`
	UnknownIpPermissions      *List[IpPermission]     `xml:"unknownIpPermissionSet,omitempty" json:"UnknownIpPermissions,omitempty"`
	RevokedSecurityGroupRules List[SecurityGroupRule] `xml:"revokedSecurityGroupRuleSet" json:"RevokedSecurityGroupRules"`
}

type ModifySecurityGroupRulesInput struct {
	GroupId            string                    `query:"GroupId"`
	SecurityGroupRules []SecurityGroupRuleUpdate `query:"SecurityGroupRule"`
	DryRunParam
}

// ReturnOutput is the output of actions that only answer true.
type ReturnOutput struct {
	ResponseMetadata
	Return bool `xml:"return" json:"Return"`
}

// UpdateSecurityGroupRuleDescriptionsInput is the input of
// UpdateSecurityGroupRuleDescriptionsIngress and …Egress.
type UpdateSecurityGroupRuleDescriptionsInput struct {
	GroupId                       string                         `query:"GroupId"`
	GroupName                     string                         `query:"GroupName"`
	IpPermissions                 []IpPermission                 `query:"IpPermissions"`
	SecurityGroupRuleDescriptions []SecurityGroupRuleDescription `query:"SecurityGroupRuleDescription"`
	DryRunParam
}

type DescribeNetworkInterfacesInput struct {
	NetworkInterfaceIds     []string `query:"NetworkInterfaceId"`
	Filters                 []Filter `query:"Filter"`
	IncludeManagedResources *bool    `query:"IncludeManagedResources"`
	PageParams
	DryRunParam
}

type DescribeNetworkInterfacesOutput struct {
	ResponseMetadata
	NetworkInterfaces List[NetworkInterface] `xml:"networkInterfaceSet" json:"NetworkInterfaces"`
	NextToken         string                 `xml:"nextToken,omitempty" json:"NextToken,omitempty"`
}

type ModifyNetworkInterfaceAttributeInput struct {
	NetworkInterfaceId              string                                  `query:"NetworkInterfaceId"`
	Groups                          []string                                `query:"SecurityGroupId"`
	ConnectionTrackingSpecification *ConnectionTrackingSpecificationRequest `query:"ConnectionTrackingSpecification"`
	SourceDestCheck                 *AttributeBooleanValue                  `query:"SourceDestCheck"`
	Description                     *AttributeValue                         `query:"Description"`
	DryRunParam
}

// EmptyOutput is the output of actions that return nothing but a request ID.
type EmptyOutput struct {
	ResponseMetadata
}

type DescribeVpcsInput struct {
	VpcIds  []string `query:"VpcId"`
	Filters []Filter `query:"Filter"`
	PageParams
	DryRunParam
}

type DescribeVpcsOutput struct {
	ResponseMetadata
	Vpcs      List[Vpc] `xml:"vpcSet" json:"Vpcs"`
	NextToken string    `xml:"nextToken,omitempty" json:"NextToken,omitempty"`
}
