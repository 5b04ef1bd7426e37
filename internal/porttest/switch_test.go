package porttest

import (
	"context"
	"net"
	"net/netip"
	"testing"
	"time"

	"sgswitch/iface"
	"sgswitch/netns/netnstest"
	"sgswitch/ruleset"
	vswitch "sgswitch/switch"
)

// DeniedPort is a TCP port the e2e security group does not open.
const DeniedPort = 6000

var iperfPort = int32(5201)

// switchPair wires A (kind ka) and B (kind kb), in a scope of the test's
// own, to a running vswitch. Both ENIs are in one group that admits, from
// the subnet, TCP and UDP 5001-5010 and 5201 (iperf3), ICMP and ICMPv6
// (egress: the default allow-all).
func switchPair(t testing.TB, ka, kb Kind) (*Pair, *vswitch.Switch, [2]string) {
	t.Helper()
	s := netnstest.New(t)
	st, err := ruleset.NewState(ruleset.VPCConfig{CIDR: SubnetV4, IPv6CIDR: SubnetV6})
	if err != nil {
		t.Fatal(err)
	}
	g, err := st.CreateSecurityGroup("e2e", "iface e2e", nil)
	if err != nil {
		t.Fatal(err)
	}
	from, to := int32(5001), int32(5010)
	any := int32(-1)
	v4 := []ruleset.IpRange{{CidrIp: SubnetV4.String()}}
	v6 := []ruleset.Ipv6Range{{CidrIpv6: SubnetV6.String()}}
	perms := []ruleset.IpPermission{
		{IpProtocol: "tcp", FromPort: &from, ToPort: &to, IpRanges: v4, Ipv6Ranges: v6},
		{IpProtocol: "udp", FromPort: &from, ToPort: &to, IpRanges: v4, Ipv6Ranges: v6},
		{IpProtocol: "icmp", FromPort: &any, ToPort: &any, IpRanges: v4},
		{IpProtocol: "58", FromPort: &any, ToPort: &any, Ipv6Ranges: v6},
		{IpProtocol: "tcp", FromPort: &iperfPort, ToPort: &iperfPort, IpRanges: v4},
		{IpProtocol: "udp", FromPort: &iperfPort, ToPort: &iperfPort, IpRanges: v4},
	}
	if _, err := st.AuthorizeSecurityGroupIngress(g.GroupId, perms, nil); err != nil {
		t.Fatal(err)
	}
	var enis [2]string
	var macs [2]net.HardwareAddr
	for i, a := range []struct{ v4, v6 netip.Prefix }{{AddrA4, AddrA6}, {AddrB4, AddrB6}} {
		ni, err := st.CreateNetworkInterface(ruleset.ENISpec{Name: string(rune('a' + i)),
			IPv4: []netip.Addr{a.v4.Addr()}, IPv6: []netip.Addr{a.v6.Addr()}, Groups: []string{g.GroupId}})
		if err != nil {
			t.Fatal(err)
		}
		enis[i] = ni.NetworkInterfaceId
		if macs[i], err = net.ParseMAC(ni.MacAddress); err != nil {
			t.Fatal(err)
		}
	}
	p, err := NewPairMACs(s, ka, kb, 1500, macs[0], macs[1])
	if err != nil {
		t.Fatalf("wiring %s<->%s: %v", ka, kb, err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Errorf("closing the pair: %v", err)
		}
	})
	sw := vswitch.New(vswitch.Config{FlowCapacity: 1 << 14})
	if err := sw.Publish(ruleset.NewCompiler().Compile(st)); err != nil {
		t.Fatal(err)
	}
	for i, port := range []iface.Port{p.PortA, p.PortB} {
		if err := sw.AddPort(enis[i], port); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- sw.Run(ctx) }()
	t.Cleanup(func() { // runs before the pair's and the scope's (LIFO)
		cancel()
		if err := <-done; err != nil {
			t.Errorf("switch: %v", err)
		}
	})
	return p, sw, enis
}

func testThroughSwitch(t *testing.T, ka, kb Kind) {
	p, sw, enis := switchPair(t, ka, kb)
	checkConnectivity(t, p)
	before, _ := sw.Stats(enis[1])
	if err := TCPDenied(p.NsA, p.NsB, AddrB4.Addr(), DeniedPort, time.Second); err != nil {
		t.Errorf("tcp4 to denied port %d: %v", DeniedPort, err)
	}
	if err := TCPDenied(p.NsA, p.NsB, AddrB6.Addr(), DeniedPort, time.Second); err != nil {
		t.Errorf("tcp6 to denied port %d: %v", DeniedPort, err)
	}
	after, _ := sw.Stats(enis[1])
	if after.Rejects[vswitch.Ingress] <= before.Rejects[vswitch.Ingress] {
		t.Errorf("B's ingress rejects did not grow (%d -> %d)", before.Rejects[vswitch.Ingress], after.Rejects[vswitch.Ingress])
	}
	a, _ := sw.Stats(enis[0])
	t.Logf("A: rx %d tx %d frames, %d super-frames, %d segmented; B: ingress rejects %d",
		a.RxFrames, a.TxFrames, a.SuperFrames, a.Segmented, after.Rejects[vswitch.Ingress])
}

func TestSwitchTAPOffload(t *testing.T)        { testThroughSwitch(t, TAP, TAP) }
func TestSwitchTAPPlain(t *testing.T)          { testThroughSwitch(t, TAPPlain, TAPPlain) }
func TestSwitchAFXDP(t *testing.T)             { testThroughSwitch(t, AFXDP, AFXDP) }
func TestSwitchAFPacket(t *testing.T)          { testThroughSwitch(t, AFPacket, AFPacket) }
func TestSwitchTAPOffloadToAFXDP(t *testing.T) { testThroughSwitch(t, TAP, AFXDP) }
func TestSwitchAttachedVM(t *testing.T)        { testThroughSwitch(t, VMPacket, TAP) }
