package vswitch

import (
	"bytes"
	"net/netip"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"sgswitch/packet"
	"sgswitch/packet/packettest"
	"sgswitch/ruleset"
)

func TestARPAnswers(t *testing.T) {
	l := newLab(t)
	a, b := l.node("a"), l.node("b")
	l.publish()
	router := l.sw.cfg.RouterMAC
	for _, tc := range []struct {
		target netip.Addr
		mac    []byte // nil: no answer
	}{
		{b.v4, b.mac[:]},
		{netip.MustParseAddr("198.18.0.1"), router[:]},
		{netip.MustParseAddr("198.18.0.2"), router[:]},
		{netip.MustParseAddr("198.18.0.99"), nil},
		{a.v4, nil},
	} {
		l.send(a, packettest.ARPRequest(a.mac, a.v4, tc.target))
		got := l.got(a)
		if tc.mac == nil {
			if len(got) != 0 || len(l.got(b)) != 0 {
				t.Fatalf("ARP for %v answered or flooded", tc.target)
			}
			continue
		}
		if len(got) != 1 {
			t.Fatalf("ARP for %v: %d replies", tc.target, len(got))
		}
		arp := gopacket.NewPacket(got[0], layers.LayerTypeEthernet, gopacket.Default).Layer(layers.LayerTypeARP).(*layers.ARP)
		if arp.Operation != layers.ARPReply || !bytes.Equal(arp.SourceHwAddress, tc.mac) ||
			!bytes.Equal(arp.SourceProtAddress, tc.target.AsSlice()) || !bytes.Equal(arp.DstProtAddress, a.v4.AsSlice()) {
			t.Fatalf("ARP reply for %v: %+v", tc.target, arp)
		}
	}
	// A request claiming another sender address is spoofed.
	l.send(a, packettest.ARPRequest(a.mac, b.v4, netip.MustParseAddr("198.18.0.1")))
	if len(l.got(a)) != 0 || l.drops(a, Egress, DropSpoofedIP) != 1 {
		t.Fatal("spoofed ARP answered")
	}
	st, _ := l.sw.Stats(a.eni)
	if st.ARPReplies != 3 {
		t.Fatalf("ARPReplies %d", st.ARPReplies)
	}
}

func TestNeighborSolicitationAnswers(t *testing.T) {
	l := newLab(t)
	a, b := l.node("a"), l.node("b")
	l.publish()
	ll := netip.MustParseAddr("fe80::1:2")
	for _, tc := range []struct {
		src, target netip.Addr
		mac         []byte
		router      bool
	}{
		{a.v6, b.v6, b.mac[:], false},
		{ll, b.v6, b.mac[:], false},
		{ll, netip.MustParseAddr("fd00:5e5e:0:1::1"), l.sw.cfg.RouterMAC[:], true},
		{ll, netip.MustParseAddr("fe80:ec2::1"), l.sw.cfg.RouterMAC[:], true},
		{ll, netip.MustParseAddr("fd00:5e5e:0:1::99"), nil, false},
		{netip.IPv6Unspecified(), a.v6, nil, false}, // DAD
	} {
		l.send(a, packettest.NeighborSolicit(a.mac, tc.src, tc.target))
		got := l.got(a)
		if tc.mac == nil {
			if len(got) != 0 {
				t.Fatalf("NS for %v from %v answered", tc.target, tc.src)
			}
			continue
		}
		if len(got) != 1 {
			t.Fatalf("NS for %v: %d replies (drops %v)", tc.target, len(got), l.dropList(a))
		}
		pkt := gopacket.NewPacket(got[0], layers.LayerTypeEthernet, gopacket.Default)
		na, ok := pkt.Layer(layers.LayerTypeICMPv6NeighborAdvertisement).(*layers.ICMPv6NeighborAdvertisement)
		ip := pkt.Layer(layers.LayerTypeIPv6).(*layers.IPv6)
		if !ok || !na.TargetAddress.Equal(tc.target.AsSlice()) || !na.Solicited() || na.Router() != tc.router ||
			!bytes.Equal(na.Options[0].Data, tc.mac) || !ip.DstIP.Equal(tc.src.AsSlice()) || ip.HopLimit != 255 {
			t.Fatalf("NA for %v: %+v", tc.target, na)
		}
	}
	// A solicitation from a global address that is not the port's.
	l.send(a, packettest.NeighborSolicit(a.mac, b.v6, netip.MustParseAddr("fd00:5e5e:0:1::1")))
	if len(l.got(a)) != 0 || l.drops(a, Egress, DropSpoofedIP) != 1 {
		t.Fatal("spoofed NS answered")
	}
}

func TestSourceDestinationCheck(t *testing.T) {
	l := newLab(t)
	g := l.group("open")
	l.ingress(g, allCIDR("0.0.0.0/0"))
	l.egress(g, allCIDR("0.0.0.0/0"))
	a, b, c := l.node("a", g), l.node("b", g), l.node("c", g)
	l.publish()
	l.expect(true, a, b, udp(a, b, 4, 1, 2))
	spoofMAC := udp(a, b, 4, 1, 2)
	copy(spoofMAC[6:12], c.mac[:])
	l.expect(false, a, b, spoofMAC)
	spoofIP := packettest.Frame{SrcMAC: a.mac, DstMAC: b.mac, Src: c.v4, Dst: b.v4, Proto: packet.ProtoUDP, SrcPort: 1, DstPort: 2}.Bytes()
	l.expect(false, a, b, spoofIP)
	if l.drops(a, Egress, DropSpoofedMAC) != 1 || l.drops(a, Egress, DropSpoofedIP) != 1 {
		t.Fatalf("drops %v", l.dropList(a))
	}
	// Broadcast and multicast other than ARP/ND/DHCP are dropped and counted.
	bcast := udp(a, b, 4, 1, 2)
	copy(bcast[0:6], []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	mcast := udp(a, b, 4, 1, 2)
	copy(mcast[0:6], []byte{0x01, 0x00, 0x5e, 0, 0, 1})
	l.send(a, bcast, mcast)
	if len(l.got(b)) != 0 || len(l.got(c)) != 0 || l.drops(a, Egress, DropBroadcast) != 1 || l.drops(a, Egress, DropMulticast) != 1 {
		t.Fatalf("broadcast/multicast: %v", l.dropList(a))
	}
	// Outside the subnet there is no route; inside, no such host.
	out := packettest.Frame{SrcMAC: a.mac, DstMAC: l.sw.cfg.RouterMAC, Src: a.v4, Dst: netip.MustParseAddr("198.19.0.1"), Proto: packet.ProtoUDP}.Bytes()
	none := packettest.Frame{SrcMAC: a.mac, DstMAC: l.sw.cfg.RouterMAC, Src: a.v4, Dst: netip.MustParseAddr("198.18.0.200"), Proto: packet.ProtoUDP}.Bytes()
	l.send(a, out, none)
	if l.drops(a, Egress, DropNoRoute) != 1 || l.drops(a, Egress, DropNoDestination) != 1 {
		t.Fatalf("routing drops %v", l.dropList(a))
	}
	// Sent to the router's MAC, a frame for a subnet host is delivered to
	// it with that host's MAC.
	via := packettest.Frame{SrcMAC: a.mac, DstMAC: l.sw.cfg.RouterMAC, Src: a.v4, Dst: b.v4, Proto: packet.ProtoUDP, SrcPort: 1, DstPort: 2}.Bytes()
	l.send(a, via)
	got := l.got(b)
	if len(got) != 1 || !bytes.Equal(got[0][0:6], b.mac[:]) {
		t.Fatalf("routed frame: %d", len(got))
	}
}

// echoService answers every frame with a copy of it (enough to observe
// that link-local traffic reached a service).
type echoService struct{}

func (echoService) Serve(_ string, frame []byte, reply func([]byte)) { reply(frame) }

func metadataFrame(n *node) []byte {
	return packettest.Frame{SrcMAC: n.mac, DstMAC: [6]byte{0x02, 0x5e, 0x5e, 0, 0, 1}, Src: n.v4,
		Dst: netip.MustParseAddr("169.254.169.254"), Proto: packet.ProtoTCP, SrcPort: 40000, DstPort: 80, TCPFlags: syn}.Bytes()
}

// TestLinkLocalBypassesGroups: traffic to the services EC2 does not filter
// passes with no rule at all; DNS at base+2 too. Without a Service it is
// dropped as no-service.
func TestLinkLocalBypassesGroups(t *testing.T) {
	l := newLabConfig(t, Config{Service: echoService{}}, ruleset.VPCConfig{})
	g := l.group("closed") // no rules in either direction
	a := l.node("a", g)
	l.publish()
	dns := packettest.Frame{SrcMAC: a.mac, DstMAC: l.sw.cfg.RouterMAC, Src: a.v4, Dst: netip.MustParseAddr("198.18.0.2"),
		Proto: packet.ProtoUDP, SrcPort: 5353, DstPort: 53}.Bytes()
	dns6 := packettest.Frame{SrcMAC: a.mac, DstMAC: l.sw.cfg.RouterMAC, Src: a.v6, Dst: netip.MustParseAddr("fd00:ec2::253"),
		Proto: packet.ProtoUDP, SrcPort: 5353, DstPort: 53}.Bytes()
	dhcp := packettest.Frame{SrcMAC: a.mac, DstMAC: [6]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, Src: netip.IPv4Unspecified(),
		Dst: netip.MustParseAddr("255.255.255.255"), Proto: packet.ProtoUDP, SrcPort: 68, DstPort: 67}.Bytes()
	l.send(a, metadataFrame(a), dns, dns6, dhcp)
	if n := len(l.got(a)); n != 4 {
		t.Fatalf("service got %d frames, want 4 (drops %v)", n, l.dropList(a))
	}

	l2 := newLab(t)
	b := l2.node("b")
	l2.publish()
	l2.send(b, metadataFrame(b))
	if l2.drops(b, Egress, DropNoService) != 1 {
		t.Fatalf("no-service drops: %v", l2.dropList(b))
	}
}

// TestARPFromOtherAddressWithCheckOff: an interface with its source/dest
// check off (a forwarding instance) may ask from an address that is not
// its own, as Linux does when the packet it is about to send has its other
// interface's address, and is answered; with the check on the same request
// is a counted spoofing drop.
func TestARPFromOtherAddressWithCheckOff(t *testing.T) {
	nl := newNetLab(t)
	fwd := nl.host("fwd", "a", "10.0.1.5", false)
	peer := nl.host("peer", "a", "10.0.1.10", true)
	strict := nl.host("strict", "a", "10.0.1.20", true)
	nl.publish()
	other := netip.MustParseAddr("10.0.2.5") // the forwarder's address in subnet b
	nl.send(fwd, packettest.ARPRequest(fwd.mac, other, peer.v4))
	got := nl.got(fwd)
	if len(got) != 1 {
		t.Fatalf("ARP from another address with the check off: %d replies, drops %v", len(got), nl.dropList(fwd))
	}
	arp := gopacket.NewPacket(got[0], layers.LayerTypeEthernet, gopacket.Default).Layer(layers.LayerTypeARP).(*layers.ARP)
	if !bytes.Equal(arp.SourceHwAddress, peer.mac[:]) || !bytes.Equal(arp.DstProtAddress, other.AsSlice()) {
		t.Fatalf("reply %+v", arp)
	}
	nl.send(strict, packettest.ARPRequest(strict.mac, other, peer.v4))
	if len(nl.got(strict)) != 0 || nl.drops(strict, Egress, DropSpoofedIP) != 1 {
		t.Fatal("ARP from another address answered with the check on")
	}
}
