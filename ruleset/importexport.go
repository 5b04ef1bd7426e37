package ruleset

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
)

// describeOutput is the document `aws ec2 describe-security-groups` prints.
type describeOutput struct {
	SecurityGroups []SecurityGroup `json:"SecurityGroups"`
}

// ImportJSON loads the output of `aws ec2 describe-security-groups` into the
// state. Groups keep their ids; the group named "default" becomes this VPC's
// default group (which takes the imported id); an id already in the state
// has its description, tags and rules replaced; other groups are created.
// Rules get new sgr- ids. VpcId and OwnerId of the document are ignored
// (references to other VPCs are refused). All or nothing.
func (st *State) ImportJSON(data []byte) error {
	var doc describeOutput
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return errorf(CodeInvalidParameterValue, "invalid describe-security-groups JSON: %v", err)
	}
	// Work on a copy that keeps st's journal (and base), so that st,
	// replaced by it, still reports every change since its Clone.
	work := st.copyLists()
	work.j = st.j.copy()
	if err := work.importGroups(doc.SecurityGroups); err != nil {
		return err
	}
	*st = *work
	return nil
}

func (st *State) importGroups(sgs []SecurityGroup) error {
	ids := make([]string, len(sgs))
	seen := map[string]bool{}
	// Phase 1: every group exists with its id, without rules.
	for i := range sgs {
		sg := &sgs[i]
		if sg.GroupId != "" && !validID(sg.GroupId, "sg-") {
			return errorf(CodeInvalidGroupIdMalformed, "The security group ID '%s' is malformed", sg.GroupId)
		}
		if seen[sg.GroupId] && sg.GroupId != "" {
			return errorf(CodeInvalidGroupDuplicate, "The security group '%s' appears twice", sg.GroupId)
		}
		seen[sg.GroupId] = true
		id, err := st.importGroup(sg)
		if err != nil {
			return err
		}
		ids[i] = id
	}
	// Phase 2: rules, now that every reference can resolve.
	for i := range sgs {
		g := st.group(ids[i])
		st.touchRules(g.ID, false, g.Ingress)
		st.touchRules(g.ID, true, g.Egress)
		g.Ingress, g.Egress = []RuleSpec{}, []RuleSpec{}
		for _, d := range []struct {
			egress bool
			perms  []IpPermission
		}{{false, sgs[i].IpPermissions}, {true, sgs[i].IpPermissionsEgress}} {
			perms := importPermissions(d.perms, sgs[i].VpcId)
			if len(perms) == 0 {
				continue
			}
			if _, err := st.authorize(ids[i], d.egress, perms, nil); err != nil {
				return err
			}
		}
	}
	return nil
}

// importGroup creates or finds the group for sg and returns its id.
func (st *State) importGroup(sg *SecurityGroup) (string, error) {
	name := strings.TrimRight(sg.GroupName, " ")
	if strings.EqualFold(name, "default") {
		def := st.group(st.DefaultGroupID())
		if sg.GroupId != "" && sg.GroupId != def.ID {
			if st.group(sg.GroupId) != nil {
				return "", errorf(CodeInvalidGroupDuplicate, "The security group '%s' already exists", sg.GroupId)
			}
			st.renameGroup(def.ID, sg.GroupId)
			def = st.group(sg.GroupId)
		}
		def.Tags = append([]Tag(nil), sg.Tags...)
		st.touchGroup(def.ID)
		return def.ID, nil
	}
	if g := st.group(sg.GroupId); g != nil {
		if g.Default {
			return "", errorf(CodeInvalidGroupDuplicate, "The security group '%s' is the default group; it cannot be renamed to '%s'", g.ID, name)
		}
		if err := validateGroupDescription(sg.Description); err != nil {
			return "", err
		}
		if o := st.groupByName(name); o != nil && o.ID != g.ID {
			return "", errorf(CodeInvalidGroupDuplicate, "The security group '%s' already exists for VPC '%s'", name, st.s.VPC.VpcId)
		}
		if err := validateGroupName(name); err != nil {
			return "", err
		}
		g.Name, g.Description, g.Tags = name, sg.Description, append([]Tag(nil), sg.Tags...)
		st.touchGroup(g.ID)
		return g.ID, nil
	}
	g, err := st.newGroup(name, sg.Description, sg.Tags)
	if err != nil {
		return "", err
	}
	if sg.GroupId != "" {
		g.ID = sg.GroupId
	}
	g.Ingress, g.Egress = []RuleSpec{}, []RuleSpec{}
	st.addGroup(g)
	return g.ID, nil
}

// renameGroup changes a group's id everywhere it is used. Lists that
// change are replaced, not written into (they may be shared with a
// Clone), and every object that changes is recorded: the group under
// both ids, all its rules (their group changed), rules elsewhere that
// refer to it, and interfaces that use it.
func (st *State) renameGroup(from, to string) {
	for i := range st.s.Groups {
		g := &st.s.Groups[i]
		renamed := g.ID == from
		if renamed {
			st.touchGroup(from)
			g.ID = to
			st.touchGroupRules(g)
		}
		for _, egress := range []bool{false, true} {
			rs := *g.rules(egress)
			if !slices.ContainsFunc(rs, func(r RuleSpec) bool { return r.ReferencedGroupId == from }) {
				continue
			}
			rs = slices.Clone(rs)
			for j := range rs {
				if rs[j].ReferencedGroupId == from {
					rs[j].ReferencedGroupId = to
					st.touchRule(g.ID, egress, rs[j].ID)
				}
			}
			*g.rules(egress) = rs
		}
	}
	for i := range st.s.Interfaces {
		e := &st.s.Interfaces[i]
		if !slices.Contains(e.Groups, from) {
			continue
		}
		e.Groups = slices.Clone(e.Groups)
		for j, g := range e.Groups {
			if g == from {
				e.Groups[j] = to
			}
		}
		st.touchInterface(e.ID)
	}
	st.reindex()
}

// importPermissions drops the document's own VPC id from group pairs (a
// same-VPC reference) and skips permissions without peers.
func importPermissions(perms []IpPermission, docVpc string) []IpPermission {
	var out []IpPermission
	for _, p := range perms {
		pairs := make([]UserIdGroupPair, len(p.UserIdGroupPairs))
		for i, u := range p.UserIdGroupPairs {
			if u.VpcId == docVpc {
				u.VpcId = ""
			}
			u.UserId = ""
			pairs[i] = u
		}
		p.UserIdGroupPairs = pairs
		if len(p.IpRanges)+len(p.Ipv6Ranges)+len(p.PrefixListIds)+len(p.UserIdGroupPairs) == 0 {
			continue
		}
		out = append(out, p)
	}
	return out
}

// ExportJSON prints every group as `aws ec2 describe-security-groups` does.
func (st *State) ExportJSON() ([]byte, error) {
	sgs, err := st.DescribeSecurityGroups(nil, nil, nil)
	if err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(describeOutput{SecurityGroups: sgs}, "", "    ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
