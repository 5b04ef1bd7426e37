package ec2api

import (
	"sgswitch/account"
	"sgswitch/vpc"
)

// Subnet actions: the VPC model's subnets, several per VPC.

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

func describeSubnets(a *account.Account, in *DescribeSubnetsInput) (*DescribeSubnetsOutput, error) {
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

type DescribeSubnetsInput struct {
	SubnetIds []string `query:"SubnetId"`
	Filters   []Filter `query:"Filter"`
	PageParams
	DryRunParam
}

// Subnet is the DescribeSubnets shape.
type Subnet struct {
	AvailabilityZone            string                               `xml:"availabilityZone" json:"AvailabilityZone"`
	AvailableIpAddressCount     int32                                `xml:"availableIpAddressCount" json:"AvailableIpAddressCount"`
	CidrBlock                   string                               `xml:"cidrBlock" json:"CidrBlock"`
	DefaultForAz                bool                                 `xml:"defaultForAz" json:"DefaultForAz"`
	MapPublicIpOnLaunch         bool                                 `xml:"mapPublicIpOnLaunch" json:"MapPublicIpOnLaunch"`
	State                       string                               `xml:"state" json:"State"`
	SubnetId                    string                               `xml:"subnetId" json:"SubnetId"`
	VpcId                       string                               `xml:"vpcId" json:"VpcId"`
	OwnerId                     string                               `xml:"ownerId" json:"OwnerId"`
	AssignIpv6AddressOnCreation bool                                 `xml:"assignIpv6AddressOnCreation" json:"AssignIpv6AddressOnCreation"`
	Ipv6CidrBlockAssociationSet List[SubnetIpv6CidrBlockAssociation] `xml:"ipv6CidrBlockAssociationSet" json:"Ipv6CidrBlockAssociationSet"`
	Tags                        *List[Tag]                           `xml:"tagSet,omitempty" json:"Tags,omitempty"`
	SubnetArn                   string                               `xml:"subnetArn" json:"SubnetArn"`
}

// SubnetIpv6CidrBlockAssociation is the IPv6 CIDR of a subnet.
type SubnetIpv6CidrBlockAssociation struct {
	AssociationId      string             `xml:"associationId" json:"AssociationId"`
	Ipv6CidrBlock      string             `xml:"ipv6CidrBlock" json:"Ipv6CidrBlock"`
	Ipv6CidrBlockState *VpcCidrBlockState `xml:"ipv6CidrBlockState,omitempty" json:"Ipv6CidrBlockState,omitempty"`
}

type DescribeSubnetsOutput struct {
	ResponseMetadata
	Subnets   List[Subnet] `xml:"subnetSet" json:"Subnets"`
	NextToken string       `xml:"nextToken,omitempty" json:"NextToken,omitempty"`
}
