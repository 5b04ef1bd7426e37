package vswitch

import (
	"fmt"

	"sgswitch/ruleset"
	"sgswitch/vpc"
)

// PublishVPCs publishes every VPC of an account. INTERIM (branch
// i15-core): one VPC with interfaces at most, through PublishNetwork,
// until the switch serves several VPCs (vpc/integration.md step 2).
func (s *Switch) PublishVPCs(topo *vpc.Topology, groups map[string]*ruleset.Snapshot) error {
	var with []string
	for id, snap := range groups {
		if len(snap.Interfaces()) > 0 {
			with = append(with, id)
		}
	}
	switch len(with) {
	case 0:
		for _, snap := range groups {
			return s.PublishNetwork(snap, topo)
		}
		return nil
	case 1:
		return s.PublishNetwork(groups[with[0]], topo)
	}
	return fmt.Errorf("%d VPCs have interfaces; this switch serves one", len(with))
}
