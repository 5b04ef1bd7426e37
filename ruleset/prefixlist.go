package ruleset

import (
	"net/netip"
	"strings"
)

// CreateManagedPrefixList creates a customer-managed prefix list. The
// address family is that of the entries (IPv4 when there are none).
func (st *State) CreateManagedPrefixList(name string, maxEntries int, entries []PrefixListEntry) (*ManagedPrefixList, error) {
	if name == "" {
		return nil, errorf(CodeMissingParameter, "The request must contain the parameter PrefixListName")
	}
	if err := validatePrefixListName(name); err != nil {
		return nil, err
	}
	if maxEntries < 1 || maxEntries > 1000 {
		return nil, errorf(CodeInvalidParameterValue, "The maximum number of entries must be between 1 and 1000, not %d.", maxEntries)
	}
	if len(entries) > maxEntries {
		return nil, errorf(CodePrefixListMaxEntriesExceeded, "The prefix list has %d entries, more than its maximum of %d.", len(entries), maxEntries)
	}
	family := "IPv4"
	out := make([]PrefixListEntry, 0, len(entries))
	seen := map[netip.Prefix]bool{}
	for i, e := range entries {
		p, err := netip.ParsePrefix(e.Cidr)
		if err != nil || p.Addr().Zone() != "" || p.Addr().Is4In6() {
			return nil, errorf(CodeInvalidParameterValue, "Value (%s) for parameter cidr is invalid. This is not a valid CIDR block.", e.Cidr)
		}
		fam := "IPv4"
		if p.Addr().Is6() {
			fam = "IPv6"
		}
		if i == 0 {
			family = fam
		} else if fam != family {
			return nil, errorf(CodeInvalidParameterValue, "The prefix list entries must all be of address family %s.", family)
		}
		if err := validateRuleDescription(e.Description, false); err != nil {
			return nil, err
		}
		p = p.Masked()
		if seen[p] {
			return nil, errorf(CodeInvalidParameterValue, "The prefix list has a duplicate entry %s.", p)
		}
		seen[p] = true
		out = append(out, PrefixListEntry{Cidr: p.String(), Description: cloneStr(e.Description)})
	}
	pl := PrefixListSpec{ID: st.newID("pl-"), Name: name, AddressFamily: family, MaxEntries: int32(maxEntries), Version: 1, Entries: out}
	st.touchPrefixList(pl.ID)
	st.s.PrefixLists = append(st.s.PrefixLists, pl)
	st.plByID[pl.ID] = len(st.s.PrefixLists) - 1
	d := st.describePrefixList(&st.s.PrefixLists[len(st.s.PrefixLists)-1])
	return &d, nil
}

// validatePrefixListName applies the one constraint EC2 documents for
// PrefixListName: "Up to 255 characters in length. The name cannot start with
// com.amazonaws." (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateManagedPrefixList.html).
// Read literally, so the prefix is case-sensitive and a name such as
// "pl-office" is an ordinary name: ids and names never share a field in
// EC2's API, so nothing forbids it.
func validatePrefixListName(name string) error {
	if len(name) > 255 || strings.HasPrefix(name, "com.amazonaws") {
		return errorf(CodeInvalidParameterValue, "The prefix list name '%s' is invalid. Names cannot start with com.amazonaws and are up to 255 characters.", name)
	}
	return nil
}

// DescribeManagedPrefixLists lists prefix lists (all when ids is empty).
func (st *State) DescribeManagedPrefixLists(ids []string) ([]ManagedPrefixList, error) {
	var out []ManagedPrefixList
	if len(ids) == 0 {
		for i := range st.s.PrefixLists {
			out = append(out, st.describePrefixList(&st.s.PrefixLists[i]))
		}
		return out, nil
	}
	for _, id := range ids {
		pl, err := st.lookupPrefixList(id)
		if err != nil {
			return nil, err
		}
		out = append(out, st.describePrefixList(pl))
	}
	return out, nil
}

// GetManagedPrefixListEntries returns the entries of a prefix list.
func (st *State) GetManagedPrefixListEntries(id string) ([]PrefixListEntry, error) {
	pl, err := st.lookupPrefixList(id)
	if err != nil {
		return nil, err
	}
	out := append([]PrefixListEntry(nil), pl.Entries...)
	return out, nil
}

// ResolvePrefixList returns the id of a prefix list given by id or name
// (a lab convenience). An existing id wins over a name, then names are
// tried, so a list named "pl-office" is found by its name; anything else is
// judged as the id EC2 expects in that place: InvalidPrefixListId.Malformed
// or InvalidPrefixListID.NotFound (EC2's own capitalisation of each code).
func (st *State) ResolvePrefixList(nameOrID string) (string, error) {
	if st.prefixList(nameOrID) != nil {
		return nameOrID, nil
	}
	for _, p := range st.s.PrefixLists {
		if p.Name == nameOrID {
			return p.ID, nil
		}
	}
	pl, err := st.lookupPrefixList(nameOrID)
	if err != nil {
		return "", err
	}
	return pl.ID, nil
}

func (st *State) describePrefixList(p *PrefixListSpec) ManagedPrefixList {
	v := &st.s.VPC
	return ManagedPrefixList{
		PrefixListId: p.ID, AddressFamily: p.AddressFamily, State: "create-complete",
		PrefixListArn:  "arn:aws:ec2:" + v.Region + ":" + v.OwnerId + ":prefix-list/" + p.ID,
		PrefixListName: p.Name, MaxEntries: p.MaxEntries, Version: p.Version,
		Tags: append([]Tag(nil), p.Tags...), OwnerId: v.OwnerId,
	}
}

func (st *State) prefixList(id string) *PrefixListSpec {
	if i, ok := st.plByID[id]; ok {
		return &st.s.PrefixLists[i]
	}
	return nil
}

func (st *State) lookupPrefixList(id string) (*PrefixListSpec, error) {
	if !validID(id, "pl-") {
		return nil, errorf(CodeInvalidPrefixListIDMalformed, "The prefix list ID '%s' is malformed", id)
	}
	if p := st.prefixList(id); p != nil {
		return p, nil
	}
	return nil, errorf(CodeInvalidPrefixListIDNotFound, "The prefix list ID '%s' does not exist", id)
}

// ModifyManagedPrefixList adds and removes entries (by CIDR) of a prefix
// list and bumps its version. The family and max entries do not change.
func (st *State) ModifyManagedPrefixList(id string, add []PrefixListEntry, remove []string) (*ManagedPrefixList, error) {
	pl, err := st.lookupPrefixList(id)
	if err != nil {
		return nil, err
	}
	entries := append([]PrefixListEntry(nil), pl.Entries...)
	for _, c := range remove {
		p, err := netip.ParsePrefix(c)
		i := -1
		if err == nil {
			for j, e := range entries {
				if e.Cidr == p.Masked().String() {
					i = j
				}
			}
		}
		if i < 0 {
			return nil, errorf(CodeInvalidParameterValue, "The prefix list entry %s does not exist.", c)
		}
		entries = append(entries[:i:i], entries[i+1:]...)
	}
	for _, e := range add {
		p, err := netip.ParsePrefix(e.Cidr)
		if err != nil || p.Addr().Zone() != "" || p.Addr().Is4In6() || (p.Addr().Is4() != (pl.AddressFamily == "IPv4")) {
			return nil, errorf(CodeInvalidParameterValue, "Value (%s) for parameter cidr is invalid. This is not a valid %s CIDR block.", e.Cidr, pl.AddressFamily)
		}
		if err := validateRuleDescription(e.Description, false); err != nil {
			return nil, err
		}
		c := p.Masked().String()
		for _, o := range entries {
			if o.Cidr == c {
				return nil, errorf(CodeInvalidParameterValue, "The prefix list has a duplicate entry %s.", c)
			}
		}
		entries = append(entries, PrefixListEntry{Cidr: c, Description: cloneStr(e.Description)})
	}
	if len(entries) > int(pl.MaxEntries) {
		return nil, errorf(CodePrefixListMaxEntriesExceeded, "The prefix list has %d entries, more than its maximum of %d.", len(entries), pl.MaxEntries)
	}
	st.touchPrefixList(pl.ID)
	pl.Entries = entries
	pl.Version++
	d := st.describePrefixList(pl)
	return &d, nil
}
