package main

import (
	"bytes"
	"strings"
	"testing"

	"sgswitch/admin"
)

// TestStatusSaysWhyMetricsAreOff: a daemon whose metrics port was taken
// says so in `sgswitch status`, with the reason.
func TestStatusSaysWhyMetricsAreOff(t *testing.T) {
	var out bytes.Buffer
	printStatus(&out, &admin.Status{Socket: "/s", EC2Listen: "127.0.0.1:8775",
		MetricsError: "metrics listen: listen tcp 127.0.0.1:9775: bind: address already in use"})
	if !strings.Contains(out.String(), "metrics: not served: metrics listen: listen tcp 127.0.0.1:9775: bind: address already in use\n") {
		t.Errorf("status:\n%s", out.String())
	}
	out.Reset()
	printStatus(&out, &admin.Status{Socket: "/s", MetricsListen: "127.0.0.1:9775"})
	if !strings.Contains(out.String(), "metrics: 127.0.0.1:9775\n") || !strings.Contains(out.String(), "ec2: off\n") {
		t.Errorf("status:\n%s", out.String())
	}
}
