package ec2api

import (
	"strconv"
	"strings"

	"sgswitch/internal/wildcard"
	"sgswitch/ruleset"
)

// DescribeSubnets over the state's one subnet (the VPC's own CIDR), so
// that tools find the SubnetId CreateNetworkInterface needs. Several
// subnets per VPC come with the VPC model (issue 15).

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
	SubnetArn                   string                               `xml:"subnetArn" json:"SubnetArn"`
	Tags                        *List[Tag]                           `xml:"tagSet,omitempty" json:"Tags,omitempty"`
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

func describeSubnets(st *ruleset.State, in *DescribeSubnetsInput) (*DescribeSubnetsOutput, error) {
	s := subnetOf(st)
	for _, id := range in.SubnetIds {
		if id != s.SubnetId {
			return nil, errorf(codeInvalidSubnetIDNotFound, "The subnet ID '%s' does not exist", id)
		}
	}
	var subnets []Subnet
	ok, err := subnetMatches(&s, in.Filters)
	if err != nil {
		return nil, err
	}
	if ok {
		subnets = append(subnets, s)
	}
	lo, hi, next, err := page(len(subnets), in.PageParams)
	if err != nil {
		return nil, err
	}
	return &DescribeSubnetsOutput{Subnets: ListOf(subnets[lo:hi]...), NextToken: next}, nil
}

// subnetOf describes the state's one subnet: the VPC's CIDR, less the
// five reserved addresses and those interfaces hold.
func subnetOf(st *ruleset.State) Subnet {
	info := st.VPC()
	used := 0
	for _, e := range st.View().Interfaces {
		used += len(e.IPv4)
	}
	s := Subnet{
		AvailabilityZone: info.Region + "a", CidrBlock: info.CIDR.String(), State: "available",
		AvailableIpAddressCount: int32(1<<(32-info.CIDR.Bits()) - 5 - used),
		SubnetId:                info.SubnetId, VpcId: info.VpcId, OwnerId: info.OwnerId,
		SubnetArn: "arn:aws:ec2:" + info.Region + ":" + info.OwnerId + ":subnet/" + info.SubnetId,
	}
	if info.HasIPv6() {
		s.Ipv6CidrBlockAssociationSet = ListOf(SubnetIpv6CidrBlockAssociation{
			AssociationId: "subnet-cidr-assoc-" + strings.TrimPrefix(info.SubnetId, "subnet-"),
			Ipv6CidrBlock: info.IPv6CIDR.String(), Ipv6CidrBlockState: &VpcCidrBlockState{State: "associated"},
		})
	}
	return s
}

// subnetMatches applies DescribeSubnets filters (values ORed, wildcards).
func subnetMatches(s *Subnet, filters []Filter) (bool, error) {
	for _, f := range filters {
		var have []string
		switch f.Name {
		case "subnet-id":
			have = []string{s.SubnetId}
		case "vpc-id":
			have = []string{s.VpcId}
		case "cidr-block", "cidr", "cidrBlock":
			have = []string{s.CidrBlock}
		case "availability-zone", "availabilityZone":
			have = []string{s.AvailabilityZone}
		case "state":
			have = []string{s.State}
		case "owner-id":
			have = []string{s.OwnerId}
		case "available-ip-address-count":
			have = []string{strconv.Itoa(int(s.AvailableIpAddressCount))}
		case "default-for-az", "defaultForAz":
			have = []string{strconv.FormatBool(s.DefaultForAz)}
		case "ipv6-cidr-block-association.ipv6-cidr-block":
			for _, a := range s.Ipv6CidrBlockAssociationSet.Items {
				have = append(have, a.Ipv6CidrBlock)
			}
		default:
			return false, errorf(codeInvalidParameterValue, "The filter '%s' is invalid", f.Name)
		}
		if !wildcard.AnyMatch(f.Values, have) {
			return false, nil
		}
	}
	return true, nil
}
