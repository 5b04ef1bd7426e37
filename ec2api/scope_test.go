package ec2api

import (
	"strings"
	"testing"

	"sgswitch/account"
	"sgswitch/ruleset"
	"sgswitch/vpc"
)

// TestNamesResolveAcrossLabVPCs: with a default VPC (a daemon's), a group
// or interface name resolves there first, as EC2; a name only one other
// VPC (a lab's) knows resolves there; a name two other VPCs know is
// refused with VPCIdNotSpecified; an unknown name gets the default VPC's
// not-found error.
func TestNamesResolveAcrossLabVPCs(t *testing.T) {
	a, err := account.New(account.Config{Network: vpc.Config{IDSeed: 4}})
	if err != nil {
		t.Fatal(err)
	}
	vpcs := make([]string, 3)
	for i := range vpcs {
		v, err := a.CreateVpc("198.18.0.0/24", "", nil)
		if err != nil {
			t.Fatal(err)
		}
		vpcs[i] = v.VpcId
	}
	def, lab1, lab2 := vpcs[0], vpcs[1], vpcs[2]
	if err := a.SetDefaultVpc(def); err != nil {
		t.Fatal(err)
	}
	mk := func(v, name string) string {
		g, err := a.Groups(v).CreateSecurityGroup(name, "d", nil)
		if err != nil {
			t.Fatal(err)
		}
		return g.GroupId
	}
	webDef, webLab := mk(def, "shared"), mk(lab1, "web")
	mk(lab1, "twice")
	mk(lab2, "twice")
	sub, err := a.Network().CreateSubnet(lab1, "198.18.0.0/24", "", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	mk(lab1, "shared")
	if _, err := a.CreateNetworkInterface(sub.SubnetId, ruleset.ENISpec{Name: "client"}, nil); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, vpc, code string }{
		{"shared", def, ""}, {"web", lab1, ""}, {"twice", "", codeVPCIdNotSpecified}, {"nope", "", ruleset.CodeInvalidGroupNotFound},
	} {
		st, v, err := groupState(a, tc.name)
		if tc.code == "" {
			if err != nil || v != tc.vpc {
				t.Errorf("group %s: VPC %q, %v; want %s", tc.name, v, err, tc.vpc)
			}
			continue
		}
		if err == nil {
			_, err = st.ResolveGroup(tc.name)
		}
		if err == nil || !strings.HasPrefix(err.Error(), tc.code+":") {
			t.Errorf("group %s: %v, want %s", tc.name, err, tc.code)
		}
	}
	if _, v, err := groupState(a, webLab); err != nil || v != lab1 {
		t.Errorf("group by id: %q %v", v, err)
	}
	if _, v, err := groupState(a, webDef); err != nil || v != def {
		t.Errorf("group by id in the default VPC: %q %v", v, err)
	}
	if _, v, err := interfaceState(a, "client"); err != nil || v != lab1 {
		t.Errorf("interface by name: %q %v", v, err)
	}
}
