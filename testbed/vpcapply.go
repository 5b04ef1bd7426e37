package testbed

import (
	"fmt"

	"sgswitch/account"
	"sgswitch/vpc"
)

// vpcBuilder builds a lab's VPC layer in an account, as the EC2 API
// would: the VPC (its default network ACL, main route table and default
// security group come with it), the declared network ACLs with their
// entries, route tables, and subnets with their associations; after the
// interfaces exist (Apply), the routes, whose targets are interfaces.
// Every EC2 error is a *PosError at the entry that caused it, wrapping
// the *vpc.Error.
type vpcBuilder struct {
	acct    *account.Account
	lab     *Lab
	vpcID   string
	tables  map[string]string // lab name -> rtb- id ("main" included)
	acls    map[string]string // lab name -> acl- id ("default" included)
	subnets map[string]string // lab name -> subnet- id
}

// net is the account's VPC layer, looked up on every use (the account
// replaces it on changes that span both models).
func (b *vpcBuilder) net() *vpc.State { return b.acct.Network() }

func (b *vpcBuilder) fail(path string, line int, err error) error {
	return &PosError{File: b.lab.File, Path: path, Line: line, Err: err}
}

// tags are the tags of every object a lab makes: its name and the lab's.
func (b *vpcBuilder) tags(name string) []vpc.Tag {
	return []vpc.Tag{{Key: "Name", Value: name}, {Key: LabTag, Value: b.lab.Name}}
}

func (b *vpcBuilder) createVPC(v *VPC) error {
	var v6 string
	if v.IPv6CIDR.IsValid() {
		v6 = v.IPv6CIDR.String()
	}
	q := account.Quotas{GroupsPerInterface: b.lab.Settings.GroupsPerInterface, RulesPerGroup: b.lab.Settings.RulesPerGroup}
	out, err := b.acct.CreateVpcWithQuotas(v.CIDR.String(), v6, b.tags(b.lab.Name), q)
	if err != nil {
		return b.fail("vpc", v.Line, err)
	}
	b.vpcID = out.VpcId
	filter := []vpc.Filter{{Name: "vpc-id", Values: []string{b.vpcID}}}
	tables, err := b.net().DescribeRouteTables(nil, filter)
	if err != nil || len(tables) != 1 {
		return b.fail("vpc", v.Line, fmt.Errorf("the new VPC has %d route tables (%v)", len(tables), err))
	}
	acls, err := b.net().DescribeNetworkAcls(nil, filter)
	if err != nil || len(acls) != 1 {
		return b.fail("vpc", v.Line, fmt.Errorf("the new VPC has %d network ACLs (%v)", len(acls), err))
	}
	b.tables[MainRouteTable], b.acls[DefaultNetworkACL] = tables[0].RouteTableId, acls[0].NetworkAclId
	return nil
}

// joinVPC finds the existing VPC a lab joins (Lab.VpcID) and its subnet
// with the lab's subnet CIDR (and IPv6 block, when the lab gives one),
// which the lab's nodes go into as its "main" subnet.
func (b *vpcBuilder) joinVPC(v *VPC) error {
	id := b.lab.VpcID
	if _, err := b.net().DescribeVpcs([]string{id}, nil); err != nil {
		return b.fail("vpc-id", 0, err)
	}
	subs, err := b.net().DescribeSubnets(nil, []vpc.Filter{{Name: "vpc-id", Values: []string{id}},
		{Name: "cidr-block", Values: []string{b.lab.Subnet.String()}}})
	if err != nil {
		return b.fail("subnet", 0, err)
	}
	if len(subs) != 1 {
		return b.fail("subnet", 0, &vpc.Error{Code: "InvalidSubnetID.NotFound",
			Message: fmt.Sprintf("VPC %s has no subnet %s: create it first (create-subnet)", id, b.lab.Subnet)})
	}
	if v6 := b.lab.SubnetIPv6; v6.IsValid() {
		has := false
		for _, as := range subs[0].Ipv6CidrBlockAssociationSet {
			has = has || as.Ipv6CidrBlock == v6.String()
		}
		if !has {
			return b.fail("subnet-ipv6", 0, &vpc.Error{Code: vpc.CodeInvalidParameterValue,
				Message: fmt.Sprintf("subnet %s of VPC %s has no IPv6 block %s", subs[0].SubnetId, id, v6)})
		}
	}
	b.vpcID, b.subnets[MainSubnet] = id, subs[0].SubnetId
	return nil
}

func (b *vpcBuilder) createACLs(v *VPC) error {
	for _, a := range v.NetworkACLs {
		path := join("vpc.network-acls", a.Name)
		id, ok := b.acls[a.Name]
		if !ok { // "default" adds entries to the VPC's default ACL
			out, err := b.net().CreateNetworkAcl(b.vpcID, b.tags(a.Name))
			if err != nil {
				return b.fail(path, a.Line, err)
			}
			id = out.NetworkAclId
			b.acls[a.Name] = id
		}
		for _, dir := range []struct {
			key     string
			egress  bool
			entries []ACLEntry
		}{{"ingress", false, a.Ingress}, {"egress", true, a.Egress}} {
			for i, e := range dir.entries {
				if err := b.net().CreateNetworkAclEntry(id, aclEntry(e, dir.egress)); err != nil {
					return b.fail(fmt.Sprintf("%s.%s[%d]", path, dir.key, i), e.Line, err)
				}
			}
		}
	}
	return nil
}

// aclEntry is a CloudFormation NetworkAclEntry as the API's entry.
func aclEntry(e ACLEntry, egress bool) vpc.NetworkAclEntry {
	out := vpc.NetworkAclEntry{
		RuleNumber: e.RuleNumber, Egress: egress, Protocol: fmt.Sprint(e.Protocol), RuleAction: e.RuleAction,
		CidrBlock: e.CidrBlock, Ipv6CidrBlock: e.Ipv6CidrBlock,
	}
	if e.PortRange != nil {
		out.PortRange = &vpc.PortRange{From: e.PortRange.From, To: e.PortRange.To}
	}
	if e.Icmp != nil {
		out.IcmpTypeCode = &vpc.IcmpTypeCode{Type: e.Icmp.Type, Code: e.Icmp.Code}
	}
	return out
}

func (b *vpcBuilder) createRouteTables(v *VPC) error {
	for _, t := range v.RouteTables {
		if _, ok := b.tables[t.Name]; ok { // "main": routes go to the main table
			continue
		}
		out, err := b.net().CreateRouteTable(b.vpcID, b.tags(t.Name))
		if err != nil {
			return b.fail(join("vpc.route-tables", t.Name), t.Line, err)
		}
		b.tables[t.Name] = out.RouteTableId
	}
	return nil
}

func (b *vpcBuilder) createSubnets(v *VPC) error {
	for _, s := range v.Subnets {
		path := join("vpc.subnets", s.Name)
		var v6 string
		if s.IPv6CIDR.IsValid() {
			v6 = s.IPv6CIDR.String()
		}
		out, err := b.net().CreateSubnet(b.vpcID, s.CIDR.String(), v6, "", b.tags(s.Name))
		if err != nil {
			return b.fail(path, s.Line, err)
		}
		b.subnets[s.Name] = out.SubnetId
		if s.RouteTable != "" && s.RouteTable != MainRouteTable {
			if _, err := b.net().AssociateRouteTable(b.tables[s.RouteTable], out.SubnetId); err != nil {
				return b.fail(join(path, "route-table"), s.Line, err)
			}
		}
		if s.NetworkACL != "" && s.NetworkACL != DefaultNetworkACL {
			if err := b.associateACL(out.SubnetId, b.acls[s.NetworkACL]); err != nil {
				return b.fail(join(path, "network-acl"), s.Line, err)
			}
		}
	}
	return nil
}

// associateACL moves a subnet from its current network ACL (the default
// one, which every new subnet starts with) to acl.
func (b *vpcBuilder) associateACL(subnet, acl string) error {
	cur, err := b.net().DescribeNetworkAcls(nil, []vpc.Filter{{Name: "association.subnet-id", Values: []string{subnet}}})
	if err != nil {
		return err
	}
	for _, a := range cur {
		for _, as := range a.Associations {
			if as.SubnetId == subnet {
				_, err := b.net().ReplaceNetworkAclAssociation(as.NetworkAclAssociationId, acl)
				return err
			}
		}
	}
	return fmt.Errorf("subnet %s has no network ACL association", subnet)
}

func (b *vpcBuilder) routes(v *VPC, ifaces map[Endpoint]string) error {
	for _, t := range v.RouteTables {
		for i, r := range t.Routes {
			ep, _ := ParseEndpoint(r.Target) // validated by Parse
			if err := b.net().CreateRoute(b.tables[t.Name], r.Destination.String(), ifaces[ep]); err != nil {
				return b.fail(fmt.Sprintf("vpc.route-tables.%s.routes[%d]", t.Name, i), r.Line, err)
			}
		}
	}
	return nil
}
