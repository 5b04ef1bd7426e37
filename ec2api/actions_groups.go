package ec2api

import (
	"strings"

	"sgswitch/ruleset"
)

// Security-group actions: create, delete, describe.

func createSecurityGroup(st *ruleset.State, in *CreateSecurityGroupInput) (*CreateSecurityGroupOutput, error) {
	if in.GroupName == "" {
		return nil, missing("GroupName")
	}
	if in.Description == "" {
		return nil, missing("GroupDescription")
	}
	if in.VpcId != "" && in.VpcId != st.VPC().VpcId {
		return nil, errorf("InvalidVpcID.NotFound", "The vpc ID '%s' does not exist", in.VpcId)
	}
	tags, err := tagsFor(in.TagSpecifications, "security-group")
	if err != nil {
		return nil, err
	}
	g, err := st.CreateSecurityGroup(in.GroupName, in.Description, tags)
	if err != nil {
		return nil, err
	}
	out := &CreateSecurityGroupOutput{GroupId: g.GroupId, SecurityGroupArn: g.SecurityGroupArn}
	if len(g.Tags) > 0 {
		t, err := convertList[Tag](g.Tags)
		if err != nil {
			return nil, err
		}
		out.Tags = &t
	}
	return out, nil
}

func deleteSecurityGroup(st *ruleset.State, in *DeleteSecurityGroupInput) (*DeleteSecurityGroupOutput, error) {
	group, err := groupRef(in.GroupId, in.GroupName)
	if err != nil {
		return nil, err
	}
	id, err := st.DeleteSecurityGroup(group)
	if err != nil {
		return nil, err
	}
	return &DeleteSecurityGroupOutput{Return: true, GroupId: id}, nil
}

func describeSecurityGroups(st *ruleset.State, in *DescribeSecurityGroupsInput) (*DescribeSecurityGroupsOutput, error) {
	filters, err := convert[[]ruleset.Filter](in.Filters)
	if err != nil {
		return nil, err
	}
	groups, err := st.DescribeSecurityGroups(in.GroupIds, in.GroupNames, filters)
	if err != nil {
		return nil, err
	}
	lo, hi, next, err := page(len(groups), in.PageParams)
	if err != nil {
		return nil, err
	}
	sgs, err := convertList[SecurityGroup](groups[lo:hi])
	if err != nil {
		return nil, err
	}
	return &DescribeSecurityGroupsOutput{SecurityGroups: sgs, NextToken: next}, nil
}

func describeSecurityGroupRules(st *ruleset.State, in *DescribeSecurityGroupRulesInput) (*DescribeSecurityGroupRulesOutput, error) {
	filters, err := convert[[]ruleset.Filter](in.Filters)
	if err != nil {
		return nil, err
	}
	rules, err := st.DescribeSecurityGroupRules(in.SecurityGroupRuleIds, filters)
	if err != nil {
		return nil, err
	}
	lo, hi, next, err := page(len(rules), in.PageParams)
	if err != nil {
		return nil, err
	}
	out, err := convertList[SecurityGroupRule](rules[lo:hi])
	if err != nil {
		return nil, err
	}
	return &DescribeSecurityGroupRulesOutput{SecurityGroupRules: out, NextToken: next}, nil
}

// groupRef picks the group of a request: GroupId (which must look like
// an id) or else GroupName.
func groupRef(id, name string) (string, error) {
	switch {
	case id != "":
		if !strings.HasPrefix(id, "sg-") {
			return "", errorf(ruleset.CodeInvalidGroupIdMalformed, "The security group ID '%s' is malformed", id)
		}
		return id, nil
	case name != "":
		return name, nil
	}
	return "", errorf(codeMissingParameter, "The request must contain the parameter groupName or groupId")
}

// tagsFor collects the tags of TagSpecifications for resourceType (a
// specification without a type applies too); other types are invalid here.
func tagsFor(specs []TagSpecification, resourceType string) ([]ruleset.Tag, error) {
	var tags []ruleset.Tag
	for _, s := range specs {
		if s.ResourceType != "" && s.ResourceType != resourceType {
			return nil, errorf(codeInvalidParameterValue, "'%s' is not a valid taggable resource type for this operation.", s.ResourceType)
		}
		for _, t := range s.Tags {
			if t.Key == "" {
				return nil, errorf(codeInvalidParameterValue, "Tag keys must not be empty")
			}
			tags = append(tags, ruleset.Tag{Key: t.Key, Value: t.Value})
		}
	}
	return tags, nil
}
