package vswitch

import (
	"errors"
	"net"
	"net/netip"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/insomniacslk/dhcp/dhcpv4"
	"github.com/miekg/dns"

	"sgswitch/iface"
	"sgswitch/iface/memport"
	"sgswitch/packet"
	"sgswitch/packet/packettest"
	"sgswitch/ruleset"
	"sgswitch/vpcsvc"
)

// routerSolicit is a Router Solicitation from n's link-local address.
func routerSolicit(n *node) []byte {
	return packettest.Frame{SrcMAC: n.mac, DstMAC: [6]byte{0x33, 0x33, 0, 0, 0, 2},
		Src: netip.MustParseAddr("fe80::1:2"), Dst: netip.MustParseAddr("ff02::2"),
		Proto: packet.ProtoICMPv6, ICMPType: packet.ICMPv6RouterSolicit, TTL: 255}.Bytes()
}

// TestRouterSolicitationToService: an RS from an interface with IPv6 goes
// to the Service, charged to the link-local allowance; a Router
// Advertisement from an instance is still consumed, and without a
// Service the RS is a no-service drop.
func TestRouterSolicitationToService(t *testing.T) {
	l := newLabConfig(t, Config{Service: echoService{}}, ruleset.VPCConfig{})
	a := l.node("a", l.group("closed"))
	l.publish()
	rs := routerSolicit(a)
	l.send(a, rs)
	if got := l.got(a); len(got) != 1 || string(got[0]) != string(rs) {
		t.Fatalf("RS not served: %d frames, drops %v", len(got), l.dropList(a))
	}
	ra := packettest.Frame{SrcMAC: a.mac, DstMAC: [6]byte{0x33, 0x33, 0, 0, 0, 1},
		Src: netip.MustParseAddr("fe80::1:2"), Dst: netip.MustParseAddr("ff02::1"),
		Proto: packet.ProtoICMPv6, ICMPType: packet.ICMPv6RouterSolicit + 1, TTL: 255}.Bytes()
	l.send(a, ra)
	if len(l.got(a)) != 0 || l.drops(a, Egress, DropNeighborIgnored) != 1 {
		t.Fatalf("RA from an instance not consumed: %v", l.dropList(a))
	}
	l = newLab(t)
	b := l.node("b")
	l.publish()
	l.send(b, routerSolicit(b))
	if len(l.got(b)) != 0 || l.drops(b, Egress, DropNoService) != 1 {
		t.Fatalf("RS without a service: %v", l.dropList(b))
	}
}

func TestSend(t *testing.T) {
	l := newLab(t)
	a, b := l.node("a"), l.node("b")
	if err := l.sw.Send(a.eni, metadataFrame(a)); !errors.Is(err, ErrUnknownInterface) {
		t.Fatalf("before publishing: %v", err)
	}
	l.publish()
	f := metadataFrame(b) // any frame will do
	if err := l.sw.Send(a.eni, f); err != nil {
		t.Fatal(err)
	}
	got := l.got(a)
	st, _ := l.sw.Stats(a.eni)
	if len(got) != 1 || string(got[0]) != string(f) || st.TxFrames != 1 || st.TxBytes != uint64(len(f)) {
		t.Fatalf("sent %d frames, stats tx %d/%d", len(got), st.TxFrames, st.TxBytes)
	}
	if err := l.sw.Send("eni-nope", f); !errors.Is(err, ErrUnknownInterface) {
		t.Fatalf("unknown interface: %v", err)
	}
	if err := l.sw.Send(a.eni, make([]byte, 9000)); !errors.Is(err, ErrFrameSize) {
		t.Fatalf("oversized frame: %v", err)
	}
	l.must(l.sw.RemovePort(b.eni))
	if err := l.sw.Send(b.eni, f); !errors.Is(err, ErrNoSuchPort) {
		t.Fatalf("no port: %v", err)
	}
}

// labDirectory is a vpcsvc.Directory over a lab's nodes (one subnet).
type labDirectory map[string]*node

func (d labDirectory) iface(n *node) vpcsvc.Interface {
	return vpcsvc.Interface{ID: n.eni, MAC: net.HardwareAddr(n.mac[:]),
		IPv4: []netip.Addr{n.v4}, IPv6: []netip.Addr{n.v6}, Subnet4: subnet4, Subnet6: subnet6,
		VpcCIDR4: []netip.Prefix{subnet4}, Router: netip.MustParseAddr("198.18.0.1"), DNS: netip.MustParseAddr("198.18.0.2"),
		VpcID: "vpc-lab", Region: "us-east-1", EnableDnsSupport: true}
}

func (d labDirectory) Interface(id string) (vpcsvc.Interface, bool) {
	for _, n := range d {
		if n.eni == id {
			return d.iface(n), true
		}
	}
	return vpcsvc.Interface{}, false
}

func (d labDirectory) InterfaceByAddr(_ string, a netip.Addr) (vpcsvc.Interface, bool) {
	for _, n := range d {
		if n.v4 == a || n.v6 == a {
			return d.iface(n), true
		}
	}
	return vpcsvc.Interface{}, false
}

func (d labDirectory) Instance(string) (vpcsvc.Instance, bool) { return vpcsvc.Instance{}, false }

func (d labDirectory) InstanceByName(_, name string) (vpcsvc.Instance, bool) {
	if n := d[name]; n != nil {
		return vpcsvc.Instance{Name: name, Interfaces: map[int]string{0: n.eni}}, true
	}
	return vpcsvc.Instance{}, false
}

// TestVPCServices: through the switch, with security groups that deny
// everything, a DHCP DISCOVER gets an OFFER and a DNS query to base+2 an
// answer.
func TestVPCServices(t *testing.T) {
	dir := labDirectory{}
	svc := vpcsvc.New(vpcsvc.Config{Directory: dir})
	l := newLabConfig(t, Config{Service: svc}, ruleset.VPCConfig{})
	closed := l.group("closed")
	a, web := l.node("a", closed), l.node("web1", closed)
	dir["a"], dir["web1"] = a, web
	l.publish()

	disc, err := dhcpv4.NewDiscovery(net.HardwareAddr(a.mac[:]), dhcpv4.WithBroadcast(true))
	l.must(err)
	l.send(a, svcUDPFrame(t, a.mac, [6]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, "0.0.0.0", "255.255.255.255", 68, 67, disc.ToBytes()))
	got := l.got(a)
	if len(got) != 1 {
		t.Fatalf("DISCOVER: %d replies, drops %v, service %+v", len(got), l.dropList(a), svc.Stats().DHCPv4)
	}
	offer, err := dhcpv4.FromBytes(udpPayload(t, got[0]))
	l.must(err)
	if offer.MessageType() != dhcpv4.MessageTypeOffer || !offer.YourIPAddr.Equal(a.v4.AsSlice()) {
		t.Fatalf("reply %s", offer.Summary())
	}

	q := new(dns.Msg)
	q.SetQuestion("web1.", dns.TypeA)
	b, err := q.Pack()
	l.must(err)
	l.send(a, svcUDPFrame(t, a.mac, l.sw.cfg.RouterMAC, a.v4.String(), "198.18.0.2", 35353, 53, b))
	got = l.got(a)
	if len(got) != 1 {
		t.Fatalf("DNS: %d replies, drops %v, service %+v", len(got), l.dropList(a), svc.Stats().DNS)
	}
	m := new(dns.Msg)
	l.must(m.Unpack(udpPayload(t, got[0])))
	if len(m.Answer) != 1 || m.Answer[0].(*dns.A).A.String() != web.v4.String() {
		t.Fatalf("answer %v", m)
	}
}

func svcUDPFrame(t *testing.T, src, dst [6]byte, from, to string, sport, dport uint16, payload []byte) []byte {
	return packettest.Frame{SrcMAC: src, DstMAC: dst, Src: netip.MustParseAddr(from), Dst: netip.MustParseAddr(to),
		Proto: packet.ProtoUDP, SrcPort: sport, DstPort: dport, Payload: payload}.Bytes()
}

func udpPayload(t *testing.T, frame []byte) []byte {
	t.Helper()
	u, ok := gopacket.NewPacket(frame, layers.LayerTypeEthernet, gopacket.Default).Layer(layers.LayerTypeUDP).(*layers.UDP)
	if !ok {
		t.Fatal("not UDP")
	}
	return u.Payload
}

// countService counts the frames handed to it.
type countService struct{ n *int }

func (c countService) Serve(string, []byte, func([]byte)) { *c.n++ }

// TestResolverAtEverySubnetBase2: the resolver answers at the VPC's
// base+2 and at the sender subnet's own base+2 (which the switch answers
// ARP for); another subnet's base+2 is a reserved address, not a service.
func TestResolverAtEverySubnetBase2(t *testing.T) {
	served := 0
	vl := newVPCLab(t)
	vl.lab.sw = New(Config{Clock: vl.clock, FlowCapacity: 1 << 16, Service: countService{&served}})
	vl.addVPC("v", "198.18.0.0/16", "", map[string][2]string{"a": {"198.18.1.0/24", ""}, "b": {"198.18.2.0/24", ""}})
	h := vl.host("h", "v", "b", "198.18.2.10", "", true)
	vl.publish()
	for _, c := range []struct {
		to   string
		want int
	}{{"198.18.2.2", 1}, {"198.18.0.2", 1}, {"198.18.1.2", 0}} {
		before := served
		vl.send(h, svcUDPFrame(t, h.mac, vl.sw.cfg.RouterMAC, "198.18.2.10", c.to, 35353, 53, []byte("q")))
		if served-before != c.want {
			t.Errorf("to %s: %d frames served, want %d (drops %v)", c.to, served-before, c.want, vl.dropList(h))
		}
	}
}

// recordService keeps a copy of every frame handed to it.
type recordService struct{ frames *[][]byte }

func (r recordService) Serve(_ string, frame []byte, _ func([]byte)) {
	*r.frames = append(*r.frames, append([]byte(nil), frame...))
}

// TestServiceSeesWireFrames: a VM's frames to a service come with the
// checksum left to the "NIC" (NEEDS_CSUM) or as a TSO super-frame; the
// service gets what a wire would carry: complete checksums, one frame
// per segment, each charged to the link-local allowance.
func TestServiceSeesWireFrames(t *testing.T) {
	var frames [][]byte
	l := newLabConfig(t, Config{Service: recordService{&frames}}, ruleset.VPCConfig{})
	l.portCfg = memport.Config{GSO: true}
	vm := l.node("vm", l.group("closed"))
	l.publish()

	imds := &node{mac: [6]byte{0x02, 0x5e, 0x5e, 0, 0, 1}, v4: netip.MustParseAddr("169.254.169.254")}
	frame, hdr := superFrame(vm, imds, 2500)
	vm.port.InjectGSO(hdr, frame)
	l.step(vm)
	if len(frames) != 3 {
		t.Fatalf("super-frame: %d frames served, want 3 segments (drops %v)", len(frames), l.dropList(vm))
	}
	for i, f := range frames {
		if !checksumsOK(f) {
			t.Errorf("segment %d: bad checksum", i)
		}
	}

	frames = nil
	q := svcUDPFrame(t, vm.mac, l.sw.cfg.RouterMAC, vm.v4.String(), "169.254.169.253", 35353, 53, []byte("query"))
	// What a guest leaves in the field: the pseudo-header's sum, folded,
	// not complemented; the "NIC" adds the rest.
	ps := ^packet.Fold(packet.PseudoSum4([4]byte(vm.v4.AsSlice()), [4]byte{169, 254, 169, 253}, packet.ProtoUDP, len(q)-34))
	q[40], q[41] = byte(ps>>8), byte(ps)
	vm.port.InjectGSO(iface.VirtioNetHdr{Flags: iface.VirtioNetHdrFNeedsCsum, CsumStart: 34, CsumOffset: 6}, q)
	l.step(vm)
	if len(frames) != 1 || !checksumsOK(frames[0]) {
		t.Fatalf("NEEDS_CSUM: %d frames, checksum ok %v", len(frames), len(frames) == 1 && checksumsOK(frames[0]))
	}
}

// checksumsOK verifies a frame's IPv4 header and TCP/UDP checksums.
func checksumsOK(frame []byte) bool {
	p, r := packet.Parse(frame)
	if r != packet.OK || p.Family != 4 {
		return false
	}
	ihl := int(frame[p.L3Off]&0xf) * 4
	l4 := frame[p.L4Off:p.End]
	pseudo := packet.PseudoSum4([4]byte(p.Src[:4]), [4]byte(p.Dst[:4]), p.Proto, len(l4))
	return packet.Checksum(frame[p.L3Off:int(p.L3Off)+ihl]) == 0 && packet.Fold(packet.Sum(l4, pseudo)) == 0
}
