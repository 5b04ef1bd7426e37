package vswitch

import (
	"net/netip"
	"testing"

	"sgswitch/flowtable"
	"sgswitch/packet"
	"sgswitch/packet/packettest"
	"sgswitch/vpc"
)

// dualStack is a VPC with IPv4 and IPv6 and two subnets, a (10.0.1.0/24,
// fd00:5e5e:0:1::/64) and b (10.0.2.0/24, fd00:5e5e:0:2::/64), with a
// host in each.
func dualStack(t *testing.T) (vl *vpcLab, a, b *node) {
	vl = newVPCLab(t)
	vl.addVPC("v", "10.0.0.0/16", "fd00:5e5e::/56", map[string][2]string{
		"a": {"10.0.1.0/24", "fd00:5e5e:0:1::/64"}, "b": {"10.0.2.0/24", "fd00:5e5e:0:2::/64"}})
	a = vl.host("a", "v", "a", "10.0.1.10", "fd00:5e5e:0:1::10", true)
	b = vl.host("b", "v", "b", "10.0.2.10", "fd00:5e5e:0:2::10", true)
	return vl, a, b
}

func TestRoutedIPv6(t *testing.T) {
	vl, a, b := dualStack(t)
	vl.publish()
	got := vl.sendGot(a, b, vl.frame(a, b, 6, 40000, 80, syn, true).Bytes())
	if len(got) != 1 {
		t.Fatalf("routed IPv6 frame: got %d, drops %v", len(got), vl.dropList(a))
	}
	p, r := packet.Parse(got[0])
	if r != packet.OK {
		t.Fatalf("delivered frame does not parse: %v", r)
	}
	if p.SrcMAC != vl.sw.cfg.RouterMAC || p.DstMAC != b.mac {
		t.Errorf("MACs %x→%x, want router %x → b %x", p.SrcMAC, p.DstMAC, vl.sw.cfg.RouterMAC, b.mac)
	}
	if hl := packet.IPv6(got[0][p.L3Off:]).HopLimit(); hl != 63 {
		t.Errorf("hop limit %d, want 63", hl)
	}
	// b is not on a's link: its MAC is no way there.
	if n := len(vl.sendGot(a, b, vl.frame(a, b, 6, 40001, 80, syn, false).Bytes())); n != 0 || vl.drops(a, flowtable.Egress, DropDstMAC) != 1 {
		t.Errorf("to b's MAC across subnets: %d delivered, dst-mac drops %d", n, vl.drops(a, flowtable.Egress, DropDstMAC))
	}
	f := vl.frame(a, b, 6, 40002, 80, syn, true)
	f.TTL = 1 // the hop limit
	if n := len(vl.sendGot(a, b, f.Bytes())); n != 0 || vl.drops(a, flowtable.Egress, DropTTLExceeded) != 1 {
		t.Errorf("hop limit 1: %d delivered, ttl-exceeded drops %d", n, vl.drops(a, flowtable.Egress, DropTTLExceeded))
	}
	// Neighbour discovery: the router answers for its subnet address; b,
	// behind the router, is not resolved on a's link.
	vl.send(a, packettest.NeighborSolicit(a.mac, a.v6, netip.MustParseAddr("fd00:5e5e:0:1::1")))
	if replies := vl.got(a); len(replies) != 1 || [6]byte(replies[0][6:12]) != vl.sw.cfg.RouterMAC {
		t.Errorf("router solicitation: %d replies", len(replies))
	}
	vl.send(a, packettest.NeighborSolicit(a.mac, a.v6, b.v6))
	if n := len(vl.got(a)); n != 0 {
		t.Errorf("b resolved on a's link: %d replies", n)
	}
}

func (vl *vpcLab) sendGot(from, to *node, f []byte) [][]byte {
	vl.send(from, f)
	return vl.got(to)
}

// Network ACL entries of one family do not judge the other; the IPv6
// default entry (32768) denies what no IPv6 entry allows; ICMPv6 is
// judged by its type, the reply by the other direction's entries.
func TestNACLIPv6(t *testing.T) {
	vl, a, b := dualStack(t)
	acl, err := vl.net.CreateNetworkAcl(vl.vpcs["v"].id, nil)
	vl.must(err)
	vl.associateACL(acl.NetworkAclId, vl.vpcs["v"].subnets["b"])
	entry := func(rule int32, egress bool, proto, cidr6, cidr4 string, lo, hi int32, icmp *vpc.IcmpTypeCode) {
		e := vpc.NetworkAclEntry{RuleNumber: rule, Egress: egress, Protocol: proto, RuleAction: "allow",
			Ipv6CidrBlock: cidr6, CidrBlock: cidr4, IcmpTypeCode: icmp}
		if proto == "6" {
			e.PortRange = &vpc.PortRange{From: lo, To: hi}
		}
		vl.must(vl.net.CreateNetworkAclEntry(acl.NetworkAclId, e))
	}
	entry(100, false, "6", "fd00:5e5e:0:1::/64", "", 80, 80, nil)
	entry(110, false, "6", "", "10.0.1.0/24", 0, 65535, nil) // IPv4 only
	entry(120, false, "58", "fd00:5e5e:0:1::/64", "", 0, 0, &vpc.IcmpTypeCode{Type: packet.ICMPv6EchoRequest, Code: -1})
	entry(100, true, "6", "fd00:5e5e:0:1::/64", "", 1024, 65535, nil)
	vl.publish()
	rec := &recorder{}
	vl.sw.SetObserver(rec)

	vl.expect(true, a, b, vl.frame(a, b, 6, 40000, 80, syn, true).Bytes())
	vl.expect(true, b, a, vl.frame(b, a, 6, 80, 40000, synAck, true).Bytes())
	vl.expect(true, a, b, vl.frame(a, b, 4, 40001, 81, syn, true).Bytes()) // rule 110
	vl.expect(false, a, b, vl.frame(a, b, 6, 40002, 81, syn, true).Bytes())
	if evs := rec.events(); len(evs) == 0 || evs[len(evs)-1].Reason != DropNACLIngress || evs[len(evs)-1].NACLRule != vpc.DefaultDenyRuleIPv6 {
		t.Errorf("IPv6 port 81: last event %+v, want nacl-ingress by rule %d", evs[len(evs)-1], vpc.DefaultDenyRuleIPv6)
	}
	echo := packettest.Frame{SrcMAC: a.mac, DstMAC: vl.sw.cfg.RouterMAC, Src: a.v6, Dst: b.v6,
		Proto: packet.ProtoICMPv6, ICMPType: packet.ICMPv6EchoRequest, ICMPID: 7}
	vl.expect(true, a, b, echo.Bytes())
	reply := packettest.Frame{SrcMAC: b.mac, DstMAC: vl.sw.cfg.RouterMAC, Src: b.v6, Dst: a.v6,
		Proto: packet.ProtoICMPv6, ICMPType: packet.ICMPv6EchoReply, ICMPID: 7}
	before := vl.drops(b, flowtable.Egress, DropNACLEgress)
	vl.expect(false, b, a, reply.Bytes())
	if vl.drops(b, flowtable.Egress, DropNACLEgress) != before+1 {
		t.Errorf("echo reply: drops %v, want nacl-egress at b", vl.dropList(b))
	}
}

// associateACL makes acl the network ACL of subnet.
func (vl *vpcLab) associateACL(acl, subnet string) {
	vl.t.Helper()
	all, err := vl.net.DescribeNetworkAcls(nil, nil)
	vl.must(err)
	for _, x := range all {
		for _, as := range x.Associations {
			if as.SubnetId == subnet {
				_, err := vl.net.ReplaceNetworkAclAssociation(as.NetworkAclAssociationId, acl)
				vl.must(err)
			}
		}
	}
}
