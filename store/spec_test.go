package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"sgswitch/ruleset"
)

func ptr(s string) *string { return &s }

func port(p int32) *int32 { return &p }

// sampleState is a small model with every kind of object: groups with
// tagged and described rules of each peer kind, a prefix list, interfaces.
func sampleState(t testing.TB) *ruleset.State {
	t.Helper()
	st, err := ruleset.NewState(ruleset.VPCConfig{CIDR: netip.MustParsePrefix("198.18.0.0/24"),
		IPv6CIDR: netip.MustParsePrefix("fd00:5e5e:0:1::/64"), IDSeed: 7})
	must(t, err)
	pl, err := st.CreateManagedPrefixList("office", 10, []ruleset.PrefixListEntry{{Cidr: "198.18.1.0/24", Description: ptr("hq")}})
	must(t, err)
	web, err := st.CreateSecurityGroup("web", "web servers", []ruleset.Tag{{Key: "team", Value: "shop"}})
	must(t, err)
	_, err = st.AuthorizeSecurityGroupIngress(web.GroupId, []ruleset.IpPermission{
		{IpProtocol: "tcp", FromPort: port(80), ToPort: port(80), IpRanges: []ruleset.IpRange{{CidrIp: "0.0.0.0/0", Description: ptr("http")}}},
		{IpProtocol: "tcp", FromPort: port(443), ToPort: port(443), PrefixListIds: []ruleset.PrefixListId{{PrefixListId: pl.PrefixListId}}},
	}, []ruleset.Tag{{Key: "k", Value: "v"}})
	must(t, err)
	_, err = st.CreateNetworkInterface(ruleset.ENISpec{Name: "web1", IPv4: []netip.Addr{netip.MustParseAddr("198.18.0.10")},
		IPv6: []netip.Addr{netip.MustParseAddr("fd00:5e5e:0:1::10")}, Groups: []string{web.GroupId}})
	must(t, err)
	return st
}

func sampleSpec(t testing.TB) ruleset.Spec { return sampleState(t).Spec() }

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// records is every key and value of the model and lab buckets.
func records(t *testing.T, s *Store) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			if string(name) == string(bucketMeta) {
				return nil
			}
			return b.ForEach(func(k, v []byte) error {
				out[string(name)+"/"+string(k)] = string(v)
				return nil
			})
		})
	})
	must(t, err)
	return out
}

// changed lists the keys whose records differ between two dumps.
func changed(before, after map[string]string) []string {
	var keys []string
	for k, v := range after {
		if before[k] != v {
			keys = append(keys, k)
		}
	}
	for k := range before {
		if _, ok := after[k]; !ok {
			keys = append(keys, "-"+k)
		}
	}
	slices.Sort(keys)
	return keys
}

// step applies change to the model, saves it and checks that the store
// gives back exactly the new spec; it returns the keys written.
// A nil *st saves the first model, change(nil's successor) on an empty store.
func step(t *testing.T, s *Store, st **ruleset.State, change func(*ruleset.State) error) []string {
	t.Helper()
	var prev *ruleset.Spec
	var next *ruleset.State
	if *st == nil {
		next = sampleState(t)
	} else {
		p := (*st).Spec()
		prev, next = &p, (*st).Clone()
	}
	must(t, change(next))
	nextSpec := next.Spec()
	before := records(t, s)
	must(t, s.Update(func(tx *Tx) error { return tx.SaveSpec(prev, &nextSpec) }))
	snap, err := s.Load()
	must(t, err)
	if !reflect.DeepEqual(*snap.Spec, nextSpec) {
		t.Fatalf("loaded spec differs from the saved one:\n got %+v\nwant %+v", *snap.Spec, nextSpec)
	}
	*st = next
	return changed(before, records(t, s))
}

// TestSaveSpecWritesOnlyWhatChanged: each change writes the records of
// the objects it changed (and the successor of a removed one), and the
// store reads back exactly the model, order included.
func TestSaveSpecWritesOnlyWhatChanged(t *testing.T) {
	s := openT(t, t.TempDir())
	defer s.Close()
	var st *ruleset.State
	step(t, s, &st, func(*ruleset.State) error { return nil }) // the first save writes every object
	web, _ := st.ResolveGroup("web")
	var added string
	keys := step(t, s, &st, func(st *ruleset.State) error {
		r, err := st.AuthorizeSecurityGroupIngress(web, []ruleset.IpPermission{{IpProtocol: "udp", FromPort: port(53), ToPort: port(53),
			IpRanges: []ruleset.IpRange{{CidrIp: "198.18.0.0/24"}}}}, nil)
		if err == nil {
			added = r[0].SecurityGroupRuleId
		}
		return err
	})
	if want := []string{"rules/" + added, "vpc/vpc"}; !slices.Equal(keys, want) {
		t.Errorf("authorize wrote %v, want %v", keys, want)
	}
	first := groupOf(st, web).Ingress[0]
	second := groupOf(st, web).Ingress[1]
	keys = step(t, s, &st, func(st *ruleset.State) error {
		_, _, err := st.RevokeSecurityGroupIngress(web, nil, []string{first.ID})
		return err
	})
	if want := []string{"-rules/" + first.ID, "rules/" + second.ID}; !slices.Equal(keys, want) {
		t.Errorf("revoking the first rule wrote %v, want %v", keys, want)
	}
	keys = step(t, s, &st, func(st *ruleset.State) error {
		return st.CreateTags([]string{second.ID}, []ruleset.Tag{{Key: "x", Value: "y"}})
	})
	if want := []string{"rules/" + second.ID}; !slices.Equal(keys, want) {
		t.Errorf("tagging a rule wrote %v, want %v", keys, want)
	}
	g := groupOf(st, web)
	eni := st.Spec().Interfaces[0].ID
	keys = step(t, s, &st, func(st *ruleset.State) error {
		if err := st.DeleteNetworkInterface(eni); err != nil {
			return err
		}
		_, err := st.DeleteSecurityGroup(web)
		return err
	})
	want := []string{"-groups/" + web, "-interfaces/" + eni}
	for _, r := range slices.Concat(g.Ingress, g.Egress) {
		want = append(want, "-rules/"+r.ID)
	}
	slices.Sort(want)
	if !slices.Equal(keys, want) {
		t.Errorf("deleting a group wrote %v, want %v", keys, want)
	}
}

func groupOf(st *ruleset.State, id string) ruleset.GroupSpec {
	for _, g := range st.Spec().Groups {
		if g.ID == id {
			return g
		}
	}
	return ruleset.GroupSpec{}
}

// TestModelLargerThanOneRecord: a model far over the 4 MiB a single
// record may hold (schema 1 kept it in one record and refused it) is
// saved and read back.
func TestModelLargerThanOneRecord(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 50,000-rule model")
	}
	s := openT(t, t.TempDir())
	defer s.Close()
	spec := bigSpec(t, 50000)
	must(t, s.Update(func(tx *Tx) error { return tx.SaveSpec(nil, &spec) }))
	if b, _ := json.Marshal(spec); len(b) <= 4<<20 {
		t.Fatalf("the model is only %d bytes", len(b))
	}
	snap, err := s.Load()
	must(t, err)
	if !reflect.DeepEqual(*snap.Spec, spec) {
		t.Error("the 50,000-rule model did not read back")
	}
}

// TestLoadsAndConvertsSchema1: a store written by the schema 1 code
// (testdata/README.md) loads as it was saved; the first save converts it
// to per-object records in the same transaction, and it still loads.
func TestLoadsAndConvertsSchema1(t *testing.T) {
	dir := t.TempDir()
	db, err := os.ReadFile("testdata/schema1.db")
	must(t, err)
	must(t, os.WriteFile(filepath.Join(dir, FileName), db, 0o600))
	raw, err := os.ReadFile("testdata/schema1-spec.json")
	must(t, err)
	var want ruleset.Spec
	must(t, json.Unmarshal(raw, &want))

	s := openT(t, dir)
	snap, err := s.Load()
	must(t, err)
	if snap.Spec == nil || !reflect.DeepEqual(*snap.Spec, want) {
		t.Fatalf("schema 1 spec loaded as %+v, want %+v", snap.Spec, want)
	}
	if _, ok := snap.Labs["shop"]; !ok {
		t.Errorf("labs = %v", snap.Labs)
	}
	st, err := ruleset.StateFromSpec(*snap.Spec)
	must(t, err)
	step(t, s, &st, func(st *ruleset.State) error {
		_, err := st.CreateSecurityGroup("new", "after the conversion", nil)
		return err
	})
	s.Close()

	s = openT(t, dir)
	defer s.Close()
	snap, err = s.Load()
	must(t, err)
	if !reflect.DeepEqual(*snap.Spec, st.Spec()) {
		t.Errorf("converted store reads back %+v, want %+v", *snap.Spec, st.Spec())
	}
	err = s.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketRuleset) != nil {
			return errors.New("the schema 1 record is still there")
		}
		if v := string(tx.Bucket(bucketMeta).Get(keySchema)); v != strconv.Itoa(schemaOneVPC) {
			return fmt.Errorf("schema = %s, want %d (a one-VPC model at the root)", v, schemaOneVPC)
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
}

// TestCorruptRecordRefused: a record that does not decode, holds another
// id than its key, belongs to no group, or breaks its list's chain makes
// Load fail with ErrCorrupt naming it, and every record stays as it was.
func TestCorruptRecordRefused(t *testing.T) {
	spec := sampleSpec(t)
	web := spec.Groups[1]
	r0, r1 := web.Ingress[0], web.Ingress[1]
	enc := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	cases := []struct {
		name, bucket, key, value, want string
	}{
		{"not JSON", "rules", r0.ID, "{", `rules record "` + r0.ID + `"`},
		{"key is not its id", "rules", "sgr-00000000000000001", enc(ruleRecord{Group: web.ID, Prev: r1.ID, Rule: r0}), "holds id"},
		{"rule of no group", "rules", r0.ID, enc(ruleRecord{Group: "sg-00000000000000009", Rule: r0}), "does not exist"},
		{"two first rules", "rules", r1.ID, enc(ruleRecord{Group: web.ID, Rule: r1}), "both follow"},
		{"cycle", "rules", r0.ID, enc(ruleRecord{Group: web.ID, Prev: r1.ID, Rule: r0}), "not linked"},
		{"dangling link", "groups", web.ID, enc(groupRecord{Prev: "sg-00000000000000009", Group: groupHeader(&web)}), "not linked"},
		{"no vpc record", "vpc", "vpc", "", "no vpc record"},
		{"group record of an array", "groups", web.ID, "[]", `groups record "` + web.ID + `"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s := openT(t, dir)
			must(t, s.Update(func(tx *Tx) error { return tx.SaveSpec(nil, &spec) }))
			must(t, s.db.Update(func(tx *bolt.Tx) error {
				b := tx.Bucket([]byte(tc.bucket))
				if tc.value == "" {
					return b.Delete([]byte(tc.key))
				}
				return b.Put([]byte(tc.key), []byte(tc.value))
			}))
			before := records(t, s)
			s.Close()

			s = openT(t, dir)
			defer s.Close()
			_, err := s.Load()
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), s.Path()) {
				t.Errorf("Load = %v, want ErrCorrupt naming the file and %q", err, tc.want)
			}
			if after := records(t, s); !maps.Equal(before, after) {
				t.Errorf("records changed by a refused load: %v", changed(before, after))
			}
		})
	}
}

// TestSameRuleSeesEveryField: changing any one field of a rule makes
// sameRule report a difference, so a field added to RuleSpec cannot be
// skipped by the comparison that decides what SaveSpec writes.
func TestSameRuleSeesEveryField(t *testing.T) {
	base := ruleset.RuleSpec{ID: "sgr-1", Protocol: "tcp", FromPort: 1, ToPort: 2, CidrIpv4: "198.18.0.0/24",
		CidrIpv6: "::/0", PrefixListId: "pl-1", ReferencedGroupId: "sg-1", Description: ptr("d"), Tags: []ruleset.Tag{{Key: "k"}}}
	typ := reflect.TypeOf(base)
	for i := range typ.NumField() {
		other := base
		f := reflect.ValueOf(&other).Elem().Field(i)
		switch f.Kind() {
		case reflect.String:
			f.SetString(f.String() + "x")
		case reflect.Int32:
			f.SetInt(f.Int() + 1)
		case reflect.Pointer:
			f.Set(reflect.ValueOf(ptr("other")))
		case reflect.Slice:
			f.Set(reflect.ValueOf([]ruleset.Tag{{Key: "other"}}))
		default:
			t.Fatalf("RuleSpec.%s is a %v: teach sameRule (store/spec.go) and this test about it", typ.Field(i).Name, f.Kind())
		}
		if sameRule(&base, &other) {
			t.Errorf("sameRule does not compare RuleSpec.%s", typ.Field(i).Name)
		}
	}
	if other := base; !sameRule(&base, &other) {
		t.Error("sameRule: a rule differs from its copy")
	}
}

// bigSpec is a model of about n rules: groups of 60 ingress rules each.
func bigSpec(t testing.TB, n int) ruleset.Spec {
	t.Helper()
	st, err := ruleset.NewState(ruleset.VPCConfig{CIDR: netip.MustParsePrefix("198.18.0.0/24"), IDSeed: 1, LiftQuotas: true})
	must(t, err)
	for g := 0; g*60 < n; g++ {
		sg, err := st.CreateSecurityGroup(fmt.Sprintf("bench%d", g), "bench", nil)
		must(t, err)
		perm := ruleset.IpPermission{IpProtocol: "tcp", FromPort: port(int32(1024 + g)), ToPort: port(int32(1024 + g))}
		for i := 0; i < min(60, n-g*60); i++ {
			perm.IpRanges = append(perm.IpRanges, ruleset.IpRange{CidrIp: fmt.Sprintf("10.%d.%d.0/24", i/250, i%250)})
		}
		_, err = st.AuthorizeSecurityGroupIngress(sg.GroupId, []ruleset.IpPermission{perm}, nil)
		must(t, err)
	}
	return st.Spec()
}

// BenchmarkStoreWrite measures the store's part of one authorize: a
// transaction that records a model of about n rules gaining one rule, and
// its fsync. "journal" is what the daemon does (SaveChanges with what the
// model's journal says the change touched: the rule and the id counter);
// "diff" is SaveSpec, which compares every object of the two models (what
// a change without a journal costs: a VPC's groups rebuilt from a spec).
func BenchmarkStoreWrite(b *testing.B) {
	for _, mode := range []string{"journal", "diff"} {
		for _, n := range []int{100, 30000, 50000} {
			b.Run(fmt.Sprintf("%s/rules=%d", mode, n), func(b *testing.B) {
				s, err := Open(b.TempDir())
				must(b, err)
				defer s.Close()
				prev := bigSpec(b, n)
				must(b, s.Update(func(tx *Tx) error { return tx.SaveSpec(nil, &prev) }))
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					next := withOneMoreRule(prev, i)
					save := func(tx *Tx) error { return tx.SaveSpec(&prev, &next) }
					if mode == "journal" {
						g := next.Groups[len(next.Groups)-1]
						ch := ruleset.Changes{VPC: true, Rules: []ruleset.RuleChange{{ID: g.Ingress[len(g.Ingress)-1].ID, Group: g.ID}}}
						save = func(tx *Tx) error { return tx.SaveChanges(&prev, &next, ch) }
					}
					if err := s.Update(save); err != nil {
						b.Fatal(err)
					}
					prev = next
				}
			})
		}
	}
}

// withOneMoreRule is sp after an authorize of one rule in its last group,
// built as the model does (new lists for what changed, the rest shared).
func withOneMoreRule(sp ruleset.Spec, i int) ruleset.Spec {
	sp.IDCounter++
	sp.Groups = slices.Clone(sp.Groups)
	g := &sp.Groups[len(sp.Groups)-1]
	g.Ingress = append(slices.Clip(g.Ingress), ruleset.RuleSpec{ID: fmt.Sprintf("sgr-b%016x", i), Protocol: "udp",
		FromPort: int32(i % 65536), ToPort: int32(i % 65536), CidrIpv4: "198.18.0.0/24"})
	return sp
}

// TestSaveSpecRefusesSharedRuleID: two rules with one id (which the model
// never makes) would share one record; the save is refused instead.
func TestSaveSpecRefusesSharedRuleID(t *testing.T) {
	s := openT(t, t.TempDir())
	defer s.Close()
	spec := sampleSpec(t)
	spec.Groups[0].Egress[0].ID = spec.Groups[1].Ingress[0].ID
	err := s.Update(func(tx *Tx) error { return tx.SaveSpec(nil, &spec) })
	if err == nil || !strings.Contains(err.Error(), "two rules objects have the id "+spec.Groups[1].Ingress[0].ID) {
		t.Errorf("SaveSpec with a shared rule id: %v", err)
	}
}
