package ruleset

func (g *GroupSpec) rules(egress bool) *[]RuleSpec {
	if egress {
		return &g.Egress
	}
	return &g.Ingress
}

// AuthorizeSecurityGroupIngress adds inbound rules (one per peer of each
// permission) to the group given by id or name, tagging them with tags.
func (st *State) AuthorizeSecurityGroupIngress(group string, perms []IpPermission, tags []Tag) ([]SecurityGroupRule, error) {
	return st.authorize(group, false, perms, tags)
}

// AuthorizeSecurityGroupEgress adds outbound rules.
func (st *State) AuthorizeSecurityGroupEgress(group string, perms []IpPermission, tags []Tag) ([]SecurityGroupRule, error) {
	return st.authorize(group, true, perms, tags)
}

func (st *State) authorize(group string, egress bool, perms []IpPermission, tags []Tag) ([]SecurityGroupRule, error) {
	if err := validateTagKeys(tags); err != nil {
		return nil, err
	}
	g, err := st.lookupGroup(group)
	if err != nil {
		return nil, err
	}
	add, err := st.expandPermissions(perms, true)
	if err != nil {
		return nil, err
	}
	if err := checkRequestRepeats(add); err != nil {
		return nil, err
	}
	existing := *g.rules(egress)
	seen := make(map[string]bool, len(existing))
	for i := range existing {
		seen[ruleKey(&existing[i])] = true
	}
	for i := range add {
		if seen[ruleKey(&add[i])] {
			return nil, duplicateError(&add[i])
		}
	}
	all := append(append([]RuleSpec(nil), existing...), add...)
	if err := st.checkRuleQuota(all); err != nil {
		return nil, err
	}
	// Everything is valid: only now assign ids and commit.
	for i := range add {
		add[i].ID = st.newID("sgr-")
		add[i].Tags = append([]Tag(nil), tags...)
	}
	// all is a new list: existing may be shared with a Clone, and an
	// append into its spare capacity would write into the other's array.
	copy(all[len(existing):], add)
	*g.rules(egress) = all
	st.touchRules(g.ID, egress, add)
	out := make([]SecurityGroupRule, len(add))
	for i := range add {
		out[i] = st.describeRule(g, egress, &add[i])
	}
	return out, nil
}

// RevokeSecurityGroupIngress removes inbound rules given either by exact
// properties (perms; descriptions are ignored) or by rule ids. In a
// non-default VPC a permission that matches no rule fails the whole call
// with InvalidPermission.NotFound; in a default VPC it is returned in unknown.
func (st *State) RevokeSecurityGroupIngress(group string, perms []IpPermission, ruleIDs []string) (revoked []SecurityGroupRule, unknown []IpPermission, err error) {
	return st.revoke(group, false, perms, ruleIDs)
}

// RevokeSecurityGroupEgress removes outbound rules; see RevokeSecurityGroupIngress.
func (st *State) RevokeSecurityGroupEgress(group string, perms []IpPermission, ruleIDs []string) (revoked []SecurityGroupRule, unknown []IpPermission, err error) {
	return st.revoke(group, true, perms, ruleIDs)
}

func (st *State) revoke(group string, egress bool, perms []IpPermission, ruleIDs []string) ([]SecurityGroupRule, []IpPermission, error) {
	g, err := st.lookupGroup(group)
	if err != nil {
		return nil, nil, err
	}
	if len(perms) > 0 && len(ruleIDs) > 0 {
		return nil, nil, errorf(CodeInvalidParameterCombination, "The parameter IpPermissions cannot be used with the parameter SecurityGroupRuleId")
	}
	if len(perms) == 0 && len(ruleIDs) == 0 {
		return nil, nil, errorf(CodeMissingParameter, "Either ipPermissions or securityGroupRuleIds must be specified.")
	}
	rules := *g.rules(egress)
	drop := make(map[int]bool)
	var unknown []IpPermission
	if len(ruleIDs) > 0 {
		for _, id := range ruleIDs {
			i := findRuleByID(rules, id)
			if i < 0 {
				if !validID(id, "sgr-") {
					return nil, nil, errorf(CodeInvalidSecurityGroupRuleIdMalformed, "The security group rule ID '%s' is malformed", id)
				}
				return nil, nil, errorf(CodeInvalidSecurityGroupRuleIdNotFound, "The security group rule ID '%s' does not exist", id)
			}
			drop[i] = true
		}
	} else {
		for _, p := range perms {
			want, err := st.expandPermissions([]IpPermission{p}, false)
			if err != nil {
				return nil, nil, err
			}
			for wi := range want {
				i := findRuleByKey(rules, ruleKey(&want[wi]))
				if i < 0 {
					if !st.s.VPC.DefaultVPC {
						return nil, nil, errorf(CodeInvalidPermissionNotFound, "The specified rule does not exist in this security group.")
					}
					unknown = append(unknown, p)
					break
				}
				drop[i] = true
			}
		}
	}
	var keep []RuleSpec
	var revoked []SecurityGroupRule
	for i := range rules {
		if drop[i] {
			st.touchRule(g.ID, egress, rules[i].ID)
			revoked = append(revoked, st.describeRule(g, egress, &rules[i]))
		} else {
			keep = append(keep, rules[i])
		}
	}
	if keep == nil {
		keep = []RuleSpec{}
	}
	*g.rules(egress) = keep
	return revoked, unknown, nil
}

func findRuleByID(rules []RuleSpec, id string) int {
	for i := range rules {
		if rules[i].ID == id {
			return i
		}
	}
	return -1
}

func findRuleByKey(rules []RuleSpec, key string) int {
	for i := range rules {
		if ruleKey(&rules[i]) == key {
			return i
		}
	}
	return -1
}

// ModifySecurityGroupRules replaces protocol, ports, peer and description of
// existing rules in place (same rule id). All or nothing.
func (st *State) ModifySecurityGroupRules(group string, updates []SecurityGroupRuleUpdate) error {
	g, err := st.lookupGroup(group)
	if err != nil {
		return err
	}
	if len(updates) == 0 {
		return errorf(CodeMissingParameter, "The request must contain the parameter SecurityGroupRule")
	}
	ing, eg := cloneRules(g.Ingress), cloneRules(g.Egress)
	var touched []RuleChange
	for _, u := range updates {
		rules, i := &ing, findRuleByID(ing, u.SecurityGroupRuleId)
		if i < 0 {
			rules, i = &eg, findRuleByID(eg, u.SecurityGroupRuleId)
		}
		if i < 0 {
			return errorf(CodeInvalidSecurityGroupRuleIdNotFound, "The security group rule ID '%s' does not exist", u.SecurityGroupRuleId)
		}
		nr, err := st.modifiedRule(&(*rules)[i], u.SecurityGroupRule)
		if err != nil {
			return err
		}
		(*rules)[i] = nr
		touched = append(touched, RuleChange{ID: nr.ID, Group: g.ID, Egress: rules == &eg})
	}
	for _, rules := range [][]RuleSpec{ing, eg} {
		if err := checkNoDuplicates(rules); err != nil {
			return err
		}
		if err := st.checkRuleQuota(rules); err != nil {
			return err
		}
	}
	g.Ingress, g.Egress = ing, eg
	for _, r := range touched {
		st.touchRule(r.Group, r.Egress, r.ID)
	}
	return nil
}

// modifiedRule validates a ModifySecurityGroupRules request against the
// rule it replaces and returns the new rule (same id and tags).
func (st *State) modifiedRule(old *RuleSpec, req *SecurityGroupRuleRequest) (RuleSpec, error) {
	if req == nil {
		return RuleSpec{}, errorf(CodeMissingParameter, "The request must contain the parameter SecurityGroupRule")
	}
	proto := ""
	if req.IpProtocol != nil {
		proto = *req.IpProtocol
	}
	peers := 0
	for _, p := range []*string{req.CidrIpv4, req.CidrIpv6, req.PrefixListId, req.ReferencedGroupId} {
		if p != nil && *p != "" {
			peers++
		}
	}
	perm := IpPermission{IpProtocol: proto, FromPort: req.FromPort, ToPort: req.ToPort}
	switch {
	case peers == 0:
		if _, err := canonicalProtocol(proto); err != nil {
			return RuleSpec{}, err
		}
		return RuleSpec{}, errorf(CodeMissingParameter, "The request must contain exactly one of: cidrIp, cidrIpv6, prefixListId, or referencedGroupId")
	case peers > 1:
		return RuleSpec{}, errorf(CodeInvalidParameterCombination, "Only one of cidrIp, cidrIpv6, prefixListId, or referencedGroupId can be specified")
	case req.CidrIpv4 != nil && *req.CidrIpv4 != "":
		if old.CidrIpv6 != "" {
			return RuleSpec{}, errorf(CodeInvalidParameterValue, "Invalid rule type for security group rule '%s'. You may not specify CidrIpv4 for an existing IPv6 CIDR rule.", old.ID)
		}
		perm.IpRanges = []IpRange{{CidrIp: *req.CidrIpv4, Description: req.Description}}
	case req.CidrIpv6 != nil && *req.CidrIpv6 != "":
		if old.CidrIpv4 != "" {
			return RuleSpec{}, errorf(CodeInvalidParameterValue, "Invalid rule type for security group rule '%s'. You may not specify CidrIpv6 for an existing IPv4 CIDR rule.", old.ID)
		}
		perm.Ipv6Ranges = []Ipv6Range{{CidrIpv6: *req.CidrIpv6, Description: req.Description}}
	case req.PrefixListId != nil && *req.PrefixListId != "":
		perm.PrefixListIds = []PrefixListId{{PrefixListId: *req.PrefixListId, Description: req.Description}}
	default:
		perm.UserIdGroupPairs = []UserIdGroupPair{{GroupId: *req.ReferencedGroupId, Description: req.Description}}
	}
	rs, err := st.expandPermissions([]IpPermission{perm}, true)
	if err != nil {
		return RuleSpec{}, err
	}
	nr := rs[0]
	nr.ID, nr.Tags = old.ID, old.Tags
	return nr, nil
}

// checkRequestRepeats refuses an Authorize request that names the same
// permission (protocol, ports and peer) twice, in two IpPermissions or twice
// in one's peer lists. EC2 answers this with InvalidParameterValue "The same
// permission must not appear multiple times", not InvalidPermission.Duplicate,
// which it keeps for a rule the group already has. The API Reference
// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AuthorizeSecurityGroupIngress.html)
// does not list the message; it is EC2's answer as reported in
// https://github.com/aws/aws-sdk-go/issues/1340 and
// https://github.com/hashicorp/terraform-provider-aws/issues/29492.
// Permissions are compared in canonical form (descriptions ignored), the
// form in which EC2 compares a request with existing rules (API_IpRange.html:
// a non-canonical CIDR duplicates its canonical twin), so 10.1.2.3/8 and
// 10.0.0.0/8 in one request are the same permission.
func checkRequestRepeats(add []RuleSpec) error {
	seen := make(map[string]bool, len(add))
	for i := range add {
		k := ruleKey(&add[i])
		if seen[k] {
			return errorf(CodeInvalidParameterValue, "The same permission must not appear multiple times")
		}
		seen[k] = true
	}
	return nil
}

// checkNoDuplicates refuses a group's rule list (after
// ModifySecurityGroupRules) in which two rules became the same:
// InvalidPermission.Duplicate, as for adding a rule that exists.
func checkNoDuplicates(rules []RuleSpec) error {
	seen := make(map[string]bool, len(rules))
	for i := range rules {
		k := ruleKey(&rules[i])
		if seen[k] {
			return duplicateError(&rules[i])
		}
		seen[k] = true
	}
	return nil
}

// UpdateSecurityGroupRuleDescriptionsIngress sets descriptions of inbound
// rules, matched either by properties (perms: each peer's Description is
// the new one) or by rule id. A missing description removes it.
func (st *State) UpdateSecurityGroupRuleDescriptionsIngress(group string, perms []IpPermission, descs []SecurityGroupRuleDescription) error {
	return st.updateDescriptions(group, false, perms, descs)
}

// UpdateSecurityGroupRuleDescriptionsEgress: see the Ingress variant.
func (st *State) UpdateSecurityGroupRuleDescriptionsEgress(group string, perms []IpPermission, descs []SecurityGroupRuleDescription) error {
	return st.updateDescriptions(group, true, perms, descs)
}

func (st *State) updateDescriptions(group string, egress bool, perms []IpPermission, descs []SecurityGroupRuleDescription) error {
	g, err := st.lookupGroup(group)
	if err != nil {
		return err
	}
	if len(perms) == 0 && len(descs) == 0 {
		return errorf(CodeMissingParameter, "Either ipPermissions or securityGroupRuleDescriptions must be specified.")
	}
	rules := cloneRules(*g.rules(egress))
	var touched []string
	for _, d := range descs {
		i := findRuleByID(rules, d.SecurityGroupRuleId)
		if i < 0 {
			return errorf(CodeInvalidSecurityGroupRuleIdNotFound, "The security group rule ID '%s' does not exist", d.SecurityGroupRuleId)
		}
		if err := validateRuleDescription(d.Description, rules[i].CidrIpv4 != "" || rules[i].CidrIpv6 != ""); err != nil {
			return err
		}
		rules[i].Description = cloneStr(d.Description)
		touched = append(touched, rules[i].ID)
	}
	if len(perms) > 0 {
		want, err := st.expandPermissions(perms, true)
		if err != nil {
			return err
		}
		for wi := range want {
			i := findRuleByKey(rules, ruleKey(&want[wi]))
			if i < 0 {
				return errorf(CodeInvalidPermissionNotFound, "The specified rule does not exist in this security group.")
			}
			rules[i].Description = want[wi].Description
			touched = append(touched, rules[i].ID)
		}
	}
	*g.rules(egress) = rules
	for _, id := range touched {
		st.touchRule(g.ID, egress, id)
	}
	return nil
}
