package daemon

import (
	"sgswitch/account"
	"sgswitch/ruleset"
)

// The tests change and read the default VPC's security groups, where a
// daemon's own groups live, through Read and Write.

// Read runs fn on the default VPC's security groups (see Write).
func (d *Daemon) Read(fn func(st *ruleset.State) error) error {
	return d.ReadAccount(func(a *account.Account) error {
		g, err := defaultGroups(a)
		if err != nil {
			return err
		}
		return fn(g)
	})
}

// Write runs fn on the default VPC's security groups.
func (d *Daemon) Write(fn func(st *ruleset.State) error) error {
	return d.WriteAccount(func(a *account.Account) error {
		g, err := defaultGroups(a)
		if err != nil {
			return err
		}
		return fn(g)
	})
}

func defaultGroups(a *account.Account) (*ruleset.State, error) {
	if g := a.Groups(a.DefaultVpc()); g != nil {
		return g, nil
	}
	return nil, &ruleset.Error{Code: "VPCIdNotSpecified", Message: "No default VPC for this user"}
}
