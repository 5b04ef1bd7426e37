package account

import (
	"net/netip"

	"sgswitch/ruleset"
	"sgswitch/vpc"
)

// CreateVpc creates a VPC as EC2 does: with its default network ACL, its
// main route table (package vpc) and its default security group (its own
// ruleset State).
func (a *Account) CreateVpc(cidr, ipv6Cidr string, tags []vpc.Tag) (vpc.Vpc, error) {
	return a.CreateVpcWithQuotas(cidr, ipv6Cidr, tags, Quotas{})
}

// Quotas are a VPC's own security-group quotas; 0 keeps the account's.
type Quotas struct {
	GroupsPerInterface int
	RulesPerGroup      int
}

// CreateVpcWithQuotas is CreateVpc for a VPC whose security groups have
// their own quotas (a lab's settings).
func (a *Account) CreateVpcWithQuotas(cidr, ipv6Cidr string, tags []vpc.Tag, q Quotas) (vpc.Vpc, error) {
	net := a.net.Clone()
	v, err := net.CreateVpc(cidr, ipv6Cidr, tags)
	if err != nil {
		return vpc.Vpc{}, err
	}
	cfg, err := a.groupsConfig(v)
	if err != nil {
		return vpc.Vpc{}, err
	}
	if q.GroupsPerInterface != 0 {
		cfg.GroupsPerInterface = q.GroupsPerInterface
	}
	if q.RulesPerGroup != 0 {
		cfg.RulesPerGroup = q.RulesPerGroup
	}
	g, err := ruleset.NewState(cfg)
	if err != nil {
		return vpc.Vpc{}, err
	}
	g.SetFlowBudget(a.budgetFor(v.VpcId))
	if err := a.uniqueIDs(g, ""); err != nil {
		return vpc.Vpc{}, err
	}
	a.net, a.groups[v.VpcId] = net, g
	return v, nil
}

// DeleteVpc deletes a VPC: refused with DependencyViolation while it has
// security groups besides the default one (the ruleset's, checked here) or
// subnets, custom network ACLs or custom route tables (the vpc model's).
func (a *Account) DeleteVpc(id string) error {
	g := a.groups[id]
	if g != nil && len(g.View().Groups) > 1 {
		return &vpc.Error{Code: vpc.CodeDependencyViolation, Message: "The vpc '" + id + "' has dependencies and cannot be deleted."}
	}
	if err := a.net.DeleteVpc(id); err != nil {
		return err
	}
	delete(a.groups, id)
	return nil
}

// uniqueIDs refuses a ruleset State whose ids another VPC's State holds
// (each draws from its own seed; a collision is vanishingly rare, and
// refused rather than allowed to confuse a lookup by id). self is the VPC
// g belongs to, "" for a new one.
func (a *Account) uniqueIDs(g *ruleset.State, self string) error {
	ids := map[string]bool{}
	for _, gr := range g.View().Groups {
		ids[gr.ID] = true
	}
	for _, e := range g.View().Interfaces {
		ids[e.ID] = true
	}
	for vpcID, other := range a.groups {
		if vpcID == self {
			continue
		}
		for _, gr := range other.View().Groups {
			if ids[gr.ID] {
				return &vpc.Error{Code: "InternalError", Message: "id " + gr.ID + " is already used in VPC " + vpcID}
			}
		}
		for _, e := range other.View().Interfaces {
			if ids[e.ID] {
				return &vpc.Error{Code: "InternalError", Message: "id " + e.ID + " is already used in VPC " + vpcID}
			}
		}
	}
	return nil
}

func parsePrefix(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return p, &vpc.Error{Code: vpc.CodeInvalidParameterValue, Message: "invalid CIDR " + s}
	}
	return p, nil
}
