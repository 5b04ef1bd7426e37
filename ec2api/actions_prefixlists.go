package ec2api

import (
	"slices"

	"sgswitch/account"
	"sgswitch/ruleset"
)

// Managed prefix lists. EC2 keeps them per Region; here each VPC's
// ruleset State keeps its own, so a list is created in the default VPC
// (defaultVPC: the daemon's own VPC, or the only one) and rules of that
// VPC may reference it; the reads span every VPC, and an id finds the
// State that holds it (prefixListVPCs; ids are unique across VPCs).

// EC2's MaxResults bounds for the prefix-list reads.
const (
	maxPrefixListResults  = 100 // DescribeManagedPrefixLists, GetManagedPrefixListEntries
	maxAssociationResults = 255 // GetManagedPrefixListAssociations (5..255)
)

// prefixListState returns the State holding prefix list id, with
// ruleset's code for a missing or malformed id.
func prefixListState(a *account.Account, id string) (*ruleset.State, error) {
	if id == "" {
		return nil, missing("PrefixListId")
	}
	vs, err := prefixListVPCs(a, id)
	if err != nil {
		return nil, err
	}
	return a.Groups(vs[0]), nil
}

func prefixListOut(pl *ruleset.ManagedPrefixList) (*PrefixListOutput, error) {
	out, err := convert[ManagedPrefixList](pl)
	if err != nil {
		return nil, err
	}
	if len(pl.Tags) > 0 {
		tags, err := convertList[Tag](pl.Tags)
		if err != nil {
			return nil, err
		}
		out.Tags = &tags
	}
	return &PrefixListOutput{PrefixList: out}, nil
}

func createManagedPrefixList(a *account.Account, in *CreateManagedPrefixListInput) (*PrefixListOutput, error) {
	switch {
	case in.PrefixListName == "":
		return nil, missing("PrefixListName")
	case in.MaxEntries == nil:
		return nil, missing("MaxEntries")
	case in.AddressFamily == "":
		return nil, missing("AddressFamily")
	}
	tags, err := tagsFor(in.TagSpecifications, "prefix-list")
	if err != nil {
		return nil, err
	}
	entries, err := convert[[]ruleset.PrefixListEntry](in.Entries)
	if err != nil {
		return nil, err
	}
	v, err := defaultVPC(a)
	if err != nil {
		return nil, errorf(codeVPCIdNotSpecified, "No default VPC for this user: sgswitch keeps prefix lists in the default VPC.")
	}
	st := a.Groups(v)
	pl, err := st.CreateManagedPrefixListFamily(in.PrefixListName, in.AddressFamily, int(*in.MaxEntries), entries)
	if err != nil {
		return nil, err
	}
	if len(tags) > 0 {
		if err := st.CreateTags([]string{pl.PrefixListId}, tags); err != nil {
			return nil, err
		}
		pl.Tags = tags
	}
	return prefixListOut(pl)
}

func describeManagedPrefixLists(a *account.Account, in *DescribeManagedPrefixListsInput) (*DescribeManagedPrefixListsOutput, error) {
	filters, err := convert[[]ruleset.Filter](in.Filters)
	if err != nil {
		return nil, err
	}
	var all []ruleset.ManagedPrefixList
	for _, id := range in.PrefixListIds {
		st, err := prefixListState(a, id)
		if err != nil {
			return nil, err
		}
		pls, err := st.DescribeManagedPrefixLists([]string{id}, filters)
		if err != nil {
			return nil, err
		}
		all = append(all, pls...)
	}
	if len(in.PrefixListIds) == 0 {
		if all, err = allPrefixLists(a, filters); err != nil {
			return nil, err
		}
	}
	lo, hi, next, err := pageWithin(len(all), in.PageParams, 1, maxPrefixListResults)
	if err != nil {
		return nil, err
	}
	out := &DescribeManagedPrefixListsOutput{NextToken: next}
	for i := lo; i < hi; i++ {
		o, err := prefixListOut(&all[i])
		if err != nil {
			return nil, err
		}
		out.PrefixLists.Items = append(out.PrefixLists.Items, o.PrefixList)
	}
	return out, nil
}

// allPrefixLists lists every VPC's lists, then the AWS-managed ones,
// which every State has: asked once, of the first VPC.
func allPrefixLists(a *account.Account, filters []ruleset.Filter) ([]ruleset.ManagedPrefixList, error) {
	var all []ruleset.ManagedPrefixList
	for _, v := range a.VPCs() {
		pls, err := a.Groups(v).DescribeManagedPrefixLists(nil, filters)
		if err != nil {
			return nil, err
		}
		all = append(all, pls...)
	}
	if vs := a.VPCs(); len(vs) > 0 {
		var ids []string
		for _, p := range ruleset.AWSPrefixLists(a.Network().Config().Region) {
			ids = append(ids, p.ID)
		}
		pls, err := a.Groups(vs[0]).DescribeManagedPrefixLists(ids, filters)
		if err != nil {
			return nil, err
		}
		all = append(all, pls...)
	}
	return all, nil
}

func getManagedPrefixListEntries(a *account.Account, in *GetManagedPrefixListEntriesInput) (*GetManagedPrefixListEntriesOutput, error) {
	st, err := prefixListState(a, in.PrefixListId)
	if err != nil {
		return nil, err
	}
	var version int64
	if in.TargetVersion != nil {
		if version = *in.TargetVersion; version < 1 {
			return nil, errorf(codeInvalidParameterValue, "Value (%d) for parameter targetVersion is invalid.", version)
		}
	}
	es, err := st.PrefixListEntriesAt(in.PrefixListId, version)
	if err != nil {
		return nil, err
	}
	lo, hi, next, err := pageWithin(len(es), in.PageParams, 1, maxPrefixListResults)
	if err != nil {
		return nil, err
	}
	items, err := convertList[PrefixListEntry](es[lo:hi])
	if err != nil {
		return nil, err
	}
	return &GetManagedPrefixListEntriesOutput{Entries: items, NextToken: next}, nil
}

func getManagedPrefixListAssociations(a *account.Account, in *GetManagedPrefixListAssociationsInput) (*GetManagedPrefixListAssociationsOutput, error) {
	st, err := prefixListState(a, in.PrefixListId)
	if err != nil {
		return nil, err
	}
	groups, err := st.PrefixListAssociations(in.PrefixListId)
	if err != nil {
		return nil, err
	}
	lo, hi, next, err := pageWithin(len(groups), in.PageParams, 5, maxAssociationResults)
	if err != nil {
		return nil, err
	}
	out := &GetManagedPrefixListAssociationsOutput{NextToken: next}
	for _, g := range groups[lo:hi] {
		out.PrefixListAssociations.Items = append(out.PrefixListAssociations.Items,
			PrefixListAssociation{ResourceId: g, ResourceOwner: st.VPC().OwnerId})
	}
	return out, nil
}

func modifyManagedPrefixList(a *account.Account, in *ModifyManagedPrefixListInput) (*PrefixListOutput, error) {
	st, err := prefixListState(a, in.PrefixListId)
	if err != nil {
		return nil, err
	}
	c := ruleset.PrefixListChange{CurrentVersion: in.CurrentVersion, Name: in.PrefixListName}
	if in.MaxEntries != nil {
		n := int(*in.MaxEntries)
		c.MaxEntries = &n
	}
	if c.Add, err = convert[[]ruleset.PrefixListEntry](in.AddEntries); err != nil {
		return nil, err
	}
	for _, r := range in.RemoveEntries {
		c.Remove = append(c.Remove, r.Cidr)
	}
	pl, err := st.ModifyPrefixList(in.PrefixListId, c)
	if err != nil {
		return nil, err
	}
	pl.State = "modify-complete"
	return prefixListOut(pl)
}

func restoreManagedPrefixListVersion(a *account.Account, in *RestoreManagedPrefixListVersionInput) (*PrefixListOutput, error) {
	switch {
	case in.PreviousVersion == nil:
		return nil, missing("PreviousVersion")
	case in.CurrentVersion == nil:
		return nil, missing("CurrentVersion")
	}
	st, err := prefixListState(a, in.PrefixListId)
	if err != nil {
		return nil, err
	}
	pl, err := st.RestoreManagedPrefixListVersion(in.PrefixListId, *in.PreviousVersion, *in.CurrentVersion)
	if err != nil {
		return nil, err
	}
	pl.State = "restore-complete"
	return prefixListOut(pl)
}

func deleteManagedPrefixList(a *account.Account, in *DeleteManagedPrefixListInput) (*PrefixListOutput, error) {
	st, err := prefixListState(a, in.PrefixListId)
	if err != nil {
		return nil, err
	}
	pl, err := st.DeleteManagedPrefixList(in.PrefixListId)
	if err != nil {
		return nil, err
	}
	return prefixListOut(pl)
}

// describePrefixLists is EC2's older DescribePrefixLists: the AWS-managed
// lists only (filters prefix-list-id, prefix-list-name), from the
// account's Region, so it answers even before any VPC exists.
func describePrefixLists(a *account.Account, in *DescribePrefixListsInput) (*DescribePrefixListsOutput, error) {
	managed := ruleset.AWSPrefixLists(a.Network().Config().Region)
	for _, id := range in.PrefixListIds {
		if !slices.ContainsFunc(managed, func(p ruleset.PrefixListSpec) bool { return p.ID == id }) {
			return nil, errorf(ruleset.CodeInvalidPrefixListIDNotFound, "The prefix list ID '%s' does not exist", id)
		}
	}
	var sel []PrefixList
	for _, p := range managed {
		if len(in.PrefixListIds) > 0 && !slices.Contains(in.PrefixListIds, p.ID) {
			continue
		}
		ok, err := filtersMatch(in.Filters, func(f string) ([]string, bool) {
			switch f {
			case "prefix-list-id":
				return []string{p.ID}, true
			case "prefix-list-name":
				return []string{p.Name}, true
			}
			return nil, false
		})
		if err != nil {
			return nil, err
		}
		if ok {
			item := PrefixList{PrefixListId: p.ID, PrefixListName: p.Name}
			for _, e := range p.Entries {
				item.Cidrs.Items = append(item.Cidrs.Items, e.Cidr)
			}
			sel = append(sel, item)
		}
	}
	lo, hi, next, err := page(len(sel), in.PageParams)
	if err != nil {
		return nil, err
	}
	return &DescribePrefixListsOutput{PrefixLists: ListOf(sel[lo:hi]...), NextToken: next}, nil
}
