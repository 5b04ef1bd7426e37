package ec2api

import (
	"net/netip"

	"sgswitch/account"
)

// Secondary private IPv4 and IPv6 addresses of network interfaces. The
// switch enforces a change as soon as the state is published: the
// interface may send from and receive at the new address (the instance
// adds it to its own interface, as on EC2).

type AssignPrivateIpAddressesInput struct {
	NetworkInterfaceId             string   `query:"NetworkInterfaceId"`
	PrivateIpAddresses             []string `query:"PrivateIpAddress"`
	SecondaryPrivateIpAddressCount *int32   `query:"SecondaryPrivateIpAddressCount"`
	AllowReassignment              *bool    `query:"AllowReassignment"`
	Ipv4Prefixes                   []string `query:"Ipv4Prefix"`
	Ipv4PrefixCount                *int32   `query:"Ipv4PrefixCount"`
	DryRunParam
}

// AssignedPrivateIpAddress is one address AssignPrivateIpAddresses assigned.
type AssignedPrivateIpAddress struct {
	PrivateIpAddress string `xml:"privateIpAddress" json:"PrivateIpAddress"`
}

type AssignPrivateIpAddressesOutput struct {
	ResponseMetadata
	NetworkInterfaceId         string                         `xml:"networkInterfaceId" json:"NetworkInterfaceId"`
	AssignedPrivateIpAddresses List[AssignedPrivateIpAddress] `xml:"assignedPrivateIpAddressesSet" json:"AssignedPrivateIpAddresses"`
}

type UnassignPrivateIpAddressesInput struct {
	NetworkInterfaceId string   `query:"NetworkInterfaceId"`
	PrivateIpAddresses []string `query:"PrivateIpAddress"`
	Ipv4Prefixes       []string `query:"Ipv4Prefix"`
	DryRunParam
}

type AssignIpv6AddressesInput struct {
	NetworkInterfaceId string   `query:"NetworkInterfaceId"`
	Ipv6Addresses      []string `query:"Ipv6Addresses"`
	Ipv6AddressCount   *int32   `query:"Ipv6AddressCount"`
	Ipv6Prefixes       []string `query:"Ipv6Prefixes"`
	Ipv6PrefixCount    *int32   `query:"Ipv6PrefixCount"`
	DryRunParam
}

type AssignIpv6AddressesOutput struct {
	ResponseMetadata
	AssignedIpv6Addresses List[string] `xml:"assignedIpv6Addresses" json:"AssignedIpv6Addresses"`
	NetworkInterfaceId    string       `xml:"networkInterfaceId" json:"NetworkInterfaceId"`
}

type UnassignIpv6AddressesInput struct {
	NetworkInterfaceId string   `query:"NetworkInterfaceId"`
	Ipv6Addresses      []string `query:"Ipv6Addresses"`
	Ipv6Prefixes       []string `query:"Ipv6Prefixes"`
	DryRunParam
}

type UnassignIpv6AddressesOutput struct {
	ResponseMetadata
	NetworkInterfaceId      string       `xml:"networkInterfaceId" json:"NetworkInterfaceId"`
	UnassignedIpv6Addresses List[string] `xml:"unassignedIpv6Addresses" json:"UnassignedIpv6Addresses"`
}

func assignPrivateIpAddresses(a *account.Account, in *AssignPrivateIpAddressesInput) (*AssignPrivateIpAddressesOutput, error) {
	if err := needInterface(in.NetworkInterfaceId, in.Ipv4Prefixes, in.Ipv4PrefixCount); err != nil {
		return nil, err
	}
	addrs, err := parseAddrs("PrivateIpAddress", in.PrivateIpAddresses)
	if err != nil {
		return nil, err
	}
	got, err := a.AssignPrivateIpAddresses(in.NetworkInterfaceId, addrs, int(deref32(in.SecondaryPrivateIpAddressCount)),
		in.AllowReassignment != nil && *in.AllowReassignment)
	if err != nil {
		return nil, err
	}
	out := &AssignPrivateIpAddressesOutput{NetworkInterfaceId: in.NetworkInterfaceId}
	for _, a := range got {
		out.AssignedPrivateIpAddresses.Items = append(out.AssignedPrivateIpAddresses.Items, AssignedPrivateIpAddress{a.String()})
	}
	return out, nil
}

func unassignPrivateIpAddresses(a *account.Account, in *UnassignPrivateIpAddressesInput) (*ReturnOutput, error) {
	if err := needInterface(in.NetworkInterfaceId, in.Ipv4Prefixes, nil); err != nil {
		return nil, err
	}
	addrs, err := parseAddrs("PrivateIpAddress", in.PrivateIpAddresses)
	if err != nil {
		return nil, err
	}
	if err := a.UnassignPrivateIpAddresses(in.NetworkInterfaceId, addrs); err != nil {
		return nil, err
	}
	return &ReturnOutput{Return: true}, nil
}

func assignIpv6Addresses(a *account.Account, in *AssignIpv6AddressesInput) (*AssignIpv6AddressesOutput, error) {
	if err := needInterface(in.NetworkInterfaceId, in.Ipv6Prefixes, in.Ipv6PrefixCount); err != nil {
		return nil, err
	}
	addrs, err := parseAddrs("Ipv6Addresses", in.Ipv6Addresses)
	if err != nil {
		return nil, err
	}
	got, err := a.AssignIpv6Addresses(in.NetworkInterfaceId, addrs, int(deref32(in.Ipv6AddressCount)))
	if err != nil {
		return nil, err
	}
	out := &AssignIpv6AddressesOutput{NetworkInterfaceId: in.NetworkInterfaceId}
	for _, a := range got {
		out.AssignedIpv6Addresses.Items = append(out.AssignedIpv6Addresses.Items, a.String())
	}
	return out, nil
}

func unassignIpv6Addresses(a *account.Account, in *UnassignIpv6AddressesInput) (*UnassignIpv6AddressesOutput, error) {
	if err := needInterface(in.NetworkInterfaceId, in.Ipv6Prefixes, nil); err != nil {
		return nil, err
	}
	addrs, err := parseAddrs("Ipv6Addresses", in.Ipv6Addresses)
	if err != nil {
		return nil, err
	}
	if err := a.UnassignIpv6Addresses(in.NetworkInterfaceId, addrs); err != nil {
		return nil, err
	}
	out := &UnassignIpv6AddressesOutput{NetworkInterfaceId: in.NetworkInterfaceId}
	for _, a := range addrs {
		out.UnassignedIpv6Addresses.Items = append(out.UnassignedIpv6Addresses.Items, a.String())
	}
	return out, nil
}

// needInterface checks the parameters every address action shares:
// the interface is given, and no prefix delegation is asked for (sgswitch
// assigns single addresses only).
func needInterface(id string, prefixes []string, prefixCount *int32) error {
	if id == "" {
		return missing("NetworkInterfaceId")
	}
	if len(prefixes) > 0 || prefixCount != nil {
		return errorf(codeUnsupportedOperation, "sgswitch does not delegate prefixes to interfaces; assign single addresses")
	}
	return nil
}

// parseAddrs parses the addresses of parameter param.
func parseAddrs(param string, ss []string) ([]netip.Addr, error) {
	out := make([]netip.Addr, 0, len(ss))
	for _, s := range ss {
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			return nil, errorf(codeInvalidParameterValue, "Value (%s) for parameter %s is invalid. It is not a valid IP address.", s, param)
		}
		out = append(out, a.Unmap())
	}
	return out, nil
}

func deref32(p *int32) int32 {
	if p == nil {
		return 0
	}
	return *p
}
