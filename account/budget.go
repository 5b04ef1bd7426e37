package account

// The switch's flow table is one for every VPC, and each interface
// reserves entries in it (ruleset.Allowances.FlowEntries). A ruleset
// State checks a new interface's reservation against its budget, so each
// VPC's State gets the table's size less what the other VPCs' interfaces
// reserve. Every change the daemon makes is one write to a clone whose
// budgets were set from the account before it, and a write changes one
// VPC's interfaces, so each check sees the others' reservations as they
// stand.

// SetFlowBudget tells the account how many entries the switch's flow
// table has (0: no check) and gives each VPC its share. It is not part of
// the Spec: the budget belongs to the running switch. Clone keeps it.
func (a *Account) SetFlowBudget(entries int) {
	a.flowBudget = int64(entries)
	for id, g := range a.groups {
		g.SetFlowBudget(a.budgetFor(id))
	}
}

// budgetFor is VPC id's share: the table less the other VPCs' reservations.
func (a *Account) budgetFor(id string) int {
	if a.flowBudget <= 0 {
		return 0
	}
	left := a.flowBudget
	for other, g := range a.groups {
		if other == id {
			continue
		}
		for _, e := range g.View().Interfaces {
			left -= e.Allowances.Effective(e.InstanceType).FlowEntries()
		}
	}
	// A share of 0 would turn the check off: keep at least one entry, so
	// that an interface that does not fit is refused.
	return int(max(left, 1))
}
