package daemon

import (
	"net"
	"net/netip"
	"testing"

	"github.com/insomniacslk/dhcp/dhcpv4"
	"github.com/prometheus/client_golang/prometheus"

	"sgswitch/packet"
	"sgswitch/packet/packettest"
	vswitch "sgswitch/switch"
)

// The services' counters reach /metrics: a malformed DNS request to the
// resolver is a request and a "malformed" drop of service "dns".
func TestServicesMetrics(t *testing.T) {
	p := NewSwitchDataplane(vswitch.Config{}, nil)
	reg := prometheus.NewRegistry()
	reg.MustRegister(servicesCollector{svc: p.Services(), meta: p.Metadata()})
	before := gatherValue(t, reg, "sgswitch_vpc_service_requests_total", map[string]string{"service": "dhcpv4"})
	p.Services().Serve("eni-unknown", dhcpDiscoverFrame(t), func([]byte) {})
	after := gatherValue(t, reg, "sgswitch_vpc_service_requests_total", map[string]string{"service": "dhcpv4"})
	unknown := gatherValue(t, reg, "sgswitch_vpc_service_drops_total", map[string]string{"service": "dhcpv4", "reason": "unknown-interface"})
	if after != before+1 || unknown != 1 {
		t.Fatalf("dhcpv4 requests %v → %v, unknown-interface drops %v", before, after, unknown)
	}
	if v := gatherValue(t, reg, "sgswitch_imds_stacks", nil); v != 0 {
		t.Fatalf("imds stacks %v", v)
	}
}

// dhcpDiscoverFrame is a broadcast DHCP DISCOVER, as a client sends it.
func dhcpDiscoverFrame(t *testing.T) []byte {
	t.Helper()
	mac := net.HardwareAddr{0x02, 0, 0, 0, 0, 1}
	d, err := dhcpv4.NewDiscovery(mac)
	if err != nil {
		t.Fatal(err)
	}
	return packettest.Frame{SrcMAC: [6]byte(mac), DstMAC: [6]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
		Src: netip.IPv4Unspecified(), Dst: netip.MustParseAddr("255.255.255.255"),
		Proto: packet.ProtoUDP, SrcPort: 68, DstPort: 67, Payload: d.ToBytes()}.Bytes()
}

// gatherValue returns the value of the series of metric name whose labels
// include want; the test fails when there is none.
func gatherValue(t *testing.T, g prometheus.Gatherer, name string, want map[string]string) float64 {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	series:
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			for k, v := range want {
				if labels[k] != v {
					continue series
				}
			}
			if m.GetCounter() != nil {
				return m.GetCounter().GetValue()
			}
			return m.GetGauge().GetValue()
		}
	}
	t.Fatalf("no series %s%v", name, want)
	return 0
}
