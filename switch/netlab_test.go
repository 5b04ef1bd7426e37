package vswitch

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"sgswitch/flowtable"
	"sgswitch/iface/memport"
	"sgswitch/packet"
	"sgswitch/packet/packettest"
	"sgswitch/ruleset"
	"sgswitch/vpc"
)

// netLab is a lab whose VPC has subnets: a ruleset.State for the security
// groups and interfaces, a vpc.State placing them, both published with
// PublishNetwork. Security groups allow everything, so what a test sees is
// the VPC layer's doing.
type netLab struct {
	*lab
	net     *vpc.State
	netComp vpc.Compiler
	vpcID   string
	subnets map[string]string // name → subnet id
	group   string
	// allowances are those of the interfaces host creates next.
	allowances ruleset.Allowances
}

func newNetLab(t testing.TB) *netLab { return newNetLabConfig(t, 1<<16, false) }

// newNetLabConfig is newNetLab with a flow table of flowCapacity entries
// and, with liftQuotas, no security-group quotas (benchmarks).
func newNetLabConfig(t testing.TB, flowCapacity int, liftQuotas bool) *netLab {
	t.Helper()
	st, err := ruleset.NewState(ruleset.VPCConfig{CIDR: netip.MustParsePrefix("10.0.0.0/16"), IDSeed: 1, LiftQuotas: liftQuotas})
	if err != nil {
		t.Fatal(err)
	}
	clock := flowtable.NewManualClock(int64(time.Hour))
	l := &lab{t: t, st: st, comp: ruleset.NewCompiler(), sw: New(Config{Clock: clock, FlowCapacity: flowCapacity}), clock: clock}
	ns, err := vpc.NewState(vpc.Config{IDSeed: 1})
	l.must(err)
	v, err := ns.CreateVpc("10.0.0.0/16", "", nil)
	l.must(err)
	nl := &netLab{lab: l, net: ns, vpcID: v.VpcId, subnets: map[string]string{}}
	for name, cidr := range map[string]string{"a": "10.0.1.0/24", "b": "10.0.2.0/24", "c": "10.0.3.0/24"} {
		sn, err := ns.CreateSubnet(v.VpcId, cidr, "", "us-east-1a", nil)
		l.must(err)
		nl.subnets[name] = sn.SubnetId
	}
	nl.group = l.group("open")
	l.ingress(nl.group, allCIDR("0.0.0.0/0"))
	l.egress(nl.group, allCIDR("0.0.0.0/0"))
	return nl
}

// host creates an interface with address addr in the named subnet.
func (nl *netLab) host(name, subnet, addr string, srcDstCheck bool) *node {
	l := nl.lab
	l.t.Helper()
	a := netip.MustParseAddr(addr)
	ni, err := l.st.CreateNetworkInterface(ruleset.ENISpec{Name: name, Groups: []string{nl.group}, IPv4: []netip.Addr{a}, Allowances: nl.allowances})
	l.must(err)
	hw, err := net.ParseMAC(ni.MacAddress)
	l.must(err)
	check := srcDstCheck
	l.must(nl.net.PlaceInterface(vpc.Placement{InterfaceID: ni.NetworkInterfaceId, SubnetID: nl.subnets[subnet],
		IPv4: []netip.Addr{a}, SourceDestCheck: &check}))
	n := &node{name: name, eni: ni.NetworkInterfaceId, mac: [6]byte(hw), v4: a, port: memport.New(name, l.portCfg)}
	l.must(l.sw.AddPort(n.eni, n.port))
	return n
}

func (nl *netLab) publish() {
	nl.t.Helper()
	nl.must(nl.sw.PublishNetwork(nl.comp.Compile(nl.st), nl.netComp.Compile(nl.net)))
}

// acl creates a network ACL (deny all until entries are added) and
// associates it with the named subnets.
func (nl *netLab) acl(subnets ...string) string {
	nl.t.Helper()
	a, err := nl.net.CreateNetworkAcl(nl.vpcID, nil)
	nl.must(err)
	all, err := nl.net.DescribeNetworkAcls(nil, nil)
	nl.must(err)
	for _, name := range subnets {
		for _, x := range all {
			for _, as := range x.Associations {
				if as.SubnetId == nl.subnets[name] {
					_, err := nl.net.ReplaceNetworkAclAssociation(as.NetworkAclAssociationId, a.NetworkAclId)
					nl.must(err)
				}
			}
		}
	}
	return a.NetworkAclId
}

// allowTCP adds an allow entry for TCP ports lo–hi to/from cidr.
func (nl *netLab) allowTCP(acl string, rule int32, egress bool, cidr string, lo, hi int32) {
	nl.t.Helper()
	nl.must(nl.net.CreateNetworkAclEntry(acl, vpc.NetworkAclEntry{RuleNumber: rule, Egress: egress, Protocol: "6",
		RuleAction: "allow", CidrBlock: cidr, PortRange: &vpc.PortRange{From: lo, To: hi}}))
}

// via is a frame from→to addressed at L2 to the router (another subnet).
func via(l *lab, f packettest.Frame) []byte {
	f.DstMAC = l.sw.cfg.RouterMAC
	return f.Bytes()
}

func tcpFrame(from, to *node, sport, dport uint16, flags uint8) packettest.Frame {
	return packettest.Frame{SrcMAC: from.mac, DstMAC: to.mac, Src: from.v4, Dst: to.v4,
		Proto: packet.ProtoTCP, SrcPort: sport, DstPort: dport, TCPFlags: flags}
}

// sendGot sends one frame from n and returns what to received.
func (nl *netLab) sendGot(from, to *node, f []byte) [][]byte {
	nl.send(from, f)
	return nl.got(to)
}

func TestRoutedBetweenSubnets(t *testing.T) {
	nl := newNetLab(t)
	a := nl.host("a", "a", "10.0.1.10", true)
	b := nl.host("b", "b", "10.0.2.10", true)
	nl.publish()

	got := nl.sendGot(a, b, via(nl.lab, tcpFrame(a, b, 40000, 80, syn)))
	if len(got) != 1 {
		t.Fatalf("routed frame: got %d frames, drops %v", len(got), nl.dropList(a))
	}
	p, r := packet.Parse(got[0])
	if r != packet.OK {
		t.Fatalf("delivered frame does not parse: %v", r)
	}
	if p.SrcMAC != nl.sw.cfg.RouterMAC || p.DstMAC != b.mac {
		t.Errorf("MACs %x→%x, want router %x → b %x", p.SrcMAC, p.DstMAC, nl.sw.cfg.RouterMAC, b.mac)
	}
	ip := packet.IPv4(got[0][p.L3Off:])
	if ip.TTL() != 63 {
		t.Errorf("TTL %d, want 63", ip.TTL())
	}
	if !ipv4ChecksumOK(got[0][p.L3Off : p.L3Off+20]) {
		t.Error("IPv4 header checksum wrong after the TTL decrement")
	}

	// Addressed to b's MAC rather than the router's: b is not on a's link.
	if n := len(nl.sendGot(a, b, tcp(a, b, 4, 40001, 80, syn))); n != 0 || nl.drops(a, flowtable.Egress, DropDstMAC) != 1 {
		t.Errorf("to b's MAC across subnets: %d delivered, dst-mac drops %d", n, nl.drops(a, flowtable.Egress, DropDstMAC))
	}
	// TTL 1 cannot be routed.
	f := tcpFrame(a, b, 40002, 80, syn)
	f.TTL = 1
	if n := len(nl.sendGot(a, b, via(nl.lab, f))); n != 0 || nl.drops(a, flowtable.Egress, DropTTLExceeded) != 1 {
		t.Errorf("TTL 1: %d delivered, ttl-exceeded drops %d", n, nl.drops(a, flowtable.Egress, DropTTLExceeded))
	}
	// No interface has the address: the local route finds nobody.
	ghost := &node{name: "ghost", v4: netip.MustParseAddr("10.0.2.99")}
	nl.send(a, via(nl.lab, tcpFrame(a, ghost, 40003, 80, syn)))
	if nl.drops(a, flowtable.Egress, DropNoDestination) != 1 {
		t.Errorf("no-destination drops %d, want 1", nl.drops(a, flowtable.Egress, DropNoDestination))
	}
	// Outside the VPC: no route.
	out := &node{name: "out", v4: netip.MustParseAddr("192.0.2.1")}
	nl.send(a, via(nl.lab, tcpFrame(a, out, 40004, 80, syn)))
	if nl.drops(a, flowtable.Egress, DropNoRoute) != 1 {
		t.Errorf("no-route drops %d, want 1", nl.drops(a, flowtable.Egress, DropNoRoute))
	}
}

func ipv4ChecksumOK(h []byte) bool {
	var sum uint32
	for i := 0; i < len(h); i += 2 {
		sum += uint32(h[i])<<8 | uint32(h[i+1])
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return sum == 0xffff
}

// Without a topology (Publish) the switch is one subnet, the VPC's CIDR:
// the same hosts are bridged, nothing is routed, no TTL is spent.
func TestNoTopologyIsOneSubnet(t *testing.T) {
	nl := newNetLab(t)
	a := nl.host("a", "a", "10.0.1.10", true)
	b := nl.host("b", "b", "10.0.2.10", true)
	nl.acl("b") // denies everything, but the topology is not published
	nl.must(nl.sw.Publish(nl.comp.Compile(nl.st)))
	got := nl.sendGot(a, b, tcp(a, b, 4, 40000, 80, syn))
	if len(got) != 1 {
		t.Fatalf("bridged frame: got %d, drops %v", len(got), nl.dropList(a))
	}
	p, _ := packet.Parse(got[0])
	if ttl := packet.IPv4(got[0][p.L3Off:]).TTL(); ttl != 64 || p.SrcMAC != a.mac {
		t.Errorf("bridged frame changed: TTL %d, source MAC %x", ttl, p.SrcMAC)
	}
}

// A fragmented datagram crosses a network ACL as a whole, decided by its
// first fragment's ports; later fragments of a denied one do not pass.
func TestNACLFragments(t *testing.T) {
	nl := newNetLab(t)
	a := nl.host("a", "a", "10.0.1.10", true)
	b := nl.host("b", "b", "10.0.2.10", true)
	acl := nl.acl("b")
	nl.must(nl.net.CreateNetworkAclEntry(acl, vpc.NetworkAclEntry{RuleNumber: 100, Protocol: "17",
		RuleAction: "allow", CidrBlock: "10.0.1.0/24", PortRange: &vpc.PortRange{From: 3000, To: 3000}}))
	nl.publish()
	datagram := func(dport uint16, id uint32) [][]byte {
		f := packettest.Frame{SrcMAC: a.mac, DstMAC: nl.sw.cfg.RouterMAC, Src: a.v4, Dst: b.v4,
			Proto: packet.ProtoUDP, SrcPort: 5000, DstPort: dport, Payload: make([]byte, 3000)}
		return f.Fragments(1200, id)
	}
	ok := datagram(3000, 1)
	nl.send(a, ok...)
	if n := len(nl.got(b)); n != len(ok) {
		t.Fatalf("allowed datagram: %d of %d fragments delivered (drops %v)", n, len(ok), nl.dropList(a))
	}
	bad := datagram(3001, 2)
	nl.send(a, bad...)
	if n := len(nl.got(b)); n != 0 {
		t.Fatalf("denied datagram: %d fragments delivered", n)
	}
}

// The observer's drop event names the network ACL entry that denied.
func TestNACLRuleInEvent(t *testing.T) {
	nl := newNetLab(t)
	a := nl.host("a", "a", "10.0.1.10", true)
	b := nl.host("b", "b", "10.0.2.10", true)
	acl := nl.acl("b")
	nl.allowTCP(acl, 100, false, "10.0.1.0/24", 80, 80)
	nl.must(nl.net.CreateNetworkAclEntry(acl, vpc.NetworkAclEntry{RuleNumber: 50, Protocol: "6",
		RuleAction: "deny", CidrBlock: "10.0.1.10/32", PortRange: &vpc.PortRange{From: 81, To: 81}}))
	nl.publish()
	rec := &recorder{}
	nl.sw.SetObserver(rec)
	for _, c := range []struct {
		dport uint16
		want  int32
	}{{81, 50}, {82, vpc.DefaultDenyRule}} {
		nl.send(a, via(nl.lab, tcpFrame(a, b, 40000, c.dport, syn)))
		evs := rec.events()
		if len(evs) == 0 {
			t.Fatalf("port %d: no event", c.dport)
		}
		ev := evs[len(evs)-1]
		if ev.Reason != DropNACLIngress || ev.NACLRule != c.want || ev.Action != Drop {
			t.Errorf("port %d: event %v rule %d action %v, want nacl-ingress rule %d drop", c.dport, ev.Reason, ev.NACLRule, ev.Action, c.want)
		}
	}
}
