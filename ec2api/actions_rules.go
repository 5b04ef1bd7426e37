package ec2api

import (
	"sgswitch/account"
	"sgswitch/ruleset"
)

// Rule actions: authorize, revoke, modify, update descriptions. Each runs
// in the VPC of its group; a rule may reference groups of that VPC only
// (EC2 refuses a reference across VPCs, as without peering).

func authorize(egress bool) func(*account.Account, *AuthorizeSecurityGroupInput) (*AuthorizeSecurityGroupOutput, error) {
	return func(a *account.Account, in *AuthorizeSecurityGroupInput) (*AuthorizeSecurityGroupOutput, error) {
		group, perms, err := ruleTarget(egress, in.GroupId, in.GroupName, in.IpPermissions, in.LegacyPermission)
		if err != nil {
			return nil, err
		}
		if len(perms) == 0 {
			return nil, missing("IpPermissions")
		}
		st, vpcID, err := groupState(a, group)
		if err != nil {
			return nil, err
		}
		if err := sameVPC(a, vpcID, referencedGroups(perms)); err != nil {
			return nil, err
		}
		tags, err := tagsFor(in.TagSpecifications, "security-group-rule")
		if err != nil {
			return nil, err
		}
		var rules []ruleset.SecurityGroupRule
		if egress {
			rules, err = st.AuthorizeSecurityGroupEgress(group, perms, tags)
		} else {
			rules, err = st.AuthorizeSecurityGroupIngress(group, perms, tags)
		}
		if err != nil {
			return nil, err
		}
		out, err := convertList[SecurityGroupRule](rules)
		if err != nil {
			return nil, err
		}
		return &AuthorizeSecurityGroupOutput{Return: true, SecurityGroupRules: out}, nil
	}
}

func revoke(egress bool) func(*account.Account, *RevokeSecurityGroupInput) (*RevokeSecurityGroupOutput, error) {
	return func(a *account.Account, in *RevokeSecurityGroupInput) (*RevokeSecurityGroupOutput, error) {
		group, perms, err := ruleTarget(egress, in.GroupId, in.GroupName, in.IpPermissions, in.LegacyPermission)
		if err != nil {
			return nil, err
		}
		if len(perms) == 0 && len(in.SecurityGroupRuleIds) == 0 {
			return nil, errorf(codeMissingParameter, "The request must contain the parameter IpPermissions or SecurityGroupRuleIds")
		}
		st, _, err := groupState(a, group)
		if err != nil {
			return nil, err
		}
		var revoked []ruleset.SecurityGroupRule
		var unknown []ruleset.IpPermission
		if egress {
			revoked, unknown, err = st.RevokeSecurityGroupEgress(group, perms, in.SecurityGroupRuleIds)
		} else {
			revoked, unknown, err = st.RevokeSecurityGroupIngress(group, perms, in.SecurityGroupRuleIds)
		}
		if err != nil {
			return nil, err
		}
		out := &RevokeSecurityGroupOutput{Return: true}
		if out.RevokedSecurityGroupRules, err = convertList[SecurityGroupRule](revoked); err != nil {
			return nil, err
		}
		if len(unknown) > 0 {
			u, err := convertList[IpPermission](unknown)
			if err != nil {
				return nil, err
			}
			out.UnknownIpPermissions = &u
		}
		return out, nil
	}
}

func modifySecurityGroupRules(a *account.Account, in *ModifySecurityGroupRulesInput) (*ReturnOutput, error) {
	if in.GroupId == "" {
		return nil, missing("GroupId")
	}
	if len(in.SecurityGroupRules) == 0 {
		return nil, missing("SecurityGroupRule")
	}
	for _, u := range in.SecurityGroupRules {
		if u.SecurityGroupRuleId == "" {
			return nil, missing("SecurityGroupRule.N.SecurityGroupRuleId")
		}
	}
	updates, err := convert[[]ruleset.SecurityGroupRuleUpdate](in.SecurityGroupRules)
	if err != nil {
		return nil, err
	}
	st, vpcID, err := groupState(a, in.GroupId)
	if err != nil {
		return nil, err
	}
	var refs []string
	for _, u := range updates {
		if u.SecurityGroupRule != nil && u.SecurityGroupRule.ReferencedGroupId != nil {
			refs = append(refs, *u.SecurityGroupRule.ReferencedGroupId)
		}
	}
	if err := sameVPC(a, vpcID, refs); err != nil {
		return nil, err
	}
	if err := st.ModifySecurityGroupRules(in.GroupId, updates); err != nil {
		return nil, err
	}
	return &ReturnOutput{Return: true}, nil
}

func updateDescriptions(egress bool) func(*account.Account, *UpdateSecurityGroupRuleDescriptionsInput) (*ReturnOutput, error) {
	return func(a *account.Account, in *UpdateSecurityGroupRuleDescriptionsInput) (*ReturnOutput, error) {
		group, perms, err := ruleTarget(false, in.GroupId, in.GroupName, in.IpPermissions, LegacyPermission{})
		if err != nil {
			return nil, err
		}
		st, _, err := groupState(a, group)
		if err != nil {
			return nil, err
		}
		if len(perms) == 0 && len(in.SecurityGroupRuleDescriptions) == 0 {
			return nil, errorf(codeMissingParameter, "The request must contain the parameter IpPermissions or SecurityGroupRuleDescriptions")
		}
		descs, err := convert[[]ruleset.SecurityGroupRuleDescription](in.SecurityGroupRuleDescriptions)
		if err != nil {
			return nil, err
		}
		if egress {
			err = st.UpdateSecurityGroupRuleDescriptionsEgress(group, perms, descs)
		} else {
			err = st.UpdateSecurityGroupRuleDescriptionsIngress(group, perms, descs)
		}
		if err != nil {
			return nil, err
		}
		return &ReturnOutput{Return: true}, nil
	}
}

// ruleTarget resolves the group and the permissions of a rule request.
// Egress calls take GroupId only and no flat (legacy) parameters, as in
// EC2; on ingress the flat parameters make one permission.
func ruleTarget(egress bool, id, name string, perms []IpPermission, legacy LegacyPermission) (string, []ruleset.IpPermission, error) {
	if egress {
		if name != "" {
			return "", nil, errorf(codeUnknownParameter, "The parameter GroupName is not recognized")
		}
		if id == "" {
			return "", nil, missing("GroupId")
		}
		if legacy.given() {
			return "", nil, errorf(codeInvalidParameterCombination, "The flat parameters (IpProtocol, FromPort, ToPort, CidrIp, SourceSecurityGroupName, SourceSecurityGroupOwnerId) are not supported for egress; use IpPermissions")
		}
	}
	group, err := groupRef(id, name)
	if err != nil {
		return "", nil, err
	}
	if legacy.given() {
		if len(perms) > 0 {
			return "", nil, errorf(codeInvalidParameterCombination, "The parameter IpPermissions cannot be used with the flat parameters IpProtocol, FromPort, ToPort, CidrIp and SourceSecurityGroupName")
		}
		perms = legacyPermissions(legacy)
	}
	out, err := convert[[]ruleset.IpPermission](perms)
	return group, out, err
}

// legacyPermissions turns the flat parameters into permissions. A source
// group without a protocol grants all of ICMP, TCP and UDP, as EC2 does.
func legacyPermissions(l LegacyPermission) []IpPermission {
	peer := IpPermission{}
	if l.CidrIp != "" {
		peer.IpRanges = ListOf(IpRange{CidrIp: l.CidrIp})
	}
	if l.SourceSecurityGroupName != "" {
		pair := UserIdGroupPair{GroupName: l.SourceSecurityGroupName, UserId: l.SourceSecurityGroupOwnerId}
		if len(l.SourceSecurityGroupName) > 3 && l.SourceSecurityGroupName[:3] == "sg-" {
			pair = UserIdGroupPair{GroupId: l.SourceSecurityGroupName, UserId: l.SourceSecurityGroupOwnerId}
		}
		peer.UserIdGroupPairs = ListOf(pair)
	}
	if l.IpProtocol == "" && l.SourceSecurityGroupName != "" {
		all := func(proto string, from, to int32) IpPermission {
			p := peer
			p.IpProtocol, p.FromPort, p.ToPort = proto, &from, &to
			return p
		}
		return []IpPermission{all("icmp", -1, -1), all("tcp", 0, 65535), all("udp", 0, 65535)}
	}
	peer.IpProtocol, peer.FromPort, peer.ToPort = l.IpProtocol, l.FromPort, l.ToPort
	return []IpPermission{peer}
}
