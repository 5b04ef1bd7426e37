package vswitch

import (
	"testing"

	"pgregory.net/rapid"

	"sgswitch/flowtable"
	"sgswitch/packet"
	"sgswitch/packet/packettest"
	"sgswitch/vpc"
)

// The switch's routing and network ACL decisions, cached verdicts
// included, against the vpc package's naive evaluators
// (ReferenceRoute, ReferenceEvaluate) over random ACL entries, routes
// and UDP packets, the network changing between packets. Hosts a
// (10.0.1.10, subnet a), b (10.0.2.10, subnet b) and the appliance fw
// (10.0.3.10, subnet c, source/dest check off); each subnet has its own
// ACL, and subnet a a route table that may send b's addresses to fw.
// Security groups allow everything, so a packet is delivered exactly when
// the VPC layer lets it through, to the interface the route picks.
func TestVPCDecisionsMatchReference(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		nl := newNetLab(t)
		n := map[string]*node{
			"a":  nl.host("a", "a", "10.0.1.10", true),
			"b":  nl.host("b", "b", "10.0.2.10", true),
			"fw": nl.host("fw", "c", "10.0.3.10", false),
		}
		acls := map[string]string{}
		for _, s := range []string{"a", "b", "c"} {
			acls[s] = nl.acl(s)
		}
		rtb, err := nl.net.CreateRouteTable(nl.vpcID, nil)
		nl.must(err)
		_, err = nl.net.AssociateRouteTable(rtb.RouteTableId, nl.subnets["a"])
		nl.must(err)
		for range rapid.IntRange(0, 12).Draw(rt, "entries") {
			addEntry(rt, nl, acls)
		}
		nl.publish()
		subnetOf := map[string]string{"a": "a", "b": "b", "fw": "c"}
		for i := range rapid.IntRange(1, 60).Draw(rt, "steps") {
			if rapid.IntRange(0, 3).Draw(rt, "change") == 0 {
				changeNetwork(rt, nl, acls, rtb.RouteTableId, n["fw"].eni)
				nl.publish()
			}
			from := rapid.SampledFrom([]string{"a", "b"}).Draw(rt, "from")
			to := map[string]string{"a": "b", "b": "a"}[from]
			sport := rapid.SampledFrom([]uint16{53, 40000}).Draw(rt, "sport")
			dport := rapid.SampledFrom([]uint16{53, 80, 1500}).Draw(rt, "dport")
			src, dst := n[from], n[to]

			// The naive answer: the sender subnet's table, then both ACLs.
			rcv := to
			if from == "a" {
				kind, _, eni, err := nl.net.ReferenceRoute(rtb.RouteTableId, dst.v4)
				nl.must(err)
				if kind == vpc.RouteInterface && eni == n["fw"].eni {
					rcv = "fw"
				}
			}
			want, at, d := DropNone, n[rcv], flowtable.Ingress
			out := vpc.Packet{Protocol: packet.ProtoUDP, Port: dport, Remote: dst.v4}
			in := out
			in.Remote = src.v4
			vo, _ := nl.net.ReferenceEvaluate(acls[subnetOf[from]], true, out)
			vi, _ := nl.net.ReferenceEvaluate(acls[subnetOf[rcv]], false, in)
			switch {
			case !vo.Allow:
				want, at, d = DropNACLEgress, src, flowtable.Egress
			case !vi.Allow:
				want = DropNACLIngress
			}

			before := nl.drops(at, d, want)
			nl.send(src, packettest.Frame{SrcMAC: src.mac, DstMAC: nl.sw.cfg.RouterMAC, Src: src.v4, Dst: dst.v4,
				Proto: packet.ProtoUDP, SrcPort: sport, DstPort: dport, Payload: []byte("x")}.Bytes())
			got := map[string]int{}
			for name, nd := range n {
				if k := len(nl.got(nd)); k != 0 {
					got[name] = k
				}
			}
			switch {
			case want == DropNone && (len(got) != 1 || got[rcv] != 1):
				rt.Fatalf("step %d %s→%s :%d→:%d: received %v, want %s only (drops %v)", i, from, to, sport, dport, got, rcv, nl.dropList(src))
			case want != DropNone && len(got) != 0:
				rt.Fatalf("step %d %s→%s :%d→:%d: received %v, want %v", i, from, to, sport, dport, got, want)
			case want != DropNone && nl.drops(at, d, want) != before+1:
				rt.Fatalf("step %d %s→%s :%d→:%d: want %v at %s, drops %v / %v", i, from, to, sport, dport, want, at.name, nl.dropList(src), nl.dropList(at))
			}
		}
	})
}

var propCIDRs = []string{"0.0.0.0/0", "10.0.0.0/16", "10.0.1.0/24", "10.0.2.0/24", "10.0.1.10/32", "10.0.2.10/32", "192.0.2.0/24"}

// addEntry adds a random entry to a random one of acls (a taken rule
// number is refused by the model and changes nothing).
func addEntry(rt *rapid.T, nl *netLab, acls map[string]string) {
	acl := acls[rapid.SampledFrom([]string{"a", "b", "c"}).Draw(rt, "acl")]
	e := vpc.NetworkAclEntry{
		RuleNumber: int32(rapid.IntRange(1, 40).Draw(rt, "rule")),
		Egress:     rapid.Bool().Draw(rt, "egress"),
		Protocol:   rapid.SampledFrom([]string{"-1", "6", "17"}).Draw(rt, "proto"),
		RuleAction: rapid.SampledFrom([]string{"allow", "allow", "deny"}).Draw(rt, "action"),
		CidrBlock:  rapid.SampledFrom(propCIDRs).Draw(rt, "cidr"),
	}
	if e.Protocol != "-1" {
		lo := rapid.SampledFrom([]int32{0, 53, 80, 1024, 40000}).Draw(rt, "from")
		e.PortRange = &vpc.PortRange{From: lo, To: lo + rapid.SampledFrom([]int32{0, 1, 1000, 25535}).Draw(rt, "span")}
	}
	_ = nl.net.CreateNetworkAclEntry(acl, e)
}

// changeNetwork adds or deletes an ACL entry, or adds or deletes a route
// of subnet a's table to fw.
func changeNetwork(rt *rapid.T, nl *netLab, acls map[string]string, rtb, fw string) {
	dest := rapid.SampledFrom([]string{"10.0.2.0/24", "10.0.2.10/32", "10.0.2.0/25"}).Draw(rt, "route")
	switch rapid.IntRange(0, 3).Draw(rt, "op") {
	case 0:
		addEntry(rt, nl, acls)
	case 1:
		acl := acls[rapid.SampledFrom([]string{"a", "b", "c"}).Draw(rt, "acl")]
		_ = nl.net.DeleteNetworkAclEntry(acl, int32(rapid.IntRange(1, 40).Draw(rt, "rule")), rapid.Bool().Draw(rt, "egress"))
	case 2:
		_ = nl.net.CreateRoute(rtb, dest, fw)
	case 3:
		_ = nl.net.DeleteRoute(rtb, dest)
	}
}
