package vswitch

import (
	"fmt"
	"net"
	"net/netip"
	"testing"
	"time"

	"sgswitch/flowtable"
	"sgswitch/iface/memport"
	"sgswitch/packet"
	"sgswitch/packet/packettest"
	"sgswitch/ruleset"
)

// lab is a VPC subnet with instances on in-memory ports, stepped by hand:
// send injects a frame and runs the sender's worker on exactly that batch,
// so every assertion is deterministic (no goroutines, no sleeps).
type lab struct {
	t     testing.TB
	st    *ruleset.State
	comp  *ruleset.Compiler
	sw    *Switch
	clock *flowtable.ManualClock
	n     int
	// portCfg configures the memports of the nodes created next.
	portCfg memport.Config
}

type node struct {
	name string
	eni  string
	mac  [6]byte
	v4   netip.Addr
	v6   netip.Addr
	port *memport.Port
}

var (
	subnet4 = netip.MustParsePrefix("198.18.0.0/24")
	subnet6 = netip.MustParsePrefix("fd00:5e5e:0:1::/64")
)

func newLab(t testing.TB) *lab {
	return newLabConfig(t, Config{}, ruleset.VPCConfig{})
}

func newLabConfig(t testing.TB, cfg Config, vpc ruleset.VPCConfig) *lab {
	t.Helper()
	vpc.CIDR, vpc.IPv6CIDR, vpc.IDSeed = subnet4, subnet6, 1
	st, err := ruleset.NewState(vpc)
	if err != nil {
		t.Fatal(err)
	}
	// A manual clock unless the caller brings its own (benchmarks of the
	// real case use flowtable.SystemClock; l.clock is then nil).
	var clock *flowtable.ManualClock
	if cfg.Clock == nil {
		clock = flowtable.NewManualClock(int64(time.Hour))
		cfg.Clock = clock
	}
	if cfg.FlowCapacity == 0 {
		cfg.FlowCapacity = 1 << 16 // 8 interfaces at the default allowance (ruleset.DefaultConntrackMax)
	}
	return &lab{t: t, st: st, comp: ruleset.NewCompiler(), sw: New(cfg), clock: clock}
}

func (l *lab) must(err error) {
	l.t.Helper()
	if err != nil {
		l.t.Fatal(err)
	}
}

// group creates a security group with no rules at all (its default egress
// rule revoked), so each test states every rule it relies on.
func (l *lab) group(name string) string {
	l.t.Helper()
	g, err := l.st.CreateSecurityGroup(name, name+" group", nil)
	l.must(err)
	_, _, err = l.st.RevokeSecurityGroupEgress(g.GroupId, g.IpPermissionsEgress, nil)
	l.must(err)
	return g.GroupId
}

func (l *lab) ingress(g string, perms ...ruleset.IpPermission) []ruleset.SecurityGroupRule {
	l.t.Helper()
	r, err := l.st.AuthorizeSecurityGroupIngress(g, perms, nil)
	l.must(err)
	return r
}

func (l *lab) egress(g string, perms ...ruleset.IpPermission) []ruleset.SecurityGroupRule {
	l.t.Helper()
	r, err := l.st.AuthorizeSecurityGroupEgress(g, perms, nil)
	l.must(err)
	return r
}

func (l *lab) revokeIngress(g string, perms ...ruleset.IpPermission) {
	l.t.Helper()
	_, _, err := l.st.RevokeSecurityGroupIngress(g, perms, nil)
	l.must(err)
}

func (l *lab) revokeEgress(g string, perms ...ruleset.IpPermission) {
	l.t.Helper()
	_, _, err := l.st.RevokeSecurityGroupEgress(g, perms, nil)
	l.must(err)
}

// node creates an interface (198.18.0.10+n, fd00:5e5e:0:1::10+n) with the
// given groups (none: the VPC default group) and attaches a memport.
func (l *lab) node(name string, groups ...string) *node {
	l.t.Helper()
	return l.nodeSpec(name, ruleset.ENISpec{Groups: groups})
}

func (l *lab) nodeSpec(name string, spec ruleset.ENISpec) *node {
	l.t.Helper()
	l.n++
	spec.Name = name
	spec.IPv4 = []netip.Addr{netip.AddrFrom4([4]byte{198, 18, 0, byte(10 + l.n)})}
	spec.IPv6 = []netip.Addr{netip.MustParseAddr(fmt.Sprintf("fd00:5e5e:0:1::%x", 0x10+l.n))}
	ni, err := l.st.CreateNetworkInterface(spec)
	l.must(err)
	hw, err := net.ParseMAC(ni.MacAddress)
	l.must(err)
	n := &node{name: name, eni: ni.NetworkInterfaceId, mac: [6]byte(hw), v4: spec.IPv4[0], v6: spec.IPv6[0],
		port: memport.New(name, l.portCfg)}
	l.must(l.sw.AddPort(n.eni, n.port))
	return n
}

// publish compiles the state and publishes it.
func (l *lab) publish() {
	l.t.Helper()
	l.must(l.sw.Publish(l.comp.Compile(l.st)))
}

// send injects frame at n's port and processes that one batch.
func (l *lab) send(n *node, frames ...[]byte) {
	l.t.Helper()
	for _, f := range frames {
		if !n.port.Inject(f) {
			l.t.Fatal("inject refused")
		}
	}
	l.step(n)
}

func (l *lab) step(n *node) {
	ps := l.sw.ports[n.eni]
	w := ps.worker
	k, err := n.port.TryRead(w.bufs, w.sizes, off)
	l.must(err)
	if k > 0 {
		w.process(k)
	}
}

// got returns the frames delivered to n since the last call.
func (l *lab) got(n *node) [][]byte {
	var out [][]byte
	for _, f := range n.port.Drain() {
		out = append(out, f.Data)
	}
	return out
}

// frame templates

func (n *node) addr(fam int) netip.Addr {
	if fam == 6 {
		return n.v6
	}
	return n.v4
}

func tcp(from, to *node, fam int, sport, dport uint16, flags uint8) []byte {
	return packettest.Frame{SrcMAC: from.mac, DstMAC: to.mac, Src: from.addr(fam), Dst: to.addr(fam),
		Proto: packet.ProtoTCP, SrcPort: sport, DstPort: dport, TCPFlags: flags}.Bytes()
}

func udp(from, to *node, fam int, sport, dport uint16) []byte {
	return packettest.Frame{SrcMAC: from.mac, DstMAC: to.mac, Src: from.addr(fam), Dst: to.addr(fam),
		Proto: packet.ProtoUDP, SrcPort: sport, DstPort: dport, Payload: []byte("x")}.Bytes()
}

func icmp(from, to *node, fam int, typ, code uint8, id uint16) []byte {
	proto := uint8(packet.ProtoICMP)
	if fam == 6 {
		proto = packet.ProtoICMPv6
	}
	return packettest.Frame{SrcMAC: from.mac, DstMAC: to.mac, Src: from.addr(fam), Dst: to.addr(fam),
		Proto: proto, ICMPType: typ, ICMPCode: code, ICMPID: id}.Bytes()
}

// permission helpers

func i32(v int32) *int32 { return &v }

func tcpCIDR(port int32, cidr string) ruleset.IpPermission {
	return permCIDR("tcp", port, port, cidr)
}

func permCIDR(proto string, from, to int32, cidr string) ruleset.IpPermission {
	p := ruleset.IpPermission{IpProtocol: proto}
	if proto != "-1" {
		p.FromPort, p.ToPort = i32(from), i32(to)
	}
	if netip.MustParsePrefix(cidr).Addr().Is4() {
		p.IpRanges = []ruleset.IpRange{{CidrIp: cidr}}
	} else {
		p.Ipv6Ranges = []ruleset.Ipv6Range{{CidrIpv6: cidr}}
	}
	return p
}

func allCIDR(cidr string) ruleset.IpPermission { return permCIDR("-1", 0, 0, cidr) }

func tcpGroup(port int32, group string) ruleset.IpPermission {
	return ruleset.IpPermission{IpProtocol: "tcp", FromPort: i32(port), ToPort: i32(port),
		UserIdGroupPairs: []ruleset.UserIdGroupPair{{GroupId: group}}}
}

func allGroup(group string) ruleset.IpPermission {
	return ruleset.IpPermission{IpProtocol: "-1", UserIdGroupPairs: []ruleset.UserIdGroupPair{{GroupId: group}}}
}

// assertions

// expect sends frame from→to and checks it arrives (or not), returning
// the delivered frames.
func (l *lab) expect(deliver bool, from, to *node, frame []byte) {
	l.t.Helper()
	l.send(from, frame)
	got := l.got(to)
	if deliver && len(got) != 1 {
		l.t.Fatalf("%s→%s: want delivered, got %d frames (drops from: %v, to: %v)", from.name, to.name, len(got),
			l.dropList(from), l.dropList(to))
	}
	if !deliver && len(got) != 0 {
		l.t.Fatalf("%s→%s: want dropped, got %d frames", from.name, to.name, len(got))
	}
}

func (l *lab) dropList(n *node) []string {
	st, _ := l.sw.Stats(n.eni)
	var out []string
	for d := range 2 {
		for r, v := range st.Drops[d] {
			if v != 0 {
				out = append(out, fmt.Sprintf("%s/%s=%d", [2]string{"in", "out"}[d], DropReason(r), v))
			}
		}
	}
	return out
}

func (l *lab) drops(n *node, d flowtable.Direction, r DropReason) uint64 {
	st, _ := l.sw.Stats(n.eni)
	return st.Drops[d][r]
}
