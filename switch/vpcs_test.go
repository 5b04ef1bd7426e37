package vswitch

import (
	"net/netip"
	"strings"
	"testing"

	"sgswitch/flowtable"
	"sgswitch/packet"
	"sgswitch/packet/packettest"
	"sgswitch/ruleset"
)

// Two VPCs with the same CIDRs and the same addresses in one switch: each
// interface reaches only its own VPC's interfaces, bridged or routed, and
// ARP answers from its own VPC.
func TestVPCsWithSameAddressesAreIsolated(t *testing.T) {
	vl := newVPCLab(t)
	n := map[string]*node{}
	for _, v := range []string{"x", "y"} {
		vl.addVPC(v, "10.0.0.0/16", "", map[string][2]string{"a": {"10.0.1.0/24"}, "b": {"10.0.2.0/24"}})
		n[v+"1"] = vl.host(v+"1", v, "a", "10.0.1.10", "", true)
		n[v+"2"] = vl.host(v+"2", v, "a", "10.0.1.11", "", true)
		n[v+"b"] = vl.host(v+"b", v, "b", "10.0.2.10", "", true)
	}
	vl.publish()
	zx, _ := vl.sw.Zone(n["x1"].eni)
	zy, _ := vl.sw.Zone(n["y1"].eni)
	if zx == zy {
		t.Fatalf("x1 and y1 share zone %d", zx)
	}
	// received returns how many frames each node got since the last call.
	received := func() map[string]int {
		m := map[string]int{}
		for name, nd := range n {
			if k := len(vl.got(nd)); k != 0 {
				m[name] = k
			}
		}
		return m
	}
	for _, c := range []struct {
		name  string
		from  string
		frame []byte
		want  string // the only node that receives; "" none
	}{
		{"bridged in x", "x1", vl.frame(n["x1"], n["x2"], 4, 40000, 80, syn, false).Bytes(), "x2"},
		{"bridged in y", "y1", vl.frame(n["y1"], n["y2"], 4, 40000, 80, syn, false).Bytes(), "y2"},
		{"routed in x", "x1", vl.frame(n["x1"], n["xb"], 4, 40001, 80, syn, true).Bytes(), "xb"},
		{"routed in y", "y2", vl.frame(n["y2"], n["yb"], 4, 40001, 80, syn, true).Bytes(), "yb"},
		// x1 aims at y2's MAC with the address both x2 and y2 hold.
		{"to the other VPC's MAC", "x1", vl.frame(n["x1"], n["y2"], 4, 40002, 80, syn, false).Bytes(), ""},
	} {
		vl.send(n[c.from], c.frame)
		got := received()
		if c.want == "" && len(got) != 0 || c.want != "" && (len(got) != 1 || got[c.want] != 1) {
			t.Errorf("%s: received %v, want only %q", c.name, got, c.want)
		}
	}
	if d := vl.drops(n["x1"], flowtable.Egress, DropDstMAC); d != 1 {
		t.Errorf("x1 dst-mac drops %d, want 1", d)
	}
	// ARP for 10.0.1.11 from each VPC: its own neighbour's MAC.
	for _, v := range []string{"x", "y"} {
		from, want := n[v+"1"], n[v+"2"]
		vl.send(from, packettest.ARPRequest(from.mac, from.v4, want.v4))
		got := vl.got(from)
		if len(got) != 1 {
			t.Fatalf("%s: %d ARP replies", v, len(got))
		}
		if mac := [6]byte(packet.ARP(got[0][packet.EthernetLen:]).SenderMAC()); mac != want.mac {
			t.Errorf("%s: ARP answered %x, want %s's %x", v, mac, want.name, want.mac)
		}
	}
	// Each VPC's flows are in its own interfaces' zones, named by them.
	for id, info := range vl.sw.Conntrack() {
		src, _, _, _ := info.Origin()
		if z, _ := vl.sw.Zone(id); z != info.Key.Zone() || id == "" {
			t.Errorf("entry %v of zone %d named %q (zone %d)", src, info.Key.Zone(), id, z)
		}
	}
	for _, name := range []string{"x2", "y2"} {
		if st, _ := vl.sw.Stats(n[name].eni); st.TxFrames != 1 {
			t.Errorf("%s sent %d frames to its port, want 1", name, st.TxFrames)
		}
	}
}

// Without a topology the VPCs are one subnet each, and still isolated.
func TestVPCsWithoutTopologyAreIsolated(t *testing.T) {
	vl := newVPCLab(t)
	n := map[string]*node{}
	for _, v := range []string{"x", "y"} {
		vl.addVPC(v, "10.0.0.0/16", "", map[string][2]string{"a": {"10.0.1.0/24"}, "b": {"10.0.2.0/24"}})
		n[v+"1"] = vl.host(v+"1", v, "a", "10.0.1.10", "", true)
		n[v+"b"] = vl.host(v+"b", v, "b", "10.0.2.10", "", true)
	}
	vl.must(vl.sw.PublishVPCs(nil, vl.groups()))
	vl.send(n["y1"], vl.frame(n["y1"], n["yb"], 4, 40000, 80, syn, false).Bytes())
	if gx, gy := len(vl.got(n["xb"])), len(vl.got(n["yb"])); gx != 0 || gy != 1 {
		t.Errorf("y1 → 10.0.2.10 bridged: x's host got %d, y's %d; want 0 and 1", gx, gy)
	}
	vl.send(n["y1"], vl.frame(n["y1"], n["xb"], 4, 40001, 80, syn, false).Bytes())
	if gx, gy := len(vl.got(n["xb"])), len(vl.got(n["yb"])); gx != 0 || gy != 0 {
		t.Errorf("y1 → x's MAC: x's host got %d, y's %d; want none", gx, gy)
	}
}

// Zones are the switch's: stable while an interface exists, given to a
// new interface once the old one is gone, and emptied of the old one's
// flows first.
func TestZonesAssignedBySwitch(t *testing.T) {
	vl := newVPCLab(t)
	for _, v := range []string{"x", "y"} {
		vl.addVPC(v, "10.0.0.0/16", "", map[string][2]string{"a": {"10.0.1.0/24"}})
	}
	x1 := vl.host("x1", "x", "a", "10.0.1.10", "", true)
	x2 := vl.host("x2", "x", "a", "10.0.1.11", "", true)
	y1 := vl.host("y1", "y", "a", "10.0.1.10", "", true)
	vl.publish()
	zones := map[uint32]string{}
	for _, nd := range []*node{x1, x2, y1} {
		z, ok := vl.sw.Zone(nd.eni)
		if !ok || zones[z] != "" {
			t.Fatalf("%s: zone %d (published %v), already %q's", nd.name, z, ok, zones[z])
		}
		zones[z] = nd.name
	}
	vl.send(x1, vl.frame(x1, x2, 4, 40000, 80, syn, false).Bytes())
	zx2, _ := vl.sw.Zone(x2.eni)
	if vl.sw.Flows().ZoneStats(zx2).Entries == 0 {
		t.Fatal("x2's zone holds no entry: nothing to see flushed")
	}
	// x2 goes; y2 arrives and takes the free zone, empty.
	vl.must(vl.vpcs["x"].st.DeleteNetworkInterface(x2.eni))
	vl.must(vl.net.RemoveInterface(x2.eni))
	y2 := vl.host("y2", "y", "a", "10.0.1.11", "", true)
	vl.publish()
	if _, ok := vl.sw.Zone(x2.eni); ok {
		t.Error("x2 still has a zone")
	}
	z, _ := vl.sw.Zone(y2.eni)
	if z != zx2 {
		t.Errorf("y2 has zone %d, want x2's freed zone %d", z, zx2)
	}
	if st := vl.sw.Flows().ZoneStats(z); st.Entries != 0 {
		t.Errorf("y2's zone holds %d entries of x2", st.Entries)
	}
	for _, nd := range []*node{x1, y1} {
		if z, _ := vl.sw.Zone(nd.eni); zones[z] != nd.name {
			t.Errorf("%s moved to zone %d", nd.name, z)
		}
	}
}

// What PublishVPCs refuses it reports, and publishes the rest: an
// interface beyond MaxInterfaces gets no zone (its frames are unknown),
// an interface id in two VPCs stays in the first.
func TestPublishVPCsReportsLeftOut(t *testing.T) {
	vl := newVPCLab(t)
	vl.sw = New(Config{Clock: vl.clock, FlowCapacity: 1 << 15, MaxInterfaces: 2})
	vl.addVPC("x", "10.0.0.0/16", "", map[string][2]string{"a": {"10.0.1.0/24"}})
	x1 := vl.host("x1", "x", "a", "10.0.1.10", "", true)
	x2 := vl.host("x2", "x", "a", "10.0.1.11", "", true)
	x3 := vl.host("x3", "x", "a", "10.0.1.12", "", true)
	err := vl.sw.PublishVPCs(vl.netComp.Compile(vl.net), vl.groups())
	if err == nil || !strings.Contains(err.Error(), x3.eni) || !strings.Contains(err.Error(), "MaxInterfaces") {
		t.Fatalf("error %v, want %s left without a zone", err, x3.eni)
	}
	vl.expect(true, x1, x2, vl.frame(x1, x2, 4, 40000, 80, syn, false).Bytes())
	vl.send(x3, vl.frame(x3, x1, 4, 40000, 80, syn, false).Bytes())
	if d := vl.drops(x3, flowtable.Egress, DropUnknownInterface); d != 1 {
		t.Errorf("x3 unknown-interface drops %d, want 1", d)
	}

	// A second VPC whose groups were compiled from the same ids.
	vl2 := newVPCLab(t)
	vl2.addVPC("x", "10.0.0.0/16", "", map[string][2]string{"a": {"10.0.1.0/24"}})
	vl2.seed-- // the next VPC's ruleset.State generates the same ids
	vl2.addVPC("y", "10.0.0.0/16", "", map[string][2]string{"a": {"10.0.1.0/24"}})
	y1 := vl2.host("x1", "x", "a", "10.0.1.10", "", true)
	groups := vl2.groups()
	g, err := vl2.vpcs["y"].st.CreateNetworkInterface(ruleset.ENISpec{Groups: []string{vl2.vpcs["y"].group},
		IPv4: []netip.Addr{netip.MustParseAddr("10.0.1.20")}})
	vl2.must(err)
	if g.NetworkInterfaceId != y1.eni {
		t.Fatalf("ids differ (%s, %s): the test needs one id in two VPCs", g.NetworkInterfaceId, y1.eni)
	}
	groups[vl2.vpcs["y"].id] = vl2.vpcs["y"].comp.Compile(vl2.vpcs["y"].st)
	err = vl2.sw.PublishVPCs(nil, groups)
	if err == nil || !strings.Contains(err.Error(), "two VPCs") {
		t.Fatalf("error %v, want the interface in two VPCs reported", err)
	}
	if z, ok := vl2.sw.Zone(y1.eni); !ok || vl2.sw.view.Load().byZone[z].vpc.id != minID(vl2.vpcs["x"].id, vl2.vpcs["y"].id) {
		t.Errorf("the interface is not in the first VPC by id")
	}
}

func minID(a, b string) string {
	if a < b {
		return a
	}
	return b
}
