package ec2api

import (
	"sgswitch/account"
	"sgswitch/vpc"
)

// VPC actions. VPCs are created and
// deleted through the Account, so that each gets (and loses) its default
// security group with it; reads go to the VPC model (Network).

type CreateVpcInput struct {
	CidrBlock         string             `query:"CidrBlock"`
	Ipv6CidrBlock     string             `query:"Ipv6CidrBlock"`
	InstanceTenancy   string             `query:"InstanceTenancy"`
	TagSpecifications []TagSpecification `query:"TagSpecification"`
	DryRunParam
}

type CreateVpcOutput struct {
	ResponseMetadata
	Vpc Vpc `xml:"vpc" json:"Vpc"`
}

type DeleteVpcInput struct {
	VpcId string `query:"VpcId"`
	DryRunParam
}

// netTags converts the TagSpecifications of a Create for resourceType
// into the model's tags.
func netTags(specs []TagSpecification, resourceType string) ([]vpc.Tag, error) {
	tags, err := tagsFor(specs, resourceType)
	if err != nil {
		return nil, err
	}
	return convert[[]vpc.Tag](tags)
}

func createVpc(a *account.Account, in *CreateVpcInput) (*CreateVpcOutput, error) {
	if in.CidrBlock == "" {
		return nil, missing("CidrBlock")
	}
	if err := checkTenancy(in.InstanceTenancy); err != nil {
		return nil, err
	}
	tags, err := netTags(in.TagSpecifications, "vpc")
	if err != nil {
		return nil, err
	}
	v, err := a.CreateVpc(in.CidrBlock, in.Ipv6CidrBlock, tags)
	if err != nil {
		return nil, err
	}
	out, err := convert[Vpc](v)
	if err != nil {
		return nil, err
	}
	return &CreateVpcOutput{Vpc: out}, nil
}

// checkTenancy accepts EC2's default tenancy (tools such as Ansible's
// ec2_vpc_net send it); sgswitch has no dedicated hardware.
func checkTenancy(t string) error {
	switch t {
	case "", "default":
		return nil
	case "dedicated", "host":
		return errorf(codeUnsupportedOperation, "sgswitch has only the default instance tenancy, not %s", t)
	}
	return errorf(codeInvalidParameterValue, "Value (%s) for parameter instanceTenancy is invalid. Valid values: default, dedicated, host.", t)
}

func deleteVpc(a *account.Account, in *DeleteVpcInput) (*EmptyOutput, error) {
	if in.VpcId == "" {
		return nil, missing("VpcId")
	}
	if err := a.DeleteVpc(in.VpcId); err != nil {
		return nil, err
	}
	return &EmptyOutput{}, nil
}

func describeVpcs(a *account.Account, in *DescribeVpcsInput) (*DescribeVpcsOutput, error) {
	filters, err := convert[[]vpc.Filter](in.Filters)
	if err != nil {
		return nil, err
	}
	vpcs, err := a.Network().DescribeVpcs(in.VpcIds, filters)
	if err != nil {
		return nil, err
	}
	lo, hi, next, err := page(len(vpcs), in.PageParams)
	if err != nil {
		return nil, err
	}
	out, err := convertList[Vpc](vpcs[lo:hi])
	if err != nil {
		return nil, err
	}
	return &DescribeVpcsOutput{Vpcs: out, NextToken: next}, nil
}

type ModifyVpcAttributeInput struct {
	VpcId              string                 `query:"VpcId"`
	EnableDnsSupport   *AttributeBooleanValue `query:"EnableDnsSupport"`
	EnableDnsHostnames *AttributeBooleanValue `query:"EnableDnsHostnames"`
	DryRunParam
}

// modifyVpcAttribute changes one attribute per call, as EC2 does.
func modifyVpcAttribute(a *account.Account, in *ModifyVpcAttributeInput) (*EmptyOutput, error) {
	if in.VpcId == "" {
		return nil, missing("VpcId")
	}
	var name string
	var value *AttributeBooleanValue
	switch {
	case in.EnableDnsSupport != nil && in.EnableDnsHostnames != nil:
		return nil, errorf(codeInvalidParameterCombination, "Fields for multiple attribute types specified: enableDnsSupport, enableDnsHostnames")
	case in.EnableDnsSupport != nil:
		name, value = vpc.AttrEnableDnsSupport, in.EnableDnsSupport
	case in.EnableDnsHostnames != nil:
		name, value = vpc.AttrEnableDnsHostnames, in.EnableDnsHostnames
	default:
		return nil, errorf(codeMissingParameter, "The request must contain exactly one attribute to modify: EnableDnsSupport or EnableDnsHostnames")
	}
	if value.Value == nil {
		return nil, missing(name + ".Value")
	}
	if err := a.Network().ModifyVpcAttribute(in.VpcId, name, *value.Value); err != nil {
		return nil, err
	}
	return &EmptyOutput{}, nil
}

type DescribeVpcAttributeInput struct {
	VpcId     string `query:"VpcId"`
	Attribute string `query:"Attribute"`
	DryRunParam
}

// AttributeBoolean is EC2's <name><value>…</value></name> in a response.
type AttributeBoolean struct {
	Value bool `xml:"value" json:"Value"`
}

type DescribeVpcAttributeOutput struct {
	ResponseMetadata
	VpcId              string            `xml:"vpcId" json:"VpcId"`
	EnableDnsHostnames *AttributeBoolean `xml:"enableDnsHostnames,omitempty" json:"EnableDnsHostnames,omitempty"`
	EnableDnsSupport   *AttributeBoolean `xml:"enableDnsSupport,omitempty" json:"EnableDnsSupport,omitempty"`
}

func describeVpcAttribute(a *account.Account, in *DescribeVpcAttributeInput) (*DescribeVpcAttributeOutput, error) {
	if in.VpcId == "" {
		return nil, missing("VpcId")
	}
	if in.Attribute == "" {
		return nil, missing("Attribute")
	}
	on, err := a.Network().DescribeVpcAttribute(in.VpcId, in.Attribute)
	if err != nil {
		return nil, err
	}
	out := &DescribeVpcAttributeOutput{VpcId: in.VpcId}
	if in.Attribute == vpc.AttrEnableDnsSupport {
		out.EnableDnsSupport = &AttributeBoolean{Value: on}
	} else {
		out.EnableDnsHostnames = &AttributeBoolean{Value: on}
	}
	return out, nil
}

type DescribeVpcClassicLinkInput struct {
	VpcIds  []string `query:"VpcId"`
	Filters []Filter `query:"Filter"`
	DryRunParam
}

// describeVpcClassicLink answers as EC2 does in a Region without
// EC2-Classic (every Region since its retirement), with the message
// tools match (Ansible's ec2_vpc_net reads it as "ClassicLink off").
func describeVpcClassicLink(*account.Account, *DescribeVpcClassicLinkInput) (*EmptyOutput, error) {
	return nil, errorf(codeUnsupportedOperation, "The functionality you requested is not available in this region.")
}

type DescribeVpcClassicLinkDnsSupportInput struct {
	VpcIds []string `query:"VpcIds"`
	PageParams
	DryRunParam
}

// describeVpcClassicLinkDnsSupport: as describeVpcClassicLink (Ansible's
// ec2_vpc_net_info reads UnsupportedOperation as "not supported").
func describeVpcClassicLinkDnsSupport(*account.Account, *DescribeVpcClassicLinkDnsSupportInput) (*EmptyOutput, error) {
	return nil, errorf(codeUnsupportedOperation, "The functionality you requested is not available in this region.")
}
