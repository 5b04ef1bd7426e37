package ec2api

import (
	"strings"

	"sgswitch/account"
	"sgswitch/ruleset"
	"sgswitch/vpc"
)

// What references a VPC's groups from elsewhere. EC2 answers with
// references across VPC peering, transit gateways and security-group VPC
// associations; sgswitch has none of them, and within one VPC a group
// still referenced cannot be deleted (DependencyViolation), nor may a
// rule reference another VPC's group (errDifferentNetworks). So no rule
// can become stale and no other VPC references a group: both answers are
// empty, after EC2's checks of the request.

type GetSecurityGroupsForVpcInput struct {
	VpcId   string   `query:"VpcId"`
	Filters []Filter `query:"Filter"`
	PageParams
	DryRunParam
}

// SecurityGroupForVpc is an item of GetSecurityGroupsForVpc.
type SecurityGroupForVpc struct {
	Description  string     `xml:"description" json:"Description"`
	GroupName    string     `xml:"groupName" json:"GroupName"`
	OwnerId      string     `xml:"ownerId" json:"OwnerId"`
	GroupId      string     `xml:"groupId" json:"GroupId"`
	Tags         *List[Tag] `xml:"tagSet,omitempty" json:"Tags,omitempty"`
	PrimaryVpcId string     `xml:"primaryVpcId" json:"PrimaryVpcId"`
}

type GetSecurityGroupsForVpcOutput struct {
	ResponseMetadata
	SecurityGroupForVpcs List[SecurityGroupForVpc] `xml:"securityGroupForVpcSet" json:"SecurityGroupForVpcs"`
	NextToken            string                    `xml:"nextToken,omitempty" json:"NextToken,omitempty"`
}

// vpcGroups returns the State of VPC id, with the VPC layer's error for
// an id it does not know.
func vpcGroups(a *account.Account, id string) (*ruleset.State, error) {
	if id == "" {
		return nil, missing("VpcId")
	}
	if st := a.Groups(id); st != nil {
		return st, nil
	}
	if _, err := a.Network().DescribeVpcs([]string{id}, nil); err != nil {
		return nil, err
	}
	return nil, errorf(vpc.CodeInvalidVpcIDNotFound, "The vpc ID '%s' does not exist", id)
}

// getSecurityGroupsForVpc lists the groups usable in a VPC: its own (no
// group is associated with another VPC here). EC2's filters are those of
// DescribeSecurityGroups' header fields, primary-vpc-id for vpc-id.
func getSecurityGroupsForVpc(a *account.Account, in *GetSecurityGroupsForVpcInput) (*GetSecurityGroupsForVpcOutput, error) {
	st, err := vpcGroups(a, in.VpcId)
	if err != nil {
		return nil, err
	}
	var filters []ruleset.Filter
	for _, f := range in.Filters {
		switch f.Name {
		case "group-id", "group-name", "description", "owner-id", "tag-key", "primary-vpc-id":
		default:
			if len(f.Name) < 5 || f.Name[:4] != "tag:" {
				return nil, errorf(codeInvalidParameterValue, "The filter '%s' is invalid", f.Name)
			}
		}
		name := f.Name
		if name == "primary-vpc-id" {
			name = "vpc-id"
		}
		filters = append(filters, ruleset.Filter{Name: name, Values: f.Values})
	}
	groups, err := st.DescribeSecurityGroups(nil, nil, filters)
	if err != nil {
		return nil, err
	}
	lo, hi, next, err := page(len(groups), in.PageParams)
	if err != nil {
		return nil, err
	}
	out := &GetSecurityGroupsForVpcOutput{NextToken: next}
	for _, g := range groups[lo:hi] {
		item := SecurityGroupForVpc{Description: g.Description, GroupName: g.GroupName, OwnerId: g.OwnerId, GroupId: g.GroupId, PrimaryVpcId: g.VpcId}
		if len(g.Tags) > 0 {
			tags, err := convertList[Tag](g.Tags)
			if err != nil {
				return nil, err
			}
			item.Tags = &tags
		}
		out.SecurityGroupForVpcs.Items = append(out.SecurityGroupForVpcs.Items, item)
	}
	return out, nil
}

type DescribeSecurityGroupReferencesInput struct {
	GroupIds []string `query:"GroupId"`
	DryRunParam
}

// SecurityGroupReference is an item of DescribeSecurityGroupReferences.
type SecurityGroupReference struct {
	GroupId                string `xml:"groupId" json:"GroupId"`
	ReferencingVpcId       string `xml:"referencingVpcId" json:"ReferencingVpcId"`
	VpcPeeringConnectionId string `xml:"vpcPeeringConnectionId,omitempty" json:"VpcPeeringConnectionId,omitempty"`
}

type DescribeSecurityGroupReferencesOutput struct {
	ResponseMetadata
	SecurityGroupReferenceSet List[SecurityGroupReference] `xml:"securityGroupReferenceSet" json:"SecurityGroupReferenceSet"`
}

// describeSecurityGroupReferences checks the groups and answers no
// reference (see above).
func describeSecurityGroupReferences(a *account.Account, in *DescribeSecurityGroupReferencesInput) (*DescribeSecurityGroupReferencesOutput, error) {
	if len(in.GroupIds) == 0 {
		return nil, missing("GroupId")
	}
	for _, g := range in.GroupIds {
		if !strings.HasPrefix(g, "sg-") { // a name is no GroupId here
			return nil, errorf(ruleset.CodeInvalidGroupIdMalformed, "The security group ID '%s' is malformed", g)
		}
		if _, ok := a.VPCOfGroup(g); !ok {
			return nil, groupNotFound(a, g)
		}
	}
	return &DescribeSecurityGroupReferencesOutput{}, nil
}

type DescribeStaleSecurityGroupsInput struct {
	VpcId string `query:"VpcId"`
	PageParams
	DryRunParam
}

// StaleSecurityGroup is an item of DescribeStaleSecurityGroups; none
// exists here (see above), the shape is the SDK's.
type StaleSecurityGroup struct {
	GroupId string `xml:"groupId" json:"GroupId"`
	VpcId   string `xml:"vpcId" json:"VpcId"`
}

type DescribeStaleSecurityGroupsOutput struct {
	ResponseMetadata
	NextToken             string                   `xml:"nextToken,omitempty" json:"NextToken,omitempty"`
	StaleSecurityGroupSet List[StaleSecurityGroup] `xml:"staleSecurityGroupSet" json:"StaleSecurityGroupSet"`
}

// describeStaleSecurityGroups checks the VPC and its paging (MaxResults
// 5..255 in EC2's reference) and answers no stale group.
func describeStaleSecurityGroups(a *account.Account, in *DescribeStaleSecurityGroupsInput) (*DescribeStaleSecurityGroupsOutput, error) {
	if _, err := vpcGroups(a, in.VpcId); err != nil {
		return nil, err
	}
	if _, _, _, err := pageWithin(0, in.PageParams, 5, 255); err != nil {
		return nil, err
	}
	return &DescribeStaleSecurityGroupsOutput{}, nil
}
