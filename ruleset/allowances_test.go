package ruleset

import (
	"errors"
	"net/netip"
	"testing"
)

func TestConntrackMaxFor(t *testing.T) {
	for _, tc := range []struct {
		typ string
		n   uint64
		ok  bool
	}{
		{"", DefaultConntrackMax, true},
		{"t3.nano", 1024, true}, {"t3.micro", 2048, true}, {"t4g.small", 4096, true},
		{"m5.medium", 8192, true}, {"c6i.large", 16384, true}, {"r7g.xlarge", 32768, true},
		{"m5.2xlarge", 65536, true}, {"c5n.18xlarge", 65536, true}, {"m7i.metal", 65536, true},
		{"t3", 0, false}, {"t3.huge", 0, false}, {".micro", 0, false}, {"t3.xxlarge", 0, false},
		{"t3.-2xlarge", 0, false}, {"t 3.micro", 0, false},
	} {
		n, ok := ConntrackMaxFor(tc.typ)
		if n != tc.n || ok != tc.ok {
			t.Errorf("%q: %d %v, want %d %v", tc.typ, n, ok, tc.n, tc.ok)
		}
	}
}

// TestFlowBudget: interfaces are refused once their reservations (2 x the
// conntrack allowance each) would exceed the switch's flow table, with
// NetworkInterfaceLimitExceeded; a smaller allowance still fits; the budget
// survives Clone; an unknown instance type is InvalidParameterValue.
func TestFlowBudget(t *testing.T) {
	st, err := NewState(VPCConfig{CIDR: netip.MustParsePrefix("198.18.0.0/24"), IDSeed: 1})
	if err != nil {
		t.Fatal(err)
	}
	st.SetFlowBudget(2*2*DefaultConntrackMax + 2*1024)
	create := func(st *State, n byte, a Allowances, typ string) error {
		_, err := st.CreateNetworkInterface(ENISpec{IPv4: []netip.Addr{netip.AddrFrom4([4]byte{198, 18, 0, 10 + n})}, Allowances: a, InstanceType: typ})
		return err
	}
	for i := range byte(2) {
		if err := create(st, i, Allowances{}, ""); err != nil {
			t.Fatal(err)
		}
	}
	c := st.Clone()
	var ec *Error
	if err := create(c, 2, Allowances{}, ""); !errors.As(err, &ec) || ec.Code != CodeNetworkInterfaceLimitExceeded {
		t.Fatalf("third default interface: %v, want %s", err, CodeNetworkInterfaceLimitExceeded)
	}
	if err := create(c, 2, Allowances{}, "t3.micro"); !errors.As(err, &ec) || ec.Code != CodeNetworkInterfaceLimitExceeded {
		t.Fatalf("t3.micro (2048): %v, want %s", err, CodeNetworkInterfaceLimitExceeded)
	}
	if err := create(c, 2, Allowances{}, "t3.nano"); err != nil {
		t.Fatalf("t3.nano (1024) fits: %v", err)
	}
	if err := create(st, 2, Allowances{ConntrackMax: 1024}, ""); err != nil {
		t.Fatalf("conntrack-max 1024 fits: %v", err)
	}
	id := st.Spec().Interfaces[0].ID
	if err := st.SetInterfaceAllowances(id, Allowances{ConntrackMax: DefaultConntrackMax + 1}); !errors.As(err, &ec) || ec.Code != CodeNetworkInterfaceLimitExceeded {
		t.Fatalf("growing an allowance beyond the table: %v", err)
	}
	if err := create(st, 3, Allowances{ConntrackMax: 1}, "t3.huge"); !errors.As(err, &ec) || ec.Code != CodeInvalidParameterValue {
		t.Fatalf("unknown instance type: %v", err)
	}
	// The compiled interface carries the effective allowance.
	snap := NewCompiler().Compile(st)
	for _, ci := range snap.Interfaces() {
		if ci.Allowances.ConntrackMax == 0 {
			t.Fatalf("%s compiled with no conntrack allowance", ci.ID)
		}
	}
}
