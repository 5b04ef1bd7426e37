package vpc

import (
	"encoding/json"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestCreateVpcDefaults(t *testing.T) {
	f := newFixture(t)
	acls, err := f.st.DescribeNetworkAcls(nil, []Filter{{Name: "vpc-id", Values: []string{f.v1}}, {Name: "default", Values: []string{"true"}}})
	must(t, err)
	if len(acls) != 1 {
		t.Fatalf("default ACLs: %d", len(acls))
	}
	type row struct {
		n      int32
		egress bool
		cidr   string
		action string
	}
	var got []row
	for _, e := range acls[0].Entries {
		if e.Protocol != "-1" || e.PortRange != nil || e.IcmpTypeCode != nil {
			t.Errorf("entry %+v is not protocol -1 without ports", e)
		}
		got = append(got, row{e.RuleNumber, e.Egress, e.CidrBlock + e.Ipv6CidrBlock, e.RuleAction})
	}
	want := []row{
		{100, true, "0.0.0.0/0", "allow"}, {101, true, "::/0", "allow"}, {32767, true, "0.0.0.0/0", "deny"}, {32768, true, "::/0", "deny"},
		{100, false, "0.0.0.0/0", "allow"}, {101, false, "::/0", "allow"}, {32767, false, "0.0.0.0/0", "deny"}, {32768, false, "::/0", "deny"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("default ACL entries\n got %v\nwant %v", got, want)
	}
	// a VPC without IPv6: rule 100 and the IPv4 `*` only
	acls, _ = f.st.DescribeNetworkAcls([]string{f.v2Acl}, nil)
	if n := len(acls[0].Entries); n != 4 {
		t.Errorf("IPv4-only default ACL has %d entries, want 4", n)
	}
	rts, err := f.st.DescribeRouteTables(nil, []Filter{{Name: "association.main", Values: []string{"true"}}, {Name: "vpc-id", Values: []string{f.v1}}})
	must(t, err)
	if len(rts) != 1 || rts[0].RouteTableId != f.mainRtb {
		t.Fatalf("main route table: %+v", rts)
	}
	wantRoutes := []Route{
		{DestinationCidrBlock: "10.0.0.0/16", GatewayId: "local", Origin: "CreateRouteTable", State: "active"},
		{DestinationIpv6CidrBlock: "fd00:5e5e::/56", GatewayId: "local", Origin: "CreateRouteTable", State: "active"},
	}
	if !reflect.DeepEqual(rts[0].Routes, wantRoutes) {
		t.Errorf("main routes %+v", rts[0].Routes)
	}
	if a := rts[0].Associations; len(a) != 1 || !a[0].Main || a[0].RouteTableAssociationId != f.mainAssoc {
		t.Errorf("main associations %+v", a)
	}
	dns, _ := f.st.DescribeVpcAttribute(f.v1, AttrEnableDnsSupport)
	host, _ := f.st.DescribeVpcAttribute(f.v1, AttrEnableDnsHostnames)
	if !dns || host {
		t.Errorf("enableDnsSupport %v enableDnsHostnames %v, want true false", dns, host)
	}
	must(t, f.st.ModifyVpcAttribute(f.v1, AttrEnableDnsHostnames, true))
	if host, _ = f.st.DescribeVpcAttribute(f.v1, AttrEnableDnsHostnames); !host {
		t.Error("ModifyVpcAttribute did not stick")
	}
	vs, _ := f.st.DescribeVpcs([]string{f.v1}, nil)
	b, _ := json.Marshal(vs[0])
	for _, k := range []string{`"CidrBlock":"10.0.0.0/16"`, `"Ipv6CidrBlock":"fd00:5e5e::/56"`, `"IsDefault":false`, `"State":"available"`, `"Tags":[{"Key":"Name","Value":"one"}]`} {
		if !strings.Contains(string(b), k) {
			t.Errorf("DescribeVpcs JSON lacks %s: %s", k, b)
		}
	}
}

func TestDeleteVpcRemovesDefaults(t *testing.T) {
	st, _ := NewState(Config{IDSeed: 1})
	v, err := st.CreateVpc("10.0.0.5/16", "", nil) // host bits cleared, as EC2
	must(t, err)
	if v.CidrBlock != "10.0.0.0/16" {
		t.Errorf("CidrBlock %s", v.CidrBlock)
	}
	sn, err := st.CreateSubnet(v.VpcId, "10.0.0.0/28", "", "", nil)
	must(t, err)
	if sn.AvailabilityZone != "us-east-1a" || sn.AvailableIpAddressCount != 11 {
		t.Errorf("subnet %+v", sn)
	}
	must(t, st.DeleteSubnet(sn.SubnetId))
	must(t, st.DeleteVpc(v.VpcId))
	s := st.Spec()
	if len(s.Vpcs)+len(s.Subnets)+len(s.RouteTables)+len(s.NetworkAcls) != 0 {
		t.Errorf("left over: %+v", s)
	}
}

func TestSubnetAddressesAndFilters(t *testing.T) {
	f := newFixture(t)
	sns, err := f.st.DescribeSubnets(nil, []Filter{{Name: "tag:Name", Values: []string{"a"}}})
	must(t, err)
	if len(sns) != 1 || sns[0].SubnetId != f.a || sns[0].AvailableIpAddressCount != 256-5-1 {
		t.Fatalf("subnet a: %+v", sns)
	}
	must(t, f.st.SetInterfaceAddresses(eniA, addrs("10.0.1.10", "10.0.1.11", "10.0.1.12"), nil))
	sns, _ = f.st.DescribeSubnets([]string{f.a}, nil)
	if sns[0].AvailableIpAddressCount != 256-5-3 {
		t.Errorf("after two secondaries: %d", sns[0].AvailableIpAddressCount)
	}
	for _, c := range []struct {
		f    Filter
		want int
	}{
		{Filter{"vpc-id", []string{f.v1}}, 2},
		{Filter{"vpc-id", []string{f.v1, f.v2}}, 3},
		{Filter{"cidr-block", []string{"10.0.1.0/24"}}, 2}, // both VPCs
		{Filter{"cidr-block", []string{"10.0.*"}}, 3},
		{Filter{"availability-zone", []string{"us-east-1b"}}, 1},
		{Filter{"ipv6-cidr-block-association.ipv6-cidr-block", []string{"fd00:5e5e:0:1::/64"}}, 1},
		{Filter{"tag-key", []string{"Name"}}, 1},
		{Filter{"state", []string{"available"}}, 3},
		{Filter{"available-ip-address-count", []string{"250"}}, 1}, // c (b has 251)
	} {
		got, err := f.st.DescribeSubnets(nil, []Filter{c.f})
		must(t, err)
		if len(got) != c.want {
			t.Errorf("filter %v: %d subnets, want %d", c.f, len(got), c.want)
		}
	}
	a, err := f.st.FreeIPv4(f.a)
	must(t, err)
	if a != netip.MustParseAddr("10.0.1.4") {
		t.Errorf("FreeIPv4 %s", a)
	}
}

func TestRouteTableLifecycle(t *testing.T) {
	f := newFixture(t)
	// a route more specific than the local route: middlebox routing
	must(t, f.st.CreateRoute(f.rtb, "10.0.1.0/24", eniA))
	must(t, f.st.CreateRoute(f.rtb, "::/0", eniA))
	must(t, f.st.PlaceInterface(Placement{InterfaceID: "eni-0000000b", SubnetID: f.b, IPv4: addrs("10.0.2.10")}))
	must(t, f.st.ReplaceRoute(f.rtb, "10.0.1.0/24", "eni-0000000b"))
	rts, _ := f.st.DescribeRouteTables(nil, []Filter{{Name: "route.network-interface-id", Values: []string{"eni-0000000b"}}})
	if len(rts) != 1 || rts[0].RouteTableId != f.rtb {
		t.Fatalf("by target: %+v", rts)
	}
	// the target goes away: blackhole; it comes back: active
	must(t, f.st.RemoveInterface("eni-0000000b"))
	rts, _ = f.st.DescribeRouteTables(nil, []Filter{{Name: "route.state", Values: []string{"blackhole"}}})
	if len(rts) != 1 || rts[0].Routes[2].State != "blackhole" || rts[0].Routes[2].NetworkInterfaceId != "eni-0000000b" {
		t.Fatalf("blackhole: %+v", rts)
	}
	must(t, f.st.PlaceInterface(Placement{InterfaceID: "eni-0000000b", SubnetID: f.b, IPv4: addrs("10.0.2.10")}))
	if rts, _ = f.st.DescribeRouteTables(nil, []Filter{{Name: "route.state", Values: []string{"blackhole"}}}); len(rts) != 0 {
		t.Fatalf("still blackhole: %+v", rts)
	}
	must(t, f.st.DeleteRoute(f.rtb, "::/0"))

	// associations: b explicit, a on main; move main to rtb
	rts, _ = f.st.DescribeRouteTables(nil, []Filter{{Name: "association.subnet-id", Values: []string{f.b}}})
	if len(rts) != 1 || rts[0].RouteTableId != f.rtb {
		t.Fatalf("b's table: %+v", rts)
	}
	newMain, err := f.st.ReplaceRouteTableAssociation(f.mainAssoc, f.rtb)
	must(t, err)
	rts, _ = f.st.DescribeRouteTables([]string{f.rtb}, nil)
	if a := rts[0].Associations; len(a) != 2 || !a[0].Main || a[0].RouteTableAssociationId != newMain || a[1].SubnetId != f.b {
		t.Fatalf("after moving main: %+v", a)
	}
	must(t, f.st.DeleteRouteTable(f.mainRtb)) // no longer main nor associated
	must(t, f.st.DisassociateRouteTable(f.bRtbAssoc))
	if sn, _ := f.st.subnet(f.b); f.st.subnetRouteTable(sn) != f.rtb {
		t.Error("b should use the (new) main table")
	}
	if err := f.st.DisassociateRouteTable(f.bRtbAssoc); codeOf(err) != CodeInvalidAssociationIDNotFound {
		t.Errorf("disassociate twice: %v", err)
	}
	id, err := f.st.AssociateRouteTable(f.rtb, f.a) // explicit association with the main table
	must(t, err)
	if _, err := f.st.ReplaceRouteTableAssociation(id, f.rtb); err != nil {
		t.Error(err)
	}
}

func TestNetworkAclLifecycle(t *testing.T) {
	f := newFixture(t)
	acls, _ := f.st.DescribeNetworkAcls([]string{f.acl}, nil)
	if n := len(acls[0].Entries); n != 4 { // custom: only the `*` entries (IPv4 and IPv6)
		t.Fatalf("custom ACL has %d entries: %+v", n, acls[0].Entries)
	}
	must(t, f.st.CreateNetworkAclEntry(f.acl, NetworkAclEntry{RuleNumber: 110, Protocol: "tcp", RuleAction: "ALLOW", CidrBlock: "10.0.0.7/16", PortRange: &PortRange{1024, 65535}}))
	must(t, f.st.CreateNetworkAclEntry(f.acl, NetworkAclEntry{RuleNumber: 100, Protocol: "58", RuleAction: "deny", CidrBlock: "0.0.0.0/0", IcmpTypeCode: &IcmpTypeCode{Type: 3, Code: 4}}))
	must(t, f.st.CreateNetworkAclEntry(f.acl, NetworkAclEntry{RuleNumber: 120, Protocol: "47", RuleAction: "allow", Ipv6CidrBlock: "::/0", PortRange: &PortRange{1, 2}}))
	must(t, f.st.CreateNetworkAclEntry(f.acl, NetworkAclEntry{RuleNumber: 130, Protocol: "icmpv6", RuleAction: "allow", Ipv6CidrBlock: "::/0", IcmpTypeCode: &IcmpTypeCode{Type: -1, Code: -1}}))
	acls, _ = f.st.DescribeNetworkAcls([]string{f.acl}, nil)
	es := acls[0].Entries
	want := []NetworkAclEntry{
		{Egress: true, Protocol: "-1", RuleAction: "deny", RuleNumber: 32767, CidrBlock: "0.0.0.0/0"},
		{Egress: true, Protocol: "-1", RuleAction: "deny", RuleNumber: 32768, Ipv6CidrBlock: "::/0"},
		// 58 with an IPv4 CIDR: all ICMP types, the type/code given is dropped
		{Protocol: "58", RuleAction: "deny", RuleNumber: 100, CidrBlock: "0.0.0.0/0"},
		{Protocol: "6", RuleAction: "allow", RuleNumber: 110, CidrBlock: "10.0.0.0/16", PortRange: &PortRange{1024, 65535}},
		// a protocol without ports: the ports given are dropped
		{Protocol: "47", RuleAction: "allow", RuleNumber: 120, Ipv6CidrBlock: "::/0"},
		{Protocol: "58", RuleAction: "allow", RuleNumber: 130, Ipv6CidrBlock: "::/0", IcmpTypeCode: &IcmpTypeCode{Type: -1, Code: -1}},
		{Protocol: "-1", RuleAction: "deny", RuleNumber: 32767, CidrBlock: "0.0.0.0/0"},
		{Protocol: "-1", RuleAction: "deny", RuleNumber: 32768, Ipv6CidrBlock: "::/0"},
	}
	if !reflect.DeepEqual(es, want) {
		g, _ := json.Marshal(es)
		w, _ := json.Marshal(want)
		t.Fatalf("entries\n got %s\nwant %s", g, w)
	}
	must(t, f.st.ReplaceNetworkAclEntry(f.acl, NetworkAclEntry{RuleNumber: 110, Protocol: "-1", RuleAction: "deny", CidrBlock: "0.0.0.0/0"}))
	must(t, f.st.DeleteNetworkAclEntry(f.acl, 120, false))
	for _, c := range []struct {
		f    Filter
		want int
	}{
		{Filter{"entry.rule-number", []string{"110"}}, 1},
		{Filter{"entry.rule-action", []string{"deny"}}, 3},
		{Filter{"entry.protocol", []string{"58"}}, 1},
		{Filter{"association.subnet-id", []string{f.b}}, 1},
		{Filter{"default", []string{"false"}}, 1},
		{Filter{"entry.icmp.type", []string{"-1"}}, 1},
	} {
		got, err := f.st.DescribeNetworkAcls(nil, []Filter{c.f})
		must(t, err)
		if len(got) != c.want {
			t.Errorf("filter %v: %d ACLs, want %d", c.f, len(got), c.want)
		}
	}
	// move b back to the default ACL: new association id; then the custom one can go
	sb, _ := f.st.subnet(f.b)
	old := sb.NetworkAclAssociationID
	id, err := f.st.ReplaceNetworkAclAssociation(old, f.defAcl)
	must(t, err)
	if id == old {
		t.Error("ReplaceNetworkAclAssociation kept the association id")
	}
	must(t, f.st.DeleteNetworkAcl(f.acl))
	// the entry quota is configurable up to 40
	st, err := NewState(Config{NetworkAclEntriesPerAclDir: 40})
	must(t, err)
	if st.Config().NetworkAclEntriesPerAclDir != 40 {
		t.Error("quota not kept")
	}
	if _, err := NewState(Config{NetworkAclEntriesPerAclDir: 41}); codeOf(err) != CodeInvalidParameterValue {
		t.Errorf("quota 41: %v", err)
	}
}

func TestInterfacePlacement(t *testing.T) {
	f := newFixture(t)
	// the same address in another VPC is fine (fixture: eniC 10.0.1.10 in v2)
	e, ok := f.st.Interface(eniA)
	if !ok || !e.SourceDestCheck || e.SubnetID != f.a {
		t.Fatalf("eniA %+v", e)
	}
	must(t, f.st.SetSourceDestCheck(eniA, false))
	// moving keeps nothing of the old placement but the id; its own addresses do not conflict
	must(t, f.st.PlaceInterface(Placement{InterfaceID: eniA, SubnetID: f.a, IPv4: addrs("10.0.1.10", "10.0.1.254"), SourceDestCheck: ptr(false)}))
	must(t, f.st.PlaceInterface(Placement{InterfaceID: eniA, SubnetID: f.b, IPv4: addrs("10.0.2.10")}))
	e, _ = f.st.Interface(eniA)
	if e.SubnetID != f.b || !e.SourceDestCheck || len(e.IPv6) != 0 {
		t.Errorf("after move %+v", e)
	}
	if err := f.st.DeleteSubnet(f.a); err != nil {
		t.Errorf("a is empty now: %v", err)
	}
}

// FreeIPv6s: the lowest free addresses of the subnet's own block, past
// its first four (reserved) and those interfaces hold.
func TestFreeIPv6s(t *testing.T) {
	f := newFixture(t)
	got, err := f.st.FreeIPv6s(f.a, 2)
	if err != nil || !slices.Equal(got, addrs("fd00:5e5e:0:1::4", "fd00:5e5e:0:1::5")) {
		t.Fatalf("FreeIPv6s(a, 2) = %v, %v", got, err)
	}
	must(t, f.st.SetInterfaceAddresses(eniA, addrs("10.0.1.10"), addrs("fd00:5e5e:0:1::4")))
	if got, _ := f.st.FreeIPv6s(f.a, 1); !slices.Equal(got, addrs("fd00:5e5e:0:1::5")) {
		t.Fatalf("after eniA took ::4: %v", got)
	}
	if _, err := f.st.FreeIPv6s(f.b, 1); codeOf(err) != CodeInvalidParameterValue {
		t.Fatalf("subnet without an IPv6 block: %v", err)
	}
	if _, err := f.st.FreeIPv6s("subnet-0123456789abcdef0", 1); codeOf(err) != CodeInvalidSubnetIDNotFound {
		t.Fatalf("unknown subnet: %v", err)
	}
}

func TestTags(t *testing.T) {
	f := newFixture(t)
	must(t, f.st.CreateTags([]string{f.v1, f.a, f.rtb, f.acl}, []Tag{{"env", "lab"}, {"Name", "x"}}))
	tds, err := f.st.DescribeTags([]Filter{{Name: "key", Values: []string{"env"}}})
	must(t, err)
	if len(tds) != 4 {
		t.Fatalf("tags %+v", tds)
	}
	types := map[string]bool{}
	for _, d := range tds {
		types[d.ResourceType] = true
	}
	if len(types) != 4 {
		t.Errorf("resource types %v", types)
	}
	must(t, f.st.DeleteTags([]string{f.a}, []Tag{{Key: "env"}}))
	must(t, f.st.DeleteTags([]string{f.a}, []Tag{{Key: "Name", Value: "other"}})) // value differs: kept
	sns, _ := f.st.DescribeSubnets([]string{f.a}, nil)
	if !reflect.DeepEqual(sns[0].Tags, []Tag{{"Name", "x"}}) {
		t.Errorf("subnet tags %+v", sns[0].Tags)
	}
	rts, _ := f.st.DescribeRouteTables(nil, []Filter{{Name: "tag:env", Values: []string{"l?b"}}})
	if len(rts) != 1 {
		t.Errorf("route tables by tag: %d", len(rts))
	}
}

// association.main: a table with no association matches neither true nor
// false ("Route tables that do not have an association ID are not returned").
func TestAssociationMainFilter(t *testing.T) {
	f := newFixture(t)
	lone, err := f.st.CreateRouteTable(f.v1, nil)
	must(t, err)
	for _, v := range []string{"true", "false"} {
		rts, err := f.st.DescribeRouteTables(nil, []Filter{{Name: "association.main", Values: []string{v}}})
		must(t, err)
		for _, rt := range rts {
			if rt.RouteTableId == lone.RouteTableId {
				t.Errorf("association.main=%s matches a table without associations", v)
			}
		}
	}
	rts, _ := f.st.DescribeRouteTables(nil, []Filter{{Name: "association.main", Values: []string{"false"}}})
	if len(rts) != 1 || rts[0].RouteTableId != f.rtb {
		t.Errorf("association.main=false: %+v", rts)
	}
}
