package ruleset

import (
	"strconv"
	"strings"

	"sgswitch/internal/wildcard"
)

// DescribeSecurityGroups returns the groups given by id and by name (all
// when both are empty) that match every filter. Filters (spec 4.3):
// description, group-id, group-name, owner-id, vpc-id, tag:<key>, tag-key,
// tag-value, and for inbound rules ip-permission.X, for outbound
// egress.ip-permission.X, with X one of cidr, ipv6-cidr, from-port, to-port,
// protocol, group-id, group-name, prefix-list-id, user-id. Several values of
// one filter are ORed and may use the wildcards * and ?. Rule filters are
// judged independently: a group matches when any combination of its rules
// satisfies all of them (they need not hold for one rule). Filter names and
// meanings are those of
// https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeSecurityGroups.html;
// any other name is InvalidParameterValue. Where that page leaves a
// meaning open, the choices (TestDescribeSecurityGroupsFilters holds them):
//   - ip-permission.group-name ("the name of a security group that has been
//     referenced") matches a rule by the referenced group's name however the
//     rule was written: rules are stored with the group id, and the page
//     speaks of the referenced group, not of how it was named in the request.
//   - ip-permission.protocol matches a rule's protocol by name and by number
//     (tcp and 6 both match a TCP rule): the page lists "tcp | udp | icmp or
//     a protocol number" as the values, and EC2 stores 6 as tcp.
//   - from-port/to-port compare the stored value exactly (no range
//     containment: a filter for 22 does not match a 20-30 rule); protocol -1
//     rules have -1 in both, as DescribeSecurityGroupRules shows them.
//   - user-id is the VPC owner for every group reference (one account here).
func (st *State) DescribeSecurityGroups(ids, names []string, filters []Filter) ([]SecurityGroup, error) {
	var sel []*GroupSpec
	if len(ids) == 0 && len(names) == 0 {
		for i := range st.s.Groups {
			sel = append(sel, &st.s.Groups[i])
		}
	}
	for _, id := range ids {
		if !validID(id, "sg-") {
			return nil, errorf(CodeInvalidGroupIdMalformed, "The security group ID '%s' is malformed", id)
		}
		g := st.group(id)
		if g == nil {
			return nil, errorf(CodeInvalidGroupNotFound, "The security group '%s' does not exist", id)
		}
		sel = append(sel, g)
	}
	for _, n := range names {
		g := st.groupByName(n)
		if g == nil || strings.HasPrefix(n, "sg-") {
			return nil, errorf(CodeInvalidGroupNotFound, "The security group '%s' does not exist in default VPC '%s'", n, st.s.VPC.VpcId)
		}
		sel = append(sel, g)
	}
	out := []SecurityGroup{}
	seen := map[string]bool{}
	for _, g := range sel {
		if seen[g.ID] {
			continue
		}
		seen[g.ID] = true
		ok, err := st.groupMatches(g, filters)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, st.describeGroup(g))
		}
	}
	return out, nil
}

func (st *State) groupMatches(g *GroupSpec, filters []Filter) (bool, error) {
	for _, f := range filters {
		vals, err := st.groupFilterValues(g, f.Name)
		if err != nil {
			return false, err
		}
		if !wildcard.AnyMatch(f.Values, vals) {
			return false, nil
		}
	}
	return true, nil
}

// groupFilterValues lists the values a filter name sees in a group; a rule
// filter sees the values of every rule of its direction, which gives the
// any-combination semantics.
func (st *State) groupFilterValues(g *GroupSpec, name string) ([]string, error) {
	switch name {
	case "description":
		return []string{g.Description}, nil
	case "group-id":
		return []string{g.ID}, nil
	case "group-name":
		return []string{g.Name}, nil
	case "owner-id":
		return []string{st.s.VPC.OwnerId}, nil
	case "vpc-id":
		return []string{st.s.VPC.VpcId}, nil
	case "tag-value":
		var vs []string
		for _, t := range g.Tags {
			vs = append(vs, t.Value)
		}
		return vs, nil
	}
	if vs, ok := tagFilterValues(name, g.Tags); ok {
		return vs, nil
	}
	rules, field := g.Ingress, ""
	if f, ok := strings.CutPrefix(name, "egress.ip-permission."); ok {
		rules, field = g.Egress, f
	} else if f, ok := strings.CutPrefix(name, "ip-permission."); ok {
		field = f
	} else {
		return nil, errorf(CodeInvalidParameterValue, "The filter '%s' is invalid", name)
	}
	var vs []string
	for i := range rules {
		v, ok, err := st.ruleFilterValue(&rules[i], field)
		if err != nil {
			return nil, errorf(CodeInvalidParameterValue, "The filter '%s' is invalid", name)
		}
		if ok {
			vs = append(vs, v...)
		}
	}
	return vs, nil
}

func (st *State) ruleFilterValue(r *RuleSpec, field string) ([]string, bool, error) {
	one := func(s string) ([]string, bool, error) { return []string{s}, s != "", nil }
	switch field {
	case "cidr":
		return one(r.CidrIpv4)
	case "ipv6-cidr":
		return one(r.CidrIpv6)
	case "prefix-list-id":
		return one(r.PrefixListId)
	case "group-id":
		return one(r.ReferencedGroupId)
	case "group-name":
		if g := st.group(r.ReferencedGroupId); g != nil && r.ReferencedGroupId != "" {
			return one(g.Name)
		}
		return nil, false, nil
	case "user-id":
		if r.ReferencedGroupId != "" {
			return one(st.s.VPC.OwnerId)
		}
		return nil, false, nil
	case "from-port":
		return []string{strconv.Itoa(int(r.FromPort))}, true, nil
	case "to-port":
		return []string{strconv.Itoa(int(r.ToPort))}, true, nil
	case "protocol":
		p, _ := canonicalProtocol(r.Protocol)
		vs := []string{r.Protocol}
		if p.num >= 0 && p.name != strconv.Itoa(p.num) {
			vs = append(vs, strconv.Itoa(p.num))
		}
		return vs, true, nil
	}
	return nil, false, errorf(CodeInvalidParameterValue, "unknown field")
}

// DescribeSecurityGroupRules returns rules by id (unknown id:
// InvalidSecurityGroupRuleId.NotFound), filtered by group-id (malformed:
// InvalidGroupId.Malformed; unknown: no rules), security-group-rule-id,
// tag:<key>
// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeSecurityGroupRules.html),
// and tag-key, the tag filter every other EC2 Describe action has; any other
// name is InvalidParameterValue.
func (st *State) DescribeSecurityGroupRules(ids []string, filters []Filter) ([]SecurityGroupRule, error) {
	var all []SecurityGroupRule
	byID := map[string]int{}
	for gi := range st.s.Groups {
		g := &st.s.Groups[gi]
		for _, eg := range []bool{false, true} {
			rs := *g.rules(eg)
			for i := range rs {
				byID[rs[i].ID] = len(all)
				all = append(all, st.describeRule(g, eg, &rs[i]))
			}
		}
	}
	sel := all
	if len(ids) > 0 {
		sel = nil
		for _, id := range ids {
			i, ok := byID[id]
			if !ok {
				if !validID(id, "sgr-") {
					return nil, errorf(CodeInvalidSecurityGroupRuleIdMalformed, "The security group rule ID '%s' is malformed", id)
				}
				return nil, errorf(CodeInvalidSecurityGroupRuleIdNotFound, "The security group rule ID '%s' does not exist", id)
			}
			sel = append(sel, all[i])
		}
	}
	for _, f := range filters {
		if f.Name == "group-id" {
			for _, v := range f.Values {
				if !validID(v, "sg-") && !strings.ContainsAny(v, "*?") {
					return nil, errorf(CodeInvalidGroupIdMalformed, "The security group ID '%s' is malformed", v)
				}
			}
		}
	}
	out := []SecurityGroupRule{}
	for _, r := range sel {
		ok := true
		for _, f := range filters {
			vals, isTag := tagFilterValues(f.Name, r.Tags)
			switch {
			case isTag:
			case f.Name == "group-id":
				vals = []string{r.GroupId}
			case f.Name == "security-group-rule-id":
				vals = []string{r.SecurityGroupRuleId}
			default:
				return nil, errorf(CodeInvalidParameterValue, "The filter '%s' is invalid", f.Name)
			}
			if !wildcard.AnyMatch(f.Values, vals) {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, r)
		}
	}
	return out, nil
}

// tagFilterValues returns the values a tag filter ("tag-key", or
// "tag:<key>") compares against, and false for any other filter name.
func tagFilterValues(name string, tags []Tag) ([]string, bool) {
	var vs []string
	if name == "tag-key" {
		for _, t := range tags {
			vs = append(vs, t.Key)
		}
		return vs, true
	}
	k, ok := strings.CutPrefix(name, "tag:")
	if !ok {
		return nil, false
	}
	for _, t := range tags {
		if t.Key == k {
			vs = append(vs, t.Value)
		}
	}
	return vs, true
}

func isTagFilter(name string) bool { return name == "tag-key" || strings.HasPrefix(name, "tag:") }
