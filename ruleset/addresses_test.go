package ruleset

import (
	"net/netip"
	"reflect"
	"slices"
	"testing"
)

func addrs(ss ...string) []netip.Addr {
	out := make([]netip.Addr, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParseAddr(s)
	}
	return out
}

func ipv4Of(t *testing.T, st *State, id string) []netip.Addr {
	t.Helper()
	return st.s.Interfaces[st.eniByID[id]].IPv4
}

func TestAssignPrivateIpAddresses(t *testing.T) {
	st := newTestState(t, true)
	a := mustENI(t, st, "a", "198.18.0.10", "")
	b := mustENI(t, st, "b", "198.18.0.11", "")
	got, err := st.AssignPrivateIpAddresses(a, addrs("198.18.0.20", "198.18.0.21"), 0, false)
	if err != nil || !slices.Equal(got, addrs("198.18.0.20", "198.18.0.21")) {
		t.Fatalf("assign: %v %v", got, err)
	}
	// A count picks the lowest free addresses, skipping the reserved .0-.3.
	got, err = st.AssignPrivateIpAddresses(b, nil, 2, false)
	if err != nil || !slices.Equal(got, addrs("198.18.0.4", "198.18.0.5")) {
		t.Fatalf("assign by count: %v %v", got, err)
	}
	if !slices.Equal(ipv4Of(t, st, b), addrs("198.18.0.11", "198.18.0.4", "198.18.0.5")) {
		t.Fatalf("b holds %v", ipv4Of(t, st, b))
	}
	d, _ := st.DescribeNetworkInterfaces([]string{a}, nil)
	if p := d[0].PrivateIpAddresses; len(p) != 3 || !p[0].Primary || p[1].Primary || p[2].PrivateIpAddress != "198.18.0.21" {
		t.Fatalf("describe %+v", p)
	}
	// Reassignment moves a secondary from another interface, never a primary.
	if _, err := st.AssignPrivateIpAddresses(a, addrs("198.18.0.4"), 0, false); err == nil {
		t.Fatal("took b's secondary without AllowReassignment")
	} else {
		wantCode(t, err, CodeInvalidIPAddressInUse)
	}
	if _, err := st.AssignPrivateIpAddresses(a, addrs("198.18.0.4"), 0, true); err != nil {
		t.Fatal(err)
	}
	if slices.Contains(ipv4Of(t, st, b), netip.MustParseAddr("198.18.0.4")) || !slices.Contains(ipv4Of(t, st, a), netip.MustParseAddr("198.18.0.4")) {
		t.Fatalf("reassign: a %v b %v", ipv4Of(t, st, a), ipv4Of(t, st, b))
	}
	_, err = st.AssignPrivateIpAddresses(a, addrs("198.18.0.11"), 0, true)
	wantCode(t, err, CodeInvalidParameterValue)
	// Unassign.
	if err := st.UnassignPrivateIpAddresses(a, addrs("198.18.0.20")); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ipv4Of(t, st, a), addrs("198.18.0.10", "198.18.0.21", "198.18.0.4")) {
		t.Fatalf("after unassign a holds %v", ipv4Of(t, st, a))
	}
}

// TestAddressErrors: every refusal has EC2's code and changes nothing.
func TestAddressErrors(t *testing.T) {
	st := newTestState(t, false)
	a := mustENI(t, st, "a", "198.18.0.10", "")
	mustENI(t, st, "b", "198.18.0.11", "")
	small, err := st.CreateNetworkInterface(ENISpec{IPv4: addrs("198.18.0.12"), InstanceType: "t3.micro"})
	if err != nil {
		t.Fatal(err)
	}
	before := st.Spec()
	cases := []struct {
		name string
		run  func() error
		code string
	}{
		{"neither", func() error { _, err := st.AssignPrivateIpAddresses(a, nil, 0, false); return err }, CodeMissingParameter},
		{"both", func() error { _, err := st.AssignPrivateIpAddresses(a, addrs("198.18.0.20"), 1, false); return err }, CodeInvalidParameterCombination},
		{"outside", func() error { _, err := st.AssignPrivateIpAddresses(a, addrs("198.18.1.20"), 0, false); return err }, CodeInvalidParameterValue},
		{"ipv6 as ipv4", func() error { _, err := st.AssignPrivateIpAddresses(a, addrs("fd00::1"), 0, false); return err }, CodeInvalidParameterValue},
		{"reserved router", func() error { _, err := st.AssignPrivateIpAddresses(a, addrs("198.18.0.1"), 0, false); return err }, CodeInvalidParameterValue},
		{"reserved broadcast", func() error { _, err := st.AssignPrivateIpAddresses(a, addrs("198.18.0.255"), 0, false); return err }, CodeInvalidParameterValue},
		{"twice", func() error {
			_, err := st.AssignPrivateIpAddresses(a, addrs("198.18.0.20", "198.18.0.20"), 0, false)
			return err
		}, CodeInvalidParameterValue},
		{"own already", func() error { _, err := st.AssignPrivateIpAddresses(a, addrs("198.18.0.10"), 0, false); return err }, CodeInvalidParameterValue},
		{"in use", func() error { _, err := st.AssignPrivateIpAddresses(a, addrs("198.18.0.11"), 0, false); return err }, CodeInvalidIPAddressInUse},
		{"limit t3.micro", func() error {
			_, err := st.AssignPrivateIpAddresses(small.NetworkInterfaceId, nil, 2, false)
			return err
		}, CodePrivateIpAddressLimitExceeded},
		{"limit default", func() error { _, err := st.AssignPrivateIpAddresses(a, nil, 50, false); return err }, CodePrivateIpAddressLimitExceeded},
		{"unknown eni", func() error {
			_, err := st.AssignPrivateIpAddresses("eni-0123456789abcdef0", nil, 1, false)
			return err
		}, CodeInvalidNetworkInterfaceIDNotFound},
		{"malformed eni", func() error { _, err := st.AssignPrivateIpAddresses("eni", nil, 1, false); return err }, CodeInvalidNetworkInterfaceIDMalformed},
		{"unassign primary", func() error { return st.UnassignPrivateIpAddresses(a, addrs("198.18.0.10")) }, CodeInvalidParameterValue},
		{"unassign not held", func() error { return st.UnassignPrivateIpAddresses(a, addrs("198.18.0.99")) }, CodeInvalidParameterValue},
		{"unassign none", func() error { return st.UnassignPrivateIpAddresses(a, nil) }, CodeMissingParameter},
		{"ipv6 without vpc ipv6", func() error { _, err := st.AssignIpv6Addresses(a, nil, 1); return err }, CodeInvalidParameterValue},
		{"unassign ipv6 not held", func() error { return st.UnassignIpv6Addresses(a, addrs("fd00:5e5e:0:1::99")) }, CodeInvalidParameterValue},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantCode(t, tc.run(), tc.code)
			if !reflect.DeepEqual(before, st.Spec()) {
				t.Fatal("a refused call changed the state")
			}
		})
	}
}

func TestAssignPrivateIpAddressesFillsSubnet(t *testing.T) {
	st, err := NewState(VPCConfig{CIDR: netip.MustParsePrefix("198.18.0.0/28"), IDSeed: 7})
	if err != nil {
		t.Fatal(err)
	}
	a := mustENI(t, st, "a", "198.18.0.4", "")
	// A /28 has 16 addresses, 5 reserved, one held: 10 free.
	got, err := st.AssignPrivateIpAddresses(a, nil, 10, false)
	if err != nil || len(got) != 10 || got[9] != netip.MustParseAddr("198.18.0.14") {
		t.Fatalf("%v %v", got, err)
	}
	_, err = st.AssignPrivateIpAddresses(a, nil, 1, false)
	wantCode(t, err, CodeInsufficientFreeAddressesInSubnet)
}

func TestAssignIpv6Addresses(t *testing.T) {
	st := newTestState(t, true)
	a := mustENI(t, st, "a", "198.18.0.10", "fd00:5e5e:0:1::10")
	got, err := st.AssignIpv6Addresses(a, nil, 2)
	if err != nil || !slices.Equal(got, addrs("fd00:5e5e:0:1::4", "fd00:5e5e:0:1::5")) {
		t.Fatalf("%v %v", got, err)
	}
	if _, err := st.AssignIpv6Addresses(a, addrs("fd00:5e5e:0:1::20"), 0); err != nil {
		t.Fatal(err)
	}
	_, err = st.AssignIpv6Addresses(a, addrs("fd00:5e5e:0:2::20"), 0)
	wantCode(t, err, CodeInvalidParameterValue)
	if err := st.UnassignIpv6Addresses(a, addrs("fd00:5e5e:0:1::4", "fd00:5e5e:0:1::10")); err != nil {
		t.Fatal(err)
	}
	if got := st.s.Interfaces[0].IPv6; !slices.Equal(got, addrs("fd00:5e5e:0:1::5", "fd00:5e5e:0:1::20")) {
		t.Fatalf("left %v", got)
	}
}

func TestAddressesPerInterface(t *testing.T) {
	for typ, want := range map[string]int{"": 50, "t3.nano": 2, "t3.micro": 2, "m5.large": 10, "c5.4xlarge": 30, "m5.24xlarge": 50, "m5.metal": 50} {
		if got := AddressesPerInterface(typ); got != want {
			t.Errorf("%q: %d, want %d", typ, got, want)
		}
	}
}

func TestDescribeTags(t *testing.T) {
	st := newTestState(t, false)
	g := mustGroup(t, st, "web")
	e := mustENI(t, st, "web1", "198.18.0.10", "", g)
	if err := st.CreateTags([]string{g, e}, []Tag{{Key: "env", Value: "lab"}}); err != nil {
		t.Fatal(err)
	}
	all, err := st.DescribeTags(nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []TagDescription{
		{Key: "Name", ResourceId: e, ResourceType: ResourceNetworkInterface, Value: "web1"},
		{Key: "env", ResourceId: e, ResourceType: ResourceNetworkInterface, Value: "lab"},
		{Key: "env", ResourceId: g, ResourceType: ResourceSecurityGroup, Value: "lab"},
	}
	if e > g { // ordered by resource id
		want = []TagDescription{want[2], want[0], want[1]}
	}
	if !slices.Equal(all, want) {
		t.Fatalf("DescribeTags = %+v\nwant %+v", all, want)
	}
	for _, tc := range []struct {
		f    Filter
		want int
	}{
		{Filter{Name: "resource-type", Values: []string{"network-interface"}}, 2},
		{Filter{Name: "key", Values: []string{"env"}}, 2},
		{Filter{Name: "value", Values: []string{"web*"}}, 1},
		{Filter{Name: "resource-id", Values: []string{g}}, 1},
		{Filter{Name: "tag:Name", Values: []string{"web1"}}, 2},
	} {
		got, err := st.DescribeTags([]Filter{tc.f})
		if err != nil || len(got) != tc.want {
			t.Errorf("%+v: %d tags (%v), want %d", tc.f, len(got), err, tc.want)
		}
	}
	_, err = st.DescribeTags([]Filter{{Name: "owner-id", Values: []string{"x"}}})
	wantCode(t, err, CodeInvalidParameterValue)
}

// TestAttachment: an interface attached to a lab node is in-use with an
// attachment; one created without is available; a primary is picked when
// none is given.
func TestAttachment(t *testing.T) {
	st := newTestState(t, false)
	a, err := st.CreateNetworkInterface(ENISpec{IPv4: addrs("198.18.0.10"), AttachedTo: "lab/web"})
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != "in-use" || a.Attachment == nil || a.Attachment.Status != "attached" || a.Attachment.DeviceIndex != 0 {
		t.Fatalf("attached: %+v %+v", a.Status, a.Attachment)
	}
	b, err := st.CreateNetworkInterface(ENISpec{})
	if err != nil {
		t.Fatal(err)
	}
	if b.Status != "available" || b.Attachment != nil || b.PrivateIpAddress != "198.18.0.4" {
		t.Fatalf("available: %s %+v %s", b.Status, b.Attachment, b.PrivateIpAddress)
	}
	got, _ := st.DescribeNetworkInterfaces(nil, []Filter{{Name: "status", Values: []string{"in-use"}}})
	if len(got) != 1 || got[0].NetworkInterfaceId != a.NetworkInterfaceId {
		t.Fatalf("status filter: %+v", got)
	}
}
