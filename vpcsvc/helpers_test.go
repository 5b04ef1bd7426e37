package vpcsvc

import (
	"encoding/binary"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"sgswitch/packet"
)

// fakeDir is a Directory over maps.
type fakeDir struct {
	ifaces map[string]Interface
	insts  map[string]Instance
}

func (d *fakeDir) Interface(id string) (Interface, bool) { e, ok := d.ifaces[id]; return e, ok }

func (d *fakeDir) InterfaceByAddr(vpcID string, a netip.Addr) (Interface, bool) {
	for _, e := range d.ifaces {
		if e.VpcID != vpcID {
			continue
		}
		for _, x := range append(append([]netip.Addr{}, e.IPv4...), e.IPv6...) {
			if x == a {
				return e, true
			}
		}
	}
	return Interface{}, false
}

func (d *fakeDir) Instance(id string) (Instance, bool) { in, ok := d.insts[id]; return in, ok }

func (d *fakeDir) InstanceByName(vpcID, name string) (Instance, bool) {
	for _, in := range d.insts {
		if e, ok := d.ifaces[in.Interfaces[0]]; ok && in.Name == name && e.VpcID == vpcID {
			return in, true
		}
	}
	return Instance{}, false
}

var (
	clientMAC = net.HardwareAddr{0x02, 0, 0, 0, 0, 0x11}
	routerMAC = net.HardwareAddr{0x02, 0x5e, 0x5e, 0, 0, 1}
	t0        = time.Date(2026, 12, 6, 5, 0, 0, 0, time.UTC)
)

// testIface returns an interface of vpc-1 (198.18.0.0/16, subnet
// 198.18.0.0/24 and fd00:5e5e:0:1::/64) with the last byte host.
func testIface(id string, host byte, inst string) Interface {
	return Interface{
		ID: id, MAC: net.HardwareAddr{0x02, 0, 0, 0, 0, host},
		IPv4:     []netip.Addr{netip.AddrFrom4([4]byte{198, 18, 0, host})},
		IPv6:     []netip.Addr{netip.MustParseAddr("fd00:5e5e:0:1::" + string("0123456789abcdef"[host>>4]) + string("0123456789abcdef"[host&15]))},
		Subnet4:  netip.MustParsePrefix("198.18.0.0/24"),
		Subnet6:  netip.MustParsePrefix("fd00:5e5e:0:1::/64"),
		VpcCIDR4: []netip.Prefix{netip.MustParsePrefix("198.18.0.0/16")},
		VpcCIDR6: []netip.Prefix{netip.MustParsePrefix("fd00:5e5e::/56")},
		Router:   netip.MustParseAddr("198.18.0.1"), DNS: netip.MustParseAddr("198.18.0.2"),
		VpcID: "vpc-1", SubnetID: "subnet-1", AvailabilityZone: "us-east-1a", Region: "us-east-1",
		OwnerID: "123456789012", EnableDnsSupport: true, EnableDnsHostnames: true,
		InstanceID: inst,
	}
}

// testDir: eni-1 (198.18.0.17, instance i-01, node "app"), eni-2
// (198.18.0.18, i-02, "web1"), and eni-9 in another VPC (i-09, "db").
func testDir() *fakeDir {
	other := testIface("eni-9", 0x19, "i-09")
	other.VpcID = "vpc-2"
	return &fakeDir{
		ifaces: map[string]Interface{
			"eni-1": testIface("eni-1", 0x11, "i-01"),
			"eni-2": testIface("eni-2", 0x12, "i-02"),
			"eni-9": other,
		},
		insts: map[string]Instance{
			"i-01": {ID: "i-01", Name: "app", Interfaces: map[int]string{0: "eni-1"}},
			"i-02": {ID: "i-02", Name: "web1", Interfaces: map[int]string{0: "eni-2"}},
			"i-09": {ID: "i-09", Name: "db", Interfaces: map[int]string{0: "eni-9"}},
		},
	}
}

func newTestServer(dir Directory, mtu int) *Server {
	return New(Config{Directory: dir, MTU: mtu, Now: func() time.Time { return t0 }})
}

// serve runs one frame through s and returns its replies.
func serve(s *Server, eni string, frame []byte) [][]byte {
	var out [][]byte
	s.Serve(eni, frame, func(f []byte) { out = append(out, append([]byte(nil), f...)) })
	return out
}

// udpReq builds a UDP frame from the client.
func udpReq(t testing.TB, dstMAC net.HardwareAddr, src, dst string, sport, dport uint16, payload []byte) []byte {
	t.Helper()
	s, d := netip.MustParseAddr(src), netip.MustParseAddr(dst)
	f, err := udpFrame(endpoint{mac: clientMAC, addr: s, port: sport}, endpoint{mac: dstMAC, addr: d, port: dport}, payload)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// decoded is a reply taken apart, its checksums verified.
type decoded struct {
	eth     *layers.Ethernet
	src     netip.Addr
	dst     netip.Addr
	udp     *layers.UDP
	payload []byte // UDP or ICMPv6 payload
}

func decode(t *testing.T, frame []byte) decoded {
	t.Helper()
	verifyChecksums(t, frame)
	pk := gopacket.NewPacket(frame, layers.LayerTypeEthernet, gopacket.Default)
	if el := pk.ErrorLayer(); el != nil {
		t.Fatalf("reply does not decode: %v", el.Error())
	}
	var d decoded
	d.eth = pk.Layer(layers.LayerTypeEthernet).(*layers.Ethernet)
	switch ip := pk.NetworkLayer().(type) {
	case *layers.IPv4:
		d.src, _ = netip.AddrFromSlice(ip.SrcIP.To4())
		d.dst, _ = netip.AddrFromSlice(ip.DstIP.To4())
	case *layers.IPv6:
		d.src, _ = netip.AddrFromSlice(ip.SrcIP)
		d.dst, _ = netip.AddrFromSlice(ip.DstIP)
	}
	if u, ok := pk.Layer(layers.LayerTypeUDP).(*layers.UDP); ok {
		d.udp, d.payload = u, u.Payload
	} else if ic, ok := pk.Layer(layers.LayerTypeICMPv6).(*layers.ICMPv6); ok {
		d.payload = append(append([]byte{}, ic.Contents...), ic.Payload...)
	}
	return d
}

// verifyChecksums checks the IPv4 header checksum and the UDP / ICMPv6
// checksum of frame with the repo's own checksum code.
func verifyChecksums(t testing.TB, frame []byte) {
	t.Helper()
	p, r := packet.Parse(frame)
	if r != packet.OK {
		t.Fatalf("reply does not parse: %v", r)
	}
	l4 := frame[p.L4Off:p.End]
	var pseudo uint32
	if p.Family == 4 {
		ihl := int(frame[p.L3Off]&0xf) * 4
		if c := packet.Checksum(frame[p.L3Off : int(p.L3Off)+ihl]); c != 0 {
			t.Fatalf("IPv4 header checksum wrong (folds to %#x)", c)
		}
		pseudo = packet.PseudoSum4([4]byte(p.Src[:4]), [4]byte(p.Dst[:4]), p.Proto, len(l4))
	} else {
		pseudo = packet.PseudoSum6(p.Src, p.Dst, p.Proto, len(l4))
	}
	if p.Proto == packet.ProtoUDP && binary.BigEndian.Uint16(l4[6:]) == 0 {
		t.Fatal("UDP checksum missing")
	}
	if c := packet.Fold(packet.Sum(l4, pseudo)); c != 0 {
		t.Fatalf("L4 checksum wrong (sum folds to %#x)", c)
	}
}
