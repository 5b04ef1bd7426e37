package ec2api

import (
	"sgswitch/account"
	"sgswitch/vpc"
)

// Subnet actions over an account (AccountBackend): the VPC model's
// subnets, several per VPC.

type CreateSubnetInput struct {
	VpcId             string             `query:"VpcId"`
	CidrBlock         string             `query:"CidrBlock"`
	Ipv6CidrBlock     string             `query:"Ipv6CidrBlock"`
	AvailabilityZone  string             `query:"AvailabilityZone"`
	TagSpecifications []TagSpecification `query:"TagSpecification"`
	DryRunParam
}

type CreateSubnetOutput struct {
	ResponseMetadata
	Subnet Subnet `xml:"subnet" json:"Subnet"`
}

type DeleteSubnetInput struct {
	SubnetId string `query:"SubnetId"`
	DryRunParam
}

func createSubnet(a *account.Account, in *CreateSubnetInput) (*CreateSubnetOutput, error) {
	if in.VpcId == "" {
		return nil, missing("VpcId")
	}
	// EC2 names the missing CIDR; the model would call "" an invalid one.
	if in.CidrBlock == "" && in.Ipv6CidrBlock == "" {
		return nil, errorf(codeMissingParameter, "Either 'cidrBlock' or 'ipv6CidrBlock' should be provided.")
	}
	tags, err := netTags(in.TagSpecifications, "subnet")
	if err != nil {
		return nil, err
	}
	s, err := a.Network().CreateSubnet(in.VpcId, in.CidrBlock, in.Ipv6CidrBlock, in.AvailabilityZone, tags)
	if err != nil {
		return nil, err
	}
	out, err := convert[Subnet](s)
	if err != nil {
		return nil, err
	}
	return &CreateSubnetOutput{Subnet: out}, nil
}

func deleteSubnet(a *account.Account, in *DeleteSubnetInput) (*EmptyOutput, error) {
	if in.SubnetId == "" {
		return nil, missing("SubnetId")
	}
	if err := a.Network().DeleteSubnet(in.SubnetId); err != nil {
		return nil, err
	}
	return &EmptyOutput{}, nil
}

func describeNetSubnets(a *account.Account, in *DescribeSubnetsInput) (*DescribeSubnetsOutput, error) {
	filters, err := convert[[]vpc.Filter](in.Filters)
	if err != nil {
		return nil, err
	}
	subnets, err := a.Network().DescribeSubnets(in.SubnetIds, filters)
	if err != nil {
		return nil, err
	}
	lo, hi, next, err := page(len(subnets), in.PageParams)
	if err != nil {
		return nil, err
	}
	out, err := convertList[Subnet](subnets[lo:hi])
	if err != nil {
		return nil, err
	}
	return &DescribeSubnetsOutput{Subnets: out, NextToken: next}, nil
}
