package ruleset

import (
	"cmp"
	"slices"
	"strings"

	"sgswitch/internal/wildcard"
)

// TagDescription is the DescribeTags shape: one tag of one resource.
type TagDescription struct {
	Key          string `json:"Key"`
	ResourceId   string `json:"ResourceId"`
	ResourceType string `json:"ResourceType"`
	Value        string `json:"Value"`
}

// EC2's resource types of the resources a State holds.
const (
	ResourceSecurityGroup     = "security-group"
	ResourceSecurityGroupRule = "security-group-rule"
	ResourceNetworkInterface  = "network-interface"
	ResourcePrefixList        = "prefix-list"
)

// DescribeTags lists the tags of every resource that match filters
// (key, value, resource-id, resource-type, tag:<key>; values may hold
// * and ? wildcards), ordered by resource id, then key: EC2 names no
// order, and this one is stable. An interface's Name tag is its lab name.
func (st *State) DescribeTags(filters []Filter) ([]TagDescription, error) {
	for _, f := range filters {
		switch {
		case f.Name == "key", f.Name == "value", f.Name == "resource-id", f.Name == "resource-type", strings.HasPrefix(f.Name, "tag:"):
		default:
			return nil, errorf(CodeInvalidParameterValue, "The filter '%s' is invalid", f.Name)
		}
	}
	var out []TagDescription
	for _, r := range st.taggedResources() {
		for _, t := range r.tags {
			d := TagDescription{Key: t.Key, ResourceId: r.id, ResourceType: r.typ, Value: t.Value}
			if tagMatches(d, r.tags, filters) {
				out = append(out, d)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b TagDescription) int {
		return cmp.Or(strings.Compare(a.ResourceId, b.ResourceId), strings.Compare(a.Key, b.Key))
	})
	return out, nil
}

type taggedResource struct {
	id, typ string
	tags    []Tag
}

func (st *State) taggedResources() []taggedResource {
	var rs []taggedResource
	for gi := range st.s.Groups {
		g := &st.s.Groups[gi]
		rs = append(rs, taggedResource{g.ID, ResourceSecurityGroup, g.Tags})
		for _, list := range [][]RuleSpec{g.Ingress, g.Egress} {
			for _, r := range list {
				rs = append(rs, taggedResource{r.ID, ResourceSecurityGroupRule, r.Tags})
			}
		}
	}
	for _, e := range st.s.Interfaces {
		tags := e.Tags
		if e.Name != "" {
			tags = append([]Tag{{Key: "Name", Value: e.Name}}, e.Tags...)
		}
		rs = append(rs, taggedResource{e.ID, ResourceNetworkInterface, tags})
	}
	for _, p := range st.s.PrefixLists {
		rs = append(rs, taggedResource{p.ID, ResourcePrefixList, p.Tags})
	}
	return rs
}

func tagMatches(d TagDescription, all []Tag, filters []Filter) bool {
	for _, f := range filters {
		var vals []string
		switch f.Name {
		case "key":
			vals = []string{d.Key}
		case "value":
			vals = []string{d.Value}
		case "resource-id":
			vals = []string{d.ResourceId}
		case "resource-type":
			vals = []string{d.ResourceType}
		default: // tag:<key>, a filter on the resource's other tags
			vals, _ = tagFilterValues(f.Name, all)
		}
		if !wildcard.AnyMatch(f.Values, vals) {
			return false
		}
	}
	return true
}
