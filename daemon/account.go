package daemon

import (
	"sgswitch/account"
	"sgswitch/ruleset"
)

// interfacesOf lists the interfaces of every VPC of a, VPC by VPC (in id
// order), each VPC's in its own order.
func interfacesOf(a *account.Account) []ruleset.InterfaceSpec {
	var out []ruleset.InterfaceSpec
	for _, id := range a.VPCs() {
		out = append(out, a.Groups(id).View().Interfaces...)
	}
	return out
}

// interfaceOf finds interface id in a, with its VPC's security groups.
func interfaceOf(a *account.Account, id string) (ruleset.InterfaceSpec, bool) {
	vpcID, ok := a.VPCOfInterface(id)
	if !ok {
		return ruleset.InterfaceSpec{}, false
	}
	for _, e := range a.Groups(vpcID).View().Interfaces {
		if e.ID == id {
			return e, true
		}
	}
	return ruleset.InterfaceSpec{}, false
}
