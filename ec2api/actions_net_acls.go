package ec2api

import (
	"sgswitch/account"
	"sgswitch/vpc"
)

// Network ACL actions: the VPC model
// validates entries and associations; this file only maps the wire.

// NetworkAcl is the DescribeNetworkAcls shape (EC2 names IsDefault
// <default> on the wire).
type NetworkAcl struct {
	Associations List[NetworkAclAssociation] `xml:"associationSet" json:"Associations"`
	Entries      List[NetworkAclEntry]       `xml:"entrySet" json:"Entries"`
	IsDefault    bool                        `xml:"default" json:"IsDefault"`
	NetworkAclId string                      `xml:"networkAclId" json:"NetworkAclId"`
	Tags         List[Tag]                   `xml:"tagSet" json:"Tags"`
	VpcId        string                      `xml:"vpcId" json:"VpcId"`
	OwnerId      string                      `xml:"ownerId" json:"OwnerId"`
}

// NetworkAclAssociation ties a subnet to its network ACL.
type NetworkAclAssociation struct {
	NetworkAclAssociationId string `xml:"networkAclAssociationId" json:"NetworkAclAssociationId"`
	NetworkAclId            string `xml:"networkAclId" json:"NetworkAclId"`
	SubnetId                string `xml:"subnetId" json:"SubnetId"`
}

// NetworkAclEntry is one rule of a network ACL.
type NetworkAclEntry struct {
	CidrBlock     string        `xml:"cidrBlock,omitempty" json:"CidrBlock,omitempty"`
	Egress        bool          `xml:"egress" json:"Egress"`
	IcmpTypeCode  *IcmpTypeCode `xml:"icmpTypeCode,omitempty" json:"IcmpTypeCode,omitempty"`
	Ipv6CidrBlock string        `xml:"ipv6CidrBlock,omitempty" json:"Ipv6CidrBlock,omitempty"`
	PortRange     *PortRange    `xml:"portRange,omitempty" json:"PortRange,omitempty"`
	Protocol      string        `xml:"protocol" json:"Protocol"`
	RuleAction    string        `xml:"ruleAction" json:"RuleAction"`
	RuleNumber    int32         `xml:"ruleNumber" json:"RuleNumber"`
}

// IcmpTypeCode is the ICMP type and code of an entry (Icmp.Type/Icmp.Code
// in a request).
type IcmpTypeCode struct {
	Code *int32 `query:"Code" xml:"code" json:"Code"`
	Type *int32 `query:"Type" xml:"type" json:"Type"`
}

// PortRange is the port range of an entry.
type PortRange struct {
	From *int32 `query:"From" xml:"from" json:"From"`
	To   *int32 `query:"To" xml:"to" json:"To"`
}

type CreateNetworkAclInput struct {
	VpcId             string             `query:"VpcId"`
	ClientToken       string             `query:"ClientToken"`
	TagSpecifications []TagSpecification `query:"TagSpecification"`
	DryRunParam
}

type CreateNetworkAclOutput struct {
	ResponseMetadata
	NetworkAcl NetworkAcl `xml:"networkAcl" json:"NetworkAcl"`
}

type DeleteNetworkAclInput struct {
	NetworkAclId string `query:"NetworkAclId"`
	DryRunParam
}

// NetworkAclEntryInput is the request of Create/ReplaceNetworkAclEntry.
type NetworkAclEntryInput struct {
	NetworkAclId  string        `query:"NetworkAclId"`
	RuleNumber    *int32        `query:"RuleNumber"`
	Protocol      string        `query:"Protocol"`
	RuleAction    string        `query:"RuleAction"`
	Egress        *bool         `query:"Egress"`
	CidrBlock     string        `query:"CidrBlock"`
	Ipv6CidrBlock string        `query:"Ipv6CidrBlock"`
	Icmp          *IcmpTypeCode `query:"Icmp"`
	PortRange     *PortRange    `query:"PortRange"`
	DryRunParam
}

type DeleteNetworkAclEntryInput struct {
	NetworkAclId string `query:"NetworkAclId"`
	RuleNumber   *int32 `query:"RuleNumber"`
	Egress       *bool  `query:"Egress"`
	DryRunParam
}

type ReplaceNetworkAclAssociationInput struct {
	AssociationId string `query:"AssociationId"`
	NetworkAclId  string `query:"NetworkAclId"`
	DryRunParam
}

type ReplaceNetworkAclAssociationOutput struct {
	ResponseMetadata
	NewAssociationId string `xml:"newAssociationId" json:"NewAssociationId"`
}

type DescribeNetworkAclsInput struct {
	NetworkAclIds []string `query:"NetworkAclId"`
	Filters       []Filter `query:"Filter"`
	PageParams
	DryRunParam
}

type DescribeNetworkAclsOutput struct {
	ResponseMetadata
	NetworkAcls List[NetworkAcl] `xml:"networkAclSet" json:"NetworkAcls"`
	NextToken   string           `xml:"nextToken,omitempty" json:"NextToken,omitempty"`
}

func createNetworkAcl(a *account.Account, in *CreateNetworkAclInput) (*CreateNetworkAclOutput, error) {
	if in.VpcId == "" {
		return nil, missing("VpcId")
	}
	tags, err := netTags(in.TagSpecifications, "network-acl")
	if err != nil {
		return nil, err
	}
	acl, err := a.Network().CreateNetworkAcl(in.VpcId, tags)
	if err != nil {
		return nil, err
	}
	out, err := convert[NetworkAcl](acl)
	if err != nil {
		return nil, err
	}
	return &CreateNetworkAclOutput{NetworkAcl: out}, nil
}

func deleteNetworkAcl(a *account.Account, in *DeleteNetworkAclInput) (*EmptyOutput, error) {
	if in.NetworkAclId == "" {
		return nil, missing("NetworkAclId")
	}
	if err := a.Network().DeleteNetworkAcl(in.NetworkAclId); err != nil {
		return nil, err
	}
	return &EmptyOutput{}, nil
}

// entryOf checks the parameters EC2 requires and builds the model's
// entry; the model checks the values.
func entryOf(in *NetworkAclEntryInput) (vpc.NetworkAclEntry, error) {
	switch {
	case in.NetworkAclId == "":
		return vpc.NetworkAclEntry{}, missing("NetworkAclId")
	case in.RuleNumber == nil:
		return vpc.NetworkAclEntry{}, missing("RuleNumber")
	case in.Protocol == "":
		return vpc.NetworkAclEntry{}, missing("Protocol")
	case in.RuleAction == "":
		return vpc.NetworkAclEntry{}, missing("RuleAction")
	case in.Egress == nil:
		return vpc.NetworkAclEntry{}, missing("Egress")
	}
	e := vpc.NetworkAclEntry{
		CidrBlock: in.CidrBlock, Ipv6CidrBlock: in.Ipv6CidrBlock, Egress: *in.Egress,
		Protocol: in.Protocol, RuleAction: in.RuleAction, RuleNumber: *in.RuleNumber,
	}
	if in.Icmp != nil {
		if in.Icmp.Type == nil || in.Icmp.Code == nil {
			return e, missing("Icmp.Type and Icmp.Code")
		}
		e.IcmpTypeCode = &vpc.IcmpTypeCode{Type: *in.Icmp.Type, Code: *in.Icmp.Code}
	}
	if in.PortRange != nil {
		if in.PortRange.From == nil || in.PortRange.To == nil {
			return e, missing("PortRange.From and PortRange.To")
		}
		e.PortRange = &vpc.PortRange{From: *in.PortRange.From, To: *in.PortRange.To}
	}
	return e, nil
}

func createNetworkAclEntry(a *account.Account, in *NetworkAclEntryInput) (*EmptyOutput, error) {
	e, err := entryOf(in)
	if err != nil {
		return nil, err
	}
	if err := a.Network().CreateNetworkAclEntry(in.NetworkAclId, e); err != nil {
		return nil, err
	}
	return &EmptyOutput{}, nil
}

func replaceNetworkAclEntry(a *account.Account, in *NetworkAclEntryInput) (*EmptyOutput, error) {
	e, err := entryOf(in)
	if err != nil {
		return nil, err
	}
	if err := a.Network().ReplaceNetworkAclEntry(in.NetworkAclId, e); err != nil {
		return nil, err
	}
	return &EmptyOutput{}, nil
}

func deleteNetworkAclEntry(a *account.Account, in *DeleteNetworkAclEntryInput) (*EmptyOutput, error) {
	switch {
	case in.NetworkAclId == "":
		return nil, missing("NetworkAclId")
	case in.RuleNumber == nil:
		return nil, missing("RuleNumber")
	case in.Egress == nil:
		return nil, missing("Egress")
	}
	if err := a.Network().DeleteNetworkAclEntry(in.NetworkAclId, *in.RuleNumber, *in.Egress); err != nil {
		return nil, err
	}
	return &EmptyOutput{}, nil
}

func replaceNetworkAclAssociation(a *account.Account, in *ReplaceNetworkAclAssociationInput) (*ReplaceNetworkAclAssociationOutput, error) {
	if in.AssociationId == "" {
		return nil, missing("AssociationId")
	}
	if in.NetworkAclId == "" {
		return nil, missing("NetworkAclId")
	}
	id, err := a.Network().ReplaceNetworkAclAssociation(in.AssociationId, in.NetworkAclId)
	if err != nil {
		return nil, err
	}
	return &ReplaceNetworkAclAssociationOutput{NewAssociationId: id}, nil
}

func describeNetworkAcls(a *account.Account, in *DescribeNetworkAclsInput) (*DescribeNetworkAclsOutput, error) {
	filters, err := convert[[]vpc.Filter](in.Filters)
	if err != nil {
		return nil, err
	}
	acls, err := a.Network().DescribeNetworkAcls(in.NetworkAclIds, filters)
	if err != nil {
		return nil, err
	}
	lo, hi, next, err := page(len(acls), in.PageParams)
	if err != nil {
		return nil, err
	}
	out, err := convertList[NetworkAcl](acls[lo:hi])
	if err != nil {
		return nil, err
	}
	return &DescribeNetworkAclsOutput{NetworkAcls: out, NextToken: next}, nil
}
