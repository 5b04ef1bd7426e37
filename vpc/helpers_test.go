package vpc

import (
	"errors"
	"net/netip"
	"testing"
)

// fixture is a State with two VPCs (overlapping CIDRs, as EC2 allows):
//
//	v1 10.0.0.0/16 + fd00:5e5e::/56: subnets a (10.0.1.0/24, fd00:5e5e:0:1::/64)
//	   and b (10.0.2.0/24); custom ACL acl (associated with b); route table rtb
//	   (associated with b); eni-0000000a placed in a at 10.0.1.10.
//	v2 10.0.0.0/16: subnet c 10.0.1.0/24; eni-0000000c in c at 10.0.1.10.
type fixture struct {
	st                   *State
	v1, v2, a, b, c      string
	acl, rtb, mainRtb    string
	defAcl, bRtbAssoc    string
	aAclAssoc, mainAssoc string
	v2Rtb, v2Acl         string
	extra                string // set by a test case's prep
}

const (
	eniA = "eni-0000000a"
	eniC = "eni-0000000c"
)

func newFixture(t testing.TB) *fixture {
	t.Helper()
	st, err := NewState(Config{IDSeed: 42})
	must(t, err)
	f := &fixture{st: st}
	v1, err := st.CreateVpc("10.0.0.0/16", "fd00:5e5e::/56", []Tag{{"Name", "one"}})
	must(t, err)
	f.v1 = v1.VpcId
	a, err := st.CreateSubnet(f.v1, "10.0.1.0/24", "fd00:5e5e:0:1::/64", "", []Tag{{"Name", "a"}})
	must(t, err)
	f.a = a.SubnetId
	b, err := st.CreateSubnet(f.v1, "10.0.2.0/24", "", "us-east-1b", nil)
	must(t, err)
	f.b = b.SubnetId
	acl, err := st.CreateNetworkAcl(f.v1, nil)
	must(t, err)
	f.acl = acl.NetworkAclId
	rtb, err := st.CreateRouteTable(f.v1, nil)
	must(t, err)
	f.rtb = rtb.RouteTableId
	f.bRtbAssoc, err = st.AssociateRouteTable(f.rtb, f.b)
	must(t, err)
	sb, _ := st.subnet(f.b)
	_, err = st.ReplaceNetworkAclAssociation(sb.NetworkAclAssociationID, f.acl)
	must(t, err)
	sa, _ := st.subnet(f.a)
	f.aAclAssoc, f.defAcl = sa.NetworkAclAssociationID, sa.NetworkAclID
	m := st.mainRouteTable(f.v1)
	f.mainRtb, f.mainAssoc = m.ID, m.MainAssociationID
	must(t, st.PlaceInterface(Placement{InterfaceID: eniA, SubnetID: f.a, IPv4: addrs("10.0.1.10"), IPv6: addrs("fd00:5e5e:0:1::10")}))

	v2, err := st.CreateVpc("10.0.0.0/16", "", nil)
	must(t, err)
	f.v2 = v2.VpcId
	c, err := st.CreateSubnet(f.v2, "10.0.1.0/24", "", "", nil)
	must(t, err)
	f.c = c.SubnetId
	f.v2Rtb = st.mainRouteTable(f.v2).ID
	f.v2Acl = st.defaultNetworkAcl(f.v2).ID
	must(t, st.PlaceInterface(Placement{InterfaceID: eniC, SubnetID: f.c, IPv4: addrs("10.0.1.10")}))
	return f
}

// fataler is what must needs of testing.TB and *rapid.T.
type fataler interface {
	Helper()
	Fatal(args ...any)
}

func must(t fataler, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func addrs(ss ...string) []netip.Addr {
	var out []netip.Addr
	for _, s := range ss {
		out = append(out, netip.MustParseAddr(s))
	}
	return out
}

func codeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err != nil {
		return "not an *Error: " + err.Error()
	}
	return ""
}

func ptr[T any](v T) *T { return &v }
