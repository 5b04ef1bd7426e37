package ec2api

import (
	"strings"

	"sgswitch/account"
	"sgswitch/ruleset"
	"sgswitch/vpc"
)

// Security-group actions: create, delete, describe.

func createSecurityGroup(a *account.Account, in *CreateSecurityGroupInput) (*CreateSecurityGroupOutput, error) {
	if in.GroupName == "" {
		return nil, missing("GroupName")
	}
	if in.Description == "" {
		return nil, missing("GroupDescription")
	}
	st, err := createIn(a, in.VpcId)
	if err != nil {
		return nil, err
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

// createIn is the State a new group goes to: VpcId's, or without it the
// default VPC's (defaultVPC).
func createIn(a *account.Account, vpcID string) (*ruleset.State, error) {
	if vpcID == "" {
		v, err := defaultVPC(a)
		if err != nil {
			return nil, err
		}
		vpcID = v
	}
	st := a.Groups(vpcID)
	if st == nil {
		return nil, errorf(vpc.CodeInvalidVpcIDNotFound, "The vpc ID '%s' does not exist", vpcID)
	}
	return st, nil
}

func deleteSecurityGroup(a *account.Account, in *DeleteSecurityGroupInput) (*DeleteSecurityGroupOutput, error) {
	group, err := groupRef(in.GroupId, in.GroupName)
	if err != nil {
		return nil, err
	}
	st, _, err := groupState(a, group)
	if err != nil {
		return nil, err
	}
	id, err := st.DeleteSecurityGroup(group)
	if err != nil {
		return nil, err
	}
	return &DeleteSecurityGroupOutput{Return: true, GroupId: id}, nil
}

// describeSecurityGroups spans every VPC: each id is looked up in its own
// VPC, names in the default VPC, and with neither every VPC's groups are
// listed (VPCs in id order); the filters (vpc-id among them) apply in each.
func describeSecurityGroups(a *account.Account, in *DescribeSecurityGroupsInput) (*DescribeSecurityGroupsOutput, error) {
	filters, err := convert[[]ruleset.Filter](in.Filters)
	if err != nil {
		return nil, err
	}
	groups, err := securityGroups(a, in.GroupIds, in.GroupNames, filters)
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

func securityGroups(a *account.Account, ids, names []string, filters []ruleset.Filter) ([]ruleset.SecurityGroup, error) {
	if len(ids) == 0 && len(names) == 0 {
		out := []ruleset.SecurityGroup{}
		for _, v := range a.VPCs() {
			gs, err := a.Groups(v).DescribeSecurityGroups(nil, nil, filters)
			if err != nil {
				return nil, err
			}
			out = append(out, gs...)
		}
		return out, nil
	}
	out := []ruleset.SecurityGroup{}
	seen := map[string]bool{}
	add := func(st *ruleset.State, ids, names []string) error {
		gs, err := st.DescribeSecurityGroups(ids, names, filters)
		for _, g := range gs {
			if !seen[g.GroupId] {
				seen[g.GroupId] = true
				out = append(out, g)
			}
		}
		return err
	}
	for _, id := range ids {
		st, _, err := groupState(a, id)
		if err == nil {
			err = add(st, []string{id}, nil)
		}
		if err != nil {
			return nil, err
		}
	}
	for _, name := range names { // each in the default VPC, else the one lab VPC holding it (byName)
		st, _, err := groupState(a, name)
		if err == nil {
			err = add(st, nil, []string{name})
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// describeSecurityGroupRules spans every VPC; each rule id is looked up in
// the VPC that holds it.
func describeSecurityGroupRules(a *account.Account, in *DescribeSecurityGroupRulesInput) (*DescribeSecurityGroupRulesOutput, error) {
	filters, err := convert[[]ruleset.Filter](in.Filters)
	if err != nil {
		return nil, err
	}
	rules := []ruleset.SecurityGroupRule{}
	if len(in.SecurityGroupRuleIds) == 0 {
		for _, v := range a.VPCs() {
			rs, err := a.Groups(v).DescribeSecurityGroupRules(nil, filters)
			if err != nil {
				return nil, err
			}
			rules = append(rules, rs...)
		}
	}
	for _, id := range in.SecurityGroupRuleIds {
		st, err := ruleState(a, id)
		if err != nil {
			return nil, err
		}
		rs, err := st.DescribeSecurityGroupRules([]string{id}, filters)
		if err != nil {
			return nil, err
		}
		rules = append(rules, rs...)
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
