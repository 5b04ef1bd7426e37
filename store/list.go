package store

import "fmt"

// The model's lists (groups, a group's ingress or egress rules, prefix
// lists, interfaces) are ordered, and their order is part of the model
// (describe output, creation order, interface indexes). Each element is
// stored under its own key with the id of the element before it (Prev,
// "" for the first), so the order survives without a record that lists
// every id: appending writes one record, removing one element rewrites
// only the element after it.

// listDiff compares two versions of one list and reports the changes as
// record writes: put for each element of next that is new, changed, or
// now follows another element; del for each id of prev no longer in
// next. Unchanged elements cost a comparison, never a write.
type listDiff[T any] struct {
	id   func(*T) string
	same func(a, b *T) bool
	put  func(before string, v *T) error
	del  func(id string) error
}

func (d listDiff[T]) run(prev, next []T) error {
	changed, sameIDs := d.changedInPlace(prev, next)
	if !sameIDs {
		return d.reordered(prev, next)
	}
	for _, i := range changed {
		if err := d.put(d.before(next, i), &next[i]); err != nil {
			return err
		}
	}
	return nil
}

// changedInPlace is the common case, the fast path, in one pass over both
// lists (a model of 50,000 rules is larger than the CPU's caches): when
// prev and next hold the same ids in the same order it returns the
// indexes whose contents differ; otherwise sameIDs is false.
func (d listDiff[T]) changedInPlace(prev, next []T) (changed []int, sameIDs bool) {
	if len(prev) != len(next) {
		return nil, false
	}
	for i := range next {
		if d.same(&prev[i], &next[i]) {
			continue
		}
		if d.id(&prev[i]) != d.id(&next[i]) {
			return nil, false
		}
		changed = append(changed, i)
	}
	return changed, true
}

func (d listDiff[T]) before(list []T, i int) string {
	if i == 0 {
		return ""
	}
	return d.id(&list[i-1])
}

// reordered handles added, removed and moved elements by id.
func (d listDiff[T]) reordered(prev, next []T) error {
	at := make(map[string]int, len(prev))
	for i := range prev {
		at[d.id(&prev[i])] = i
	}
	seen := make(map[string]bool, len(next))
	for i := range next {
		id := d.id(&next[i])
		if seen[id] {
			return fmt.Errorf("id %q appears twice in one list", id)
		}
		seen[id] = true
		j, had := at[id]
		delete(at, id)
		if had && d.same(&prev[j], &next[i]) && d.before(prev, j) == d.before(next, i) {
			continue
		}
		if err := d.put(d.before(next, i), &next[i]); err != nil {
			return err
		}
	}
	for id := range at {
		if err := d.del(id); err != nil {
			return err
		}
	}
	return nil
}

// chain rebuilds a list's order from its records' Prev links: exactly one
// record starts the list, no two follow the same one, and every record is
// reached; anything else (a cycle, a dangling or duplicated link) is an
// error naming what is wrong.
func chain(prevOf map[string]string) ([]string, error) {
	next := make(map[string]string, len(prevOf))
	for id, prev := range prevOf {
		if other, dup := next[prev]; dup {
			return nil, fmt.Errorf("records %q and %q both follow %q", other, id, prev)
		}
		next[prev] = id
	}
	order := make([]string, 0, len(prevOf))
	for id, ok := next[""]; ok; id, ok = next[id] {
		if len(order) == len(prevOf) {
			break // a cycle through the first record
		}
		order = append(order, id)
	}
	if len(order) != len(prevOf) {
		return nil, fmt.Errorf("%d of %d records are not linked to the start of their list", len(prevOf)-len(order), len(prevOf))
	}
	return order, nil
}
