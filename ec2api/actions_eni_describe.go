package ec2api

import (
	"slices"
	"strings"

	"sgswitch/account"
	"sgswitch/internal/wildcard"
	"sgswitch/ruleset"
)

// DescribeNetworkInterfaces and ModifyNetworkInterfaceAttribute over the
// account.

// describeNetworkInterfaces spans every VPC (VPCs in id order). The
// security side (groups, addresses, tags, attachment) is the VPC's
// ruleset State's; the subnet, its Availability Zone and the
// source/destination check are the VPC model's, so the filters on them
// (subnet-id, availability-zone) are applied here, after both are joined.
func describeNetworkInterfaces(a *account.Account, in *DescribeNetworkInterfacesInput) (*DescribeNetworkInterfacesOutput, error) {
	filters, err := convert[[]ruleset.Filter](in.Filters)
	if err != nil {
		return nil, err
	}
	own, placed := splitFilters(filters, "subnet-id", "availability-zone")
	var enis []NetworkInterface
	if len(in.NetworkInterfaceIds) == 0 {
		for _, v := range a.VPCs() {
			got, err := describeIn(a, a.Groups(v), nil, own)
			if err != nil {
				return nil, err
			}
			enis = append(enis, got...)
		}
	}
	for _, id := range in.NetworkInterfaceIds {
		st, _, err := interfaceState(a, id)
		if err != nil {
			return nil, err
		}
		got, err := describeIn(a, st, []string{id}, own)
		if err != nil {
			return nil, err
		}
		enis = append(enis, got...)
	}
	enis = slices.DeleteFunc(enis, func(e NetworkInterface) bool {
		return !wildcardAll(placed, map[string][]string{"subnet-id": {e.SubnetId}, "availability-zone": {e.AvailabilityZone}})
	})
	lo, hi, next, err := page(len(enis), in.PageParams)
	if err != nil {
		return nil, err
	}
	return &DescribeNetworkInterfacesOutput{NetworkInterfaces: ListOf(enis[lo:hi]...), NextToken: next}, nil
}

// describeIn describes interfaces of one VPC's State and joins in where
// each sits (describeNetworkInterfaces).
func describeIn(a *account.Account, st *ruleset.State, ids []string, filters []ruleset.Filter) ([]NetworkInterface, error) {
	ds, err := st.DescribeNetworkInterfaces(ids, filters)
	if err != nil {
		return nil, err
	}
	out, err := convertList[NetworkInterface](ds)
	if err != nil {
		return nil, err
	}
	for i := range out.Items {
		e := &out.Items[i]
		if p, ok := a.Network().Interface(e.NetworkInterfaceId); ok {
			e.SubnetId, e.SourceDestCheck = p.SubnetID, p.SourceDestCheck
			e.AvailabilityZone = subnetZone(a.Network(), p.SubnetID)
		}
	}
	return out.Items, nil
}

// describeInterface describes one interface (the output of the actions
// that create or change one).
func describeInterface(a *account.Account, id string) (NetworkInterface, error) {
	st, _, err := interfaceState(a, id)
	if err != nil {
		return NetworkInterface{}, err
	}
	got, err := describeIn(a, st, []string{id}, nil)
	if err != nil {
		return NetworkInterface{}, err
	}
	return got[0], nil
}

// splitFilters takes the filters named in names out of filters.
func splitFilters(filters []ruleset.Filter, names ...string) (rest, taken []ruleset.Filter) {
	for _, f := range filters {
		if slices.Contains(names, f.Name) {
			taken = append(taken, f)
		} else {
			rest = append(rest, f)
		}
	}
	return rest, taken
}

// wildcardAll reports whether every filter matches one of the values
// have lists under its name (values ORed, with wildcards).
func wildcardAll(filters []ruleset.Filter, have map[string][]string) bool {
	for _, f := range filters {
		if !wildcard.AnyMatch(f.Values, have[f.Name]) {
			return false
		}
	}
	return true
}

// ModifyNetworkInterfaceAttributeOutput is EC2's bare <return>true</return>
// (the AWS CLI prints nothing for this action).
type ModifyNetworkInterfaceAttributeOutput struct {
	ResponseMetadata
	Return bool `xml:"return" json:"-"`
}

func modifyNetworkInterfaceAttribute(a *account.Account, in *ModifyNetworkInterfaceAttributeInput) (*ModifyNetworkInterfaceAttributeOutput, error) {
	if in.NetworkInterfaceId == "" {
		return nil, missing("NetworkInterfaceId")
	}
	if err := oneAttribute(in); err != nil {
		return nil, err
	}
	st, vpcID, err := interfaceState(a, in.NetworkInterfaceId)
	if err != nil {
		return nil, err
	}
	switch {
	case in.SourceDestCheck != nil:
		if in.SourceDestCheck.Value == nil {
			return nil, missing("SourceDestCheck.Value")
		}
		// The VPC model holds the check; the switch enforces it from there.
		err = a.Network().SetSourceDestCheck(in.NetworkInterfaceId, *in.SourceDestCheck.Value)
	case in.Description != nil:
		return nil, errorf(codeUnsupportedOperation, "sgswitch does not change interface descriptions")
	case in.ConnectionTrackingSpecification != nil:
		var ct ruleset.ConntrackSpec
		if ct, err = conntrackSpec(in.ConnectionTrackingSpecification); err == nil {
			err = st.ModifyNetworkInterfaceAttribute(in.NetworkInterfaceId, nil, &ct)
		}
	default:
		if err = sameVPC(a, vpcID, in.Groups); err == nil {
			err = st.ModifyNetworkInterfaceAttribute(in.NetworkInterfaceId, in.Groups, nil)
		}
	}
	if err != nil {
		return nil, err
	}
	return &ModifyNetworkInterfaceAttributeOutput{Return: true}, nil
}

// oneAttribute checks that exactly one attribute is given, as EC2 changes
// one per call.
func oneAttribute(in *ModifyNetworkInterfaceAttributeInput) error {
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
		return errorf(codeMissingParameter, "The request must contain one attribute to modify: SecurityGroupId, ConnectionTrackingSpecification, SourceDestCheck or Description")
	case len(given) > 1:
		return errorf(codeInvalidParameterCombination, "Fields for multiple attribute types specified: %s", strings.Join(given, ", "))
	}
	return nil
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
