package vswitch

import (
	"net/netip"
	"testing"

	"sgswitch/flowtable"
	"sgswitch/vpc"
)

// netStep is one TCP frame of a network use case: from one node to
// another (by name), optionally from or to another address than the
// nodes' own, and what must become of it (DropNone: delivered to the
// receiving node). before, when set, changes the network and publishes.
type netStep struct {
	before       func(nl *netLab, n map[string]*node)
	from, to     string
	src, dst     string // address overrides ("" = the node's)
	sport, dport uint16
	flags        uint8
	want         DropReason
}

// netCase is a VPC of three subnets (a: 10.0.1.0/24, b: 10.0.2.0/24, c:
// 10.0.3.0/24) with nodes a (10.0.1.10) and a2 (10.0.1.11) in a, b
// (10.0.2.10) in b and the appliance fw (10.0.3.10) in c, all under
// allow-all security groups; setup adds network ACLs and routes.
type netCase struct {
	name    string
	fwCheck bool // fw's source/dest check
	setup   func(nl *netLab, n map[string]*node)
	steps   []netStep
}

func TestNetworkUseCases(t *testing.T) {
	appliance := func(nl *netLab, n map[string]*node) {
		rt, err := nl.net.CreateRouteTable(nl.vpcID, nil)
		nl.must(err)
		nl.must(nl.net.CreateRoute(rt.RouteTableId, "192.0.2.0/24", n["fw"].eni))
		_, err = nl.net.AssociateRouteTable(rt.RouteTableId, nl.subnets["a"])
		nl.must(err)
	}
	cases := []netCase{
		{
			name: "nacl is stateless: the reply needs its own entry",
			setup: func(nl *netLab, n map[string]*node) {
				acl := nl.acl("b")
				nl.allowTCP(acl, 100, false, "10.0.1.0/24", 80, 80)
			},
			steps: []netStep{
				{from: "a", to: "b", sport: 40000, dport: 80, flags: syn},
				{from: "b", to: "a", sport: 80, dport: 40000, flags: synAck, want: DropNACLEgress},
				{from: "a", to: "b", sport: 40000, dport: 81, flags: syn, want: DropNACLIngress},
			},
		},
		{
			name: "nacl reply entry lets the reply through",
			setup: func(nl *netLab, n map[string]*node) {
				acl := nl.acl("b")
				nl.allowTCP(acl, 100, false, "10.0.1.0/24", 80, 80)
				nl.allowTCP(acl, 100, true, "10.0.1.0/24", 1024, 65535)
			},
			steps: []netStep{
				{from: "a", to: "b", sport: 40000, dport: 80, flags: syn},
				{from: "b", to: "a", sport: 80, dport: 40000, flags: synAck},
				{from: "a", to: "b", sport: 40000, dport: 80, flags: ack},
			},
		},
		{
			name: "nacl change takes effect on the next packet of an established flow",
			setup: func(nl *netLab, n map[string]*node) {
				acl := nl.acl("b")
				nl.allowTCP(acl, 100, false, "10.0.1.0/24", 80, 80)
				nl.allowTCP(acl, 100, true, "10.0.1.0/24", 1024, 65535)
			},
			steps: []netStep{
				{from: "a", to: "b", sport: 40000, dport: 80, flags: syn},
				{from: "b", to: "a", sport: 80, dport: 40000, flags: synAck},
				{from: "a", to: "b", sport: 40000, dport: 80, flags: ack},
				{before: func(nl *netLab, n map[string]*node) {
					acls, err := nl.net.DescribeNetworkAcls(nil, nil)
					nl.must(err)
					for _, x := range acls {
						if !x.IsDefault {
							nl.must(nl.net.ReplaceNetworkAclEntry(x.NetworkAclId, vpc.NetworkAclEntry{RuleNumber: 100,
								Protocol: "6", RuleAction: "deny", CidrBlock: "10.0.1.0/24", PortRange: &vpc.PortRange{From: 80, To: 80}}))
						}
					}
					nl.publish()
				}, from: "a", to: "b", sport: 40000, dport: 80, flags: ack, want: DropNACLIngress},
			},
		},
		{
			name: "same-subnet traffic never sees an ACL",
			setup: func(nl *netLab, n map[string]*node) {
				nl.acl("a") // no entries: denies everything that crosses it
			},
			steps: []netStep{
				{from: "a", to: "a2", sport: 40000, dport: 80, flags: syn},
				{from: "a2", to: "a", sport: 80, dport: 40000, flags: synAck},
				{from: "a", to: "b", sport: 40001, dport: 80, flags: syn, want: DropNACLEgress},
			},
		},
		{
			name:    "route to an appliance with source/dest check off: delivered, and it forwards",
			fwCheck: false,
			setup:   appliance,
			steps: []netStep{
				{from: "a", to: "fw", dst: "192.0.2.1", sport: 40000, dport: 80, flags: syn},
				{from: "fw", to: "a", src: "192.0.2.1", sport: 80, dport: 40000, flags: synAck},
			},
		},
		{
			name:    "route to an appliance with source/dest check on: dropped, foreign source refused",
			fwCheck: true,
			setup:   appliance,
			steps: []netStep{
				{from: "a", to: "fw", dst: "192.0.2.1", sport: 40000, dport: 80, flags: syn, want: DropDestCheck},
				{from: "fw", to: "a", src: "192.0.2.1", sport: 80, dport: 40000, flags: synAck, want: DropSpoofedIP},
				{from: "fw", to: "a", sport: 80, dport: 40000, flags: syn},
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			nl := newNetLab(t)
			n := map[string]*node{
				"a":  nl.host("a", "a", "10.0.1.10", true),
				"a2": nl.host("a2", "a", "10.0.1.11", true),
				"b":  nl.host("b", "b", "10.0.2.10", true),
				"fw": nl.host("fw", "c", "10.0.3.10", c.fwCheck),
			}
			if c.setup != nil {
				c.setup(nl, n)
			}
			nl.publish()
			for i, s := range c.steps {
				if s.before != nil {
					s.before(nl, n)
				}
				from, to := n[s.from], n[s.to]
				f := tcpFrame(from, to, s.sport, s.dport, s.flags)
				if s.src != "" {
					f.Src = netip.MustParseAddr(s.src)
				}
				if s.dst != "" {
					f.Dst = netip.MustParseAddr(s.dst)
				}
				if from.subnetOf(nl) != subnetOfAddr(f.Dst) {
					f.DstMAC = nl.sw.cfg.RouterMAC
				}
				// The receiver subnet's inbound entries drop at the receiver.
				at, d := from, flowtable.Egress
				if s.want == DropNACLIngress {
					at, d = to, flowtable.Ingress
				}
				before := nl.drops(at, d, s.want)
				nl.send(from, f.Bytes())
				got := len(nl.got(to))
				switch {
				case s.want == DropNone && got != 1:
					t.Fatalf("step %d %s→%s: want delivered, got %d (drops %v)", i, s.from, s.to, got, nl.dropList(from))
				case s.want != DropNone && got != 0:
					t.Fatalf("step %d %s→%s: want %v, delivered", i, s.from, s.to, s.want)
				case s.want != DropNone && nl.drops(at, d, s.want) != before+1:
					t.Fatalf("step %d %s→%s: want %v at %s, drops %v / %v", i, s.from, s.to, s.want, at.name, nl.dropList(from), nl.dropList(to))
				}
			}
		})
	}
}

// subnetOf is the /24 of the node's address: the netLab's subnets.
func (n *node) subnetOf(*netLab) netip.Prefix { return subnetOfAddr(n.v4) }

func subnetOfAddr(a netip.Addr) netip.Prefix { return netip.PrefixFrom(a, 24).Masked() }
