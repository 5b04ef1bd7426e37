package vswitch

import (
	"fmt"
	"testing"

	"sgswitch/packet"
	"sgswitch/ruleset"
)

// TestUntrackedRevokeStopsReplies is issue 13 item 1 (EC2 connection
// tracking, "Untracked connections"): inbound TCP 80 and UDP 53 from
// 0.0.0.0/0 with outbound all to 0.0.0.0/0 make both flows untracked at the
// server. Revoking the outbound rule stops the replies at once; the
// requests, still allowed inbound, go on; nothing the two sides send turns
// the old flow into a tracked one; a new connection is tracked.
func TestUntrackedRevokeStopsReplies(t *testing.T) {
	l := newLab(t)
	srv, cli := l.group("srv"), l.group("cli")
	l.ingress(srv, tcpCIDR(80, "0.0.0.0/0"), permCIDR("udp", 53, 53, "0.0.0.0/0"))
	l.egress(srv, allCIDR("0.0.0.0/0"))
	l.egress(cli, allCIDR("0.0.0.0/0"))
	s, c := l.node("server", srv), l.node("client", cli)
	l.publish()
	l.handshake(c, s, 4, 40080, 80)
	l.expect(true, c, s, udp(c, s, 4, 5353, 53))
	l.expect(true, s, c, udp(s, c, 4, 53, 5353))
	for _, p := range []uint8{packet.ProtoTCP, packet.ProtoUDP} {
		if e, ok := l.entry(s, p, map[uint8]uint16{6: 80, 17: 53}[p]); !ok || e.Tracked {
			t.Fatalf("proto %d at server before revoke: entry %v tracked %v, want untracked", p, ok, e.Tracked)
		}
	}

	l.revokeEgress(srv, allCIDR("0.0.0.0/0"))
	l.publish()
	for round := range 2 { // the second round: the first did not re-admit the flows
		l.expect(false, s, c, tcp(s, c, 4, 80, 40080, ack))
		l.expect(false, s, c, udp(s, c, 4, 53, 5353))
		l.expect(true, c, s, tcp(c, s, 4, 40080, 80, ack))
		l.expect(true, c, s, udp(c, s, 4, 5353, 53))
		if got := l.drops(s, Egress, DropSGEgress); got != uint64(2*(round+1)) {
			t.Fatalf("round %d: server sg-egress drops %d, want %d (%v)", round, got, 2*(round+1), l.dropList(s))
		}
	}
	for _, p := range []uint8{packet.ProtoTCP, packet.ProtoUDP} {
		if e, ok := l.entry(s, p, map[uint8]uint16{6: 80, 17: 53}[p]); ok && e.Tracked {
			t.Fatalf("proto %d: the untracked flow became tracked after the revoke", p)
		}
	}
	// A new connection is judged afresh: tracked now, so its replies leave.
	l.handshake(c, s, 4, 40081, 80)
	if e, ok := l.entry(s, packet.ProtoTCP, 40081); !ok || !e.Tracked {
		t.Fatalf("new connection after the revoke: entry %v tracked %v, want tracked", ok, e.Tracked)
	}
	// Authorizing the outbound rule again makes the old flow untracked and
	// whole again.
	l.egress(srv, allCIDR("0.0.0.0/0"))
	l.publish()
	l.expect(true, s, c, tcp(s, c, 4, 80, 40080, ack))
	l.expect(true, s, c, udp(s, c, 4, 53, 5353))
}

// TestUntrackedRevokeCannotBeReopened: after the inbound rule of an
// untracked flow is revoked, the server's replies are still allowed out by
// its open outbound rule, but they must not open a flow that would let the
// client's packets back in as replies.
func TestUntrackedRevokeCannotBeReopened(t *testing.T) {
	l := newLab(t)
	srv, cli := l.group("srv"), l.group("cli")
	l.ingress(srv, tcpCIDR(2222, "0.0.0.0/0"), permCIDR("udp", 53, 53, "0.0.0.0/0"))
	l.egress(srv, allCIDR("0.0.0.0/0"))
	l.egress(cli, allCIDR("0.0.0.0/0"))
	s, c := l.node("server", srv), l.node("client", cli)
	l.publish()
	l.handshake(c, s, 4, 42222, 2222)
	l.expect(true, c, s, udp(c, s, 4, 5353, 53))

	l.revokeIngress(srv, tcpCIDR(2222, "0.0.0.0/0"), permCIDR("udp", 53, 53, "0.0.0.0/0"))
	l.publish()
	l.expect(false, c, s, tcp(c, s, 4, 42222, 2222, ack))
	l.expect(false, c, s, udp(c, s, 4, 5353, 53))
	l.expect(true, s, c, tcp(s, c, 4, 2222, 42222, ack))
	l.expect(true, s, c, udp(s, c, 4, 53, 5353))
	l.expect(false, c, s, tcp(c, s, 4, 42222, 2222, ack))
	l.expect(false, c, s, udp(c, s, 4, 5353, 53))
	if got := l.drops(s, Ingress, DropSGIngress); got != 4 {
		t.Fatalf("server sg-ingress drops %d, want 4 (%v)", got, l.dropList(s))
	}
}

// icmpPairs are the ICMP and ICMPv6 query types with a request/reply form.
var icmpPairs = []struct {
	fam        int
	req, reply uint8
}{
	{4, 8, 0}, {4, 13, 14}, {4, 15, 16}, {4, 17, 18}, // echo, timestamp, information, address mask
	{6, 128, 129}, {6, 139, 140}, // echo, node information
}

// TestICMPReplyDirection is issue 13 item 2: a tracked request from the
// client lets back only the server's replies with the same identifier. A
// request from the server, even with that identifier, is a new flow,
// judged by the server's egress (empty) and the client's ingress (empty).
func TestICMPReplyDirection(t *testing.T) {
	for _, p := range icmpPairs {
		t.Run(fmt.Sprintf("v%d-%d-%d", p.fam, p.req, p.reply), func(t *testing.T) {
			l := newLab(t)
			srv, cli := l.group("srv"), l.group("cli")
			l.ingress(srv, permCIDR("icmp", -1, -1, "0.0.0.0/0"), permCIDR("icmpv6", -1, -1, "::/0"))
			l.egress(cli, allCIDR("0.0.0.0/0"), allCIDR("::/0"))
			s, c := l.node("server", srv), l.node("client", cli)
			l.publish()
			l.expect(true, c, s, icmp(c, s, p.fam, p.req, 0, 7))
			l.expect(true, s, c, icmp(s, c, p.fam, p.reply, 0, 7))
			l.expect(false, s, c, icmp(s, c, p.fam, p.req, 0, 7)) // the server's own request
			drops := uint64(1)
			if p.req != 139 { // node information has no identifier (packet.HasIdent)
				l.expect(false, s, c, icmp(s, c, p.fam, p.reply, 0, 8)) // a reply to another id
				drops++
			}
			l.expect(true, c, s, icmp(c, s, p.fam, p.req, 0, 7))   // the client's next request
			l.expect(true, s, c, icmp(s, c, p.fam, p.reply, 0, 7)) // and its reply
			if got := l.drops(s, Egress, DropSGEgress); got != drops {
				t.Fatalf("server sg-egress drops %d, want %d (%v)", got, drops, l.dropList(s))
			}
			// Once the rules let the server ping the client, its request is
			// a flow of its own, tracked, and its reply comes back by it.
			l.egress(srv, allCIDR("0.0.0.0/0"), allCIDR("::/0"))
			l.ingress(cli, permCIDR("icmp", -1, -1, "0.0.0.0/0"), permCIDR("icmpv6", -1, -1, "::/0"))
			l.publish()
			l.expect(true, s, c, icmp(s, c, p.fam, p.req, 0, 7))
			n := 0
			for id, e := range l.sw.Conntrack() {
				if id == s.eni && (e.Key.Proto() == packet.ProtoICMP || e.Key.Proto() == packet.ProtoICMPv6) {
					n++
				}
			}
			if n != 2 {
				t.Fatalf("server's ICMP entries %d, want 2 (the client's query and its own)", n)
			}
		})
	}
}

// TestICMPErrorsAreNotRelated is issue 13 item 3. EC2's MTU page
// (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/network_mtu.html,
// "Path MTU Discovery") tells users to add an inbound rule for ICMP
// "Destination Unreachable: fragmentation needed" so that the error reaches
// the instance: a tracked flow does not admit its ICMP errors. sgswitch
// reads that literally: destination unreachable, time exceeded and packet
// too big (ICMPv6 1, 2, 3) pass by a rule or not at all, tracked flow or
// not, and never open a flow of their own.
func TestICMPErrorsAreNotRelated(t *testing.T) {
	errs := []struct {
		fam        int
		typ, code  uint8
		name, rule string
	}{
		{4, 3, 4, "fragmentation-needed", "icmp"}, {4, 3, 3, "port-unreachable", "icmp"},
		{4, 11, 0, "time-exceeded", "icmp"}, {6, 2, 0, "packet-too-big", "icmpv6"},
		{6, 1, 4, "port-unreachable", "icmpv6"}, {6, 3, 0, "time-exceeded", "icmpv6"},
	}
	for _, e := range errs {
		t.Run(fmt.Sprintf("v%d-%s", e.fam, e.name), func(t *testing.T) {
			l := newLab(t)
			srv, cli := l.group("srv"), l.group("cli")
			l.ingress(srv, permCIDR("tcp", 0, 65535, "198.18.0.0/24"), permCIDR("tcp", 0, 65535, "fd00:5e5e::/48"))
			l.egress(srv, allCIDR("0.0.0.0/0"), allCIDR("::/0"))
			l.egress(cli, allCIDR("0.0.0.0/0"), allCIDR("::/0"))
			s, c := l.node("server", srv), l.node("client", cli)
			l.publish()
			l.handshake(c, s, e.fam, 40000, 443) // tracked at the client
			before := len(entriesOf(l, c.eni)) + len(entriesOf(l, s.eni))
			l.expect(false, s, c, icmp(s, c, e.fam, e.typ, e.code, 0))
			cidr := map[int]string{4: "198.18.0.0/24", 6: "fd00:5e5e::/48"}[e.fam]
			l.ingress(cli, permCIDR(e.rule, int32(e.typ), int32(e.code), cidr))
			l.publish()
			l.expect(true, s, c, icmp(s, c, e.fam, e.typ, e.code, 0))
			if after := len(entriesOf(l, c.eni)) + len(entriesOf(l, s.eni)); after != before {
				t.Fatalf("an ICMP error changed the entries: %d before, %d after", before, after)
			}
			// The error opened nothing: the same error in the other direction
			// is judged by the server's inbound rules (no ICMP rule there).
			l.expect(false, c, s, icmp(c, s, e.fam, e.typ, e.code, 0))
		})
	}
}

func entriesOf(l *lab, eni string) []string {
	var out []string
	for id, e := range l.sw.Conntrack() {
		if id == eni {
			out = append(out, fmt.Sprint(e.Key))
		}
	}
	return out
}

// TestOneInterfaceCannotStarveAnother is issue 13 item 9. The table is
// sized exactly for the reservations of four interfaces (2 x conntrack
// allowance each). A flooder opens far more new flows than its allowance,
// tracked (default allowance) or untracked (explicit allowance); meanwhile
// a client keeps opening connections to a server, and every one of them is
// delivered. The flood is dropped at the flooder only, counted there, and
// every interface's conntrack_allowance_available is exact.
func TestOneInterfaceCannotStarveAnother(t *testing.T) {
	for _, tc := range []struct {
		name      string
		max       uint64 // 0: the default allowance
		untracked bool
		reason    DropReason
	}{
		{"tracked-default-allowance", 0, false, DropConntrackFull},
		{"untracked-explicit-allowance", 64, true, DropUntrackedFull},
	} {
		t.Run(tc.name, func(t *testing.T) {
			max := tc.max
			if max == 0 {
				max = ruleset.DefaultConntrackMax
			}
			l := newLabConfig(t, Config{FlowCapacity: 4 * 2 * int(max)}, ruleset.VPCConfig{})
			flood, sink, cli, srv := l.group("flood"), l.group("sink"), l.group("cli"), l.group("srv")
			l.egress(flood, allCIDR("0.0.0.0/0"))
			l.ingress(sink, permCIDR("udp", 0, 65535, "198.18.0.0/24"))
			if tc.untracked { // open rules both ways on both sides: untracked
				l.ingress(flood, permCIDR("udp", 0, 65535, "0.0.0.0/0"))
				l.ingress(sink, permCIDR("udp", 0, 65535, "0.0.0.0/0"))
				l.egress(sink, allCIDR("0.0.0.0/0"))
			}
			l.egress(cli, allCIDR("0.0.0.0/0"))
			l.ingress(srv, tcpCIDR(443, "198.18.0.0/24"))
			a := ruleset.Allowances{ConntrackMax: tc.max}
			f := l.nodeSpec("flooder", ruleset.ENISpec{Groups: []string{flood}, Allowances: a})
			k := l.nodeSpec("sink", ruleset.ENISpec{Groups: []string{sink}, Allowances: a})
			c := l.nodeSpec("client", ruleset.ENISpec{Groups: []string{cli}, Allowances: a})
			s := l.nodeSpec("server", ruleset.ENISpec{Groups: []string{srv}, Allowances: a})
			l.publish()

			const rounds, burst = 50, 64
			perRound := (5*int(max) + rounds - 1) / rounds // five allowances' worth: more than the whole table
			sent := 0
			for r := range rounds {
				for done := 0; done < perRound; {
					var frames [][]byte
					for ; done < perRound && len(frames) < burst; done++ {
						frames = append(frames, udp(f, k, 4, uint16(1024+sent%60000), uint16(2000+sent/60000)))
						sent++
					}
					l.send(f, frames...)
					l.got(k)
				}
				// The victim's connection of this round gets through.
				l.handshake(c, s, 4, uint16(40000+r), 443)
			}
			if d := l.dropList(c); len(d) != 0 {
				t.Fatalf("client drops %v", d)
			}
			if d := l.dropList(s); len(d) != 0 {
				t.Fatalf("server drops %v", d)
			}
			fs, _ := l.sw.Stats(f.eni)
			if want := uint64(sent) - max; fs.Drops[Egress][tc.reason] != want {
				t.Fatalf("flooder's %s drops %d, want %d (%v)", tc.reason, fs.Drops[Egress][tc.reason], want, l.dropList(f))
			}
			for _, n := range []struct {
				node    *node
				tracked uint64
			}{{f, 0}, {c, rounds}, {s, rounds}} {
				want := max - n.tracked
				if n.node == f && !tc.untracked {
					want = 0 // the flood took all of it
				}
				st, _ := l.sw.Stats(n.node.eni)
				if st.Conntrack.ConntrackAllowanceAvailable != want {
					t.Errorf("%s: conntrack_allowance_available %d, want %d (%+v)", n.node.name, st.Conntrack.ConntrackAllowanceAvailable, want, st.Conntrack)
				}
			}
		})
	}
}
