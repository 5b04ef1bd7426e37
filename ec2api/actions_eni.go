package ec2api

import (
	"net/netip"

	"sgswitch/account"
	"sgswitch/ruleset"
)

// CreateNetworkInterface and DeleteNetworkInterface. An interface is
// created in a subnet (account.CreateNetworkInterface: in the subnet's
// VPC's groups, placed in the subnet, the primary address checked against
// the subnet or picked from it). An interface created through the API is
// "available": attached to no instance, so no port carries it yet. Interfaces of lab nodes are "in-use" and cannot be
// deleted through the API (lab down removes them), as EC2 refuses to
// delete an attached interface.

type CreateNetworkInterfaceInput struct {
	SubnetId                        string                                  `query:"SubnetId"`
	Description                     string                                  `query:"Description"`
	PrivateIpAddress                string                                  `query:"PrivateIpAddress"`
	PrivateIpAddresses              []PrivateIpAddressSpecification         `query:"PrivateIpAddresses"`
	SecondaryPrivateIpAddressCount  *int32                                  `query:"SecondaryPrivateIpAddressCount"`
	Ipv6Addresses                   []InstanceIpv6Address                   `query:"Ipv6Addresses"`
	Ipv6AddressCount                *int32                                  `query:"Ipv6AddressCount"`
	Groups                          []string                                `query:"SecurityGroupId"`
	InterfaceType                   string                                  `query:"InterfaceType"`
	ConnectionTrackingSpecification *ConnectionTrackingSpecificationRequest `query:"ConnectionTrackingSpecification"`
	TagSpecifications               []TagSpecification                      `query:"TagSpecification"`
	ClientToken                     string                                  `query:"ClientToken"`
	DryRunParam
}

// PrivateIpAddressSpecification is one address of PrivateIpAddresses.N.
type PrivateIpAddressSpecification struct {
	PrivateIpAddress string `query:"PrivateIpAddress" json:"PrivateIpAddress"`
	Primary          *bool  `query:"Primary" json:"Primary,omitempty"`
}

// InstanceIpv6Address is one address of Ipv6Addresses.N.
type InstanceIpv6Address struct {
	Ipv6Address string `query:"Ipv6Address" json:"Ipv6Address"`
}

type CreateNetworkInterfaceOutput struct {
	ResponseMetadata
	NetworkInterface NetworkInterface `xml:"networkInterface" json:"NetworkInterface"`
}

type DeleteNetworkInterfaceInput struct {
	NetworkInterfaceId string `query:"NetworkInterfaceId"`
	DryRunParam
}

func createNetworkInterface(a *account.Account, in *CreateNetworkInterfaceInput) (*CreateNetworkInterfaceOutput, error) {
	if in.SubnetId == "" {
		return nil, missing("SubnetId")
	}
	if in.InterfaceType != "" && in.InterfaceType != "interface" {
		return nil, errorf(codeUnsupportedOperation, "sgswitch creates interfaces of type interface only, not %s", in.InterfaceType)
	}
	vpcID, err := a.Network().SubnetVpc(in.SubnetId)
	if err != nil {
		return nil, err
	}
	spec, secondaries, err := interfaceSpec(in)
	if err != nil {
		return nil, err
	}
	if err := sameVPC(a, vpcID, spec.Groups); err != nil {
		return nil, err
	}
	eni, err := a.CreateNetworkInterface(in.SubnetId, spec, nil)
	if err != nil {
		return nil, err
	}
	id := eni.NetworkInterfaceId
	if n := deref32(in.SecondaryPrivateIpAddressCount); len(secondaries) > 0 || n > 0 {
		if _, err := a.AssignPrivateIpAddresses(id, secondaries, int(n), false); err != nil {
			return nil, err
		}
	}
	if err := assignCreateIPv6(a, id, in); err != nil {
		return nil, err
	}
	out, err := describeInterface(a, id)
	if err != nil {
		return nil, err
	}
	return &CreateNetworkInterfaceOutput{NetworkInterface: out}, nil
}

// interfaceSpec is the ruleset side of a CreateNetworkInterface: the
// primary address (the subnet checks it when the interface is placed),
// groups, tags (an interface's Name tag is its name), conntrack; and the
// secondary addresses to assign once it exists.
func interfaceSpec(in *CreateNetworkInterfaceInput) (ruleset.ENISpec, []netip.Addr, error) {
	tags, err := tagsFor(in.TagSpecifications, "network-interface")
	if err != nil {
		return ruleset.ENISpec{}, nil, err
	}
	primary, secondaries, err := requestedAddresses(in)
	if err != nil {
		return ruleset.ENISpec{}, nil, err
	}
	spec := ruleset.ENISpec{Description: in.Description, Groups: in.Groups, Tags: withoutName(tags)}
	for _, t := range tags {
		if t.Key == "Name" {
			spec.Name = t.Value
		}
	}
	if primary.IsValid() {
		spec.IPv4 = []netip.Addr{primary}
	}
	if in.ConnectionTrackingSpecification != nil {
		if spec.Conntrack, err = conntrackSpec(in.ConnectionTrackingSpecification); err != nil {
			return ruleset.ENISpec{}, nil, err
		}
	}
	return spec, secondaries, nil
}

// requestedAddresses reads the IPv4 addresses a CreateNetworkInterface
// names: PrivateIpAddress, or the one of PrivateIpAddresses marked
// Primary (the first when none is), and the other ones as secondaries.
func requestedAddresses(in *CreateNetworkInterfaceInput) (primary netip.Addr, secondaries []netip.Addr, err error) {
	if in.PrivateIpAddress != "" {
		as, err := parseAddrs("PrivateIpAddress", []string{in.PrivateIpAddress})
		if err != nil {
			return primary, nil, err
		}
		primary = as[0]
	}
	for i, s := range in.PrivateIpAddresses {
		as, err := parseAddrs("PrivateIpAddresses.PrivateIpAddress", []string{s.PrivateIpAddress})
		if err != nil {
			return primary, nil, err
		}
		isPrimary := s.Primary != nil && *s.Primary
		switch {
		case isPrimary && primary.IsValid() && primary != as[0]:
			return primary, nil, errorf(codeInvalidParameterCombination, "Only one primary private IP address may be given")
		case isPrimary || (!primary.IsValid() && i == 0 && !anyPrimary(in.PrivateIpAddresses)):
			primary = as[0]
		case as[0] != primary:
			secondaries = append(secondaries, as[0])
		}
	}
	if len(secondaries) > 0 && in.SecondaryPrivateIpAddressCount != nil {
		return primary, nil, errorf(codeInvalidParameterCombination, "PrivateIpAddresses and SecondaryPrivateIpAddressCount cannot be specified together")
	}
	return primary, secondaries, nil
}

func anyPrimary(specs []PrivateIpAddressSpecification) bool {
	for _, s := range specs {
		if s.Primary != nil && *s.Primary {
			return true
		}
	}
	return false
}

func assignCreateIPv6(a *account.Account, id string, in *CreateNetworkInterfaceInput) error {
	var v6 []string
	for _, a := range in.Ipv6Addresses {
		v6 = append(v6, a.Ipv6Address)
	}
	addrs, err := parseAddrs("Ipv6Addresses.Ipv6Address", v6)
	if err != nil {
		return err
	}
	n := deref32(in.Ipv6AddressCount)
	if len(addrs) == 0 && n == 0 {
		return nil
	}
	_, err = a.AssignIpv6Addresses(id, addrs, int(n))
	return err
}

func withoutName(tags []ruleset.Tag) []ruleset.Tag {
	var out []ruleset.Tag
	for _, t := range tags {
		if t.Key != "Name" {
			out = append(out, t)
		}
	}
	return out
}

func deleteNetworkInterface(a *account.Account, in *DeleteNetworkInterfaceInput) (*ReturnOutput, error) {
	if in.NetworkInterfaceId == "" {
		return nil, missing("NetworkInterfaceId")
	}
	st, _, err := interfaceState(a, in.NetworkInterfaceId)
	if err != nil {
		return nil, err
	}
	ds, err := st.DescribeNetworkInterfaces([]string{in.NetworkInterfaceId}, nil)
	if err != nil {
		return nil, err
	}
	if ds[0].Status == "in-use" {
		return nil, errorf(codeInvalidNetworkInterfaceInUse, "Interface %s is in use (attached to a lab node; sgswitch lab down removes it).", in.NetworkInterfaceId)
	}
	if err := a.DeleteNetworkInterface(in.NetworkInterfaceId); err != nil {
		return nil, err
	}
	return &ReturnOutput{Return: true}, nil
}
