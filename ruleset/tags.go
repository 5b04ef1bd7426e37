package ruleset

import (
	"slices"
	"strings"
)

// CreateTags adds or overwrites tags on groups (sg-), rules (sgr-),
// interfaces (eni-) and prefix lists (pl-). All or nothing. An interface's
// Name tag is its lab name.
func (st *State) CreateTags(ids []string, tags []Tag) error {
	if err := validateTagKeys(tags); err != nil {
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
		out := cur[:0:0]
		for _, c := range cur {
			drop := false
			for _, t := range tags {
				drop = drop || t.Key == c.Key && (t.Value == "" || t.Value == c.Value)
			}
			if !drop {
				out = append(out, c)
			}
		}
		return out
	})
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
	var sets []func()
	for _, id := range ids {
		apply, err := st.tagTarget(id, f)
		if err != nil {
			return err
		}
		sets = append(sets, apply)
	}
	for _, s := range sets {
		s()
	}
	return nil
}

func (st *State) tagTarget(id string, f func([]Tag) []Tag) (func(), error) {
	switch {
	case strings.HasPrefix(id, "sgr-"):
		for gi := range st.s.Groups {
			g := &st.s.Groups[gi]
			for _, egress := range []bool{false, true} {
				if i := findRuleByID(*g.rules(egress), id); i >= 0 {
					return func() {
						// A new list, not a write into the old one: it
						// may be shared with a Clone (copy-on-write).
						rs := slices.Clone(*g.rules(egress))
						rs[i].Tags = f(append([]Tag(nil), rs[i].Tags...))
						*g.rules(egress) = rs
						st.touchRule(g.ID, egress, id)
					}, nil
				}
			}
		}
		return nil, errorf(CodeInvalidSecurityGroupRuleIdNotFound, "The security group rule ID '%s' does not exist", id)
	case strings.HasPrefix(id, "sg-"):
		g, err := st.lookupGroup(id)
		if err != nil {
			return nil, err
		}
		return func() {
			g.Tags = f(append([]Tag(nil), g.Tags...))
			st.touchGroup(g.ID)
		}, nil
	case strings.HasPrefix(id, "eni-"):
		i, err := st.lookupInterface(id)
		if err != nil {
			return nil, err
		}
		e := &st.s.Interfaces[i]
		return func() {
			st.touchInterface(e.ID)
			all := e.Tags
			if e.Name != "" {
				all = append([]Tag{{Key: "Name", Value: e.Name}}, e.Tags...)
			}
			all = f(append([]Tag(nil), all...))
			e.Name, e.Tags = "", nil
			for _, t := range all {
				if t.Key == "Name" {
					e.Name = t.Value
				} else {
					e.Tags = append(e.Tags, t)
				}
			}
		}, nil
	case strings.HasPrefix(id, "pl-"):
		p, err := st.lookupOwnPrefixList(id)
		if err != nil {
			return nil, err
		}
		return func() {
			p.Tags = f(append([]Tag(nil), p.Tags...))
			st.touchPrefixList(p.ID)
		}, nil
	}
	return nil, errorf("InvalidID", "The ID '%s' is not valid", id)
}

// validateTagKeys refuses tag keys that start with "aws:" in any case, which
// EC2 keeps for itself: "You can't use aws: (or any upper or lowercase
// combination of it) as a prefix for tag keys … it is reserved for AWS use"
// (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/Using_Tags.html#tag-restrictions).
// Every user path that tags (CreateTags, tags given at creation) calls it;
// ImportJSON does not, because describe output of real groups carries
// AWS's own aws: tags (aws:cloudformation:stack-name).
func validateTagKeys(tags []Tag) error {
	for _, t := range tags {
		if len(t.Key) >= 4 && strings.EqualFold(t.Key[:4], "aws:") {
			return errorf(CodeInvalidParameterValue, "Tag keys starting with 'aws:' are reserved for internal use")
		}
	}
	return nil
}
