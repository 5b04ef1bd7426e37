package store

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"sgswitch/internal/bounded"
	"sgswitch/ruleset"
)

// Buckets of the ruleset model, one per kind of object (see the package
// comment). bucketRuleset is schema 1's: the whole spec under keySpec.
var (
	bucketVPC        = []byte("vpc")
	bucketGroups     = []byte("groups")
	bucketRules      = []byte("rules")
	bucketPrefixLsts = []byte("prefix-lists")
	bucketIfaces     = []byte("interfaces")
	bucketRuleset    = []byte("ruleset")

	keyVPC  = []byte("vpc")
	keySpec = []byte("spec")

	modelBuckets = [][]byte{bucketVPC, bucketGroups, bucketRules, bucketPrefixLsts, bucketIfaces}
)

// vpcRecord is the model's one singleton: the VPC and the id counter.
type vpcRecord struct {
	VPC       ruleset.VPCConfig `json:"VPC"`
	IDCounter uint64            `json:"IDCounter"`
}

// groupRecord is a group without its rules (they are records of their own).
type groupRecord struct {
	Prev  string            `json:"Prev"`
	Group ruleset.GroupSpec `json:"Group"`
}

// ruleRecord is one rule of one group's ingress or egress list.
type ruleRecord struct {
	Group  string           `json:"Group"`
	Egress bool             `json:"Egress,omitempty"`
	Prev   string           `json:"Prev"`
	Rule   ruleset.RuleSpec `json:"Rule"`
}

type prefixListRecord struct {
	Prev       string                 `json:"Prev"`
	PrefixList ruleset.PrefixListSpec `json:"PrefixList"`
}

type interfaceRecord struct {
	Prev      string                `json:"Prev"`
	Interface ruleset.InterfaceSpec `json:"Interface"`
}

// SaveSpec records the change from prev (what the store holds; nil when
// it holds nothing) to next as puts and deletes of the objects that
// changed: what it writes follows the size of the change, not of the
// model (the comparison still reads every object once, in memory).
// A store still in schema 1 (the whole spec under one key) is converted
// here, in the same transaction: every object of next is written and the
// old record removed.
func (t *Tx) SaveSpec(prev, next *ruleset.Spec) error {
	if t.legacy() {
		prev = nil
		if err := t.tx.DeleteBucket(bucketRuleset); err != nil {
			return fmt.Errorf("store: converting the schema 1 spec: %w", err)
		}
	}
	if err := t.setSchema(); err != nil {
		return err
	}
	if prev == nil {
		prev = &ruleset.Spec{}
	}
	t.ops = t.ops[:0]
	if err := t.saveVPC(prev, next); err != nil {
		return err
	}
	if err := t.saveGroups(prev.Groups, next.Groups); err != nil {
		return err
	}
	if err := t.savePrefixLists(prev.PrefixLists, next.PrefixLists); err != nil {
		return err
	}
	if err := t.saveInterfaces(prev.Interfaces, next.Interfaces); err != nil {
		return err
	}
	return t.apply()
}

// op is one record write SaveSpec decided on; val nil deletes the key.
type op struct {
	bucket []byte
	key    string
	val    []byte
}

func isPut(o op) int {
	if o.val == nil {
		return 1
	}
	return 2
}

// apply performs the pending ops: deletes first (an id that moved from
// one list to another is deleted from its old place before it is written
// to its new one), then puts in key order, so that writing a whole model
// (a first save, a conversion) appends to bbolt's pages instead of
// inserting into the middle of them, which costs a copy of the page each.
func (t *Tx) apply() error {
	slices.SortStableFunc(t.ops, func(a, b op) int {
		if c := cmp.Compare(isPut(a), isPut(b)); c != 0 {
			return c // deletes first
		}
		if c := bytes.Compare(a.bucket, b.bucket); c != 0 {
			return c
		}
		return strings.Compare(a.key, b.key)
	})
	for i, o := range t.ops {
		if i > 0 && o.val != nil && t.ops[i-1].val != nil && o.key == t.ops[i-1].key && bytes.Equal(o.bucket, t.ops[i-1].bucket) {
			// Two objects with one id would share one record: refuse
			// rather than keep only one of them.
			return fmt.Errorf("store: two %s objects have the id %s", o.bucket, o.key)
		}
		b := t.model(o.bucket)
		var err error
		if o.val == nil {
			err = b.Delete([]byte(o.key))
		} else {
			err = b.Put([]byte(o.key), o.val)
		}
		if err != nil {
			return fmt.Errorf("store: %s %s: %w", o.bucket, o.key, err)
		}
	}
	t.ops = t.ops[:0]
	return nil
}

// legacy reports whether the file still holds a schema 1 spec.
func (t *Tx) legacy() bool {
	if t.scope != nil {
		return false // schema 1 only ever had the root's record
	}
	b := t.tx.Bucket(bucketRuleset)
	return b != nil && b.Get(keySpec) != nil
}

// setSchema marks the file as written in the layout of this Tx: a model
// at the root is schema 2; one VPC's model (a scoped Tx) is part of a
// schema 3 file, whose version SaveAccount sets.
func (t *Tx) setSchema() error {
	if t.scope != nil {
		return nil
	}
	return t.setVersion(schemaOneVPC)
}

func (t *Tx) setVersion(v int) error {
	meta := t.tx.Bucket(bucketMeta)
	want := []byte(strconv.Itoa(v))
	if string(meta.Get(keySchema)) == string(want) {
		return nil
	}
	return meta.Put(keySchema, want)
}

func (t *Tx) saveVPC(prev, next *ruleset.Spec) error {
	if prev.IDCounter == next.IDCounter && prev.VPC == next.VPC && t.model(bucketVPC).Get(keyVPC) != nil {
		return nil
	}
	return t.put(bucketVPC, string(keyVPC), vpcRecord{VPC: next.VPC, IDCounter: next.IDCounter})
}

func (t *Tx) saveGroups(prev, next []ruleset.GroupSpec) error {
	old := make(map[string]*ruleset.GroupSpec, len(prev))
	for i := range prev {
		old[prev[i].ID] = &prev[i]
	}
	err := listDiff[ruleset.GroupSpec]{
		id:   func(g *ruleset.GroupSpec) string { return g.ID },
		same: func(a, b *ruleset.GroupSpec) bool { return reflect.DeepEqual(groupHeader(a), groupHeader(b)) },
		put: func(before string, g *ruleset.GroupSpec) error {
			return t.put(bucketGroups, g.ID, groupRecord{Prev: before, Group: groupHeader(g)})
		},
		del: t.deleter(bucketGroups),
	}.run(prev, next)
	if err != nil {
		return err
	}
	for i := range next {
		g := &next[i]
		var was ruleset.GroupSpec
		if o := old[g.ID]; o != nil {
			was = *o
			delete(old, g.ID)
		}
		if err := t.saveRules(g.ID, was, *g); err != nil {
			return err
		}
	}
	for id, g := range old { // groups deleted: their rules go with them
		if err := t.saveRules(id, *g, ruleset.GroupSpec{}); err != nil {
			return err
		}
	}
	return nil
}

// groupHeader is g without its rules, as its record holds it.
func groupHeader(g *ruleset.GroupSpec) ruleset.GroupSpec {
	h := *g
	h.Ingress, h.Egress = nil, nil
	return h
}

func (t *Tx) saveRules(group string, prev, next ruleset.GroupSpec) error {
	for _, egress := range []bool{false, true} {
		err := listDiff[ruleset.RuleSpec]{
			id:   func(r *ruleset.RuleSpec) string { return r.ID },
			same: sameRule,
			put: func(before string, r *ruleset.RuleSpec) error {
				return t.put(bucketRules, r.ID, ruleRecord{Group: group, Egress: egress, Prev: before, Rule: *r})
			},
			del: t.deleter(bucketRules),
		}.run(rulesOf(prev, egress), rulesOf(next, egress))
		if err != nil {
			return fmt.Errorf("group %s: %w", group, err)
		}
	}
	return nil
}

func rulesOf(g ruleset.GroupSpec, egress bool) []ruleset.RuleSpec {
	if egress {
		return g.Egress
	}
	return g.Ingress
}

// sameRule compares every field of two rules. It is written out rather
// than reflect.DeepEqual because it runs for every rule of the model on
// every change; TestSameRuleSeesEveryField fails when RuleSpec gains a
// field this does not compare.
func sameRule(a, b *ruleset.RuleSpec) bool {
	return a.ID == b.ID && a.Protocol == b.Protocol && a.FromPort == b.FromPort && a.ToPort == b.ToPort &&
		a.CidrIpv4 == b.CidrIpv4 && a.CidrIpv6 == b.CidrIpv6 && a.PrefixListId == b.PrefixListId &&
		a.ReferencedGroupId == b.ReferencedGroupId && sameString(a.Description, b.Description) &&
		slices.Equal(a.Tags, b.Tags)
}

func sameString(a, b *string) bool {
	return a == b || a != nil && b != nil && *a == *b
}

func (t *Tx) savePrefixLists(prev, next []ruleset.PrefixListSpec) error {
	return listDiff[ruleset.PrefixListSpec]{
		id:   func(p *ruleset.PrefixListSpec) string { return p.ID },
		same: func(a, b *ruleset.PrefixListSpec) bool { return reflect.DeepEqual(a, b) },
		put: func(before string, p *ruleset.PrefixListSpec) error {
			return t.put(bucketPrefixLsts, p.ID, prefixListRecord{Prev: before, PrefixList: *p})
		},
		del: t.deleter(bucketPrefixLsts),
	}.run(prev, next)
}

func (t *Tx) saveInterfaces(prev, next []ruleset.InterfaceSpec) error {
	return listDiff[ruleset.InterfaceSpec]{
		id:   func(e *ruleset.InterfaceSpec) string { return e.ID },
		same: func(a, b *ruleset.InterfaceSpec) bool { return reflect.DeepEqual(a, b) },
		put: func(before string, e *ruleset.InterfaceSpec) error {
			return t.put(bucketIfaces, e.ID, interfaceRecord{Prev: before, Interface: *e})
		},
		del: t.deleter(bucketIfaces),
	}.run(prev, next)
}

// put writes one record, bounded like every input sgswitch reads.
func (t *Tx) put(bucket []byte, key string, rec any) error {
	if key == "" {
		return fmt.Errorf("store: %s record without an id", bucket)
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("store: encoding %s %s: %w", bucket, key, err)
	}
	if err := bounded.Check(fmt.Sprintf("%s %s", bucket, key), int64(len(b))); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	t.ops = append(t.ops, op{bucket: bucket, key: key, val: b})
	return nil
}

func (t *Tx) deleter(bucket []byte) func(string) error {
	return func(id string) error {
		t.ops = append(t.ops, op{bucket: bucket, key: id})
		return nil
	}
}

// loadSpec reads the model back: from the object buckets, or from a
// schema 1 file's single record. It returns nil when none was saved.
func loadSpec(tx bucketer) (*ruleset.Spec, error) {
	var legacy []byte
	if b := tx.Bucket(bucketRuleset); b != nil {
		legacy = b.Get(keySpec)
	}
	rawVPC := tx.Bucket(bucketVPC).Get(keyVPC)
	switch {
	case legacy != nil && rawVPC != nil:
		return nil, errors.New("both a schema 1 spec and per-object records")
	case legacy != nil:
		var sp ruleset.Spec
		if err := json.Unmarshal(legacy, &sp); err != nil {
			return nil, fmt.Errorf("ruleset spec: %v", err)
		}
		return &sp, nil
	case rawVPC == nil:
		if n := countRecords(tx); n > 0 {
			return nil, fmt.Errorf("%d model records but no vpc record", n)
		}
		return nil, nil
	}
	var v vpcRecord
	if err := decode(bucketVPC, keyVPC, rawVPC, &v); err != nil {
		return nil, err
	}
	sp := &ruleset.Spec{VPC: v.VPC, IDCounter: v.IDCounter}
	var err error
	if sp.Groups, err = loadGroups(tx); err != nil {
		return nil, err
	}
	if sp.PrefixLists, err = loadList(tx, bucketPrefixLsts, func(r *prefixListRecord) (string, string, ruleset.PrefixListSpec) {
		return r.Prev, r.PrefixList.ID, r.PrefixList
	}); err != nil {
		return nil, err
	}
	sp.Interfaces, err = loadList(tx, bucketIfaces, func(r *interfaceRecord) (string, string, ruleset.InterfaceSpec) {
		return r.Prev, r.Interface.ID, r.Interface
	})
	return sp, err
}

func countRecords(tx bucketer) int {
	n := 0
	for _, name := range modelBuckets {
		n += tx.Bucket(name).Stats().KeyN
	}
	return n
}

// decode unmarshals one record, naming it when it does not decode.
func decode(bucket, key, raw []byte, v any) error {
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("%s record %q: %v", bucket, key, err)
	}
	return nil
}

// loadList reads every record of bucket and orders them by their links;
// open returns a record's link, id and object, and the id must be the
// record's key.
func loadList[R any, T any](tx bucketer, bucket []byte, open func(*R) (prev, id string, item T)) ([]T, error) {
	items := map[string]T{}
	prevOf := map[string]string{}
	err := tx.Bucket(bucket).ForEach(func(k, v []byte) error {
		var r R
		if err := decode(bucket, k, v, &r); err != nil {
			return err
		}
		prev, id, item := open(&r)
		if id != string(k) {
			return fmt.Errorf("%s record %q holds id %q", bucket, k, id)
		}
		items[string(k)], prevOf[string(k)] = item, prev
		return nil
	})
	if err != nil {
		return nil, err
	}
	order, err := chain(prevOf)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", bucket, err)
	}
	out := make([]T, 0, len(order))
	for _, id := range order {
		out = append(out, items[id])
	}
	return out, nil
}

// loadGroups reads the groups, then gives each its ingress and egress
// rules in their order; a rule of a group that does not exist is an error.
func loadGroups(tx bucketer) ([]ruleset.GroupSpec, error) {
	groups, err := loadList(tx, bucketGroups, func(r *groupRecord) (string, string, ruleset.GroupSpec) {
		return r.Prev, r.Group.ID, r.Group
	})
	if err != nil {
		return nil, err
	}
	type listKey struct {
		group  string
		egress bool
	}
	rules := map[listKey]map[string]ruleset.RuleSpec{}
	prevOf := map[listKey]map[string]string{}
	for _, g := range groups {
		for _, eg := range []bool{false, true} {
			rules[listKey{g.ID, eg}], prevOf[listKey{g.ID, eg}] = map[string]ruleset.RuleSpec{}, map[string]string{}
		}
	}
	err = tx.Bucket(bucketRules).ForEach(func(k, v []byte) error {
		var r ruleRecord
		if err := decode(bucketRules, k, v, &r); err != nil {
			return err
		}
		lk := listKey{r.Group, r.Egress}
		if rules[lk] == nil {
			return fmt.Errorf("rules record %q belongs to group %q, which does not exist", k, r.Group)
		}
		if r.Rule.ID != string(k) {
			return fmt.Errorf("rules record %q holds id %q", k, r.Rule.ID)
		}
		rules[lk][string(k)], prevOf[lk][string(k)] = r.Rule, r.Prev
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i := range groups {
		g := &groups[i]
		for _, eg := range []bool{false, true} {
			lk := listKey{g.ID, eg}
			order, err := chain(prevOf[lk])
			if err != nil {
				return nil, fmt.Errorf("rules of group %s: %v", g.ID, err)
			}
			list := make([]ruleset.RuleSpec, 0, len(order))
			for _, id := range order {
				list = append(list, rules[lk][id])
			}
			if eg {
				g.Egress = list
			} else {
				g.Ingress = list
			}
		}
	}
	return groups, nil
}
