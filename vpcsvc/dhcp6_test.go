package vpcsvc

import (
	"net/netip"
	"testing"

	"github.com/insomniacslk/dhcp/dhcpv6"
	"github.com/mdlayher/ndp"
)

const clientLL = "fe80::11"

func TestDHCPv6(t *testing.T) {
	solicit := func(mods ...dhcpv6.Modifier) *dhcpv6.Message {
		m, err := dhcpv6.NewSolicit(clientMAC, mods...)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	adv := advertise(t, solicit())
	request, err := dhcpv6.NewRequestFromAdvertise(adv)
	if err != nil {
		t.Fatal(err)
	}
	info, err := dhcpv6.NewMessage(dhcpv6.WithClientID(&dhcpv6.DUIDLL{HWType: 1, LinkLayerAddr: clientMAC}))
	if err != nil {
		t.Fatal(err)
	}
	info.MessageType = dhcpv6.MessageTypeInformationRequest
	otherServer, _ := dhcpv6.NewRequestFromAdvertise(adv)
	otherServer.UpdateOption(dhcpv6.OptServerID(&dhcpv6.DUIDLL{HWType: 1, LinkLayerAddr: clientMAC}))
	for _, tc := range []struct {
		name  string
		req   *dhcpv6.Message
		want  dhcpv6.MessageType // 0: no reply
		addrs bool
	}{
		{"solicit", solicit(), dhcpv6.MessageTypeAdvertise, true},
		{"solicit rapid commit", solicit(dhcpv6.WithRapidCommit), dhcpv6.MessageTypeReply, true},
		{"request", request, dhcpv6.MessageTypeReply, true},
		{"information request", info, dhcpv6.MessageTypeReply, false},
		{"request for another server", otherServer, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestServer(testDir(), 0)
			frame := udpReq(t, []byte{0x33, 0x33, 0, 1, 0, 2}, clientLL, "ff02::1:2", 546, 547, tc.req.ToBytes())
			out := serve(s, "eni-1", frame)
			if tc.want == 0 {
				if len(out) != 0 || s.Stats().DHCPv6.Ignored != 1 {
					t.Fatalf("answered, or not counted: %+v", s.Stats().DHCPv6)
				}
				return
			}
			if len(out) != 1 {
				t.Fatalf("%d replies, stats %+v", len(out), s.Stats().DHCPv6)
			}
			d := decode(t, out[0])
			if d.src != routerLinkLocal || d.dst != netip.MustParseAddr(clientLL) || d.udp.SrcPort != 547 || d.udp.DstPort != 546 ||
				d.eth.SrcMAC.String() != routerMAC.String() || d.eth.DstMAC.String() != clientMAC.String() {
				t.Fatalf("reply %s → %s", d.src, d.dst)
			}
			m, err := dhcpv6.MessageFromBytes(d.payload)
			if err != nil {
				t.Fatal(err)
			}
			if m.Type() != tc.want || m.TransactionID != tc.req.TransactionID || !m.Options.ServerID().Equal(serverDUID([6]byte(routerMAC))) {
				t.Fatalf("reply %s", m.Summary())
			}
			if dns := m.Options.DNS(); len(dns) != 1 || !dns[0].Equal(dnsAddr6.AsSlice()) {
				t.Errorf("DNS %v", dns)
			}
			if l := m.Options.DomainSearchList(); l == nil || len(l.Labels) != 1 || l.Labels[0] != "ec2.internal" {
				t.Errorf("search list %v", l)
			}
			ia := m.Options.OneIANA()
			if !tc.addrs {
				if ia != nil {
					t.Fatalf("IA_NA in %s", m.Summary())
				}
				return
			}
			if ia == nil || ia.IaId != tc.req.Options.OneIANA().IaId || len(ia.Options.Addresses()) != 1 ||
				!ia.Options.OneAddress().IPv6Addr.Equal(netip.MustParseAddr("fd00:5e5e:0:1::11").AsSlice()) {
				t.Fatalf("IA_NA %v", ia)
			}
		})
	}
}

func TestRouterAdvert(t *testing.T) {
	for _, tc := range []struct {
		name, src, dst string
		mtu            int
	}{
		{"from link-local", clientLL, clientLL, 0},
		{"from unspecified", "::", "ff02::1", 1500},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rs, err := ndp.MarshalMessageChecksum(&ndp.RouterSolicitation{}, netip.MustParseAddr(tc.src), netip.MustParseAddr("ff02::2"))
			if err != nil {
				t.Fatal(err)
			}
			frame, err := icmp6Frame(endpoint{mac: clientMAC, addr: netip.MustParseAddr(tc.src)},
				endpoint{mac: []byte{0x33, 0x33, 0, 0, 0, 2}, addr: netip.MustParseAddr("ff02::2")}, rs)
			if err != nil {
				t.Fatal(err)
			}
			s := newTestServer(testDir(), tc.mtu)
			out := serve(s, "eni-1", frame)
			if len(out) != 1 {
				t.Fatalf("%d replies, stats %+v", len(out), s.Stats().RouterAdvert)
			}
			d := decode(t, out[0])
			if d.src != routerLinkLocal || d.dst != netip.MustParseAddr(tc.dst) || d.eth.SrcMAC.String() != routerMAC.String() {
				t.Fatalf("RA %s → %s from %s", d.src, d.dst, d.eth.SrcMAC)
			}
			if out[0][14+7] != 255 {
				t.Fatalf("hop limit %d", out[0][14+7])
			}
			msg, err := ndp.ParseMessage(d.payload)
			if err != nil {
				t.Fatal(err)
			}
			ra := msg.(*ndp.RouterAdvertisement)
			if !ra.ManagedConfiguration || ra.RouterLifetime != routerLifetime {
				t.Fatalf("RA %+v", ra)
			}
			var pi *ndp.PrefixInformation
			var lla *ndp.LinkLayerAddress
			var mtu *ndp.MTU
			for _, o := range ra.Options {
				switch o := o.(type) {
				case *ndp.PrefixInformation:
					pi = o
				case *ndp.LinkLayerAddress:
					lla = o
				case *ndp.MTU:
					mtu = o
				}
			}
			if pi == nil || pi.Prefix != netip.MustParseAddr("fd00:5e5e:0:1::") || pi.PrefixLength != 64 || !pi.OnLink || pi.AutonomousAddressConfiguration {
				t.Fatalf("prefix %+v", pi)
			}
			if lla == nil || lla.Direction != ndp.Source || lla.Addr.String() != routerMAC.String() {
				t.Fatalf("source link-layer address %+v", lla)
			}
			if (tc.mtu > 0) != (mtu != nil) || mtu != nil && int(mtu.MTU) != tc.mtu {
				t.Fatalf("MTU %+v, configured %d", mtu, tc.mtu)
			}
		})
	}
}

// advertise is the server's answer to sol.
func advertise(t *testing.T, sol *dhcpv6.Message) *dhcpv6.Message {
	t.Helper()
	out := serve(newTestServer(testDir(), 0), "eni-1", udpReq(t, []byte{0x33, 0x33, 0, 1, 0, 2}, clientLL, "ff02::1:2", 546, 547, sol.ToBytes()))
	if len(out) != 1 {
		t.Fatal("no advertise")
	}
	m, err := dhcpv6.MessageFromBytes(decode(t, out[0]).payload)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
