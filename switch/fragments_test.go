package vswitch

import (
	"testing"

	"sgswitch/packet"
	"sgswitch/packet/packettest"
)

func udpFrame(from, to *node, fam int, dport uint16, payload int) packettest.Frame {
	return packettest.Frame{SrcMAC: from.mac, DstMAC: to.mac, Src: from.addr(fam), Dst: to.addr(fam),
		Proto: packet.ProtoUDP, SrcPort: 4000, DstPort: dport, Payload: make([]byte, payload)}
}

// TestFragments: a fragmented datagram passes or fails as a whole, by the
// ports in its first fragment; nothing passes without a first fragment.
func TestFragments(t *testing.T) {
	for _, fam := range []int{4, 6} {
		l := newLab(t)
		srv, cli := l.group("srv"), l.group("cli")
		l.ingress(srv, permCIDR("udp", 5000, 5000, "0.0.0.0/0"), permCIDR("udp", 5000, 5000, "::/0"))
		l.egress(cli, allCIDR("0.0.0.0/0"), allCIDR("::/0"))
		s, c := l.node("server", srv), l.node("client", cli)
		l.publish()

		ok := udpFrame(c, s, fam, 5000, 3000).Fragments(1200, 1)
		l.send(c, ok...)
		if n := len(l.got(s)); n != len(ok) {
			t.Fatalf("IPv%d allowed datagram: %d of %d fragments delivered (drops %v %v)", fam, n, len(ok), l.dropList(c), l.dropList(s))
		}
		bad := udpFrame(c, s, fam, 6000, 3000).Fragments(1200, 2)
		l.send(c, bad...)
		if n := len(l.got(s)); n != 0 {
			t.Fatalf("IPv%d denied datagram: %d fragments delivered", fam, n)
		}
		if l.drops(s, Ingress, DropSGIngress) != 1 || l.drops(s, Ingress, DropFragDenied) != uint64(len(bad)-1) {
			t.Fatalf("IPv%d denied datagram drops: %v", fam, l.dropList(s))
		}
		// Later fragments whose first fragment was never seen.
		orphan := udpFrame(c, s, fam, 5000, 3000).Fragments(1200, 3)
		l.send(c, orphan[1:]...)
		if len(l.got(s)) != 0 || l.drops(c, Egress, DropFragNoFirst) != uint64(len(orphan)-1) {
			t.Fatalf("IPv%d orphan fragments: %v", fam, l.dropList(c))
		}
		// Fragments arriving before their first are not held: dropped.
		late := udpFrame(c, s, fam, 5000, 3000).Fragments(1200, 4)
		l.send(c, late[1], late[0], late[2])
		if n := len(l.got(s)); n != 2 {
			t.Fatalf("IPv%d reordered: %d delivered, want the first and the one after it", fam, n)
		}
		// A first fragment too short for the ports is dropped.
		short := packettest.Frame{SrcMAC: c.mac, DstMAC: s.mac, Src: c.addr(fam), Dst: s.addr(fam), Proto: packet.ProtoTCP,
			SrcPort: 1, DstPort: 5000, Payload: make([]byte, 40)}.Fragments(8, 6)
		l.send(c, short...)
		if len(l.got(s)) != 0 || l.drops(c, Egress, DropReason(packet.L4Truncated)) != 1 {
			t.Fatalf("IPv%d short first fragment: %v", fam, l.dropList(c))
		}
		// The verdict expires with its first fragment's state.
		more := udpFrame(c, s, fam, 5000, 3000).Fragments(1200, 7)
		l.send(c, more[0])
		l.clock.Advance(l.sw.cfg.FragTimeout)
		l.send(c, more[1])
		if n := len(l.got(s)); n != 1 {
			t.Fatalf("IPv%d after fragment timeout: %d delivered, want 1", fam, n)
		}
	}
}

// TestFragmentIDsAreKeyedByAddress: an allowed datagram's id does not let
// another datagram with the same id to a denied port through.
func TestFragmentsCannotBorrowVerdict(t *testing.T) {
	l := newLab(t)
	g := l.group("srv")
	cli := l.group("cli")
	l.ingress(g, permCIDR("udp", 5000, 5000, "0.0.0.0/0"))
	l.egress(cli, allCIDR("0.0.0.0/0"))
	s1, s2, c := l.node("s1", g), l.node("s2", l.group("closed")), l.node("c", cli)
	l.publish()
	allowed := udpFrame(c, s1, 4, 5000, 3000).Fragments(1200, 9)
	other := udpFrame(c, s2, 4, 5000, 3000).Fragments(1200, 9)
	l.send(c, allowed[0], other[1], other[2])
	if len(l.got(s2)) != 0 {
		t.Fatal("fragments to another host followed an allowed first fragment")
	}
}
