package ruleset

import (
	"strings"
)

// CreateSecurityGroup creates a group with EC2's initial rules (no inbound;
// outbound all to 0.0.0.0/0, and ::/0 when the VPC has IPv6).
func (st *State) CreateSecurityGroup(name, description string, tags []Tag) (*SecurityGroup, error) {
	if err := validateTagKeys(tags); err != nil {
		return nil, err
	}
	g, err := st.newGroup(name, description, tags)
	if err != nil {
		return nil, err
	}
	g.Egress = st.defaultEgress()
	g.Ingress = []RuleSpec{}
	return st.addGroup(g), nil
}

// newGroup validates name and description and returns a group with an id
// but no rules, not yet added.
func (st *State) newGroup(name, description string, tags []Tag) (GroupSpec, error) {
	name = strings.TrimRight(name, " ")
	if err := validateGroupName(name); err != nil {
		return GroupSpec{}, err
	}
	if err := validateGroupDescription(description); err != nil {
		return GroupSpec{}, err
	}
	if st.groupByName(name) != nil {
		return GroupSpec{}, errorf(CodeInvalidGroupDuplicate, "The security group '%s' already exists for VPC '%s'", name, st.s.VPC.VpcId)
	}
	if !st.s.VPC.LiftQuotas && len(st.s.Groups) >= st.s.VPC.GroupsPerVPC {
		return GroupSpec{}, errorf(CodeSecurityGroupLimitExceeded, "The maximum number of security groups for VPC '%s' has been reached.", st.s.VPC.VpcId)
	}
	return GroupSpec{ID: st.newID("sg-"), Name: name, Description: description, Tags: append([]Tag(nil), tags...)}, nil
}

func (st *State) addGroup(g GroupSpec) *SecurityGroup {
	st.touchGroupRules(&g)
	st.s.Groups = append(st.s.Groups, g)
	st.groupByID[g.ID] = len(st.s.Groups) - 1
	d := st.describeGroup(&st.s.Groups[len(st.s.Groups)-1])
	return &d
}

// CopySecurityGroup is the console's "copy to new": a new group (new id) in
// the same VPC with the source's inbound and outbound rules (new rule ids).
// An empty description takes the source's. Self references of the source
// point to the copy (see the package comment).
func (st *State) CopySecurityGroup(source, name, description string) (*SecurityGroup, error) {
	src, err := st.lookupGroup(source)
	if err != nil {
		return nil, err
	}
	if description == "" {
		description = src.Description
	}
	srcCopy := cloneGroup(*src)
	g, err := st.newGroup(name, description, nil)
	if err != nil {
		return nil, err
	}
	copyRules := func(rs []RuleSpec) []RuleSpec {
		rs = cloneRules(rs)
		for i := range rs {
			rs[i].ID = st.newID("sgr-")
			rs[i].Tags = nil
			if rs[i].ReferencedGroupId == srcCopy.ID {
				rs[i].ReferencedGroupId = g.ID
			}
		}
		return rs
	}
	g.Ingress, g.Egress = copyRules(srcCopy.Ingress), copyRules(srcCopy.Egress)
	return st.addGroup(g), nil
}

// DeleteSecurityGroup deletes a group given by id or name and returns its
// id. The default group cannot be deleted (CannotDelete); a group used by an
// interface or referenced by a rule of another group cannot either
// (DependencyViolation). A group's references to itself do not block.
func (st *State) DeleteSecurityGroup(group string) (string, error) {
	g, err := st.lookupGroup(group)
	if err != nil {
		return "", err
	}
	if g.Default {
		return "", errorf(CodeCannotDelete, "the specified group: \"%s\" name: \"%s\" cannot be deleted by a user", g.ID, g.Name)
	}
	id := g.ID
	for _, e := range st.s.Interfaces {
		for _, gid := range e.Groups {
			if gid == id {
				return "", errorf(CodeDependencyViolation, "resource %s has a dependent object", id)
			}
		}
	}
	for i := range st.s.Groups {
		o := &st.s.Groups[i]
		if o.ID == id {
			continue
		}
		for _, rs := range [][]RuleSpec{o.Ingress, o.Egress} {
			for j := range rs {
				if rs[j].ReferencedGroupId == id {
					return "", errorf(CodeDependencyViolation, "resource %s has a dependent object", id)
				}
			}
		}
	}
	st.touchGroupRules(g)
	i := st.groupByID[id]
	st.s.Groups = append(st.s.Groups[:i:i], st.s.Groups[i+1:]...)
	st.reindex()
	return id, nil
}

// describeGroup renders a group in the DescribeSecurityGroups shape: rules
// with the same protocol and ports are grouped into one IpPermission, in
// order of first appearance, as EC2 does.
func (st *State) describeGroup(g *GroupSpec) SecurityGroup {
	v := &st.s.VPC
	return SecurityGroup{
		GroupId:             g.ID,
		GroupName:           g.Name,
		Description:         g.Description,
		OwnerId:             v.OwnerId,
		VpcId:               v.VpcId,
		SecurityGroupArn:    "arn:aws:ec2:" + v.Region + ":" + v.OwnerId + ":security-group/" + g.ID,
		IpPermissions:       st.permissions(g.Ingress),
		IpPermissionsEgress: st.permissions(g.Egress),
		Tags:                append([]Tag(nil), g.Tags...),
	}
}

func (st *State) permissions(rules []RuleSpec) []IpPermission {
	out := []IpPermission{}
	index := map[[3]any]int{}
	for i := range rules {
		r := &rules[i]
		k := [3]any{r.Protocol, r.FromPort, r.ToPort}
		pi, ok := index[k]
		if !ok {
			p := IpPermission{IpProtocol: r.Protocol, UserIdGroupPairs: []UserIdGroupPair{}, IpRanges: []IpRange{}, Ipv6Ranges: []Ipv6Range{}, PrefixListIds: []PrefixListId{}}
			if hasPorts(r.Protocol) {
				f, t := r.FromPort, r.ToPort
				p.FromPort, p.ToPort = &f, &t
			}
			out = append(out, p)
			pi = len(out) - 1
			index[k] = pi
		}
		p := &out[pi]
		d := cloneStr(r.Description)
		switch {
		case r.CidrIpv4 != "":
			p.IpRanges = append(p.IpRanges, IpRange{CidrIp: r.CidrIpv4, Description: d})
		case r.CidrIpv6 != "":
			p.Ipv6Ranges = append(p.Ipv6Ranges, Ipv6Range{CidrIpv6: r.CidrIpv6, Description: d})
		case r.PrefixListId != "":
			p.PrefixListIds = append(p.PrefixListIds, PrefixListId{PrefixListId: r.PrefixListId, Description: d})
		default:
			p.UserIdGroupPairs = append(p.UserIdGroupPairs, UserIdGroupPair{GroupId: r.ReferencedGroupId, UserId: st.s.VPC.OwnerId, Description: d})
		}
	}
	return out
}

// hasPorts: DescribeSecurityGroups shows FromPort/ToPort for these protocols only.
func hasPorts(proto string) bool {
	switch proto {
	case "tcp", "udp", "icmp", "icmpv6":
		return true
	}
	return false
}

// describeRule renders one rule in the DescribeSecurityGroupRules shape.
func (st *State) describeRule(g *GroupSpec, egress bool, r *RuleSpec) SecurityGroupRule {
	v := &st.s.VPC
	out := SecurityGroupRule{
		SecurityGroupRuleId:  r.ID,
		GroupId:              g.ID,
		GroupOwnerId:         v.OwnerId,
		IsEgress:             egress,
		IpProtocol:           r.Protocol,
		FromPort:             r.FromPort,
		ToPort:               r.ToPort,
		Description:          cloneStr(r.Description),
		Tags:                 append([]Tag{}, r.Tags...),
		SecurityGroupRuleArn: "arn:aws:ec2:" + v.Region + ":" + v.OwnerId + ":security-group-rule/" + r.ID,
	}
	str := func(s string) *string { return &s }
	switch {
	case r.CidrIpv4 != "":
		out.CidrIpv4 = str(r.CidrIpv4)
	case r.CidrIpv6 != "":
		out.CidrIpv6 = str(r.CidrIpv6)
	case r.PrefixListId != "":
		out.PrefixListId = str(r.PrefixListId)
	default:
		out.ReferencedGroupInfo = &ReferencedGroup{GroupId: r.ReferencedGroupId, UserId: v.OwnerId}
	}
	return out
}
