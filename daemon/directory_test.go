package daemon

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/miekg/dns"

	"sgswitch/account"
	"sgswitch/packet/packettest"
	"sgswitch/ruleset"
)

// TestDirectory: the dataplane's Directory follows the live account — a
// lab's interfaces with their subnet, router and resolver, its nodes as
// instances by id and by name — and a node's DNS query to base+2 is
// answered through the switch.
func TestDirectory(t *testing.T) {
	h := newSwitchHarness(t)
	ctx := context.Background()
	if _, err := h.d.ApplyLab(ctx, loadLab(t, "restart.yaml")); err != nil {
		t.Fatal(err)
	}
	dir := h.sdp.Directory()
	var webENI, vpcID string
	h.d.ReadAccount(func(a *account.Account) error {
		for _, e := range a.Interfaces() {
			if e.AttachedTo == "sgrst/web" {
				webENI = e.ID
				vpcID, _ = a.VPCOfInterface(e.ID)
			}
		}
		return nil
	})
	web, ok := dir.Interface(webENI)
	if !ok || web.IPv4[0] != netip.MustParseAddr("198.18.7.20") || web.Router != netip.MustParseAddr("198.18.7.1") ||
		web.DNS != netip.MustParseAddr("198.18.7.2") || web.Subnet4 != netip.MustParsePrefix("198.18.7.0/24") ||
		web.VpcID != vpcID || web.InstanceID != ruleset.InstanceID("sgrst/web") || web.Region == "" || !web.EnableDnsSupport ||
		len(web.Groups) != 1 || web.Groups[0].Name != "web" {
		t.Fatalf("web's interface %+v", web)
	}
	if got, ok := dir.InterfaceByAddr(vpcID, netip.MustParseAddr("198.18.7.20")); !ok || got.ID != webENI {
		t.Fatalf("by address: %+v %v", got, ok)
	}
	in, ok := dir.InstanceByName(vpcID, "web")
	if !ok || in.ID != web.InstanceID || in.Interfaces[0] != webENI || in.Name != "web" {
		t.Fatalf("instance by name: %+v %v", in, ok)
	}
	if got, ok := dir.Instance(in.ID); !ok || got.Name != "web" {
		t.Fatalf("instance: %+v", got)
	}
	if _, ok := dir.InstanceByName("vpc-other", "web"); ok {
		t.Fatal("found in another VPC")
	}

	// client asks the resolver at base+2 for "web".
	client := h.wire.addrs("client")
	q := new(dns.Msg)
	q.SetQuestion("web.", dns.TypeA)
	b, _ := q.Pack()
	f := packettest.Frame{SrcMAC: [6]byte(client.MAC), DstMAC: [6]byte{0x02, 0x5e, 0x5e, 0, 0, 1},
		Src: client.IPv4.Addr(), Dst: netip.MustParseAddr("198.18.7.2"), Proto: 17, SrcPort: 5353, DstPort: 53, Payload: b}
	if !h.wire.port("client").Inject(f.Bytes()) {
		t.Fatal("inject refused")
	}
	timeout := make(chan struct{})
	defer time.AfterFunc(10*time.Second, func() { close(timeout) }).Stop()
	for {
		fr, ok := h.wire.port("client").Recv(timeout)
		if !ok {
			t.Fatalf("no DNS answer; services %+v", h.sdp.Services().Stats().DNS)
		}
		u, isUDP := gopacket.NewPacket(fr.Data, layers.LayerTypeEthernet, gopacket.Default).Layer(layers.LayerTypeUDP).(*layers.UDP)
		if !isUDP || u.SrcPort != 53 {
			continue // the ARP replies the switch announces a port with
		}
		m := new(dns.Msg)
		if err := m.Unpack(u.Payload); err != nil || len(m.Answer) != 1 || m.Answer[0].(*dns.A).A.String() != "198.18.7.20" {
			t.Fatalf("answer %v (%v)", m, err)
		}
		return
	}
}

// TestDirectoryReadersDuringPublish: readers on the packet path take no
// lock while publications swap the index (run with -race).
func TestDirectoryReadersDuringPublish(t *testing.T) {
	h := newSwitchHarness(t)
	if _, err := h.d.ApplyLab(context.Background(), loadLab(t, "restart.yaml")); err != nil {
		t.Fatal(err)
	}
	d := NewDirectory()
	h.d.ReadAccount(func(a *account.Account) error {
		topo := account.NewCompilers().Compile(a).Topology
		ids := []string{}
		for _, e := range a.Interfaces() {
			ids = append(ids, e.ID)
		}
		d.Publish(a, topo)
		stop := make(chan struct{})
		done := make(chan bool)
		go func() {
			ok := true
			for {
				select {
				case <-stop:
					done <- ok
					return
				default:
				}
				for _, id := range ids {
					_, found := d.Interface(id)
					ok = ok && found
				}
			}
		}()
		for range 200 {
			d.Publish(a, topo)
		}
		close(stop)
		if !<-done {
			t.Error("a reader missed an interface during a publication")
		}
		return nil
	})
}
