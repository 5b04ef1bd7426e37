package vswitch

import (
	"testing"

	"sgswitch/packet"
)

// A port is told the router, the resolver and every other interface (ARP
// replies and neighbour advertisements addressed to it), and nothing
// about itself.
func TestAnnounceTellsAPortItsNeighbours(t *testing.T) {
	l := newLab(t)
	a, b, c := l.node("a"), l.node("b"), l.node("c")
	l.publish()
	n, err := l.sw.Announce(a.eni)
	if err != nil || n != 8 {
		t.Fatalf("Announce = %d, %v; want 8 frames (ARP: router, resolver, b, c; NA: router, its link-local address, b, c)", n, err)
	}
	want := map[[4]byte][6]byte{
		{198, 18, 0, 1}: l.sw.cfg.RouterMAC, {198, 18, 0, 2}: l.sw.cfg.RouterMAC,
		b.v4.As4(): b.mac, c.v4.As4(): c.mac,
	}
	want6 := map[[16]byte][6]byte{
		subnet6.Addr().Next().As16(): l.sw.cfg.RouterMAC, routerLinkLocal: l.sw.cfg.RouterMAC,
		b.v6.As16(): b.mac, c.v6.As16(): c.mac,
	}
	for _, f := range l.got(a) {
		if [6]byte(f[:6]) != a.mac {
			t.Errorf("announced to %x", f[:6])
		}
		if f[12] == 0x86 && f[13] == 0xdd { // a neighbour advertisement: its target
			target := [16]byte(f[packet.EthernetLen+40+8:])
			if mac, ok := want6[target]; !ok || [6]byte(f[6:12]) != mac {
				t.Errorf("advertised %x from %x", target, f[6:12])
			}
			delete(want6, target)
			continue
		}
		arp := packet.ARP(f[packet.EthernetLen:])
		ip := [4]byte(arp.SenderIP())
		if mac, ok := want[ip]; !ok || [6]byte(arp.SenderMAC()) != mac || [6]byte(f[:6]) != a.mac {
			t.Errorf("announced %v at %x to %x", ip, arp.SenderMAC(), f[:6])
		}
		delete(want, ip)
	}
	if len(want) != 0 || len(want6) != 0 {
		t.Errorf("not announced: %v %v", want, want6)
	}
	if n, _ := l.sw.Announce("eni-none"); n != 0 {
		t.Errorf("Announce of an unknown interface sent %d frames", n)
	}
}
