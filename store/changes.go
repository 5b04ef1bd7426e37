package store

import (
	"fmt"

	"sgswitch/ruleset"
)

// SaveChanges records the change from prev (what the store holds) to
// next, given what the change touched (next.ChangesSince(prev)): it
// writes the records of those objects, deletes those of the ones gone,
// and rewrites the objects whose predecessor in their list changed (the
// one after a removed or inserted object). It looks objects up by id and
// never compares or reads the rest of the model, so its cost follows the
// size of the change, not of the model. A store that holds no model yet,
// or still a schema 1 spec, gets the whole of next (SaveSpec).
//
// ch must list every object that differs between prev and next: an
// object it leaves out keeps its old record. The model's journal
// guarantees this; TestSaveChangesMatchesFullSave checks it against
// SaveSpec's comparison of the whole models.
func (t *Tx) SaveChanges(prev, next *ruleset.Spec, ch ruleset.Changes) error {
	if t.legacy() || t.model(bucketVPC).Get(keyVPC) == nil {
		return t.SaveSpec(nil, next)
	}
	if err := t.setSchema(); err != nil {
		return err
	}
	t.ops = t.ops[:0]
	if ch.VPC {
		if err := t.put(bucketVPC, string(keyVPC), vpcRecord{VPC: next.VPC, IDCounter: next.IDCounter}); err != nil {
			return err
		}
	}
	groupID := func(g *ruleset.GroupSpec) string { return g.ID }
	prevGroups, nextGroups := newFinder(prev.Groups, groupID), newFinder(next.Groups, groupID)
	err := touchedList(prevGroups, nextGroups, ch.Groups, func(before string, g *ruleset.GroupSpec) error {
		return t.put(bucketGroups, g.ID, groupRecord{Prev: before, Group: groupHeader(g)})
	}, t.deleter(bucketGroups))
	if err != nil {
		return err
	}
	if err := t.saveTouchedRules(prevGroups, nextGroups, ch.Rules); err != nil {
		return err
	}
	err = touchedList(newFinder(prev.PrefixLists, func(p *ruleset.PrefixListSpec) string { return p.ID }),
		newFinder(next.PrefixLists, func(p *ruleset.PrefixListSpec) string { return p.ID }), ch.PrefixLists,
		func(before string, p *ruleset.PrefixListSpec) error {
			return t.put(bucketPrefixLsts, p.ID, prefixListRecord{Prev: before, PrefixList: *p})
		}, t.deleter(bucketPrefixLsts))
	if err != nil {
		return err
	}
	err = touchedList(newFinder(prev.Interfaces, func(e *ruleset.InterfaceSpec) string { return e.ID }),
		newFinder(next.Interfaces, func(e *ruleset.InterfaceSpec) string { return e.ID }), ch.Interfaces,
		func(before string, e *ruleset.InterfaceSpec) error {
			return t.put(bucketIfaces, e.ID, interfaceRecord{Prev: before, Interface: *e})
		}, t.deleter(bucketIfaces))
	if err != nil {
		return err
	}
	return t.apply()
}

// saveTouchedRules handles the touched rules list by list (a group's
// ingress or egress rules), each list found in both models by its group.
func (t *Tx) saveTouchedRules(prevGroups, nextGroups *finder[ruleset.GroupSpec], rules []ruleset.RuleChange) error {
	type listKey struct {
		group  string
		egress bool
	}
	byList := map[listKey][]string{}
	var order []listKey
	for _, r := range rules {
		k := listKey{r.Group, r.Egress}
		if _, ok := byList[k]; !ok {
			order = append(order, k)
		}
		byList[k] = append(byList[k], r.ID)
	}
	ruleID := func(r *ruleset.RuleSpec) string { return r.ID }
	for _, k := range order {
		list := func(groups *finder[ruleset.GroupSpec]) []ruleset.RuleSpec {
			if i, ok := groups.find(k.group); ok {
				g := &groups.list[i]
				if k.egress {
					return g.Egress
				}
				return g.Ingress
			}
			return nil
		}
		err := touchedList(newFinder(list(prevGroups), ruleID), newFinder(list(nextGroups), ruleID), byList[k],
			func(before string, r *ruleset.RuleSpec) error {
				return t.put(bucketRules, r.ID, ruleRecord{Group: k.group, Egress: k.egress, Prev: before, Rule: *r})
			}, t.deleter(bucketRules))
		if err != nil {
			return fmt.Errorf("group %s: %w", k.group, err)
		}
	}
	return nil
}

// touchedList turns the touched ids of one list into record writes: a
// put for each one present in next, a delete for each one gone, and a
// put for each untouched element whose predecessor changed. Only the
// element after a touched one (in prev or in next) can be such an
// element: a predecessor changes only where something was inserted,
// removed or moved, and the model records each of those.
func touchedList[T any](prev, next *finder[T], touched []string, put func(before string, v *T) error, del func(id string) error) error {
	written := make(map[string]bool, len(touched))
	var after []string // elements that follow a touched one
	for _, id := range touched {
		if i, ok := next.find(id); ok {
			written[id] = true
			if err := put(next.before(i), &next.list[i]); err != nil {
				return err
			}
			if i+1 < len(next.list) {
				after = append(after, next.id(&next.list[i+1]))
			}
		} else if err := del(id); err != nil {
			return err
		}
		if j, ok := prev.find(id); ok && j+1 < len(prev.list) {
			after = append(after, prev.id(&prev.list[j+1]))
		}
	}
	for _, id := range after {
		if written[id] {
			continue
		}
		i, ok := next.find(id)
		if !ok {
			continue // gone, and touched: deleted above
		}
		if j, had := prev.find(id); had && prev.before(j) == next.before(i) {
			continue
		}
		written[id] = true
		if err := put(next.before(i), &next.list[i]); err != nil {
			return err
		}
	}
	return nil
}

// finder looks elements of one list up by id. The first few lookups scan
// the list from its end (new objects are appended, so that is where a
// change usually is); a change that touches more builds an index once,
// so a large change stays linear.
type finder[T any] struct {
	list  []T
	id    func(*T) string
	scans int
	at    map[string]int
}

// finderScans is how many lookups scan before the finder builds its index.
const finderScans = 8

func newFinder[T any](list []T, id func(*T) string) *finder[T] {
	return &finder[T]{list: list, id: id}
}

func (f *finder[T]) find(id string) (int, bool) {
	if f.at == nil && f.scans < finderScans {
		f.scans++
		for i := len(f.list) - 1; i >= 0; i-- {
			if f.id(&f.list[i]) == id {
				return i, true
			}
		}
		return -1, false
	}
	if f.at == nil {
		f.at = make(map[string]int, len(f.list))
		for i := range f.list {
			f.at[f.id(&f.list[i])] = i
		}
	}
	i, ok := f.at[id]
	return i, ok
}

// before is the id of the element before list[i], "" for the first.
func (f *finder[T]) before(i int) string {
	if i == 0 {
		return ""
	}
	return f.id(&f.list[i-1])
}
