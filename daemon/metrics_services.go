package daemon

import (
	"github.com/prometheus/client_golang/prometheus"

	"sgswitch/imds"
	"sgswitch/vpcsvc"
)

// servicesCollector exports the VPC services' and instance metadata's
// counters (vpcsvc.Server.Stats, imds.Server.Stats) when metrics are
// gathered: the counters are atomics the packet path keeps anyway.
type servicesCollector struct {
	svc  *vpcsvc.Server
	meta *imds.Server
}

var (
	svcRequests = prometheus.NewDesc("sgswitch_vpc_service_requests_total",
		"Requests to a VPC service (DHCP, DNS, NTP, …), after the link-local allowance.", []string{"service"}, nil)
	svcAnswers = prometheus.NewDesc("sgswitch_vpc_service_answers_total",
		"Answers a VPC service sent.", []string{"service"}, nil)
	svcDrops = prometheus.NewDesc("sgswitch_vpc_service_drops_total",
		"Requests a VPC service dropped, by reason.", []string{"service", "reason"}, nil)
	metaFrames = prometheus.NewDesc("sgswitch_imds_frames_total",
		"Frames through instance metadata's TCP stacks.", []string{"direction"}, nil)
	metaDrops = prometheus.NewDesc("sgswitch_imds_drops_total",
		"Frames to instance metadata dropped, by reason.", []string{"reason"}, nil)
	metaStacks = prometheus.NewDesc("sgswitch_imds_stacks",
		"Interfaces with a live instance-metadata TCP stack.", nil, nil)
)

func (c servicesCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{svcRequests, svcAnswers, svcDrops, metaFrames, metaDrops, metaStacks} {
		ch <- d
	}
}

func (c servicesCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.svc.Stats()
	for _, s := range []struct {
		name string
		st   vpcsvc.ServiceStats
	}{{"dhcpv4", st.DHCPv4}, {"dhcpv6", st.DHCPv6}, {"router-advert", st.RouterAdvert}, {"dns", st.DNS},
		{"ntp", st.NTP}, {"metadata", st.Metadata}, {"other", st.Other}} {
		counter := func(d *prometheus.Desc, v uint64, labels ...string) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), append([]string{s.name}, labels...)...)
		}
		counter(svcRequests, s.st.Requests)
		counter(svcAnswers, s.st.Answers)
		counter(svcDrops, s.st.Malformed, "malformed")
		counter(svcDrops, s.st.UnknownInterface, "unknown-interface")
		counter(svcDrops, s.st.NoService, "no-service")
		counter(svcDrops, s.st.MetadataUnavailable, "metadata-unavailable")
		counter(svcDrops, s.st.Ignored, "ignored")
	}
	if c.meta == nil {
		return
	}
	m := c.meta.Stats()
	ch <- prometheus.MustNewConstMetric(metaStacks, prometheus.GaugeValue, float64(m.Stacks))
	for dir, v := range map[string]uint64{"in": m.FramesIn, "out": m.FramesOut} {
		ch <- prometheus.MustNewConstMetric(metaFrames, prometheus.CounterValue, float64(v), dir)
	}
	for reason, v := range map[string]uint64{"not-imds": m.DropNotIMDS, "no-instance": m.DropNoInstance,
		"ipv6-off": m.DropIPv6Off, "stack-limit": m.DropStackLimit, "closed": m.DropClosed,
		"stack-error": m.DropStackError, "send-error": m.SendErrors, "conns-refused": m.ConnsRefused} {
		ch <- prometheus.MustNewConstMetric(metaDrops, prometheus.CounterValue, float64(v), reason)
	}
}
