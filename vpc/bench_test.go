package vpc

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"
)

// benchWorld: one VPC with IPv6, a web subnet and a db subnet; the db
// subnet's ACL has 20 entries per direction (realistic: service ports from
// the VPC and from partners, ephemeral replies, ICMP, a few denies), its
// route table 20 routes besides the local ones.
func benchWorld(b *testing.B) (*State, string, string) {
	st, err := NewState(Config{IDSeed: 5})
	must(b, err)
	v, err := st.CreateVpc("10.0.0.0/16", "fd00:5e5e::/56", nil)
	must(b, err)
	web, err := st.CreateSubnet(v.VpcId, "10.0.1.0/24", "fd00:5e5e:0:1::/64", "", nil)
	must(b, err)
	db, err := st.CreateSubnet(v.VpcId, "10.0.2.0/24", "fd00:5e5e:0:2::/64", "", nil)
	must(b, err)
	must(b, st.PlaceInterface(Placement{InterfaceID: "eni-000000f1", SubnetID: web.SubnetId, IPv4: addrs("10.0.1.5")}))
	acl, err := st.CreateNetworkAcl(v.VpcId, nil)
	must(b, err)
	sn, _ := st.subnet(db.SubnetId)
	_, err = st.ReplaceNetworkAclAssociation(sn.NetworkAclAssociationID, acl.NetworkAclId)
	must(b, err)
	for _, egress := range []bool{false, true} {
		rule := int32(10)
		add := func(proto, cidr string, from, to int32, allow bool) {
			e := NetworkAclEntry{RuleNumber: rule, Egress: egress, Protocol: proto, RuleAction: "deny"}
			if allow {
				e.RuleAction = "allow"
			}
			if netip.MustParsePrefix(cidr).Addr().Is4() {
				e.CidrBlock = cidr
			} else {
				e.Ipv6CidrBlock = cidr
			}
			switch proto {
			case "6", "17":
				e.PortRange = &PortRange{from, to}
			case "1", "58":
				e.IcmpTypeCode = &IcmpTypeCode{from, to}
			}
			must(b, st.CreateNetworkAclEntry(acl.NetworkAclId, e))
			rule += 10
		}
		add("6", "203.0.113.66/32", 0, 65535, false)
		add("-1", "198.51.100.0/24", 0, 0, false)
		add("6", "10.0.1.0/24", 5432, 5432, true)
		add("6", "10.0.1.0/24", 6379, 6379, true)
		add("6", "10.0.3.0/24", 5432, 5432, true)
		add("6", "10.0.4.0/24", 5432, 5432, true)
		add("6", "172.16.0.0/12", 443, 443, true)
		add("6", "192.168.0.0/16", 22, 22, true)
		add("17", "10.0.0.0/16", 53, 53, true)
		add("17", "10.0.0.0/16", 123, 123, true)
		add("6", "10.0.0.0/16", 32768, 60999, true)
		add("17", "10.0.0.0/16", 32768, 60999, true)
		add("1", "10.0.0.0/16", 3, 4, true)
		add("1", "10.0.0.0/16", 8, -1, true)
		add("6", "fd00:5e5e:0:1::/64", 5432, 5432, true)
		add("6", "fd00:5e5e::/56", 32768, 60999, true)
		add("58", "fd00:5e5e::/56", -1, -1, true)
		add("6", "0.0.0.0/0", 1024, 65535, true)
		add("17", "::/0", 1024, 65535, true)
		add("-1", "100.64.0.0/10", 0, 0, true)
	}
	rtb, err := st.CreateRouteTable(v.VpcId, nil)
	must(b, err)
	_, err = st.AssociateRouteTable(rtb.RouteTableId, db.SubnetId)
	must(b, err)
	for i := range 18 {
		must(b, st.CreateRoute(rtb.RouteTableId, fmt.Sprintf("%d.%d.0.0/%d", 20+i, i*8, 12+i%12), "eni-000000f1"))
	}
	must(b, st.CreateRoute(rtb.RouteTableId, "0.0.0.0/0", "eni-000000f1"))
	must(b, st.CreateRoute(rtb.RouteTableId, "::/0", "eni-000000f1"))
	return st, web.SubnetId, db.SubnetId
}

// benchPackets: random realistic packets toward the db subnet.
func benchPackets(n int) []Packet {
	r := rand.New(rand.NewPCG(1, 2))
	remotes := []netip.Addr{
		netip.MustParseAddr("10.0.1.5"), netip.MustParseAddr("10.0.1.77"), netip.MustParseAddr("10.0.3.9"),
		netip.MustParseAddr("192.168.4.4"), netip.MustParseAddr("8.8.8.8"), netip.MustParseAddr("203.0.113.66"),
		netip.MustParseAddr("fd00:5e5e:0:1::5"), netip.MustParseAddr("2001:db8::1"),
	}
	ports := []uint16{5432, 6379, 443, 22, 53, 80, 40000, 55123, 3306, 8080}
	protos := []uint8{6, 6, 6, 6, 17, 17, 1, 58}
	out := make([]Packet, n)
	for i := range out {
		p := Packet{Protocol: protos[r.IntN(len(protos))], Remote: remotes[r.IntN(len(remotes))], Port: ports[r.IntN(len(ports))]}
		p.ICMPType, p.ICMPCode = uint8(r.IntN(12)), uint8(r.IntN(4))
		out[i] = p
	}
	return out
}

func BenchmarkACLEvaluate(b *testing.B) {
	st, _, db := benchWorld(b)
	var c Compiler
	acl := c.Compile(st).Subnet(db).Ingress
	ps := benchPackets(1024)
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for i := 0; b.Loop(); i++ {
		if acl.Evaluate(ps[i&1023]).Allow {
			n++
		}
	}
	_ = n
}

func BenchmarkRouteLookup(b *testing.B) {
	st, _, db := benchWorld(b)
	var c Compiler
	rt := c.Compile(st).Subnet(db).Routes
	ps := benchPackets(1024)
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for i := 0; b.Loop(); i++ {
		if rt.Lookup(ps[i&1023].Remote).Kind == RouteLocal {
			n++
		}
	}
	_ = n
}

// BenchmarkNewFlowVPCPart is the VPC share of a new flow across subnets:
// source subnet ACL out, route lookup, destination subnet ACL in (the
// security groups are ruleset's).
func BenchmarkNewFlowVPCPart(b *testing.B) {
	st, web, db := benchWorld(b)
	var c Compiler
	topo := c.Compile(st)
	src, dst := topo.Subnet(web), topo.Subnet(db)
	ps := benchPackets(1024)
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for i := 0; b.Loop(); i++ {
		p := ps[i&1023]
		out := p
		out.Remote = netip.AddrFrom4([4]byte{10, 0, 2, byte(i)})
		if !src.Egress.Evaluate(out).Allow {
			continue
		}
		if src.Routes.Lookup(out.Remote).Kind != RouteLocal {
			continue
		}
		if dst.Ingress.Evaluate(p).Allow {
			n++
		}
	}
	_ = n
}

func BenchmarkCompile(b *testing.B) {
	st, _, _ := benchWorld(b)
	var c Compiler
	b.ReportAllocs()
	for b.Loop() {
		c.Compile(st)
	}
}

// BenchmarkSubnetFor: destination subnet of an address in a VPC with 200 subnets.
func BenchmarkSubnetFor(b *testing.B) {
	st, _ := NewState(Config{IDSeed: 2})
	v, err := st.CreateVpc("10.0.0.0/16", "", nil)
	must(b, err)
	for i := range 200 {
		_, err := st.CreateSubnet(v.VpcId, fmt.Sprintf("10.0.%d.0/24", i), "", "", nil)
		must(b, err)
	}
	var c Compiler
	cv := c.Compile(st).VPC(v.VpcId)
	r := rand.New(rand.NewPCG(3, 4))
	as := make([]netip.Addr, 1024)
	for i := range as {
		as[i] = netip.AddrFrom4([4]byte{10, 0, byte(r.IntN(256)), byte(r.IntN(256))})
	}
	b.ReportAllocs()
	n := 0
	for i := 0; b.Loop(); i++ {
		if cv.SubnetFor(as[i&1023]) != nil {
			n++
		}
	}
	_ = n
}
