package account

import (
	"fmt"
	"hash/fnv"
	"maps"
	"slices"

	"sgswitch/ruleset"
	"sgswitch/vpc"
)

// Config configures an Account: the VPC layer's (account, region, quotas,
// id seed) and the quotas of every VPC's security groups.
type Config struct {
	Network vpc.Config
	// Groups is the template of each VPC's ruleset configuration: its
	// quotas (GroupsPerInterface, RulesPerGroup, GroupsPerVPC, LiftQuotas).
	// Ids, CIDRs, owner and region come from the VPC.
	Groups ruleset.VPCConfig
}

// Account is the state of every VPC of a daemon.
type Account struct {
	cfg    Config
	net    *vpc.State
	groups map[string]*ruleset.State // VPC id -> its security groups
	// flowBudget is the switch's flow-table size (SetFlowBudget).
	flowBudget int64
}

// New returns an Account with no VPC.
func New(cfg Config) (*Account, error) {
	net, err := vpc.NewState(cfg.Network)
	if err != nil {
		return nil, err
	}
	cfg.Network = net.Config()
	return &Account{cfg: cfg, net: net, groups: map[string]*ruleset.State{}}, nil
}

// Config is the account's configuration, as Spec holds it.
func (a *Account) Config() Config { return a.cfg }

// Network is the VPC layer. Callers may call its methods for what only it
// holds (subnets, route tables, network ACLs); interfaces and addresses go
// through the Account, which keeps both models equal.
func (a *Account) Network() *vpc.State { return a.net }

// Groups is the security-group State of VPC id, or nil.
func (a *Account) Groups(vpcID string) *ruleset.State { return a.groups[vpcID] }

// VPCs lists the ids of the VPCs, sorted.
func (a *Account) VPCs() []string { return slices.Sorted(maps.Keys(a.groups)) }

// Clone returns an independent copy.
func (a *Account) Clone() *Account {
	c := &Account{cfg: a.cfg, net: a.net.Clone(), groups: make(map[string]*ruleset.State, len(a.groups)), flowBudget: a.flowBudget}
	for id, g := range a.groups {
		c.groups[id] = g.Clone()
	}
	return c
}

// VPCOfGroup finds the VPC of security group id (an sg- id).
func (a *Account) VPCOfGroup(id string) (string, bool) {
	for vpcID, g := range a.groups {
		if _, err := g.ResolveGroup(id); err == nil {
			return vpcID, true
		}
	}
	return "", false
}

// VPCOfInterface finds the VPC of interface id (an eni- id).
func (a *Account) VPCOfInterface(id string) (string, bool) {
	e, ok := a.net.Interface(id)
	if !ok {
		return "", false
	}
	v, err := a.net.SubnetVpc(e.SubnetID)
	return v, err == nil
}

// groupsConfig is the ruleset configuration of VPC v.
func (a *Account) groupsConfig(v vpc.Vpc) (ruleset.VPCConfig, error) {
	cfg := a.cfg.Groups
	cfg.VpcId, cfg.SubnetId = v.VpcId, "" // subnets are the vpc model's
	cfg.OwnerId, cfg.Region = a.cfg.Network.OwnerId, a.cfg.Network.Region
	p, err := parsePrefix(v.CidrBlock)
	if err != nil {
		return cfg, err
	}
	cfg.CIDR = p
	for _, b := range v.Ipv6CidrBlockAssociationSet {
		if cfg.IPv6CIDR, err = parsePrefix(b.Ipv6CidrBlock); err != nil {
			return cfg, err
		}
	}
	h := fnv.New64a()
	fmt.Fprintf(h, "%d/%s", a.cfg.Network.IDSeed, v.VpcId)
	cfg.IDSeed = h.Sum64() | 1
	return cfg, nil
}

// Interfaces lists the security side of the interfaces of every VPC, VPC
// by VPC in id order, each VPC's in its own order.
func (a *Account) Interfaces() []ruleset.InterfaceSpec {
	var out []ruleset.InterfaceSpec
	for _, id := range a.VPCs() {
		out = append(out, a.groups[id].View().Interfaces...)
	}
	return out
}

// Interface finds interface id's security side and its VPC.
func (a *Account) Interface(id string) (e ruleset.InterfaceSpec, vpcID string, ok bool) {
	vpcID, ok = a.VPCOfInterface(id)
	if !ok {
		return e, "", false
	}
	for _, e := range a.groups[vpcID].View().Interfaces {
		if e.ID == id {
			return e, vpcID, true
		}
	}
	return e, "", false
}
