package vswitch

import (
	"testing"

	"sgswitch/flowtable"
	"sgswitch/packet"
	"sgswitch/ruleset"
)

const (
	syn    = packet.TCPSyn
	synAck = packet.TCPSyn | packet.TCPAck
	ack    = packet.TCPAck
)

// handshake runs a TCP handshake c→s and checks each step is delivered.
func (l *lab) handshake(c, s *node, fam int, sport, dport uint16) {
	l.t.Helper()
	l.expect(true, c, s, tcp(c, s, fam, sport, dport, syn))
	l.expect(true, s, c, tcp(s, c, fam, dport, sport, synAck))
	l.expect(true, c, s, tcp(c, s, fam, sport, dport, ack))
}

// entry returns the conntrack entry of n's zone for a TCP/UDP flow with
// destination port dport (either side), or ok false.
func (l *lab) entry(n *node, proto uint8, port uint16) (flowtable.EntryInfo, bool) {
	for id, e := range l.sw.Conntrack() {
		a, b := e.Key.Ports()
		if id == n.eni && e.Key.Proto() == proto && (a == port || b == port) {
			return e, true
		}
	}
	return flowtable.EntryInfo{}, false
}

// TestConnectionTrackingExample is spec 2.8: inbound TCP 22 from one /32
// (tracked), TCP 80 from 0.0.0.0/0 and ::/0 (untracked, because outbound
// allows all to 0.0.0.0/0 and ::/0), ICMP from 0.0.0.0/0 (always tracked).
func TestConnectionTrackingExample(t *testing.T) {
	l := newLab(t)
	srv, cli := l.group("srv"), l.group("cli")
	l.ingress(srv, tcpCIDR(22, "198.18.0.12/32"), tcpCIDR(80, "0.0.0.0/0"), tcpCIDR(80, "::/0"),
		permCIDR("icmp", -1, -1, "0.0.0.0/0"))
	l.egress(srv, allCIDR("0.0.0.0/0"), allCIDR("::/0"))
	l.egress(cli, allCIDR("0.0.0.0/0"), allCIDR("::/0"))
	s, c := l.node("server", srv), l.node("client", cli)
	l.publish()

	l.handshake(c, s, 4, 40022, 22)
	l.handshake(c, s, 4, 40080, 80)
	l.handshake(c, s, 6, 40080, 80)
	l.expect(true, c, s, icmp(c, s, 4, 8, 0, 7))
	l.expect(true, s, c, icmp(s, c, 4, 0, 0, 7))

	for _, tc := range []struct {
		name    string
		proto   uint8
		port    uint16
		tracked bool
	}{{"ssh", 6, 22, true}, {"http", 6, 80, false}, {"icmp", 1, 7, true}} {
		e, ok := l.entry(s, tc.proto, tc.port)
		if !ok || e.Tracked != tc.tracked {
			t.Fatalf("%s at server: entry %v tracked %v, want tracked %v", tc.name, ok, e.Tracked, tc.tracked)
		}
	}
	// Only the client's side is tracked for HTTP: its inbound has no open rule.
	if e, ok := l.entry(c, 6, 80); !ok || !e.Tracked {
		t.Fatalf("http at client: entry %v tracked %v, want tracked", ok, e.Tracked)
	}

	// Removing the server's IPv4 outbound rule makes all IPv4 traffic
	// tracked, port 80 included; IPv6 stays untracked.
	l.revokeEgress(srv, allCIDR("0.0.0.0/0"))
	l.publish()
	l.handshake(c, s, 4, 41080, 80) // the SYN-ACK leaves only because it is tracked now
	l.handshake(c, s, 6, 41080, 80)
	for _, e := range []struct {
		fam     uint8
		tracked bool
	}{{4, true}, {6, false}} {
		found := false
		for id, info := range l.sw.Conntrack() {
			a, b := info.Key.Ports()
			if id == s.eni && info.Key.Family() == e.fam && (a == 41080 || b == 41080) {
				found = true
				if info.Tracked != e.tracked {
					t.Fatalf("IPv%d port 80 after outbound revoke: tracked %v, want %v", e.fam, info.Tracked, e.tracked)
				}
			}
		}
		if !found {
			t.Fatalf("no IPv%d entry", e.fam)
		}
	}
	// The server cannot open IPv4 connections any more.
	l.expect(false, s, c, tcp(s, c, 4, 50000, 9000, syn))
	if l.drops(s, Egress, DropSGEgress) == 0 {
		t.Fatal("server's new outbound IPv4 not counted as sg-egress-denied")
	}
}

// TestRuleRemovalTrackedVsUntracked is spec 2.4: removing the rule of a
// tracked flow leaves it flowing; removing the rule of an untracked flow
// cuts it at once.
func TestRuleRemovalTrackedVsUntracked(t *testing.T) {
	l := newLab(t)
	srv, cli := l.group("srv"), l.group("cli")
	l.ingress(srv, tcpCIDR(22, "198.18.0.12/32"), tcpCIDR(2222, "0.0.0.0/0"))
	l.egress(srv, allCIDR("0.0.0.0/0"))
	l.egress(cli, allCIDR("0.0.0.0/0"))
	s, c := l.node("server", srv), l.node("client", cli)
	l.publish()
	l.handshake(c, s, 4, 40022, 22)
	l.handshake(c, s, 4, 42222, 2222)

	l.revokeIngress(srv, tcpCIDR(22, "198.18.0.12/32"), tcpCIDR(2222, "0.0.0.0/0"))
	l.publish()
	// Tracked SSH keeps flowing both ways.
	l.expect(true, c, s, tcp(c, s, 4, 40022, 22, ack))
	l.expect(true, s, c, tcp(s, c, 4, 22, 40022, ack))
	// The untracked session stops at once, in both directions.
	l.expect(false, c, s, tcp(c, s, 4, 42222, 2222, ack))
	if l.drops(s, Ingress, DropSGIngress) != 1 {
		t.Fatalf("untracked flow after revoke: drops %v", l.dropList(s))
	}
	// A new SSH connection is refused.
	l.expect(false, c, s, tcp(c, s, 4, 40023, 22, syn))
}

// TestEmptyEgress: a group with no outbound rules still lets replies to
// tracked inbound traffic leave, but opens nothing outbound.
func TestEmptyEgress(t *testing.T) {
	l := newLab(t)
	srv, cli := l.group("srv"), l.group("cli")
	l.ingress(srv, tcpCIDR(80, "0.0.0.0/0"))
	l.egress(cli, allCIDR("0.0.0.0/0"))
	s, c := l.node("server", srv), l.node("client", cli)
	l.publish()
	l.handshake(c, s, 4, 40000, 80)
	if e, ok := l.entry(s, 6, 80); !ok || !e.Tracked {
		t.Fatal("inbound HTTP with empty egress must be tracked")
	}
	l.expect(false, s, c, tcp(s, c, 4, 40001, 80, syn))
	l.expect(false, s, c, udp(s, c, 4, 5353, 53))
	if got := l.drops(s, Egress, DropSGEgress); got != 2 {
		t.Fatalf("sg-egress-denied = %d, want 2", got)
	}
}

// TestDefaultGroup: members of the default group reach each other on any
// protocol; a non-member cannot reach them.
func TestDefaultGroup(t *testing.T) {
	l := newLab(t)
	out := l.group("outsider")
	l.egress(out, allCIDR("0.0.0.0/0"))
	a, b := l.node("a"), l.node("b") // default group
	o := l.node("o", out)
	l.publish()
	l.handshake(a, b, 4, 40000, 5555)
	l.handshake(b, a, 6, 40000, 7777)
	l.expect(true, a, b, udp(a, b, 4, 1000, 2000))
	l.expect(true, b, a, icmp(b, a, 4, 8, 0, 1))
	l.expect(false, o, a, tcp(o, a, 4, 40000, 22, syn))
	if l.drops(a, Ingress, DropSGIngress) != 1 {
		t.Fatalf("non-member: %v", l.dropList(a))
	}
}

// TestUnionOfGroups: an interface in several groups allows the union.
func TestUnionOfGroups(t *testing.T) {
	l := newLab(t)
	g1, g2, cli := l.group("ssh"), l.group("web"), l.group("cli")
	l.ingress(g1, tcpCIDR(22, "198.18.0.0/28"))
	l.ingress(g2, tcpCIDR(443, "0.0.0.0/0"))
	l.egress(cli, allCIDR("0.0.0.0/0"))
	s, c := l.node("server", g1, g2), l.node("client", cli)
	l.publish()
	l.handshake(c, s, 4, 40000, 22)
	l.handshake(c, s, 4, 40001, 443)
	l.expect(false, c, s, tcp(c, s, 4, 40002, 80, syn))
}

// TestGroupReferenceMembership: a rule naming a group follows membership.
func TestGroupReferenceMembership(t *testing.T) {
	l := newLab(t)
	db, app, other := l.group("db"), l.group("app"), l.group("other")
	l.ingress(db, tcpGroup(5432, app))
	l.egress(app, allCIDR("0.0.0.0/0"), allCIDR("::/0"))
	l.egress(other, allCIDR("0.0.0.0/0"))
	d, c := l.node("db", db), l.node("client", other)
	l.publish()
	l.expect(false, c, d, tcp(c, d, 4, 40000, 5432, syn))
	l.must(l.st.ModifyNetworkInterfaceAttribute(c.eni, []string{app}, nil))
	l.publish()
	l.handshake(c, d, 4, 40001, 5432)
	l.handshake(c, d, 6, 40002, 5432) // group references cover both families
	l.must(l.st.ModifyNetworkInterfaceAttribute(c.eni, []string{other}, nil))
	l.publish()
	l.expect(false, c, d, tcp(c, d, 4, 40003, 5432, syn))
	l.expect(true, c, d, tcp(c, d, 4, 40001, 5432, ack)) // tracked flow survives
}

// TestFamiliesJudgedSeparately: an IPv4 rule says nothing about IPv6.
func TestFamiliesJudgedSeparately(t *testing.T) {
	l := newLab(t)
	srv, cli := l.group("srv"), l.group("cli")
	l.ingress(srv, tcpCIDR(80, "0.0.0.0/0"))
	l.egress(cli, allCIDR("0.0.0.0/0"), allCIDR("::/0"))
	s, c := l.node("server", srv), l.node("client", cli)
	l.publish()
	l.expect(true, c, s, tcp(c, s, 4, 40000, 80, syn))
	l.expect(false, c, s, tcp(c, s, 6, 40000, 80, syn))
	l.ingress(srv, tcpCIDR(80, "::/0"))
	l.publish()
	l.expect(true, c, s, tcp(c, s, 6, 40001, 80, syn))
}

// TestICMP: echo passes by rule and its reply by tracking; an ICMP error
// is never "related" and is dropped when no rule allows it.
func TestICMP(t *testing.T) {
	l := newLab(t)
	srv, cli := l.group("srv"), l.group("cli")
	l.ingress(srv, permCIDR("icmp", 8, -1, "0.0.0.0/0"), permCIDR("icmpv6", 128, 0, "::/0"),
		permCIDR("udp", 9, 9, "0.0.0.0/0"))
	l.egress(srv, allCIDR("0.0.0.0/0"), allCIDR("::/0"))
	l.egress(cli, allCIDR("0.0.0.0/0"), allCIDR("::/0"))
	s, c := l.node("server", srv), l.node("client", cli)
	l.publish()
	l.expect(true, c, s, icmp(c, s, 4, 8, 0, 42))
	l.expect(true, s, c, icmp(s, c, 4, 0, 0, 42))
	l.expect(true, c, s, icmp(c, s, 6, 128, 0, 43))
	l.expect(true, s, c, icmp(s, c, 6, 129, 0, 43))
	// Echo reply without a request is not allowed in.
	l.expect(false, s, c, icmp(s, c, 4, 0, 0, 99))
	// Timestamp request (type 13) is not allowed by the type-8 rule.
	l.expect(false, c, s, icmp(c, s, 4, 13, 0, 44))
	// A UDP flow is tracked at the client, but the server's port
	// unreachable is an ICMP error: the client's inbound rules decide.
	l.expect(true, c, s, udp(c, s, 4, 3333, 9))
	l.expect(false, s, c, icmp(s, c, 4, 3, 3, 0))
	if l.drops(c, Ingress, DropSGIngress) != 2 {
		t.Fatalf("client drops %v", l.dropList(c))
	}
	// Allowing type 3 code 4 (path MTU discovery) lets exactly that in.
	cliIn := permCIDR("icmp", 3, 4, "198.18.0.0/24")
	l.ingress(cli, cliIn)
	l.publish()
	l.expect(true, s, c, icmp(s, c, 4, 3, 4, 0))
	l.expect(false, s, c, icmp(s, c, 4, 3, 3, 0))
}

// TestAllowanceExhaustion: conntrack allowance, PPS and link-local limits
// drop and count under the ENA names.
func TestAllowanceExhaustion(t *testing.T) {
	l := newLabConfig(t, Config{Service: echoService{}}, ruleset.VPCConfig{})
	srv, cli := l.group("srv"), l.group("cli")
	l.ingress(srv, tcpCIDR(22, "198.18.0.0/24"))
	l.egress(cli, allCIDR("0.0.0.0/0"))
	s := l.nodeSpec("server", ruleset.ENISpec{Groups: []string{srv}, Allowances: ruleset.Allowances{ConntrackMax: 2}})
	c := l.nodeSpec("client", ruleset.ENISpec{Groups: []string{cli}, Allowances: ruleset.Allowances{PPS: 10}})
	l.publish()
	l.expect(true, c, s, tcp(c, s, 4, 40001, 22, syn))
	l.expect(true, c, s, tcp(c, s, 4, 40002, 22, syn))
	l.expect(false, c, s, tcp(c, s, 4, 40003, 22, syn))
	st, _ := l.sw.Stats(s.eni)
	if st.Conntrack.ConntrackAllowanceExceeded != 1 || st.Drops[Ingress][DropConntrackFull] != 1 || st.Conntrack.ConntrackAllowanceAvailable != 0 {
		t.Fatalf("conntrack allowance: %+v drops %v", st.Conntrack, l.dropList(s))
	}
	// The client has sent 3 packets; its PPS bucket holds 10.
	for i := 0; i < 7; i++ {
		l.send(c, tcp(c, s, 4, 40001, 22, ack))
	}
	l.expect(false, c, s, tcp(c, s, 4, 40001, 22, ack))
	st, _ = l.sw.Stats(c.eni)
	if st.Conntrack.PPSAllowanceExceeded != 1 || st.Drops[Egress][DropPPS] != 1 {
		t.Fatalf("pps allowance: %+v", st.Conntrack)
	}
	// Link-local services: 1024 packets per second per interface.
	md := metadataFrame(s)
	for i := 0; i < 1024; i++ {
		l.send(s, md)
	}
	if n := len(l.got(s)); n != 1024 {
		t.Fatalf("metadata replies %d, want 1024", n)
	}
	l.send(s, md)
	st, _ = l.sw.Stats(s.eni)
	if st.Conntrack.LinklocalAllowanceExceeded != 1 || len(l.got(s)) != 0 {
		t.Fatalf("link-local allowance: %+v", st.Conntrack)
	}
	ena := st.ENA()
	if len(ena) != 6 || ena[4].Name != "linklocal_allowance_exceeded" || ena[4].Value != 1 {
		t.Fatalf("ENA list %+v", ena)
	}
	// A second later the buckets have refilled.
	l.clock.Advance(1e9)
	l.send(s, md)
	if len(l.got(s)) != 1 {
		t.Fatal("link-local bucket did not refill")
	}
}

// TestReusedZoneStartsEmpty: an interface created in place of a deleted
// one (same index, same address) does not inherit its tracked flows.
func TestReusedZoneStartsEmpty(t *testing.T) {
	l := newLab(t)
	open, closed, cli := l.group("open"), l.group("closed"), l.group("cli")
	l.ingress(open, tcpCIDR(22, "198.18.0.0/24"))
	l.egress(cli, allCIDR("0.0.0.0/0"))
	c := l.node("client", cli)
	s := l.node("server", open)
	l.publish()
	l.handshake(c, s, 4, 40000, 22)
	l.must(l.sw.RemovePort(s.eni))
	l.must(l.st.DeleteNetworkInterface(s.eni))
	l.publish()
	l.n-- // the same address again
	s2 := l.node("server2", closed)
	l.publish()
	if ci := l.sw.Snapshot().InterfaceByID(s2.eni); ci == nil || s2.v4 != s.v4 {
		t.Fatal("setup: replacement interface")
	}
	if _, ok := l.entry(s2, 6, 22); ok {
		t.Fatal("the new interface's zone holds the old interface's flow")
	}
	l.expect(false, c, s2, tcp(c, s2, 4, 40000, 22, ack))
}
