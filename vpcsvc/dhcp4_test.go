package vpcsvc

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
)

func dhcp4Frame(t *testing.T, src string, m *dhcpv4.DHCPv4) []byte {
	dstMAC, dst := broadcastMAC, "255.255.255.255"
	if src != "0.0.0.0" {
		dstMAC, dst = routerMAC, "198.18.0.1"
	}
	return udpReq(t, dstMAC, src, dst, 68, 67, m.ToBytes())
}

func TestDHCPv4(t *testing.T) {
	ip := net.IPv4(198, 18, 0, 0x11).To4()
	discover := func(bcast bool) *dhcpv4.DHCPv4 {
		m, err := dhcpv4.NewDiscovery(clientMAC, dhcpv4.WithBroadcast(bcast))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	request := func(asked net.IP, bcast bool) *dhcpv4.DHCPv4 {
		m := discover(bcast)
		m.UpdateOption(dhcpv4.OptMessageType(dhcpv4.MessageTypeRequest))
		m.UpdateOption(dhcpv4.OptRequestedIPAddress(asked))
		m.UpdateOption(dhcpv4.OptServerIdentifier(net.IPv4(198, 18, 0, 1)))
		return m
	}
	renew := request(nil, false)
	renew.Options.Del(dhcpv4.OptionRequestedIPAddress)
	renew.Options.Del(dhcpv4.OptionServerIdentifier)
	renew.ClientIPAddr = ip
	inform, err := dhcpv4.NewInform(clientMAC, ip)
	if err != nil {
		t.Fatal(err)
	}
	otherServer := request(ip, true)
	otherServer.UpdateOption(dhcpv4.OptServerIdentifier(net.IPv4(10, 0, 0, 1)))
	release := request(ip, false)
	release.UpdateOption(dhcpv4.OptMessageType(dhcpv4.MessageTypeRelease))

	for _, tc := range []struct {
		name    string
		src     string
		req     *dhcpv4.DHCPv4
		mtu     int
		want    dhcpv4.MessageType // 0: no reply
		wantDst string             // the reply's IP destination
		yiaddr  net.IP
	}{
		{"discover broadcast", "0.0.0.0", discover(true), 0, dhcpv4.MessageTypeOffer, "255.255.255.255", ip},
		{"discover unicast", "0.0.0.0", discover(false), 1500, dhcpv4.MessageTypeOffer, "198.18.0.17", ip},
		{"request", "0.0.0.0", request(ip, true), 0, dhcpv4.MessageTypeAck, "255.255.255.255", ip},
		{"request another address", "0.0.0.0", request(net.IPv4(198, 18, 0, 99), false), 0, dhcpv4.MessageTypeNak, "255.255.255.255", net.IPv4zero},
		{"renew", "198.18.0.17", renew, 0, dhcpv4.MessageTypeAck, "198.18.0.17", ip},
		{"inform", "198.18.0.17", inform, 0, dhcpv4.MessageTypeAck, "198.18.0.17", net.IPv4zero},
		{"request for another server", "0.0.0.0", otherServer, 0, 0, "", nil},
		{"release", "198.18.0.17", release, 0, 0, "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestServer(testDir(), tc.mtu)
			out := serve(s, "eni-1", dhcp4Frame(t, tc.src, tc.req))
			if tc.want == 0 {
				if len(out) != 0 || s.Stats().DHCPv4.Ignored != 1 {
					t.Fatalf("got %d replies, stats %+v; want none, one ignored", len(out), s.Stats().DHCPv4)
				}
				return
			}
			if len(out) != 1 {
				t.Fatalf("got %d replies, stats %+v", len(out), s.Stats().DHCPv4)
			}
			d := decode(t, out[0])
			if d.src != netip.MustParseAddr("198.18.0.1") || d.dst != netip.MustParseAddr(tc.wantDst) ||
				d.udp.SrcPort != 67 || d.udp.DstPort != 68 || d.eth.SrcMAC.String() != routerMAC.String() {
				t.Fatalf("reply %s:%d → %s:%d from %s", d.src, d.udp.SrcPort, d.dst, d.udp.DstPort, d.eth.SrcMAC)
			}
			wantMAC := clientMAC
			if tc.wantDst == "255.255.255.255" {
				wantMAC = broadcastMAC
			}
			if d.eth.DstMAC.String() != wantMAC.String() {
				t.Fatalf("to MAC %s, want %s", d.eth.DstMAC, wantMAC)
			}
			m, err := dhcpv4.FromBytes(d.payload)
			if err != nil {
				t.Fatal(err)
			}
			if m.MessageType() != tc.want || m.TransactionID != tc.req.TransactionID || !m.YourIPAddr.Equal(tc.yiaddr) {
				t.Fatalf("reply %s", m.Summary())
			}
			if tc.want == dhcpv4.MessageTypeNak {
				return
			}
			checkDHCP4Options(t, m, tc.mtu, tc.name != "inform")
		})
	}
}

func checkDHCP4Options(t *testing.T, m *dhcpv4.DHCPv4, mtu int, lease bool) {
	t.Helper()
	if got := m.SubnetMask().String(); got != "ffffff00" {
		t.Errorf("mask %s", got)
	}
	if r := m.Router(); len(r) != 1 || !r[0].Equal(net.IPv4(198, 18, 0, 1)) {
		t.Errorf("router %v", r)
	}
	if d := m.DNS(); len(d) != 1 || !d[0].Equal(net.IPv4(198, 18, 0, 2)) {
		t.Errorf("dns %v", d)
	}
	if m.DomainName() != "ec2.internal" || m.HostName() != "ip-198-18-0-17" {
		t.Errorf("domain %q host %q", m.DomainName(), m.HostName())
	}
	if b := dhcpv4.GetIP(dhcpv4.OptionBroadcastAddress, m.Options); !b.Equal(net.IPv4(198, 18, 0, 255)) {
		t.Errorf("broadcast %v", b)
	}
	if !m.ServerIdentifier().Equal(net.IPv4(198, 18, 0, 1)) {
		t.Errorf("server id %v", m.ServerIdentifier())
	}
	if got := m.IPAddressLeaseTime(0); lease != (got == time.Hour) {
		t.Errorf("lease %v (want one: %v)", got, lease)
	}
	mtuOpt := m.Options.Get(dhcpv4.OptionInterfaceMTU)
	if (mtu > 0) != (mtuOpt != nil) || mtu > 0 && int(mtuOpt[0])<<8|int(mtuOpt[1]) != mtu {
		t.Errorf("MTU option %v, configured %d", mtuOpt, mtu)
	}
}

// TestDHCPv4Refusals: every bad or unservable request is a counted drop.
func TestDHCPv4Refusals(t *testing.T) {
	dir := testDir()
	noV4 := testIface("eni-6", 0x16, "")
	noV4.IPv4, noV4.Subnet4 = nil, netip.Prefix{}
	dir.ifaces["eni-6"] = noV4
	m, _ := dhcpv4.NewDiscovery(clientMAC)
	s := newTestServer(dir, 0)
	garbage := udpReq(t, broadcastMAC, "0.0.0.0", "255.255.255.255", 68, 67, []byte("not dhcp"))
	for _, c := range []struct {
		eni   string
		frame []byte
	}{{"eni-1", garbage}, {"eni-404", dhcp4Frame(t, "0.0.0.0", m)}, {"eni-6", dhcp4Frame(t, "0.0.0.0", m)}} {
		if out := serve(s, c.eni, c.frame); len(out) != 0 {
			t.Fatalf("%s: answered", c.eni)
		}
	}
	st := s.Stats().DHCPv4
	if st.Requests != 3 || st.Malformed != 1 || st.UnknownInterface != 1 || st.NoService != 1 || st.Answers != 0 {
		t.Fatalf("stats %+v", st)
	}
}
