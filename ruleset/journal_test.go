package ruleset

import (
	"reflect"
	"slices"
	"testing"
)

// TestClonesDoNotShareAppends: two clones of one State each authorize a
// rule in the same group. The group's rule list is shared by the three
// States; were authorize to append into its spare capacity, the second
// clone's rule would overwrite the first's.
func TestClonesDoNotShareAppends(t *testing.T) {
	f := newFixture(t, nil)
	for p := range int32(3) { // one at a time, so the list has spare capacity
		mustIngress(t, f.st, f.web, perm("udp", 1000+p, 1000+p, "10.0.0.0/8"))
	}
	base := f.st.Spec()
	a, b := f.st.Clone(), f.st.Clone()
	mustIngress(t, a, f.web, perm("udp", 7, 7, "10.0.0.0/8"))
	wantA := a.Spec()
	mustIngress(t, b, f.web, perm("udp", 8, 8, "10.0.0.0/8"))
	if !reflect.DeepEqual(a.Spec(), wantA) {
		t.Error("an authorize on one clone changed another clone")
	}
	if !reflect.DeepEqual(f.st.Spec(), base) {
		t.Error("an authorize on a clone changed its source")
	}
}

// TestChangesSince: a clone's journal lists what its mutations touched,
// only against the State it was cloned from, and only while that State
// is unchanged.
func TestChangesSince(t *testing.T) {
	f := newFixture(t, nil)
	c := f.st.Clone()
	if ch, ok := c.ChangesSince(f.st); !ok || !ch.Empty() {
		t.Fatalf("fresh clone: %+v %v, want no changes", ch, ok)
	}
	rs, err := c.AuthorizeSecurityGroupIngress(f.web, []IpPermission{perm("tcp", 9, 9, "10.0.0.0/8")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ch, ok := c.ChangesSince(f.st)
	want := Changes{VPC: true, Rules: []RuleChange{{ID: rs[0].SecurityGroupRuleId, Group: f.web}}}
	if !ok || !reflect.DeepEqual(ch, want) {
		t.Errorf("after an authorize: %+v %v, want %+v", ch, ok, want)
	}
	// A failing call records nothing.
	if _, err := c.AuthorizeSecurityGroupIngress(f.web, []IpPermission{perm("tcp", 9, 9, "10.0.0.0/8")}, nil); err == nil {
		t.Fatal("duplicate authorize succeeded")
	}
	if again, _ := c.ChangesSince(f.st); !reflect.DeepEqual(again, want) {
		t.Errorf("a failing authorize was recorded: %+v", again)
	}
	if err := c.CreateTags([]string{f.eni, f.web}, []Tag{{Key: "k", Value: "v"}}); err != nil {
		t.Fatal(err)
	}
	ch, _ = c.ChangesSince(f.st)
	if !slices.Equal(ch.Groups, []string{f.web}) || !slices.Equal(ch.Interfaces, []string{f.eni}) {
		t.Errorf("after tagging: groups %v interfaces %v", ch.Groups, ch.Interfaces)
	}
	if _, ok := c.ChangesSince(c); ok {
		t.Error("a journal against the clone itself")
	}
	if _, ok := f.st.Clone().ChangesSince(c); ok {
		t.Error("a journal against an unrelated State")
	}
	if err := f.st.CreateTags([]string{f.web}, []Tag{{Key: "late", Value: "1"}}); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.ChangesSince(f.st); ok {
		t.Error("a journal against a base changed since the Clone")
	}
	fromSpec, err := StateFromSpec(c.Spec())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := fromSpec.ChangesSince(c); ok {
		t.Error("a journal for a State rebuilt from a Spec")
	}
}
