package vpc

import (
	"encoding/json"
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

func TestSpecRoundTrip(t *testing.T) {
	f := newFixture(t)
	must(t, f.st.CreateRoute(f.rtb, "0.0.0.0/0", eniA))
	must(t, f.st.CreateNetworkAclEntry(f.acl, NetworkAclEntry{RuleNumber: 5, Protocol: "1", RuleAction: "allow", CidrBlock: "10.0.0.0/8", IcmpTypeCode: &IcmpTypeCode{8, -1}}))
	data, err := json.Marshal(f.st.Spec())
	must(t, err)
	st, err := DecodeSpec(data)
	must(t, err)
	if !reflect.DeepEqual(st.Spec(), f.st.Spec()) {
		t.Fatal("Spec → JSON → DecodeSpec is not the identity")
	}
	// the rebuilt State carries on with the same ids
	a, _ := f.st.CreateSubnet(f.v1, "10.0.9.0/24", "", "", nil)
	b, _ := st.CreateSubnet(f.v1, "10.0.9.0/24", "", "", nil)
	if a.SubnetId != b.SubnetId {
		t.Errorf("ids diverge: %s %s", a.SubnetId, b.SubnetId)
	}
	// Clone shares nothing
	c := st.Clone()
	must(t, c.CreateTags([]string{f.v1}, []Tag{{"k", "v"}}))
	must(t, c.SetInterfaceAddresses(eniA, addrs("10.0.1.10", "10.0.1.11"), nil))
	if reflect.DeepEqual(c.Spec(), st.Spec()) {
		t.Error("Clone shares state")
	}
	e, _ := st.Interface(eniA)
	if len(e.IPv4) != 1 {
		t.Error("Clone shares interface addresses")
	}
}

// A hostile spec is refused with a message that names what is wrong.
func TestStateFromSpecRefuses(t *testing.T) {
	cases := []struct {
		name string
		mod  func(f *fixture, s *Spec)
		want string
	}{
		{"duplicate vpc id", func(f *fixture, s *Spec) { s.Vpcs[1].ID = s.Vpcs[0].ID }, "used twice"},
		{"id across kinds", func(f *fixture, s *Spec) { s.Subnets[0].NetworkAclAssociationID = s.Subnets[1].NetworkAclAssociationID }, "used twice"},
		{"bad id", func(f *fixture, s *Spec) { s.Subnets[0].ID = "subnet-XYZ" }, "hex"},
		{"vpc /8", func(f *fixture, s *Spec) { s.Vpcs[0].CIDR = netip.MustParsePrefix("10.0.0.0/8") }, "CIDR"},
		{"vpc host bits", func(f *fixture, s *Spec) { s.Vpcs[0].CIDR = netip.MustParsePrefix("10.0.0.1/16") }, "canonical"},
		{"vpc too many", func(f *fixture, s *Spec) { s.Config.VpcsPerRegion = 1 }, "quota"},
		{"no main table", func(f *fixture, s *Spec) { s.RouteTables[0].Main = false; s.RouteTables[0].MainAssociationID = "" }, "main route tables"},
		{"two default acls", func(f *fixture, s *Spec) { s.NetworkAcls[1].Default = true }, "default network ACLs"},
		{"subnet outside", func(f *fixture, s *Spec) { s.Subnets[0].CIDR = netip.MustParsePrefix("10.1.0.0/24") }, "inside"},
		{"subnets overlap", func(f *fixture, s *Spec) { s.Subnets[1].CIDR = netip.MustParsePrefix("10.0.1.0/25") }, "overlap"},
		{"subnet unknown vpc", func(f *fixture, s *Spec) { s.Subnets[0].VpcID = "vpc-1" }, "unknown VPC"},
		{"subnet acl of other vpc", func(f *fixture, s *Spec) { s.Subnets[0].NetworkAclID = f.v2Acl }, "not an ACL"},
		{"subnet table of other vpc", func(f *fixture, s *Spec) { s.Subnets[1].RouteTableID = f.v2Rtb }, "not a table"},
		{"subnet ipv6 /56", func(f *fixture, s *Spec) { s.Subnets[0].IPv6CIDR = netip.MustParsePrefix("fd00:5e5e::/56") }, "/64"},
		{"subnet az", func(f *fixture, s *Spec) { s.Subnets[0].AvailabilityZone = "eu-west-1a" }, "availability zone"},
		{"local route missing", func(f *fixture, s *Spec) { s.RouteTables[0].Routes = s.RouteTables[0].Routes[1:] }, "local route"},
		{"foreign local route", func(f *fixture, s *Spec) {
			s.RouteTables[0].Routes = append(s.RouteTables[0].Routes, RouteSpec{Destination: netip.MustParsePrefix("10.9.0.0/16")})
		}, "not a CIDR"},
		{"route repeated", func(f *fixture, s *Spec) {
			r := RouteSpec{Destination: netip.MustParsePrefix("0.0.0.0/0"), NetworkInterfaceID: eniA}
			s.RouteTables[0].Routes = append(s.RouteTables[0].Routes, r, r)
		}, "repeated"},
		{"route target not eni", func(f *fixture, s *Spec) {
			s.RouteTables[0].Routes = append(s.RouteTables[0].Routes, RouteSpec{Destination: netip.MustParsePrefix("0.0.0.0/0"), NetworkInterfaceID: "igw-1"})
		}, "not an interface"},
		{"entry rule 0", func(f *fixture, s *Spec) { s.NetworkAcls[0].Entries[0].RuleNumber = 0 }, "rule number"},
		{"entry repeated", func(f *fixture, s *Spec) {
			s.NetworkAcls[0].Entries[1].Egress = s.NetworkAcls[0].Entries[0].Egress
			s.NetworkAcls[0].Entries[1].RuleNumber = s.NetworkAcls[0].Entries[0].RuleNumber
		}, "repeated"},
		{"entry ports on -1", func(f *fixture, s *Spec) { s.NetworkAcls[0].Entries[0].ToPort = 5 }, "ports"},
		{"entry protocol 300", func(f *fixture, s *Spec) { s.NetworkAcls[0].Entries[0].Protocol = 300 }, "protocol"},
		{"entry no cidr", func(f *fixture, s *Spec) { s.NetworkAcls[0].Entries[0].CIDR = netip.Prefix{} }, "CIDR"},
		{"entries over quota", func(f *fixture, s *Spec) {
			for i := range int32(21) {
				s.NetworkAcls[1].Entries = append(s.NetworkAcls[1].Entries, AclEntry{RuleNumber: 1 + i, Protocol: -1, Allow: true, CIDR: allIPv4})
			}
		}, "more than 20"},
		{"eni reserved address", func(f *fixture, s *Spec) { s.Interfaces[0].IPv4 = addrs("10.0.1.1") }, "reserved"},
		{"eni shared address", func(f *fixture, s *Spec) {
			s.Interfaces = append(s.Interfaces, InterfaceSpec{ID: "eni-1", SubnetID: f.a, IPv4: addrs("10.0.1.10")})
		}, "held twice"},
		{"eni no address", func(f *fixture, s *Spec) { s.Interfaces[0].IPv4 = nil }, "no IPv4"},
		{"eni ipv6 in ipv4-only subnet", func(f *fixture, s *Spec) { s.Interfaces[1].IPv6 = addrs("fd00::5") }, "IPv6"},
		{"eni unknown subnet", func(f *fixture, s *Spec) { s.Interfaces[0].SubnetID = "subnet-1" }, "unknown subnet"},
		{"tag repeated", func(f *fixture, s *Spec) { s.Vpcs[0].Tags = []Tag{{"a", "1"}, {"a", "2"}} }, "tag"},
		{"quota 41", func(f *fixture, s *Spec) { s.Config.NetworkAclEntriesPerAclDir = 41 }, "between 1 and 40"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			s := f.st.Spec()
			c.mod(f, &s)
			_, err := StateFromSpec(s)
			if err == nil || codeOf(err) != CodeInvalidParameterValue || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an InvalidParameterValue mentioning %q", err, c.want)
			}
		})
	}
	if _, err := DecodeSpec([]byte(`{"Vpcs":[],"Extra":1}`)); err == nil {
		t.Error("unknown field accepted")
	}
}

// FuzzDecodeSpec: any input either fails to decode or gives a State whose
// Spec survives another round trip unchanged and compiles into a
// Topology that answers.
func FuzzDecodeSpec(f *testing.F) {
	fx := newFixture(f)
	must(f, fx.st.CreateRoute(fx.rtb, "0.0.0.0/0", eniA))
	must(f, fx.st.CreateNetworkAclEntry(fx.acl, NetworkAclEntry{RuleNumber: 5, Protocol: "6", RuleAction: "deny", Ipv6CidrBlock: "::/0", PortRange: &PortRange{1, 2}}))
	good, _ := json.Marshal(fx.st.Spec())
	f.Add(good)
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"Config":{"IDSeed":1},"Vpcs":[{"ID":"vpc-1","CIDR":"10.0.0.0/16","CidrAssociationID":"vpc-cidr-assoc-1"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := DecodeSpec(data)
		if err != nil {
			return
		}
		again, err := json.Marshal(st.Spec())
		if err != nil {
			t.Fatal(err)
		}
		st2, err := DecodeSpec(again)
		if err != nil {
			t.Fatalf("a decoded spec does not decode again: %v", err)
		}
		if !reflect.DeepEqual(st.Spec(), st2.Spec()) {
			t.Fatal("round trip changed the spec")
		}
		topo := compile(st, 1)
		for _, s := range topo.subnets {
			s.Ingress.Evaluate(Packet{Protocol: 6, Remote: s.Router, Port: 80})
			s.Routes.Lookup(s.DNS)
		}
	})
}

// A restored spec whose counter was wound back does not make newID hand
// out an id it already holds.
func TestNewIDSkipsHeldIDs(t *testing.T) {
	f := newFixture(t)
	s := f.st.Spec()
	s.IDCounter = 0
	st, err := StateFromSpec(s)
	must(t, err)
	v, err := st.CreateVpc("10.7.0.0/16", "", nil)
	if err == nil {
		for _, o := range s.Vpcs {
			if o.ID == v.VpcId {
				t.Fatalf("id %s handed out twice", v.VpcId)
			}
		}
	}
	sn, err := st.CreateSubnet(f.v2, "10.0.5.0/24", "", "", nil)
	must(t, err)
	if _, err := StateFromSpec(st.Spec()); err != nil {
		t.Fatalf("state no longer valid after creating %s: %v", sn.SubnetId, err)
	}
}
