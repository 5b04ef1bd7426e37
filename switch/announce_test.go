package vswitch

import (
	"testing"

	"sgswitch/packet"
)

// A port is told the router, the resolver and every other interface
// (ARP replies addressed to it), and nothing about itself.
func TestAnnounceTellsAPortItsNeighbours(t *testing.T) {
	l := newLab(t)
	a, b, c := l.node("a"), l.node("b"), l.node("c")
	l.publish()
	n, err := l.sw.Announce(a.eni)
	if err != nil || n != 4 {
		t.Fatalf("Announce = %d, %v; want 4 frames (router, resolver, b, c)", n, err)
	}
	want := map[[4]byte][6]byte{
		{198, 18, 0, 1}: l.sw.cfg.RouterMAC, {198, 18, 0, 2}: l.sw.cfg.RouterMAC,
		b.v4.As4(): b.mac, c.v4.As4(): c.mac,
	}
	for _, f := range l.got(a) {
		arp := packet.ARP(f[packet.EthernetLen:])
		ip := [4]byte(arp.SenderIP())
		if mac, ok := want[ip]; !ok || [6]byte(arp.SenderMAC()) != mac || [6]byte(f[:6]) != a.mac {
			t.Errorf("announced %v at %x to %x", ip, arp.SenderMAC(), f[:6])
		}
		delete(want, ip)
	}
	if len(want) != 0 {
		t.Errorf("not announced: %v", want)
	}
	if n, _ := l.sw.Announce("eni-none"); n != 0 {
		t.Errorf("Announce of an unknown interface sent %d frames", n)
	}
}
