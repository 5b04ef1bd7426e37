package vpc

import (
	"slices"
	"strings"
)

// CreateTags adds or overwrites tags on VPCs (vpc-), subnets (subnet-),
// route tables (rtb-) and network ACLs (acl-). All or nothing: an unknown
// id fails the whole call. Keys starting with "aws:" are refused.
func (st *State) CreateTags(ids []string, tags []Tag) error {
	if err := validateTags(tags); err != nil {
		return err
	}
	return st.changeTags(ids, func(cur []Tag) []Tag {
		for _, t := range tags {
			cur = setTag(cur, t)
		}
		return cur
	})
}

// DeleteTags removes tags; a tag with an empty Value removes the key
// whatever its value, as in EC2.
func (st *State) DeleteTags(ids []string, tags []Tag) error {
	return st.changeTags(ids, func(cur []Tag) []Tag {
		return slices.DeleteFunc(cur, func(c Tag) bool {
			for _, t := range tags {
				if t.Key == c.Key && (t.Value == "" || t.Value == c.Value) {
					return true
				}
			}
			return false
		})
	})
}

// DescribeTags lists the tags of this package's resources that match every
// filter (key, value, resource-id, resource-type, with wildcards), ordered
// by resource then key. resource-type values: vpc, subnet, route-table,
// network-acl.
func (st *State) DescribeTags(filters []Filter) ([]TagDescription, error) {
	out := []TagDescription{}
	add := func(id, typ string, tags []Tag) error {
		for _, t := range tags {
			ok, err := matchFilters(filters, func(n string) ([]string, bool) {
				switch n {
				case "key":
					return one(t.Key), true
				case "value":
					return one(t.Value), true
				case "resource-id":
					return one(id), true
				case "resource-type":
					return one(typ), true
				}
				return nil, false
			})
			if err != nil {
				return err
			}
			if ok {
				out = append(out, TagDescription{Key: t.Key, ResourceId: id, ResourceType: typ, Value: t.Value})
			}
		}
		return nil
	}
	var err error
	for _, v := range st.s.Vpcs {
		err = firstErr(err, add(v.ID, "vpc", v.Tags))
	}
	for _, v := range st.s.Subnets {
		err = firstErr(err, add(v.ID, "subnet", v.Tags))
	}
	for _, v := range st.s.RouteTables {
		err = firstErr(err, add(v.ID, "route-table", v.Tags))
	}
	for _, v := range st.s.NetworkAcls {
		err = firstErr(err, add(v.ID, "network-acl", v.Tags))
	}
	if err == nil {
		err = checkFilterNames(filters, func(n string) ([]string, bool) {
			return nil, n == "key" || n == "value" || n == "resource-id" || n == "resource-type"
		})
	}
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(out, func(a, b TagDescription) int {
		return strings.Compare(a.ResourceId+"\x00"+a.Key, b.ResourceId+"\x00"+b.Key)
	})
	return out, nil
}

func firstErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

func setTag(cur []Tag, t Tag) []Tag {
	for i := range cur {
		if cur[i].Key == t.Key {
			cur[i].Value = t.Value
			return cur
		}
	}
	return append(cur, t)
}

// changeTags resolves every id first, then applies f to each resource's tags.
func (st *State) changeTags(ids []string, f func([]Tag) []Tag) error {
	var targets []*[]Tag
	for _, id := range ids {
		p, err := st.tagsOf(id)
		if err != nil {
			return err
		}
		targets = append(targets, p)
	}
	for _, p := range targets {
		*p = f(slices.Clone(*p))
	}
	return nil
}

// tagsOf finds the tag list of a resource by id, with the resource's own
// NotFound error.
func (st *State) tagsOf(id string) (*[]Tag, error) {
	switch {
	case strings.HasPrefix(id, "vpc-"):
		v, err := st.vpc(id)
		if err != nil {
			return nil, err
		}
		return &v.Tags, nil
	case strings.HasPrefix(id, "subnet-"):
		v, err := st.subnet(id)
		if err != nil {
			return nil, err
		}
		return &v.Tags, nil
	case strings.HasPrefix(id, "rtb-"):
		v, err := st.routeTable(id)
		if err != nil {
			return nil, err
		}
		return &v.Tags, nil
	case strings.HasPrefix(id, "acl-"):
		v, err := st.networkAcl(id)
		if err != nil {
			return nil, err
		}
		return &v.Tags, nil
	}
	return nil, errorf(CodeInvalidID, "The ID '%s' is not valid", id)
}

// validateTags refuses keys starting with "aws:" in any case (reserved
// for AWS, EC2 User Guide "Tag restrictions"), empty keys, keys over 128
// and values over 256 characters.
func validateTags(tags []Tag) error {
	for _, t := range tags {
		if len(t.Key) >= 4 && strings.EqualFold(t.Key[:4], "aws:") {
			return errorf(CodeInvalidParameterValue, "Tag keys starting with 'aws:' are reserved for internal use")
		}
		if t.Key == "" || len([]rune(t.Key)) > 128 {
			return errorf(CodeInvalidParameterValue, "Tag key must be between 1 and 128 characters")
		}
		if len([]rune(t.Value)) > 256 {
			return errorf(CodeInvalidParameterValue, "Tag value exceeds the maximum length of 256 characters")
		}
	}
	return nil
}
