package ruleset

import (
	"cmp"
	"maps"
	"slices"
	"sync/atomic"
)

// The change journal: every mutating method records the ids of the
// objects it created, changed or deleted, so that a caller that keeps the
// model elsewhere (the daemon's store) writes exactly those objects
// instead of comparing the whole model before and after the change.
//
// A journal is relative to one base: the State a Clone was made from, as
// it was at that moment. Each State carries a stamp, new at creation, at
// Clone and at every recorded change; the clone's journal remembers its
// source's stamp, so ChangesSince(base) can tell whether base is still
// exactly what the journal started from. When it is not (a State rebuilt
// from a Spec, a base changed after the Clone), there is no journal and
// the caller must compare the models instead.

// stamps hands out State stamps; 0 is never used (it means "no base").
var stamps atomic.Uint64

func newStamp() uint64 { return stamps.Add(1) }

// journal is what a State's mutations touched since it was cloned from
// the State whose stamp is base. Each map is a set of ids; a rule also
// keeps the list that holds (or held) it.
type journal struct {
	base   uint64
	vpc    bool
	groups map[string]struct{}
	rules  map[string]RuleChange
	pls    map[string]struct{}
	ifaces map[string]struct{}
}

// copy returns a journal that shares no map with j (ImportJSON works on a
// copy of the State and keeps it only when everything succeeded).
func (j journal) copy() journal {
	j.groups, j.rules = maps.Clone(j.groups), maps.Clone(j.rules)
	j.pls, j.ifaces = maps.Clone(j.pls), maps.Clone(j.ifaces)
	return j
}

// Changes is what a State's mutations touched since it was cloned from a
// base: the ids of the objects created, changed or deleted since then (a
// caller tells which by looking the id up in both versions). Each list is
// sorted and holds an id once.
type Changes struct {
	// VPC: the VPC configuration or the id counter changed (every
	// mutation that creates an object moves the counter).
	VPC bool
	// Groups: groups whose header (everything but their rules: name,
	// description, tags, id) is new, changed or gone.
	Groups []string
	// Rules: rules new, changed or gone, with the list holding them. A
	// deleted group's rules are listed too.
	Rules       []RuleChange
	PrefixLists []string
	Interfaces  []string
}

// RuleChange names a rule and the list that holds it (or held it, for a
// rule now gone): its group's ingress or egress rules.
type RuleChange struct {
	ID     string
	Group  string
	Egress bool
}

// Empty reports whether nothing changed.
func (c Changes) Empty() bool {
	return !c.VPC && len(c.Groups)+len(c.Rules)+len(c.PrefixLists)+len(c.Interfaces) == 0
}

// ChangesSince returns what changed from base to st, when st is a Clone
// of base (or a Clone's later version) and base has not changed since the
// Clone; otherwise ok is false and the caller must compare the two models.
func (st *State) ChangesSince(base *State) (c Changes, ok bool) {
	if base == nil || st.j.base == 0 || st.j.base != base.stamp {
		return Changes{}, false
	}
	c.VPC = st.j.vpc
	c.Groups = sortedKeys(st.j.groups)
	c.PrefixLists = sortedKeys(st.j.pls)
	c.Interfaces = sortedKeys(st.j.ifaces)
	c.Rules = slices.SortedFunc(maps.Values(st.j.rules), func(a, b RuleChange) int { return cmp.Compare(a.ID, b.ID) })
	return c, true
}

func sortedKeys(m map[string]struct{}) []string {
	if len(m) == 0 {
		return nil
	}
	return slices.Sorted(maps.Keys(m))
}

// The touch methods record one change each; every mutating method calls
// them when it commits (after its checks, so a failing call records
// nothing). A new stamp tells a later ChangesSince(st) that st is no
// longer the base its clones started from.

func (st *State) touchVPC() {
	st.stamp = newStamp()
	st.j.vpc = true
}

func (st *State) touchGroup(id string) {
	st.stamp = newStamp()
	if st.j.groups == nil {
		st.j.groups = map[string]struct{}{}
	}
	st.j.groups[id] = struct{}{}
}

func (st *State) touchRule(group string, egress bool, id string) {
	st.stamp = newStamp()
	if st.j.rules == nil {
		st.j.rules = map[string]RuleChange{}
	}
	st.j.rules[id] = RuleChange{ID: id, Group: group, Egress: egress}
}

// touchRules records every rule of rs (a list created, dropped or
// rewritten whole).
func (st *State) touchRules(group string, egress bool, rs []RuleSpec) {
	for i := range rs {
		st.touchRule(group, egress, rs[i].ID)
	}
}

// touchGroupRules records a group's header and all its rules (a group
// created, copied or deleted).
func (st *State) touchGroupRules(g *GroupSpec) {
	st.touchGroup(g.ID)
	st.touchRules(g.ID, false, g.Ingress)
	st.touchRules(g.ID, true, g.Egress)
}

func (st *State) touchPrefixList(id string) {
	st.stamp = newStamp()
	if st.j.pls == nil {
		st.j.pls = map[string]struct{}{}
	}
	st.j.pls[id] = struct{}{}
}

func (st *State) touchInterface(id string) {
	st.stamp = newStamp()
	if st.j.ifaces == nil {
		st.j.ifaces = map[string]struct{}{}
	}
	st.j.ifaces[id] = struct{}{}
}
