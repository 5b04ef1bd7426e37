package ec2api

import (
	"strings"

	"sgswitch/account"
	"sgswitch/ruleset"
	"sgswitch/vpc"
)

// Where an action runs: the security-group and interface actions work on
// one VPC's ruleset State (account.Groups), found here from the ids a
// request names. Ids are unique across VPCs (the account checks), so an
// id names its VPC.

// codeVPCIdNotSpecified answers a group named by name (or created without
// VpcId) when the account has no VPC that plays the default VPC.
const codeVPCIdNotSpecified = "VPCIdNotSpecified"

// errDifferentNetworks is EC2's answer when a request ties resources of
// two VPCs together (a rule referencing a group of another VPC, an
// interface given a group of another VPC): EC2 has no peering here.
func errDifferentNetworks() error {
	return errorf(ruleset.CodeInvalidGroupNotFound, "You have specified two resources that belong to different networks.")
}

// defaultVPC is the VPC a group name (or a CreateSecurityGroup without
// VpcId) refers to. EC2 resolves names in the default VPC only: the
// account's default VPC (a daemon's own VPC, account.DefaultVpc), else
// the only VPC when there is exactly one; otherwise EC2's error for an
// account without a default VPC.
func defaultVPC(a *account.Account) (string, error) {
	if v := a.DefaultVpc(); v != "" {
		return v, nil
	}
	if ids := a.VPCs(); len(ids) == 1 {
		return ids[0], nil
	}
	return "", errorf(codeVPCIdNotSpecified, "No default VPC for this user. GroupName is only supported for EC2-Classic and default VPC.")
}

// byName finds the VPC whose State knows name (a group's or an
// interface's): the default VPC when it does, as EC2; else, as sgswitch
// lets a lab's objects be named by their lab names (each lab is a VPC of
// its own beside the daemon's default one), the one other VPC that does.
// A name several VPCs use is refused (name it by id); a name none knows
// gets the default VPC's State, whose own error says so. Without a
// default VPC, EC2's error.
func byName(a *account.Account, name string, knows func(*ruleset.State) bool) (*ruleset.State, string, error) {
	def, err := defaultVPC(a)
	if err != nil {
		return nil, "", err
	}
	if knows(a.Groups(def)) {
		return a.Groups(def), def, nil
	}
	var found []string
	for _, v := range a.VPCs() {
		if v != def && knows(a.Groups(v)) {
			found = append(found, v)
		}
	}
	switch {
	case len(found) == 1:
		return a.Groups(found[0]), found[0], nil
	case len(found) > 1:
		return nil, "", errorf(codeVPCIdNotSpecified, "The name '%s' is used in %d VPCs (%s): name it by id.", name, len(found), strings.Join(found, ", "))
	}
	return a.Groups(def), def, nil
}

// groupState finds the State holding a group given by id (sg-…) or by
// name (byName).
func groupState(a *account.Account, group string) (*ruleset.State, string, error) {
	if !strings.HasPrefix(group, "sg-") {
		return byName(a, group, func(st *ruleset.State) bool { _, err := st.ResolveGroup(group); return err == nil })
	}
	v, ok := a.VPCOfGroup(group)
	if !ok {
		return nil, "", groupNotFound(a, group)
	}
	return a.Groups(v), v, nil
}

// groupNotFound is the error for a group id no VPC holds: a State's own
// (malformed or not found) when there is one to ask.
func groupNotFound(a *account.Account, id string) error {
	if vs := a.VPCs(); len(vs) > 0 {
		if _, err := a.Groups(vs[0]).ResolveGroup(id); err != nil {
			return err
		}
	}
	return errorf(ruleset.CodeInvalidGroupNotFound, "The security group '%s' does not exist", id)
}

// interfaceState finds the State holding interface id, with ruleset's
// error for a malformed or unknown id.
func interfaceState(a *account.Account, id string) (*ruleset.State, string, error) {
	if v, ok := a.VPCOfInterface(id); ok {
		return a.Groups(v), v, nil
	}
	if !strings.HasPrefix(id, "eni-") && a.DefaultVpc() != "" {
		// sgswitch's names for interfaces (a lab node's), as for groups.
		knows := func(st *ruleset.State) bool { _, err := st.ResolveInterface(id); return err == nil }
		if st, v, err := byName(a, id, knows); err != nil || knows(st) {
			return st, v, err
		}
	}
	if !strings.HasPrefix(id, "eni-") {
		return nil, "", errorf(ruleset.CodeInvalidNetworkInterfaceIDMalformed, "Invalid id: \"%s\" (expecting \"eni-...\")", id)
	}
	return nil, "", errorf(ruleset.CodeInvalidNetworkInterfaceIDNotFound, "The networkInterface ID '%s' does not exist", id)
}

// ruleState finds the State holding security group rule id (no index
// maps rules to VPCs: each State is asked in turn).
func ruleState(a *account.Account, id string) (*ruleset.State, error) {
	var first error
	for _, v := range a.VPCs() {
		st := a.Groups(v)
		_, err := st.DescribeSecurityGroupRules([]string{id}, nil)
		if err == nil {
			return st, nil
		}
		if first == nil {
			first = err
		}
	}
	if first == nil {
		first = errorf(ruleset.CodeInvalidSecurityGroupRuleIdNotFound, "The security group rule ID '%s' does not exist", id)
	}
	return nil, first
}

// sameVPC refuses group ids (sg-…) that belong to a VPC other than
// vpcID. Names and unknown ids are left to the VPC's State, which
// resolves names in itself and answers InvalidGroup.NotFound.
func sameVPC(a *account.Account, vpcID string, groups []string) error {
	for _, g := range groups {
		if v, ok := a.VPCOfGroup(g); ok && v != vpcID {
			return errDifferentNetworks()
		}
	}
	return nil
}

// referencedGroups lists the group ids the permissions reference.
func referencedGroups(perms []ruleset.IpPermission) []string {
	var ids []string
	for _, p := range perms {
		for _, pair := range p.UserIdGroupPairs {
			if pair.GroupId != "" {
				ids = append(ids, pair.GroupId)
			}
		}
	}
	return ids
}

// subnetZone is the Availability Zone of a subnet ("" if unknown).
func subnetZone(net *vpc.State, subnetID string) string {
	s, err := net.DescribeSubnets([]string{subnetID}, nil)
	if err != nil || len(s) == 0 {
		return ""
	}
	return s[0].AvailabilityZone
}
