package ruleset

import (
	"net/netip"
	"slices"
)

// MaxPrefixListHistory bounds the earlier versions a prefix list keeps
// for TargetVersion and RestoreManagedPrefixListVersion: EC2 documents no
// bound, but the store writes a list whole on every change, so an
// unbounded history would make each change cost more than the last.
const MaxPrefixListHistory = 20

// maxEntriesPerModify is EC2's bound on AddEntry.N and RemoveEntry.N
// ("Maximum number of 100 items").
const maxEntriesPerModify = 100

// PrefixListChange is one ModifyManagedPrefixList request: nil fields are
// left as they are.
type PrefixListChange struct {
	CurrentVersion *int64 // must equal the list's version when given
	Name           *string
	MaxEntries     *int
	Add            []PrefixListEntry
	Remove         []string // CIDRs
}

// ModifyManagedPrefixList adds and removes entries (by CIDR) of a prefix
// list and bumps its version. The family and max entries do not change.
func (st *State) ModifyManagedPrefixList(id string, add []PrefixListEntry, remove []string) (*ManagedPrefixList, error) {
	return st.ModifyPrefixList(id, PrefixListChange{Add: add, Remove: remove})
}

// ModifyPrefixList is EC2's ModifyManagedPrefixList: a new name (the
// version stays), entries added and removed (a new version), or a new
// MaxEntries (not together with entries, as in EC2). Growing MaxEntries
// grows the weight of every rule referencing the list, so each
// referencing group's quota is checked again. The groups compile the
// list's entries (their hash includes them), so the next Compile applies
// the change to traffic.
func (st *State) ModifyPrefixList(id string, c PrefixListChange) (*ManagedPrefixList, error) {
	pl, err := st.lookupOwnPrefixList(id)
	if err != nil {
		return nil, err
	}
	if err := pl.checkVersion(c.CurrentVersion); err != nil {
		return nil, err
	}
	if c.Name != nil {
		if err := validatePrefixListName(*c.Name); err != nil {
			return nil, err
		}
	}
	changesEntries := len(c.Add)+len(c.Remove) > 0
	if c.MaxEntries != nil && changesEntries {
		return nil, errorf(CodeInvalidParameterCombination, "You cannot modify the entries and the maximum entries for the prefix list in the same request.")
	}
	if len(c.Add) > maxEntriesPerModify || len(c.Remove) > maxEntriesPerModify {
		return nil, errorf(CodeInvalidParameterValue, "A request may add or remove at most %d entries.", maxEntriesPerModify)
	}
	var entries []PrefixListEntry
	if changesEntries {
		if entries, err = pl.applyEntries(c.Add, c.Remove); err != nil {
			return nil, err
		}
	}
	if c.MaxEntries != nil {
		if err := st.resizePrefixList(pl, *c.MaxEntries); err != nil {
			return nil, err
		}
	}
	st.touchPrefixList(pl.ID)
	if c.Name != nil {
		pl.Name = *c.Name
	}
	if changesEntries {
		pl.newVersion(entries)
	}
	d := st.describePrefixList(pl)
	return &d, nil
}

// checkVersion is EC2's CurrentVersion check. The reference says only
// that "the request fails"; the code and message are EC2's as a real
// answer quoted in hashicorp/terraform-provider-aws#43528 shows them.
func (pl *PrefixListSpec) checkVersion(current *int64) error {
	if current != nil && *current != pl.Version {
		return errorf(CodePrefixListVersionMismatch, "The prefix list has the incorrect version number.")
	}
	return nil
}

// applyEntries returns the list's entries with remove taken out and add
// appended, within MaxEntries; pl is not changed.
func (pl *PrefixListSpec) applyEntries(add []PrefixListEntry, remove []string) ([]PrefixListEntry, error) {
	entries := slices.Clone(pl.Entries)
	for _, c := range remove {
		i := slices.IndexFunc(entries, func(e PrefixListEntry) bool { return e.Cidr == canonicalCidr(c) })
		if i < 0 {
			return nil, errorf(CodeInvalidParameterValue, "The prefix list entry %s does not exist.", c)
		}
		entries = slices.Delete(entries, i, i+1)
	}
	entries, err := addEntries(entries, add, pl.AddressFamily)
	if err != nil {
		return nil, err
	}
	if len(entries) > int(pl.MaxEntries) {
		return nil, errorf(CodePrefixListMaxEntriesExceeded, "The prefix list has %d entries, more than its maximum of %d.", len(entries), pl.MaxEntries)
	}
	return entries, nil
}

// newVersion makes entries the list's next version, the current one
// going to the bounded history. The history slice is rebuilt, never
// appended to in place: a Clone shares it.
func (pl *PrefixListSpec) newVersion(entries []PrefixListEntry) {
	h := append(slices.Clone(pl.History), PrefixListVersion{Version: pl.Version, Entries: pl.Entries})
	if len(h) > MaxPrefixListHistory {
		h = h[len(h)-MaxPrefixListHistory:]
	}
	pl.History, pl.Entries = h, entries
	pl.Version++
}

// entriesAt returns the entries of version v (0: the current version).
func (pl *PrefixListSpec) entriesAt(v int64) ([]PrefixListEntry, error) {
	if v == 0 || v == pl.Version {
		return pl.Entries, nil
	}
	for _, h := range pl.History {
		if h.Version == v {
			return h.Entries, nil
		}
	}
	return nil, errorf(CodeInvalidParameterValue, "The version %d of prefix list %s does not exist or is no longer kept (current version %d).", v, pl.ID, pl.Version)
}

// resizePrefixList sets MaxEntries to n, which must hold the current
// entries, and refuses the change when a group referencing the list
// would go over its rule quota (a rule weighs the list's MaxEntries).
func (st *State) resizePrefixList(pl *PrefixListSpec, n int) error {
	if err := checkMaxEntries(n); err != nil {
		return err
	}
	if n < len(pl.Entries) {
		return errorf(CodeInvalidParameterValue, "The prefix list %s has %d entries, more than the new maximum of %d.", pl.ID, len(pl.Entries), n)
	}
	old := pl.MaxEntries
	pl.MaxEntries = int32(n)
	for _, g := range st.prefixListGroups(pl.ID) {
		gs := &st.s.Groups[st.groupByID[g]]
		for _, rs := range [][]RuleSpec{gs.Ingress, gs.Egress} {
			if err := st.checkRuleQuota(rs); err != nil {
				pl.MaxEntries = old
				return errorf(CodeRulesPerSecurityGroupLimitExceeded, "The prefix list %s cannot grow to %d entries: security group %s would exceed the maximum number of rules per security group.", pl.ID, n, g)
			}
		}
	}
	return nil
}

// RestoreManagedPrefixListVersion makes the entries of an earlier version
// the list's next version. currentVersion must be the list's version.
func (st *State) RestoreManagedPrefixListVersion(id string, previous, current int64) (*ManagedPrefixList, error) {
	pl, err := st.lookupOwnPrefixList(id)
	if err != nil {
		return nil, err
	}
	if err := pl.checkVersion(&current); err != nil {
		return nil, err
	}
	if previous < 1 || previous >= pl.Version {
		return nil, errorf(CodeInvalidParameterValue, "The previous version %d must be lower than the current version %d.", previous, pl.Version)
	}
	es, err := pl.entriesAt(previous)
	if err != nil {
		return nil, err
	}
	if len(es) > int(pl.MaxEntries) {
		return nil, errorf(CodePrefixListMaxEntriesExceeded, "Version %d has %d entries, more than the maximum of %d.", previous, len(es), pl.MaxEntries)
	}
	st.touchPrefixList(pl.ID)
	pl.newVersion(es)
	d := st.describePrefixList(pl)
	return &d, nil
}

// DeleteManagedPrefixList deletes a prefix list no rule references
// (DependencyViolation otherwise, as EC2).
func (st *State) DeleteManagedPrefixList(id string) (*ManagedPrefixList, error) {
	pl, err := st.lookupOwnPrefixList(id)
	if err != nil {
		return nil, err
	}
	if gs := st.prefixListGroups(id); len(gs) > 0 {
		return nil, errorf(CodeDependencyViolation, "The prefix list %s is referenced by security group %s.", id, gs[0])
	}
	d := st.describePrefixList(pl)
	d.State = "delete-complete"
	st.touchPrefixList(id)
	i := st.plByID[id]
	st.s.PrefixLists = append(st.s.PrefixLists[:i:i], st.s.PrefixLists[i+1:]...)
	st.reindex()
	return &d, nil
}

// PrefixListAssociations lists the groups with a rule referencing the
// prefix list (GetManagedPrefixListAssociations), in the groups' order.
func (st *State) PrefixListAssociations(id string) ([]string, error) {
	if _, err := st.lookupPrefixList(id); err != nil {
		return nil, err
	}
	return st.prefixListGroups(id), nil
}

func (st *State) prefixListGroups(id string) []string {
	var out []string
	for i := range st.s.Groups {
		g := &st.s.Groups[i]
		refers := func(r RuleSpec) bool { return r.PrefixListId == id }
		if slices.ContainsFunc(g.Ingress, refers) || slices.ContainsFunc(g.Egress, refers) {
			out = append(out, g.ID)
		}
	}
	return out
}

// canonicalCidr is c in EC2's stored form (host bits cleared), or c
// itself when it does not parse (and so matches no entry).
func canonicalCidr(c string) string {
	if p, err := netip.ParsePrefix(c); err == nil {
		return p.Masked().String()
	}
	return c
}
