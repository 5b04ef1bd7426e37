package account

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"

	"sgswitch/ruleset"
	"sgswitch/vpc"
)

// Spec is the whole Account as plain data: the VPC layer and each VPC's
// security-group spec by VPC id.
type Spec struct {
	Config  Config                  `json:"Config"`
	Network vpc.Spec                `json:"Network"`
	Groups  map[string]ruleset.Spec `json:"Groups"`
}

// Spec returns a deep copy of the Account's data.
func (a *Account) Spec() Spec {
	sp := Spec{Config: a.cfg, Network: a.net.Spec(), Groups: make(map[string]ruleset.Spec, len(a.groups))}
	for id, g := range a.groups {
		sp.Groups[id] = g.Spec()
	}
	return sp
}

// FromSpec rebuilds an Account from untrusted data: each model validates
// its own part, and the two must agree (Consistent).
func FromSpec(sp Spec) (*Account, error) {
	net, err := vpc.StateFromSpec(sp.Network)
	if err != nil {
		return nil, fmt.Errorf("VPC layer: %w", err)
	}
	a := &Account{cfg: sp.Config, net: net, groups: make(map[string]*ruleset.State, len(sp.Groups))}
	a.cfg.Network = net.Config()
	for id, gs := range sp.Groups {
		g, err := ruleset.StateFromSpec(gs)
		if err != nil {
			return nil, fmt.Errorf("security groups of %s: %w", id, err)
		}
		a.groups[id] = g
	}
	if err := a.Consistent(); err != nil {
		return nil, err
	}
	return a, nil
}

// Consistent checks that the two models agree: one security-group State
// per VPC, with the VPC's id; every interface of a VPC's groups placed in
// a subnet of that VPC with the same addresses, and every placed
// interface known to its VPC's groups.
func (a *Account) Consistent() error {
	vpcs, err := a.net.DescribeVpcs(nil, nil)
	if err != nil {
		return err
	}
	if len(vpcs) != len(a.groups) {
		return fmt.Errorf("%d VPCs but security groups for %d", len(vpcs), len(a.groups))
	}
	placed := 0
	for _, v := range vpcs {
		g := a.groups[v.VpcId]
		if g == nil || g.VPC().VpcId != v.VpcId {
			return fmt.Errorf("VPC %s has no security groups of its own", v.VpcId)
		}
		for _, e := range g.View().Interfaces {
			if err := a.placedIn(v.VpcId, e); err != nil {
				return err
			}
			placed++
		}
	}
	if n := len(a.net.Spec().Interfaces); n != placed {
		return fmt.Errorf("%d interfaces are placed but the VPCs' security groups know %d", n, placed)
	}
	return nil
}

func (a *Account) placedIn(vpcID string, e ruleset.InterfaceSpec) error {
	p, ok := a.net.Interface(e.ID)
	if !ok {
		return fmt.Errorf("interface %s of VPC %s is not placed in a subnet", e.ID, vpcID)
	}
	if v, err := a.net.SubnetVpc(p.SubnetID); err != nil || v != vpcID {
		return fmt.Errorf("interface %s of VPC %s is placed in subnet %s of VPC %s", e.ID, vpcID, p.SubnetID, v)
	}
	if !slices.Equal(p.IPv4, e.IPv4) || !slices.Equal(p.IPv6, e.IPv6) {
		return fmt.Errorf("interface %s: the VPC layer holds %v %v, its security groups %v %v", e.ID, p.IPv4, p.IPv6, e.IPv4, e.IPv6)
	}
	return nil
}

// Compiled is what the switch publishes: the topology of every VPC and
// each VPC's compiled security groups.
type Compiled struct {
	Topology *vpc.Topology
	Groups   map[string]*ruleset.Snapshot
}

// Compilers keep what compiling reuses across versions (ruleset tables,
// generations): one per VPC for the groups, one for the topology.
type Compilers struct {
	net    vpc.Compiler
	groups map[string]*ruleset.Compiler
}

// NewCompilers returns compilers with nothing compiled yet.
func NewCompilers() *Compilers { return &Compilers{groups: map[string]*ruleset.Compiler{}} }

// Compile compiles a: the callers serialise it with changes to a.
func (c *Compilers) Compile(a *Account) Compiled {
	out := Compiled{Topology: c.net.Compile(a.net), Groups: make(map[string]*ruleset.Snapshot, len(a.groups))}
	for id, g := range a.groups {
		rc := c.groups[id]
		if rc == nil {
			rc = ruleset.NewCompiler()
			c.groups[id] = rc
		}
		out.Groups[id] = rc.Compile(g)
	}
	for id := range c.groups {
		if a.groups[id] == nil {
			delete(c.groups, id) // a deleted VPC
		}
	}
	return out
}

// DecodeSpec reads an account Spec as JSON (unknown fields refused) and
// rebuilds it with FromSpec: the whole of an untrusted account in one
// call, as `sgswitch` tools and FuzzDecodeSpec use it.
func DecodeSpec(data []byte) (*Account, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var sp Spec
	if err := dec.Decode(&sp); err != nil {
		return nil, fmt.Errorf("decoding account spec: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("decoding account spec: data after the spec")
	}
	return FromSpec(sp)
}
