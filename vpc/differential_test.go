package vpc

import (
	"fmt"
	"net/netip"
	"testing"

	"pgregory.net/rapid"
)

// The compiled ACLs and route tables must agree with the naive reference
// evaluators over random ACLs, route tables, packets and mutations.

var (
	diffCidr4 = []string{"0.0.0.0/0", "10.0.0.0/16", "10.0.1.0/24", "10.0.1.10/32", "10.0.1.128/25", "10.0.2.0/24", "192.168.0.0/16", "128.0.0.0/1", "255.255.255.255/32", "10.0.0.0/8", "0.0.0.0/32"}
	diffCidr6 = []string{"::/0", "fd00:5e5e::/56", "fd00:5e5e:0:1::/64", "fd00:5e5e:0:1::10/128", "2001:db8::/32", "8000::/1", "fd00:5e5e:0:1:8000::/65"}
	diffAddr4 = []string{"10.0.1.10", "10.0.1.11", "10.0.1.200", "10.0.2.5", "10.1.0.1", "192.168.3.4", "8.8.8.8", "200.1.2.3", "255.255.255.255", "0.0.0.0"}
	diffAddr6 = []string{"fd00:5e5e:0:1::10", "fd00:5e5e:0:1::11", "fd00:5e5e:0:1:8000::1", "fd00:5e5e:0:2::1", "2001:db8::1", "2600::1", "::1", "ffff::1"}
	diffProto = []string{"-1", "tcp", "udp", "1", "58", "47", "0", "255", "icmp", "icmpv6"}
	diffPorts = []int32{0, 1, 22, 53, 80, 443, 1023, 1024, 32768, 60999, 65535}
	diffIcmp  = []int32{-1, 0, 3, 4, 8, 128, 255}
	diffENIs  = []string{"eni-000000a1", "eni-000000a2", "eni-000000b1", "eni-0000000f"}
)

type diffWorld struct {
	st       *State
	vpc      string
	a, b     string // subnets
	acl, rtb string
	ipv6     bool
}

func genWorld(t *rapid.T) *diffWorld {
	st, err := NewState(Config{IDSeed: 9, NetworkAclEntriesPerAclDir: 40})
	if err != nil {
		t.Fatal(err)
	}
	w := &diffWorld{st: st, ipv6: rapid.Bool().Draw(t, "ipv6")}
	v6 := ""
	if w.ipv6 {
		v6 = "fd00:5e5e::/56"
	}
	v, err := st.CreateVpc("10.0.0.0/16", v6, nil)
	must(t, err)
	w.vpc = v.VpcId
	sa6 := ""
	if w.ipv6 {
		sa6 = "fd00:5e5e:0:1::/64"
	}
	a, err := st.CreateSubnet(w.vpc, "10.0.1.0/24", sa6, "", nil)
	must(t, err)
	b, err := st.CreateSubnet(w.vpc, "10.0.2.0/24", "", "", nil)
	must(t, err)
	w.a, w.b = a.SubnetId, b.SubnetId
	acl, err := st.CreateNetworkAcl(w.vpc, nil)
	must(t, err)
	w.acl = acl.NetworkAclId
	sb, _ := st.subnet(w.b)
	_, err = st.ReplaceNetworkAclAssociation(sb.NetworkAclAssociationID, w.acl)
	must(t, err)
	rtb, err := st.CreateRouteTable(w.vpc, nil)
	must(t, err)
	w.rtb = rtb.RouteTableId
	_, err = st.AssociateRouteTable(w.rtb, w.b)
	must(t, err)
	for i, id := range diffENIs[:3] {
		sub, ip := w.a, fmt.Sprintf("10.0.1.%d", 20+i)
		if i == 2 {
			sub, ip = w.b, "10.0.2.20"
		}
		must(t, st.PlaceInterface(Placement{InterfaceID: id, SubnetID: sub, IPv4: addrs(ip)}))
	}
	for range rapid.IntRange(0, 30).Draw(t, "nmut") {
		w.mutate(t)
	}
	return w
}

// mutate applies one random EC2 call; refused calls are fine (they change
// nothing), which the differential check also exercises.
func (w *diffWorld) mutate(t *rapid.T) {
	st := w.st
	acl := rapid.SampledFrom([]string{w.acl, w.st.defaultNetworkAcl(w.vpc).ID}).Draw(t, "acl")
	rtb := rapid.SampledFrom([]string{w.rtb, w.st.mainRouteTable(w.vpc).ID}).Draw(t, "rtb")
	switch rapid.IntRange(0, 9).Draw(t, "op") {
	case 0, 1, 2, 3:
		e := genEntry(t)
		if rapid.Bool().Draw(t, "replace") {
			_ = st.ReplaceNetworkAclEntry(acl, e)
		} else {
			_ = st.CreateNetworkAclEntry(acl, e)
		}
	case 4:
		_ = st.DeleteNetworkAclEntry(acl, int32(rapid.IntRange(1, 200).Draw(t, "rule")), rapid.Bool().Draw(t, "egress"))
	case 5, 6:
		_ = st.CreateRoute(rtb, genCidr(t), rapid.SampledFrom(diffENIs).Draw(t, "eni"))
	case 7:
		_ = st.ReplaceRoute(rtb, genCidr(t), rapid.SampledFrom(diffENIs).Draw(t, "eni"))
	case 8:
		_ = st.DeleteRoute(rtb, genCidr(t))
	case 9:
		id := rapid.SampledFrom(diffENIs[:3]).Draw(t, "eni")
		if _, ok := st.Interface(id); ok {
			_ = st.RemoveInterface(id)
		} else {
			_ = st.PlaceInterface(Placement{InterfaceID: id, SubnetID: w.a, IPv4: addrs("10.0.1.9" + id[len(id)-1:])})
		}
	}
}

func genCidr(t *rapid.T) string {
	if rapid.Bool().Draw(t, "v6") {
		return rapid.SampledFrom(diffCidr6).Draw(t, "cidr6")
	}
	return rapid.SampledFrom(diffCidr4).Draw(t, "cidr4")
}

func genEntry(t *rapid.T) NetworkAclEntry {
	e := NetworkAclEntry{
		RuleNumber: int32(rapid.IntRange(1, 200).Draw(t, "rule")),
		Egress:     rapid.Bool().Draw(t, "egress"),
		Protocol:   rapid.SampledFrom(diffProto).Draw(t, "proto"),
		RuleAction: rapid.SampledFrom([]string{"allow", "deny"}).Draw(t, "action"),
	}
	if rapid.Bool().Draw(t, "v6") {
		e.Ipv6CidrBlock = rapid.SampledFrom(diffCidr6).Draw(t, "cidr6")
	} else {
		e.CidrBlock = rapid.SampledFrom(diffCidr4).Draw(t, "cidr4")
	}
	if rapid.IntRange(0, 9).Draw(t, "hasports") > 0 {
		a, b := rapid.SampledFrom(diffPorts).Draw(t, "p1"), rapid.SampledFrom(diffPorts).Draw(t, "p2")
		e.PortRange = &PortRange{min(a, b), max(a, b)}
	}
	if rapid.IntRange(0, 9).Draw(t, "hasicmp") > 0 {
		e.IcmpTypeCode = &IcmpTypeCode{Type: rapid.SampledFrom(diffIcmp).Draw(t, "itype"), Code: rapid.SampledFrom(diffIcmp).Draw(t, "icode")}
	}
	return e
}

func genPacket(t *rapid.T) Packet {
	p := Packet{
		Protocol: rapid.SampledFrom([]uint8{6, 17, 1, 58, 47, 0, 255}).Draw(t, "pproto"),
		Port:     uint16(rapid.SampledFrom(diffPorts).Draw(t, "pport")),
		ICMPType: uint8(rapid.SampledFrom([]int32{0, 3, 4, 8, 128, 255}).Draw(t, "ptype")),
		ICMPCode: uint8(rapid.SampledFrom([]int32{0, 3, 4, 255}).Draw(t, "pcode")),
	}
	p.Remote = genAddr(t)
	return p
}

func genAddr(t *rapid.T) netip.Addr {
	if rapid.Bool().Draw(t, "a6") {
		return netip.MustParseAddr(rapid.SampledFrom(diffAddr6).Draw(t, "addr6"))
	}
	return netip.MustParseAddr(rapid.SampledFrom(diffAddr4).Draw(t, "addr4"))
}

func TestCompiledMatchesReference(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		w := genWorld(t)
		var c Compiler
		for round := range 3 {
			topo := c.Compile(w.st)
			if topo.Generation != uint64(round+1) {
				t.Fatalf("generation %d in round %d", topo.Generation, round)
			}
			for range 30 {
				p := genPacket(t)
				for _, sid := range []string{w.a, w.b} {
					s := topo.Subnet(sid)
					for _, egress := range []bool{false, true} {
						acl := s.Ingress
						if egress {
							acl = s.Egress
						}
						got := acl.Evaluate(p)
						want, err := w.st.ReferenceEvaluate(s.NetworkAclID, egress, p)
						must(t, err)
						if got != want {
							t.Fatalf("ACL %s egress=%v packet %+v: compiled %+v, reference %+v", s.NetworkAclID, egress, p, got, want)
						}
					}
					dst := genAddr(t)
					got := s.Routes.Lookup(dst)
					kind, dest, eni, err := w.st.ReferenceRoute(s.RouteTableID, dst)
					must(t, err)
					gotENI := ""
					if got.Interface != nil {
						gotENI = got.Interface.ID
					}
					if got.Kind == RouteBlackhole {
						gotENI = eni // the compiled result does not carry a gone interface
					}
					if got.Kind != kind || got.Destination != dest || gotENI != eni {
						t.Fatalf("table %s dst %s: compiled %v %s %s, reference %v %s %s", s.RouteTableID, dst, got.Kind, got.Destination, gotENI, kind, dest, eni)
					}
				}
			}
			w.mutate(t)
		}
	})
}
