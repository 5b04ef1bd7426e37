package observe

import (
	"bytes"
	"context"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket/pcapgo"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"sgswitch/capture"
	"sgswitch/flowlog"
	"sgswitch/flowtable"
	"sgswitch/iface/memport"
	"sgswitch/packet"
	"sgswitch/packet/packettest"
	"sgswitch/ruleset"
	vswitch "sgswitch/switch"
)

type host struct {
	eni  string
	mac  [6]byte
	ip   netip.Addr
	port *memport.Port
}

// rig is a running switch with a client (default group) and a web server
// whose group allows TCP 80 from the subnet and nothing else.
type rig struct {
	sw          *vswitch.Switch
	client, web host
	cancel      func()
}

func newRig(t *testing.T) *rig {
	t.Helper()
	st, err := ruleset.NewState(ruleset.VPCConfig{CIDR: netip.MustParsePrefix("198.18.0.0/24"), IDSeed: 7})
	if err != nil {
		t.Fatal(err)
	}
	web, err := st.CreateSecurityGroup("web", "web tier", nil)
	if err != nil {
		t.Fatal(err)
	}
	p80 := int32(80)
	if _, err := st.AuthorizeSecurityGroupIngress(web.GroupId, []ruleset.IpPermission{{
		IpProtocol: "tcp", FromPort: &p80, ToPort: &p80, IpRanges: []ruleset.IpRange{{CidrIp: "198.18.0.0/24"}},
	}}, nil); err != nil {
		t.Fatal(err)
	}
	r := &rig{sw: vswitch.New(vswitch.Config{FlowCapacity: 1 << 16})}
	mk := func(name, ip string, groups ...string) host {
		ni, err := st.CreateNetworkInterface(ruleset.ENISpec{Name: name, IPv4: []netip.Addr{netip.MustParseAddr(ip)}, Groups: groups})
		if err != nil {
			t.Fatal(err)
		}
		hw, _ := net.ParseMAC(ni.MacAddress)
		h := host{eni: ni.NetworkInterfaceId, mac: [6]byte(hw), ip: netip.MustParseAddr(ip), port: memport.New(name, memport.Config{})}
		if err := r.sw.AddPort(h.eni, h.port); err != nil {
			t.Fatal(err)
		}
		return h
	}
	r.client = mk("client", "198.18.0.50")
	r.web = mk("web1", "198.18.0.11", web.GroupId)
	if err := r.sw.Publish(ruleset.Compile(st)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.sw.Run(ctx); close(done) }()
	r.cancel = func() { cancel(); <-done }
	t.Cleanup(r.cancel)
	return r
}

func (r *rig) syn(dport uint16) []byte {
	return packettest.Frame{SrcMAC: r.client.mac, DstMAC: r.web.mac, Src: r.client.ip, Dst: r.web.ip,
		Proto: packet.ProtoTCP, SrcPort: 40000, DstPort: dport, TCPFlags: 0x02}.Bytes()
}

// sendAndSettle injects frames at the client and waits until the switch has
// judged all of them (its rx counter says so).
func (r *rig) sendAndSettle(t *testing.T, frames ...[]byte) {
	t.Helper()
	before, _ := r.sw.Stats(r.client.eni)
	for _, f := range frames {
		if !r.client.port.Inject(f) {
			t.Fatal("inject refused")
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, _ := r.sw.Stats(r.client.eni)
		if st.RxFrames >= before.RxFrames+uint64(len(frames)) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("switch judged %d of %d frames", st.RxFrames-before.RxFrames, len(frames))
		}
		time.Sleep(time.Millisecond)
	}
}

func TestMetricsCountVerdictsAndDrops(t *testing.T) {
	r := newRig(t)
	m := NewMetrics(SwitchSource{r.sw})
	r.sendAndSettle(t, r.syn(80), r.syn(22), r.syn(22))

	want := `
# HELP sgswitch_security_group_verdicts_total Security-group verdicts on new and re-judged flows' frames.
# TYPE sgswitch_security_group_verdicts_total counter
sgswitch_security_group_verdicts_total{direction="egress",eni="` + r.client.eni + `",verdict="accept"} 3
sgswitch_security_group_verdicts_total{direction="egress",eni="` + r.client.eni + `",verdict="reject"} 0
sgswitch_security_group_verdicts_total{direction="egress",eni="` + r.web.eni + `",verdict="accept"} 0
sgswitch_security_group_verdicts_total{direction="egress",eni="` + r.web.eni + `",verdict="reject"} 0
sgswitch_security_group_verdicts_total{direction="ingress",eni="` + r.client.eni + `",verdict="accept"} 0
sgswitch_security_group_verdicts_total{direction="ingress",eni="` + r.client.eni + `",verdict="reject"} 0
sgswitch_security_group_verdicts_total{direction="ingress",eni="` + r.web.eni + `",verdict="accept"} 1
sgswitch_security_group_verdicts_total{direction="ingress",eni="` + r.web.eni + `",verdict="reject"} 2
`
	if err := testutil.GatherAndCompare(m.Registry, strings.NewReader(want), "sgswitch_security_group_verdicts_total"); err != nil {
		t.Fatal(err)
	}
	drops := `
# HELP sgswitch_interface_drops_total Frames dropped, by direction and reason.
# TYPE sgswitch_interface_drops_total counter
sgswitch_interface_drops_total{direction="ingress",eni="` + r.web.eni + `",reason="` + vswitch.DropSGIngress.String() + `"} 2
`
	if err := testutil.GatherAndCompare(m.Registry, strings.NewReader(drops), "sgswitch_interface_drops_total"); err != nil {
		t.Fatal(err)
	}
	if got := value(t, m, "sgswitch_interface_rx_frames_total", r.client.eni); got != 3 {
		t.Fatalf("client rx frames = %v, want 3", got)
	}
	// Every ENA allowance counter is exported per interface, and the
	// Go/process collectors are registered.
	n, err := testutil.GatherAndCount(m.Registry, "sgswitch_pps_allowance_exceeded_total", "sgswitch_conntrack_allowance_available", "go_goroutines")
	if err != nil || n != 5 {
		t.Fatalf("GatherAndCount = %d, %v; want 2+2+1", n, err)
	}
	if n, _ := testutil.GatherAndCount(m.Registry, "sgswitch_flowtable_entries"); n != 1 {
		t.Fatal("flow-table occupancy missing")
	}
}

// value reads one series of the registry for eni.
func value(t *testing.T, m *Metrics, name, eni string) float64 {
	t.Helper()
	mfs, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, mt := range mf.GetMetric() {
			for _, lp := range mt.GetLabel() {
				if lp.GetName() == "eni" && lp.GetValue() == eni {
					return mt.GetCounter().GetValue() + mt.GetGauge().GetValue()
				}
			}
		}
	}
	t.Fatalf("%s{eni=%s} not found", name, eni)
	return 0
}

func TestFlowLogsRecordAcceptAndReject(t *testing.T) {
	r := newRig(t)
	fl := NewFlowLogs("123456789012", t.TempDir(), time.Minute, 0)
	fl.now.Store(1000)
	fl.Agg = flowlog.NewAggregator(flowlog.Config{AccountID: "123456789012"}, 960)
	fl.Agg.AddInterface(r.client.eni)
	fl.Agg.AddInterface(r.web.eni)
	hooks := NewHooks(r.sw)
	hooks.Set("flowlogs", fl)
	r.sendAndSettle(t, r.syn(80), r.syn(22))
	hooks.Set("flowlogs", nil)
	r.sendAndSettle(t, r.syn(23)) // not observed: the hook is removed

	var lines []string
	for _, rec := range fl.Flush(1020) {
		lines = append(lines, rec.String())
	}
	c, w := r.client.eni, r.web.eni
	want := []string{
		"2 123456789012 " + c + " 198.18.0.50 198.18.0.11 40000 22 6 1 40 960 1020 ACCEPT OK",
		"2 123456789012 " + c + " 198.18.0.50 198.18.0.11 40000 80 6 1 40 960 1020 ACCEPT OK",
		"2 123456789012 " + w + " 198.18.0.50 198.18.0.11 40000 22 6 1 40 960 1020 REJECT OK",
		"2 123456789012 " + w + " 198.18.0.50 198.18.0.11 40000 80 6 1 40 960 1020 ACCEPT OK",
	}
	if c > w { // records are sorted by interface id
		want = append(want[2:], want[:2]...)
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Fatalf("records:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	// The next window has no traffic: one NODATA record per interface.
	for _, rec := range fl.Flush(1080) {
		if rec.LogStatus != flowlog.NoData {
			t.Fatalf("second window: %s", rec.String())
		}
	}
}

func TestCaptureThroughHook(t *testing.T) {
	r := newRig(t)
	var reg capture.Registry
	NewHooks(r.sw).Set("capture", Captures{&reg})
	var buf bytes.Buffer
	s, err := capture.Start(context.Background(), &buf, capture.Options{ENI: r.web.eni, Count: 2, Duration: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	reg.Add(s)
	r.sendAndSettle(t, r.syn(80), r.syn(22))
	if n, _, err := s.Wait(); n != 2 || err != nil {
		t.Fatalf("capture wrote %d frames, err %v", n, err)
	}
	rd, err := pcapgo.NewNgReader(&buf, pcapgo.DefaultNgReaderOptions)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for {
		data, ci, err := rd.ReadPacketData()
		if err != nil {
			break
		}
		intf, _ := rd.Interface(ci.InterfaceIndex)
		if _, reason := packet.Parse(data); reason != packet.OK {
			t.Fatalf("captured frame does not parse")
		}
		names = append(names, intf.Name)
	}
	want := []string{r.web.eni + ":ingress:accept", r.web.eni + ":ingress:drop:" + vswitch.DropSGIngress.String()}
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Fatalf("capture interfaces %v, want %v", names, want)
	}
}

// Under a virtual clock a jump closes the window at once: the next tick
// flushes the records observed before it, stamped with the virtual time.
func TestFlowLogsVirtualClockJump(t *testing.T) {
	r := newRig(t)
	var clock flowtable.VirtualClock
	fl := NewFlowLogs("123456789012", "", 10*time.Minute, 0)
	fl.Clock = clock.Wall
	fl.Agg.AddInterface(r.client.eni)
	recs, stop := fl.Hub.Subscribe(16)
	defer stop()
	hooks := NewHooks(r.sw)
	hooks.Set("flowlogs", fl)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { fl.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	r.sendAndSettle(t, r.syn(80))
	if _, err := clock.Advance(11 * time.Minute); err != nil {
		t.Fatal(err)
	}
	select {
	case rec := <-recs:
		if end := time.Unix(rec.End, 0); time.Until(end) < 10*time.Minute {
			t.Fatalf("record ends at %v: not on the virtual clock", end)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no flush after the clock jumped over the window")
	}
}
