package main

import (
	"bytes"
	"testing"

	"sgswitch/admin"
)

func TestPrintENIStatsEthtoolLayout(t *testing.T) {
	var b bytes.Buffer
	printENIStats(&b, []admin.ENIStats{
		{ENI: "eni-0123456789abcdef0", Name: "shop/web1", Counters: []admin.Counter{
			{Name: "rx_frames", Value: 12}, {Name: "pps_allowance_exceeded", Value: 3}}},
		{ENI: "eni-1", Counters: []admin.Counter{{Name: "conntrack_allowance_available", Value: 100}}},
	})
	want := "NIC statistics (eni-0123456789abcdef0, shop/web1):\n" +
		"     rx_frames: 12\n" +
		"     pps_allowance_exceeded: 3\n" +
		"\n" +
		"NIC statistics (eni-1):\n" +
		"     conntrack_allowance_available: 100\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestPrintConntrackLines(t *testing.T) {
	var out, summary bytes.Buffer
	printConntrack(&out, &summary, []admin.ConntrackEntry{{Line: "tcp      6 431999 ESTABLISHED a"}, {Line: "udp      17 29 b"}})
	if out.String() != "tcp      6 431999 ESTABLISHED a\nudp      17 29 b\n" {
		t.Errorf("lines = %q", out.String())
	}
	if summary.String() != "sgswitch conntrack: 2 flow entries have been shown.\n" {
		t.Errorf("summary = %q", summary.String())
	}
}
