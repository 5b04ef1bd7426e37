package testbed

import (
	"reflect"
	"testing"
)

// TestGrownNamesTheLayer: the reasons whose counters grew decide the
// layer; counters that are not a verdict on a check (broadcasts, services)
// and counters that did not grow are ignored; two layers are reported as
// several.
func TestGrownNamesTheLayer(t *testing.T) {
	cases := []struct {
		name          string
		before, after map[string]uint64
		reasons       []string
		layer         string
	}{
		{"security group", map[string]uint64{"sg-ingress-denied": 1}, map[string]uint64{"sg-ingress-denied": 4, "multicast": 9},
			[]string{"sg-ingress-denied"}, LayerSecurityGroup},
		{"network ACL out", nil, map[string]uint64{"nacl-egress": 2}, []string{"nacl-egress"}, LayerNetworkACL},
		{"no route", nil, map[string]uint64{"no-route": 1}, []string{"no-route"}, LayerRoute},
		{"dest check", nil, map[string]uint64{"dest-check": 1}, []string{"dest-check"}, LayerSourceCheck},
		{"spoofed source", nil, map[string]uint64{"spoofed-src-ip": 2}, []string{"spoofed-src-ip"}, LayerSourceCheck},
		{"allowance", nil, map[string]uint64{"pps_allowance_exceeded": 3}, []string{"pps_allowance_exceeded"}, LayerAllowance},
		{"nothing grew", map[string]uint64{"sg-egress-denied": 2}, map[string]uint64{"sg-egress-denied": 2, "no-service": 5}, nil, ""},
		{"two layers", nil, map[string]uint64{"nacl-ingress": 1, "sg-ingress-denied": 1},
			[]string{"nacl-ingress", "sg-ingress-denied"}, "several: " + LayerNetworkACL + ", " + LayerSecurityGroup},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			reasons, layer := grown(tc.before, tc.after)
			if !reflect.DeepEqual(reasons, tc.reasons) || layer != tc.layer {
				t.Errorf("grown = %v %q, want %v %q", reasons, layer, tc.reasons, tc.layer)
			}
		})
	}
}
