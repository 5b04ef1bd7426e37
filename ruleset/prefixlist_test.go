package ruleset

import (
	"reflect"
	"slices"
	"testing"
)

func i64(v int64) *int64 { return &v }
func intp(v int) *int    { return &v }

// One row per prefix-list validation and its EC2 code; every failing call
// must leave the state as it was.
func TestPrefixListErrors(t *testing.T) {
	type op func(f *fixture) error
	modify := func(c PrefixListChange) op {
		return func(f *fixture) error { _, err := f.st.ModifyPrefixList(f.pl, c); return err }
	}
	create := func(family string, max int, cidrs ...string) op {
		return func(f *fixture) error {
			var es []PrefixListEntry
			for _, c := range cidrs {
				es = append(es, PrefixListEntry{Cidr: c})
			}
			_, err := f.st.CreateManagedPrefixListFamily("x", family, max, es)
			return err
		}
	}
	// referenced: web's ingress uses the list (weight 20) and 40 CIDRs
	// (weight 40): the quota of 60 is full.
	referenced := func(f *fixture) error {
		mustIngress(t, f.st, f.web, perm("tcp", 80, 80, f.pl))
		_, err := f.st.AuthorizeSecurityGroupIngress(f.web, cidrPerms(39, false), nil)
		return err
	}
	for _, c := range []struct {
		name  string
		setup op
		op    op
		code  string
	}{
		{name: "create ok", op: create("IPv6", 2, "2001:db8::/32")},
		{name: "create bad family", op: create("IPv5", 2), code: CodeInvalidParameterValue},
		{name: "create entry of other family", op: create("IPv4", 2, "2001:db8::/32"), code: CodeInvalidParameterValue},
		{name: "create max 0", op: create("IPv4", 0), code: CodeInvalidParameterValue},
		{name: "create max 1001", op: create("IPv4", 1001), code: CodeInvalidParameterValue},
		{name: "create over max", op: create("IPv4", 1, "10.0.0.0/8", "10.1.0.0/16"), code: CodePrefixListMaxEntriesExceeded},
		{name: "create duplicate after canonicalising", op: create("IPv4", 2, "10.0.0.0/8", "10.1.0.0/8"), code: CodeInvalidParameterValue},
		{name: "create bad cidr", op: create("IPv4", 2, "10.0.0.1"), code: CodeInvalidParameterValue},
		{name: "modify malformed id", op: func(f *fixture) error { _, err := f.st.ModifyPrefixList("pl-zz", PrefixListChange{}); return err }, code: CodeInvalidPrefixListIDMalformed},
		{name: "modify unknown id", op: func(f *fixture) error {
			_, err := f.st.ModifyPrefixList("pl-0123456789abcdef0", PrefixListChange{})
			return err
		}, code: CodeInvalidPrefixListIDNotFound},
		{name: "modify wrong version", op: modify(PrefixListChange{CurrentVersion: i64(7), Add: []PrefixListEntry{{Cidr: "10.0.0.0/8"}}}), code: CodePrefixListVersionMismatch},
		{name: "modify right version", op: modify(PrefixListChange{CurrentVersion: i64(1), Add: []PrefixListEntry{{Cidr: "10.0.0.0/8"}}})},
		{name: "modify entries and size", op: modify(PrefixListChange{MaxEntries: intp(30), Add: []PrefixListEntry{{Cidr: "10.0.0.0/8"}}}), code: CodeInvalidParameterCombination},
		{name: "modify remove absent", op: modify(PrefixListChange{Remove: []string{"10.0.0.0/8"}}), code: CodeInvalidParameterValue},
		{name: "modify add duplicate", op: modify(PrefixListChange{Add: []PrefixListEntry{{Cidr: "192.0.2.1/28"}}}), code: CodeInvalidParameterValue},
		{name: "modify add other family", op: modify(PrefixListChange{Add: []PrefixListEntry{{Cidr: "2001:db8::/32"}}}), code: CodeInvalidParameterValue},
		{name: "modify bad name", op: modify(PrefixListChange{Name: str("com.amazonaws.x")}), code: CodeInvalidParameterValue},
		{name: "shrink below entries", setup: modify(PrefixListChange{Add: []PrefixListEntry{{Cidr: "10.0.0.0/8"}}}), op: modify(PrefixListChange{MaxEntries: intp(1)}), code: CodeInvalidParameterValue},
		{name: "grow over a group's quota", setup: referenced, op: modify(PrefixListChange{MaxEntries: intp(21)}), code: CodeRulesPerSecurityGroupLimitExceeded},
		{name: "shrink a referenced list", setup: referenced, op: modify(PrefixListChange{MaxEntries: intp(5)})},
		{name: "delete referenced", setup: referenced, op: func(f *fixture) error { _, err := f.st.DeleteManagedPrefixList(f.pl); return err }, code: CodeDependencyViolation},
		{name: "delete", op: func(f *fixture) error { _, err := f.st.DeleteManagedPrefixList(f.pl); return err }},
		{name: "restore wrong current", setup: modify(PrefixListChange{Add: []PrefixListEntry{{Cidr: "10.0.0.0/8"}}}), op: func(f *fixture) error {
			_, err := f.st.RestoreManagedPrefixListVersion(f.pl, 1, 1)
			return err
		}, code: CodePrefixListVersionMismatch},
		{name: "restore current version", op: func(f *fixture) error { _, err := f.st.RestoreManagedPrefixListVersion(f.pl, 1, 1); return err }, code: CodeInvalidParameterValue},
		{name: "modify AWS-managed", op: func(f *fixture) error {
			_, err := f.st.ModifyPrefixList(awsS3(f), PrefixListChange{Name: str("mine")})
			return err
		}, code: CodeUnsupportedOperation},
		{name: "delete AWS-managed", op: func(f *fixture) error { _, err := f.st.DeleteManagedPrefixList(awsS3(f)); return err }, code: CodeUnsupportedOperation},
		{name: "restore AWS-managed", op: func(f *fixture) error { _, err := f.st.RestoreManagedPrefixListVersion(awsS3(f), 1, 1); return err }, code: CodeUnsupportedOperation},
		{name: "tag AWS-managed", op: func(f *fixture) error { return f.st.CreateTags([]string{awsS3(f)}, []Tag{{Key: "k"}}) }, code: CodeUnsupportedOperation},
		{name: "reference AWS-managed", op: func(f *fixture) error {
			_, err := f.st.AuthorizeSecurityGroupEgress(f.web, []IpPermission{perm("tcp", 443, 443, awsS3(f))}, nil)
			return err
		}},
		{name: "entries at future version", op: func(f *fixture) error { _, err := f.st.PrefixListEntriesAt(f.pl, 2); return err }, code: CodeInvalidParameterValue},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, nil)
			if c.setup != nil {
				if err := c.setup(f); err != nil {
					t.Fatal(err)
				}
			}
			before := f.st.Spec()
			err := c.op(f)
			if c.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantCode(t, err, c.code)
			if !reflect.DeepEqual(before, f.st.Spec()) {
				t.Fatal("a failing call changed the state")
			}
		})
	}
}

func TestPrefixListVersions(t *testing.T) {
	f := newFixture(t, nil)
	for i := range MaxPrefixListHistory + 5 {
		c := PrefixListChange{Add: []PrefixListEntry{{Cidr: "10.0.0.0/8"}}}
		if i%2 == 1 {
			c = PrefixListChange{Remove: []string{"10.0.0.0/8"}}
		}
		if _, err := f.st.ModifyPrefixList(f.pl, c); err != nil {
			t.Fatal(err)
		}
	}
	pl := f.st.prefixList(f.pl)
	if pl.Version != MaxPrefixListHistory+6 || len(pl.History) != MaxPrefixListHistory {
		t.Fatalf("version %d, %d kept", pl.Version, len(pl.History))
	}
	if _, err := f.st.PrefixListEntriesAt(f.pl, 1); err == nil {
		t.Fatal("version 1 should have left the history")
	}
	es, err := f.st.PrefixListEntriesAt(f.pl, pl.Version-1) // after a remove
	if err != nil || len(es) != 1 {
		t.Fatalf("%v %v", es, err)
	}
	// A rename keeps the version.
	d, err := f.st.ModifyPrefixList(f.pl, PrefixListChange{Name: str("hq")})
	if err != nil || d.Version != pl.Version || d.PrefixListName != "hq" {
		t.Fatalf("%+v %v", d, err)
	}
	d, err = f.st.RestoreManagedPrefixListVersion(f.pl, d.Version-1, d.Version)
	if err != nil || d.Version != MaxPrefixListHistory+7 {
		t.Fatalf("%+v %v", d, err)
	}
	if es, _ := f.st.GetManagedPrefixListEntries(f.pl); len(es) != 1 {
		t.Fatalf("restored %v", es)
	}
}

// A change to a list reaches the compiled classifier of a group that
// references it, and the journal names the list (the store writes it).
func TestPrefixListChangeAppliesAtOnce(t *testing.T) {
	f := newFixture(t, nil)
	mustIngress(t, f.st, f.web, perm("tcp", 443, 443, f.pl))
	in := pkt{proto: 6, port: 443, remote: "10.9.9.9"}
	expectVerdicts(t, f.st, f.eni, map[pkt]string{in: "deny"})
	next := f.st.Clone()
	if _, err := next.ModifyPrefixList(f.pl, PrefixListChange{Add: []PrefixListEntry{{Cidr: "10.0.0.0/8"}}}); err != nil {
		t.Fatal(err)
	}
	expectVerdicts(t, next, f.eni, map[pkt]string{in: "tracked"})
	ch, ok := next.ChangesSince(f.st)
	if !ok || !slices.Equal(ch.PrefixLists, []string{f.pl}) {
		t.Fatalf("changes %+v %v", ch, ok)
	}
	groups, err := next.PrefixListAssociations(f.pl)
	if err != nil || !slices.Equal(groups, []string{f.web}) {
		t.Fatalf("associations %v %v", groups, err)
	}
	expectVerdicts(t, f.st, f.eni, map[pkt]string{in: "deny"}) // the base is untouched
}

func awsS3(f *fixture) string {
	for _, p := range AWSPrefixLists(f.st.VPC().Region) {
		if p.Name == "com.amazonaws."+f.st.VPC().Region+".s3" {
			return p.ID
		}
	}
	panic("no s3 list")
}

// An AWS-managed list has no entries here: a rule referencing it is
// accepted and matches nothing, in the compiled classifier and the
// reference evaluator alike.
func TestAWSManagedListMatchesNothing(t *testing.T) {
	f := newFixture(t, nil)
	mustIngress(t, f.st, f.web, perm("tcp", 443, 443, awsS3(f)))
	expectVerdicts(t, f.st, f.eni, map[pkt]string{{proto: 6, port: 443, remote: "52.216.0.1"}: "deny"})
	d, err := f.st.DescribeManagedPrefixLists([]string{awsS3(f)}, nil)
	if err != nil || d[0].OwnerId != AWSOwner {
		t.Fatalf("%+v %v", d, err)
	}
}
