package store

import (
	"errors"
	"net/netip"
	"reflect"
	"strconv"
	"testing"

	bolt "go.etcd.io/bbolt"

	"sgswitch/account"
	"sgswitch/ruleset"
	"sgswitch/vpc"
)

// sampleAccount is the one-VPC sample model as an account, plus a second
// VPC with the same CIDR (VPCs may overlap) and a subnet.
func sampleAccount(t *testing.T) *account.Account {
	t.Helper()
	a, err := account.FromOneVPC(account.Config{Network: vpc.Config{IDSeed: 3}}, sampleSpec(t))
	must(t, err)
	v, err := a.CreateVpc("198.18.0.0/24", "", []vpc.Tag{{Key: "Name", Value: "two"}})
	must(t, err)
	_, err = a.Network().CreateSubnet(v.VpcId, "198.18.0.0/25", "", "", nil)
	must(t, err)
	return a
}

func saveAccount(t *testing.T, s *Store, prev, next *account.Account) {
	t.Helper()
	must(t, s.Update(func(tx *Tx) error { return tx.SaveAccount(prev, next) }))
}

func loadBack(t *testing.T, s *Store) account.Spec {
	t.Helper()
	snap, err := s.Load()
	must(t, err)
	if snap.Account == nil || snap.Spec != nil {
		t.Fatalf("Load: account %v, one-VPC spec %v; want an account only", snap.Account != nil, snap.Spec != nil)
	}
	return *snap.Account
}

// TestAccountRoundTrip: an account saved, changed through a clone (the
// journal path) and reopened reads back equal to the model, every VPC's
// groups in their own bucket; a VPC removed loses its bucket.
func TestAccountRoundTrip(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir)
	a := sampleAccount(t)
	saveAccount(t, s, nil, a)
	if got := loadBack(t, s); !reflect.DeepEqual(got, a.Spec()) {
		t.Fatalf("read back\n%+v\nwant\n%+v", got, a.Spec())
	}

	next := a.Clone()
	vpcs := next.VPCs()
	g := next.Groups(next.DefaultVpc())
	sg, err := g.CreateSecurityGroup("db", "databases", nil)
	must(t, err)
	_, err = g.AuthorizeSecurityGroupIngress(sg.GroupId, []ruleset.IpPermission{{IpProtocol: "tcp",
		FromPort: port(5432), ToPort: port(5432), IpRanges: []ruleset.IpRange{{CidrIp: "198.18.0.0/24"}}}}, nil)
	must(t, err)
	saveAccount(t, s, a, next)
	s.Close()
	s = openT(t, dir)
	defer s.Close()
	if got := loadBack(t, s); !reflect.DeepEqual(got, next.Spec()) {
		t.Fatalf("after a change read back\n%+v\nwant\n%+v", got, next.Spec())
	}
	if _, err := account.FromSpec(loadBack(t, s)); err != nil {
		t.Fatalf("the stored account does not rebuild: %v", err)
	}

	var other string
	for _, id := range vpcs {
		if id != next.DefaultVpc() {
			other = id
		}
	}
	last := next.Clone()
	must(t, last.RemoveVpc(other))
	saveAccount(t, s, next, last)
	must(t, s.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketVPCs).Bucket([]byte(other)) != nil {
			return errors.New("the removed VPC's bucket is still there")
		}
		if tx.Bucket(bucketVPCs).Bucket([]byte(last.DefaultVpc())) == nil {
			return errors.New("the remaining VPC's bucket is gone")
		}
		return nil
	}))
	if got := loadBack(t, s); !reflect.DeepEqual(got, last.Spec()) {
		t.Fatalf("after removing a VPC read back\n%+v\nwant\n%+v", got, last.Spec())
	}
}

// TestSchema2BecomesAccount: a schema 2 file (one model at the root)
// loads as a one-VPC spec; the account made from it keeps every id, and
// its first save rewrites the file as schema 3 in one transaction.
func TestSchema2BecomesAccount(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir)
	old := sampleSpec(t)
	must(t, s.Update(func(tx *Tx) error { return tx.SaveSpec(nil, &old) }))
	s.Close()

	s = openT(t, dir)
	defer s.Close()
	snap, err := s.Load()
	must(t, err)
	if snap.Spec == nil || snap.Account != nil {
		t.Fatalf("schema 2 file: one-VPC spec %v, account %v", snap.Spec != nil, snap.Account != nil)
	}
	a, err := account.FromOneVPC(account.Config{}, *snap.Spec)
	must(t, err)
	if a.DefaultVpc() != old.VPC.VpcId || len(a.VPCs()) != 1 {
		t.Fatalf("VPCs %v default %q, want only %s", a.VPCs(), a.DefaultVpc(), old.VPC.VpcId)
	}
	subs, err := a.Network().DescribeSubnets([]string{old.VPC.SubnetId}, nil)
	must(t, err)
	if len(subs) != 1 || subs[0].CidrBlock != "198.18.0.0/24" || subs[0].VpcId != old.VPC.VpcId {
		t.Fatalf("subnet %s: %+v", old.VPC.SubnetId, subs)
	}
	for _, e := range old.Interfaces {
		if v, ok := a.VPCOfInterface(e.ID); !ok || v != old.VPC.VpcId {
			t.Errorf("interface %s is in VPC %q", e.ID, v)
		}
	}
	saveAccount(t, s, nil, a)
	if got := loadBack(t, s); !reflect.DeepEqual(got, a.Spec()) {
		t.Fatalf("converted store reads back\n%+v\nwant\n%+v", got, a.Spec())
	}
	must(t, s.db.View(func(tx *bolt.Tx) error {
		if n := countRecords(tx); n != 0 {
			return errors.New("records left at the root: " + strconv.Itoa(n))
		}
		if v := string(tx.Bucket(bucketMeta).Get(keySchema)); v != strconv.Itoa(SchemaVersion) {
			return errors.New("schema " + v)
		}
		return nil
	}))
}

// TestAccountAndRootModelIsCorrupt: a file holding both layouts is
// refused, and left as it was.
func TestAccountAndRootModelIsCorrupt(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir)
	saveAccount(t, s, nil, sampleAccount(t))
	old := sampleSpec(t)
	must(t, s.Update(func(tx *Tx) error { return tx.SaveSpec(nil, &old) }))
	before := records(t, s)
	if _, err := s.Load(); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Load = %v, want ErrCorrupt", err)
	}
	if after := records(t, s); !reflect.DeepEqual(before, after) {
		t.Error("a refused load changed the file")
	}
}

var _ = netip.Addr{}
