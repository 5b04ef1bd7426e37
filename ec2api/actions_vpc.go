package ec2api

import (
	"strconv"
	"strings"

	"sgswitch/internal/wildcard"
	"sgswitch/ruleset"
)

// Network-interface and VPC actions.

func describeNetworkInterfaces(st *ruleset.State, in *DescribeNetworkInterfacesInput) (*DescribeNetworkInterfacesOutput, error) {
	filters, err := convert[[]ruleset.Filter](in.Filters)
	if err != nil {
		return nil, err
	}
	enis, err := st.DescribeNetworkInterfaces(in.NetworkInterfaceIds, filters)
	if err != nil {
		return nil, err
	}
	lo, hi, next, err := page(len(enis), in.PageParams)
	if err != nil {
		return nil, err
	}
	out, err := convertList[NetworkInterface](enis[lo:hi])
	if err != nil {
		return nil, err
	}
	az := st.VPC().Region + "a"
	for i := range out.Items {
		out.Items[i].AvailabilityZone = az
	}
	return &DescribeNetworkInterfacesOutput{NetworkInterfaces: out, NextToken: next}, nil
}

// ModifyNetworkInterfaceAttributeOutput is EC2's bare <return>true</return>
// (the AWS CLI prints nothing for this action).
type ModifyNetworkInterfaceAttributeOutput struct {
	ResponseMetadata
	Return bool `xml:"return" json:"-"`
}

func modifyNetworkInterfaceAttribute(st *ruleset.State, in *ModifyNetworkInterfaceAttributeInput) (*ModifyNetworkInterfaceAttributeOutput, error) {
	if in.NetworkInterfaceId == "" {
		return nil, missing("NetworkInterfaceId")
	}
	var given []string
	if len(in.Groups) > 0 {
		given = append(given, "groupSet")
	}
	if in.ConnectionTrackingSpecification != nil {
		given = append(given, "connectionTrackingSpecification")
	}
	if in.SourceDestCheck != nil {
		given = append(given, "sourceDestCheck")
	}
	if in.Description != nil {
		given = append(given, "description")
	}
	switch {
	case len(given) == 0:
		return nil, errorf(codeMissingParameter, "The request must contain one attribute to modify: SecurityGroupId, ConnectionTrackingSpecification, SourceDestCheck or Description")
	case len(given) > 1:
		return nil, errorf(codeInvalidParameterCombination, "Fields for multiple attribute types specified: %s", strings.Join(given, ", "))
	}
	switch {
	case in.SourceDestCheck != nil:
		// sgswitch always drops spoofed frames (EC2's source/destination check).
		if in.SourceDestCheck.Value == nil || !*in.SourceDestCheck.Value {
			return nil, errorf(codeUnsupportedOperation, "sgswitch always enforces the source/destination check; it cannot be disabled")
		}
		if _, err := st.ResolveInterface(in.NetworkInterfaceId); err != nil {
			return nil, err
		}
	case in.Description != nil:
		return nil, errorf(codeUnsupportedOperation, "sgswitch does not change interface descriptions")
	case in.ConnectionTrackingSpecification != nil:
		ct, err := conntrackSpec(in.ConnectionTrackingSpecification)
		if err != nil {
			return nil, err
		}
		if err := st.ModifyNetworkInterfaceAttribute(in.NetworkInterfaceId, nil, &ct); err != nil {
			return nil, err
		}
	default:
		if err := st.ModifyNetworkInterfaceAttribute(in.NetworkInterfaceId, in.Groups, nil); err != nil {
			return nil, err
		}
	}
	return &ModifyNetworkInterfaceAttributeOutput{Return: true}, nil
}

// conntrackSpec converts the request; fields left out stay 0 ("keep the
// current value" for ruleset), so an explicit 0 is refused here.
func conntrackSpec(r *ConnectionTrackingSpecificationRequest) (ruleset.ConntrackSpec, error) {
	var ct ruleset.ConntrackSpec
	for _, f := range []struct {
		name string
		in   *int32
		out  *int32
	}{
		{"TcpEstablishedTimeout", r.TcpEstablishedTimeout, &ct.TcpEstablishedTimeout},
		{"UdpStreamTimeout", r.UdpStreamTimeout, &ct.UdpStreamTimeout},
		{"UdpTimeout", r.UdpTimeout, &ct.UdpTimeout},
	} {
		if f.in == nil {
			continue
		}
		if *f.in <= 0 {
			return ct, errorf(codeInvalidParameterValue, "Invalid value '%d' for %s", *f.in, f.name)
		}
		*f.out = *f.in
	}
	if ct == (ruleset.ConntrackSpec{}) {
		return ct, errorf(codeMissingParameter, "The request must contain at least one of TcpEstablishedTimeout, UdpStreamTimeout or UdpTimeout")
	}
	return ct, nil
}

func describeVpcs(st *ruleset.State, in *DescribeVpcsInput) (*DescribeVpcsOutput, error) {
	v := vpcOf(st)
	for _, id := range in.VpcIds {
		if id != v.VpcId {
			return nil, errorf("InvalidVpcID.NotFound", "The vpc ID '%s' does not exist", id)
		}
	}
	var vpcs []Vpc
	ok, err := vpcMatches(&v, in.Filters)
	if err != nil {
		return nil, err
	}
	if ok {
		vpcs = append(vpcs, v)
	}
	lo, hi, next, err := page(len(vpcs), in.PageParams)
	if err != nil {
		return nil, err
	}
	return &DescribeVpcsOutput{Vpcs: ListOf(vpcs[lo:hi]...), NextToken: next}, nil
}

// vpcOf describes the state's one VPC.
func vpcOf(st *ruleset.State) Vpc {
	info := st.VPC()
	suffix := strings.TrimPrefix(info.VpcId, "vpc-")
	v := Vpc{
		CidrBlock: info.CIDR.String(), State: "available", VpcId: info.VpcId, OwnerId: info.OwnerId,
		InstanceTenancy: "default", IsDefault: st.Config().DefaultVPC,
		CidrBlockAssociationSet: ListOf(VpcCidrBlockAssociation{
			AssociationId: "vpc-cidr-assoc-" + suffix, CidrBlock: info.CIDR.String(),
			CidrBlockState: &VpcCidrBlockState{State: "associated"},
		}),
	}
	if info.HasIPv6() {
		l := ListOf(VpcIpv6CidrBlockAssociation{
			AssociationId: "vpc-cidr-assoc-6" + suffix, Ipv6CidrBlock: info.IPv6CIDR.String(),
			Ipv6CidrBlockState: &VpcCidrBlockState{State: "associated"}, NetworkBorderGroup: info.Region,
		})
		v.Ipv6CidrBlockAssociationSet = &l
	}
	return v
}

// vpcMatches applies DescribeVpcs filters: every filter must match; the
// values of one filter are ORed and may use * and ? wildcards.
func vpcMatches(v *Vpc, filters []Filter) (bool, error) {
	for _, f := range filters {
		var have []string
		switch f.Name {
		case "vpc-id":
			have = []string{v.VpcId}
		case "cidr", "cidr-block-association.cidr-block":
			have = []string{v.CidrBlock}
		case "ipv6-cidr-block-association.ipv6-cidr-block":
			if v.Ipv6CidrBlockAssociationSet != nil {
				have = []string{v.Ipv6CidrBlockAssociationSet.Items[0].Ipv6CidrBlock}
			}
		case "state":
			have = []string{v.State}
		case "owner-id":
			have = []string{v.OwnerId}
		case "is-default":
			have = []string{strconv.FormatBool(v.IsDefault)}
		default:
			return false, errorf(codeInvalidParameterValue, "The filter '%s' is invalid", f.Name)
		}
		if !wildcard.AnyMatch(f.Values, have) {
			return false, nil
		}
	}
	return true, nil
}
