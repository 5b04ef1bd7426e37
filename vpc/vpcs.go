package vpc

import (
	"net/netip"
	"slices"
)

// VPC CIDR sizes (VPC User Guide, "VPC CIDR blocks").
const (
	MinVpcPrefixLen     = 16
	MaxVpcPrefixLen     = 28
	MinVpcIPv6PrefixLen = 44
	MaxVpcIPv6PrefixLen = 60
)

// parseCIDR parses an EC2 CIDR parameter; the host bits are cleared, as
// EC2 stores "10.0.0.5/16" as 10.0.0.0/16.
func parseCIDR(param, s string, v6 bool) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil || p.Addr().Is6() != v6 || p.Addr().Is4In6() || p.Addr().Zone() != "" {
		if v6 {
			return netip.Prefix{}, errorf(CodeInvalidParameterValue, "Value (%s) for parameter %s is invalid. This is not a valid IPv6 CIDR block.", s, param)
		}
		return netip.Prefix{}, errorf(CodeInvalidParameterValue, "Value (%s) for parameter %s is invalid. This is not a valid CIDR block.", s, param)
	}
	return p.Masked(), nil
}

// CreateVpc creates a VPC with an IPv4 CIDR (/16 to /28, else
// InvalidVpc.Range) and, when ipv6Cidr is not empty, that IPv6 block (/44
// to /60: a lab names its block, as with a BYOIP or IPAM pool), together
// with its default network ACL (allow all, both directions) and its main
// route table (a local route per CIDR). The default security group is the
// caller's (ruleset). Quota: Config.VpcsPerRegion (VpcLimitExceeded).
func (st *State) CreateVpc(cidr, ipv6Cidr string, tags []Tag) (Vpc, error) {
	p, err := parseCIDR("cidrBlock", cidr, false)
	if err != nil {
		return Vpc{}, err
	}
	if b := p.Bits(); b < MinVpcPrefixLen || b > MaxVpcPrefixLen {
		return Vpc{}, errorf(CodeInvalidVpcRange, "The CIDR '%s' is invalid.", cidr)
	}
	var p6 netip.Prefix
	if ipv6Cidr != "" {
		if p6, err = parseCIDR("ipv6CidrBlock", ipv6Cidr, true); err != nil {
			return Vpc{}, err
		}
		if b := p6.Bits(); b < MinVpcIPv6PrefixLen || b > MaxVpcIPv6PrefixLen {
			return Vpc{}, errorf(CodeInvalidParameterValue, "The IPv6 CIDR '%s' is invalid: a VPC's IPv6 block is /%d to /%d.", ipv6Cidr, MinVpcIPv6PrefixLen, MaxVpcIPv6PrefixLen)
		}
	}
	if err := validateTags(tags); err != nil {
		return Vpc{}, err
	}
	if len(st.s.Vpcs) >= st.s.Config.VpcsPerRegion {
		return Vpc{}, errorf(CodeVpcLimitExceeded, "The maximum number of VPCs has been reached.")
	}
	v := VpcSpec{ID: st.newID("vpc-"), CIDR: p, CidrAssociationID: st.newID("vpc-cidr-assoc-"), EnableDnsSupport: true, Tags: slices.Clone(tags)}
	if p6.IsValid() {
		v.IPv6CIDR, v.IPv6CidrAssociationID = p6, st.newID("vpc-cidr-assoc-")
	}
	acl := NetworkAclSpec{ID: st.newID("acl-"), VpcID: v.ID, Default: true}
	for _, egress := range []bool{false, true} {
		acl.Entries = append(acl.Entries, AclEntry{RuleNumber: 100, Egress: egress, Protocol: -1, Allow: true, CIDR: netip.MustParsePrefix("0.0.0.0/0")})
		if p6.IsValid() {
			acl.Entries = append(acl.Entries, AclEntry{RuleNumber: 101, Egress: egress, Protocol: -1, Allow: true, CIDR: netip.MustParsePrefix("::/0")})
		}
	}
	sortEntries(acl.Entries)
	rtb := RouteTableSpec{ID: st.newID("rtb-"), VpcID: v.ID, Main: true, MainAssociationID: st.newID("rtbassoc-"), Routes: localRoutes(&v)}
	st.s.Vpcs = append(st.s.Vpcs, v)
	st.s.NetworkAcls = append(st.s.NetworkAcls, acl)
	st.s.RouteTables = append(st.s.RouteTables, rtb)
	st.reindex()
	return st.describeVpc(&st.s.Vpcs[len(st.s.Vpcs)-1]), nil
}

func localRoutes(v *VpcSpec) []RouteSpec {
	rs := []RouteSpec{{Destination: v.CIDR}}
	if v.IPv6CIDR.IsValid() {
		rs = append(rs, RouteSpec{Destination: v.IPv6CIDR})
	}
	return rs
}

// DeleteVpc deletes a VPC with its default network ACL and main route
// table. It fails with DependencyViolation while the VPC has subnets (and
// so interfaces), network ACLs other than the default or route tables other
// than the main one. Security groups other than the default are not known
// here: the caller checks them (ruleset) before calling DeleteVpc.
func (st *State) DeleteVpc(id string) error {
	if _, err := st.vpc(id); err != nil {
		return err
	}
	if count(st.s.Subnets, func(s *SubnetSpec) bool { return s.VpcID == id }) > 0 ||
		count(st.s.NetworkAcls, func(a *NetworkAclSpec) bool { return a.VpcID == id && !a.Default }) > 0 ||
		count(st.s.RouteTables, func(t *RouteTableSpec) bool { return t.VpcID == id && !t.Main }) > 0 {
		return errorf(CodeDependencyViolation, "The vpc '%s' has dependencies and cannot be deleted.", id)
	}
	st.s.Vpcs = slices.DeleteFunc(st.s.Vpcs, func(v VpcSpec) bool { return v.ID == id })
	st.s.NetworkAcls = slices.DeleteFunc(st.s.NetworkAcls, func(a NetworkAclSpec) bool { return a.VpcID == id })
	st.s.RouteTables = slices.DeleteFunc(st.s.RouteTables, func(t RouteTableSpec) bool { return t.VpcID == id })
	st.reindex()
	return nil
}

// DescribeVpcs returns the VPCs given by id (all when ids is empty) that
// match every filter: vpc-id, cidr, cidr-block-association.cidr-block,
// cidr-block-association.association-id, cidr-block-association.state,
// ipv6-cidr-block-association.ipv6-cidr-block,
// ipv6-cidr-block-association.association-id,
// ipv6-cidr-block-association.state, state, is-default, owner-id,
// dhcp-options-id, tag:<key>, tag-key, tag-value.
func (st *State) DescribeVpcs(ids []string, filters []Filter) ([]Vpc, error) {
	sel, err := selectByID(ids, st.s.Vpcs, st.vpc)
	if err != nil {
		return nil, err
	}
	if err := checkFilterNames(filters, st.vpcFilter(&VpcSpec{})); err != nil {
		return nil, err
	}
	out := []Vpc{}
	for _, v := range sel {
		if ok, _ := matchFilters(filters, st.vpcFilter(v)); ok {
			out = append(out, st.describeVpc(v))
		}
	}
	return out, nil
}

// selectByID resolves ids (in order, without duplicates) or, when ids is
// empty, takes every element.
func selectByID[T any](ids []string, all []T, get func(string) (*T, error)) ([]*T, error) {
	var sel []*T
	if len(ids) == 0 {
		for i := range all {
			sel = append(sel, &all[i])
		}
		return sel, nil
	}
	seen := map[string]bool{}
	for _, id := range ids {
		x, err := get(id)
		if err != nil {
			return nil, err
		}
		if !seen[id] {
			seen[id] = true
			sel = append(sel, x)
		}
	}
	return sel, nil
}

func (st *State) vpcFilter(v *VpcSpec) filterFunc {
	return func(n string) ([]string, bool) {
		switch n {
		case "vpc-id":
			return one(v.ID), true
		// cidr-block is missing from the reference's list, but EC2
		// accepts it and amazon.aws.ec2_vpc_net finds its VPC with it.
		case "cidr", "cidr-block", "cidr-block-association.cidr-block":
			return one(v.CIDR.String()), true
		case "cidr-block-association.association-id":
			return one(v.CidrAssociationID), true
		case "cidr-block-association.state", "ipv6-cidr-block-association.state":
			return one("associated"), true
		case "ipv6-cidr-block-association.ipv6-cidr-block":
			if v.IPv6CIDR.IsValid() {
				return one(v.IPv6CIDR.String()), true
			}
			return nil, true
		case "ipv6-cidr-block-association.association-id":
			return one(v.IPv6CidrAssociationID), true
		case "state":
			return one("available"), true
		case "is-default":
			return one(boolStr(v.Default)), true
		case "owner-id":
			return one(st.s.Config.OwnerId), true
		case "dhcp-options-id":
			return one("default"), true
		}
		return tagFilter(n, v.Tags)
	}
}

func (st *State) describeVpc(v *VpcSpec) Vpc {
	out := Vpc{
		CidrBlock: v.CIDR.String(), DhcpOptionsId: "default", State: "available", VpcId: v.ID,
		OwnerId: st.s.Config.OwnerId, InstanceTenancy: "default", IsDefault: v.Default,
		CidrBlockAssociationSet: []VpcCidrBlockAssociation{{AssociationId: v.CidrAssociationID, CidrBlock: v.CIDR.String(), CidrBlockState: StateField{"associated"}}},
		Tags:                    slices.Clone(v.Tags),
	}
	if v.IPv6CIDR.IsValid() {
		out.Ipv6CidrBlockAssociationSet = []VpcIpv6CidrBlockAssociation{{
			AssociationId: v.IPv6CidrAssociationID, Ipv6CidrBlock: v.IPv6CIDR.String(),
			Ipv6CidrBlockState: StateField{"associated"}, NetworkBorderGroup: st.s.Config.Region,
		}}
	}
	return out
}

// ModifyVpcAttribute sets enableDnsSupport or enableDnsHostnames (one
// attribute per call, as EC2).
func (st *State) ModifyVpcAttribute(id, attribute string, value bool) error {
	v, err := st.vpc(id)
	if err != nil {
		return err
	}
	switch attribute {
	case AttrEnableDnsSupport:
		v.EnableDnsSupport = value
	case AttrEnableDnsHostnames:
		v.EnableDnsHostnames = value
	default:
		return errorf(CodeInvalidParameterValue, "Value (%s) for parameter attribute is invalid. Unknown attribute.", attribute)
	}
	return nil
}

// DescribeVpcAttribute reads enableDnsSupport (default true) or
// enableDnsHostnames (default false for a non-default VPC).
func (st *State) DescribeVpcAttribute(id, attribute string) (bool, error) {
	v, err := st.vpc(id)
	if err != nil {
		return false, err
	}
	switch attribute {
	case AttrEnableDnsSupport:
		return v.EnableDnsSupport, nil
	case AttrEnableDnsHostnames:
		return v.EnableDnsHostnames, nil
	}
	return false, errorf(CodeInvalidParameterValue, "Value (%s) for parameter attribute is invalid. Unknown attribute.", attribute)
}

// DefaultVpc is the id of the default VPC, "" for none.
func (st *State) DefaultVpc() string {
	for i := range st.s.Vpcs {
		if st.s.Vpcs[i].Default {
			return st.s.Vpcs[i].ID
		}
	}
	return ""
}

// SetDefaultVpc makes VPC id the default VPC ("" for none). EC2 makes a
// region's default VPC itself (CreateDefaultVpc, not served): sgswitch
// marks the daemon's own VPC so.
func (st *State) SetDefaultVpc(id string) error {
	if id != "" {
		if _, err := st.vpc(id); err != nil {
			return err
		}
	}
	for i := range st.s.Vpcs {
		st.s.Vpcs[i].Default = st.s.Vpcs[i].ID == id
	}
	return nil
}
