package ruleset

import (
	"net/netip"
	"slices"
	"strings"

	"sgswitch/internal/wildcard"
)

// CreateManagedPrefixList creates a customer-managed prefix list. The
// address family is that of the entries (IPv4 when there are none).
func (st *State) CreateManagedPrefixList(name string, maxEntries int, entries []PrefixListEntry) (*ManagedPrefixList, error) {
	return st.CreateManagedPrefixListFamily(name, "", maxEntries, entries)
}

// CreateManagedPrefixListFamily is CreateManagedPrefixList with EC2's
// AddressFamily ("IPv4" or "IPv6"; "" takes the entries' family): every
// entry must be of that family.
func (st *State) CreateManagedPrefixListFamily(name, family string, maxEntries int, entries []PrefixListEntry) (*ManagedPrefixList, error) {
	if name == "" {
		return nil, errorf(CodeMissingParameter, "The request must contain the parameter PrefixListName")
	}
	if err := validatePrefixListName(name); err != nil {
		return nil, err
	}
	if family != "" && family != "IPv4" && family != "IPv6" {
		return nil, errorf(CodeInvalidParameterValue, "The address family '%s' is invalid. Valid values are IPv4 and IPv6.", family)
	}
	if err := checkMaxEntries(maxEntries); err != nil {
		return nil, err
	}
	if len(entries) > maxEntries {
		return nil, errorf(CodePrefixListMaxEntriesExceeded, "The prefix list has %d entries, more than its maximum of %d.", len(entries), maxEntries)
	}
	if family == "" {
		family = "IPv4"
		if len(entries) > 0 {
			if p, err := netip.ParsePrefix(entries[0].Cidr); err == nil && p.Addr().Is6() {
				family = "IPv6"
			}
		}
	}
	out, err := addEntries(nil, entries, family)
	if err != nil {
		return nil, err
	}
	pl := PrefixListSpec{ID: st.newID("pl-"), Name: name, AddressFamily: family, MaxEntries: int32(maxEntries), Version: 1, Entries: out}
	st.touchPrefixList(pl.ID)
	st.s.PrefixLists = append(st.s.PrefixLists, pl)
	st.plByID[pl.ID] = len(st.s.PrefixLists) - 1
	d := st.describePrefixList(&st.s.PrefixLists[len(st.s.PrefixLists)-1])
	return &d, nil
}

// MaxPrefixListEntries is EC2's quota of entries per prefix list.
const MaxPrefixListEntries = 1000

func checkMaxEntries(n int) error {
	if n < 1 || n > MaxPrefixListEntries {
		return errorf(CodeInvalidParameterValue, "The maximum number of entries must be between 1 and %d, not %d.", MaxPrefixListEntries, n)
	}
	return nil
}

// addEntries returns entries followed by add, each CIDR checked against
// family, canonicalised and not yet present: EC2 stores 10.0.0.1/8 as
// 10.0.0.0/8 and refuses a second copy. entries is not modified.
func addEntries(entries, add []PrefixListEntry, family string) ([]PrefixListEntry, error) {
	out := make([]PrefixListEntry, len(entries), len(entries)+len(add))
	copy(out, entries)
	for _, e := range add {
		p, err := netip.ParsePrefix(e.Cidr)
		if err != nil || p.Addr().Zone() != "" || p.Addr().Is4In6() || p.Addr().Is4() != (family == "IPv4") {
			return nil, errorf(CodeInvalidParameterValue, "Value (%s) for parameter cidr is invalid. This is not a valid %s CIDR block.", e.Cidr, family)
		}
		if err := validateRuleDescription(e.Description, false); err != nil {
			return nil, err
		}
		c := p.Masked().String()
		if slices.ContainsFunc(out, func(o PrefixListEntry) bool { return o.Cidr == c }) {
			return nil, errorf(CodeInvalidParameterValue, "The prefix list has a duplicate entry %s.", c)
		}
		out = append(out, PrefixListEntry{Cidr: c, Description: cloneStr(e.Description)})
	}
	return out, nil
}

func cloneEntries(es []PrefixListEntry) []PrefixListEntry {
	out := slices.Clone(es)
	for i := range out {
		out[i].Description = cloneStr(out[i].Description)
	}
	return out
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

// DescribeManagedPrefixLists lists the prefix lists given by id (an
// AWS-managed one too; all the customer's when ids is empty) that match
// every filter: prefix-list-id,
// prefix-list-name, owner-id, tag:<key> and tag-key (EC2's filters for
// DescribeManagedPrefixLists), values ORed, with the wildcards * and ?.
func (st *State) DescribeManagedPrefixLists(ids []string, filters []Filter) ([]ManagedPrefixList, error) {
	var sel []*PrefixListSpec
	if len(ids) == 0 {
		for i := range st.s.PrefixLists {
			sel = append(sel, &st.s.PrefixLists[i])
		}
	}
	for _, id := range ids {
		pl, err := st.lookupPrefixList(id)
		if err != nil {
			return nil, err
		}
		sel = append(sel, pl)
	}
	out := []ManagedPrefixList{}
	for _, pl := range sel {
		ok, err := st.prefixListMatches(pl, filters)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, st.describePrefixList(pl))
		}
	}
	return out, nil
}

func (st *State) prefixListMatches(pl *PrefixListSpec, filters []Filter) (bool, error) {
	for _, f := range filters {
		var vals []string
		switch f.Name {
		case "prefix-list-id":
			vals = []string{pl.ID}
		case "prefix-list-name":
			vals = []string{pl.Name}
		case "owner-id":
			vals = []string{st.describePrefixList(pl).OwnerId}
		default:
			var ok bool
			if vals, ok = tagFilterValues(f.Name, pl.Tags); !ok {
				return false, errorf(CodeInvalidParameterValue, "The filter '%s' is invalid", f.Name)
			}
		}
		if !wildcard.AnyMatch(f.Values, vals) {
			return false, nil
		}
	}
	return true, nil
}

// GetManagedPrefixListEntries returns the entries of a prefix list.
func (st *State) GetManagedPrefixListEntries(id string) ([]PrefixListEntry, error) {
	return st.PrefixListEntriesAt(id, 0)
}

// PrefixListEntriesAt returns the entries a prefix list had at version
// (0: the current one), for GetManagedPrefixListEntries' TargetVersion.
// A version newer than the list's, or older than the history it keeps
// (MaxPrefixListHistory), is InvalidParameterValue.
func (st *State) PrefixListEntriesAt(id string, version int64) ([]PrefixListEntry, error) {
	pl, err := st.lookupPrefixList(id)
	if err != nil {
		return nil, err
	}
	es, err := pl.entriesAt(version)
	if err != nil {
		return nil, err
	}
	return cloneEntries(es), nil
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
	if p.IsAWSManaged() {
		return ManagedPrefixList{PrefixListId: p.ID, AddressFamily: p.AddressFamily, State: "create-complete",
			PrefixListArn:  "arn:aws:ec2:" + v.Region + ":aws:prefix-list/" + p.ID,
			PrefixListName: p.Name, MaxEntries: p.MaxEntries, Version: p.Version, OwnerId: AWSOwner}
	}
	return ManagedPrefixList{
		PrefixListId: p.ID, AddressFamily: p.AddressFamily, State: "create-complete",
		PrefixListArn:  "arn:aws:ec2:" + v.Region + ":" + v.OwnerId + ":prefix-list/" + p.ID,
		PrefixListName: p.Name, MaxEntries: p.MaxEntries, Version: p.Version,
		Tags: append([]Tag(nil), p.Tags...), OwnerId: v.OwnerId,
	}
}

// prefixList finds a customer's list, then an AWS-managed one (a copy:
// read it only).
func (st *State) prefixList(id string) *PrefixListSpec {
	if i, ok := st.plByID[id]; ok {
		return &st.s.PrefixLists[i]
	}
	return st.awsPrefixList(id)
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
