package account

import (
	"net/netip"
	"testing"

	"sgswitch/ruleset"
	"sgswitch/vpc"
)

// TestRemoveVpcTakesEverything: RemoveVpc removes a VPC with its subnets,
// tables, ACLs, interfaces and groups, which DeleteVpc refuses while they
// exist; the other VPC (same CIDR) and the default are untouched.
func TestRemoveVpcTakesEverything(t *testing.T) {
	a := newAccount(t)
	keep := must(a.CreateVpc("198.18.0.0/24", "", nil))(t)
	if err := a.SetDefaultVpc(keep.VpcId); err != nil {
		t.Fatal(err)
	}
	lab := must(a.CreateVpc("198.18.0.0/24", "", nil))(t)
	sub := must(a.Network().CreateSubnet(lab.VpcId, "198.18.0.0/25", "", "", nil))(t)
	must(a.Network().CreateRouteTable(lab.VpcId, nil))(t)
	must(a.Network().CreateNetworkAcl(lab.VpcId, nil))(t)
	must(a.Groups(lab.VpcId).CreateSecurityGroup("web", "web", nil))(t)
	eni := must(a.CreateNetworkInterface(sub.SubnetId, ruleset.ENISpec{}, nil))(t)
	if err := a.DeleteVpc(lab.VpcId); code(err) != vpc.CodeDependencyViolation {
		t.Fatalf("DeleteVpc with dependencies = %v, want DependencyViolation", err)
	}
	if err := a.RemoveVpc(lab.VpcId); err != nil {
		t.Fatal(err)
	}
	if got := a.VPCs(); len(got) != 1 || got[0] != keep.VpcId || a.DefaultVpc() != keep.VpcId {
		t.Fatalf("VPCs %v default %q, want only %s", got, a.DefaultVpc(), keep.VpcId)
	}
	if _, ok := a.VPCOfInterface(eni.NetworkInterfaceId); ok {
		t.Error("the removed VPC's interface is still placed")
	}
	if err := a.Consistent(); err != nil {
		t.Fatal(err)
	}
	if err := a.RemoveVpc(lab.VpcId); code(err) != vpc.CodeInvalidVpcIDNotFound {
		t.Errorf("RemoveVpc of a removed VPC = %v", err)
	}
	if err := a.RemoveVpc(keep.VpcId); err != nil || a.DefaultVpc() != "" {
		t.Errorf("removing the default VPC: %v, default now %q", err, a.DefaultVpc())
	}
}

// TestFromOneVPCKeepsIDs: a one-VPC model becomes an account whose VPC,
// subnet, groups and interfaces keep their ids and addresses; it survives
// Spec/FromSpec.
func TestFromOneVPCKeepsIDs(t *testing.T) {
	st := must(ruleset.NewState(ruleset.VPCConfig{CIDR: netip.MustParsePrefix("198.18.0.0/24"),
		IPv6CIDR: netip.MustParsePrefix("fd00:5e5e:0:1::/64"), IDSeed: 5}))(t)
	sg := must(st.CreateSecurityGroup("web", "web", nil))(t)
	e := must(st.CreateNetworkInterface(ruleset.ENISpec{IPv4: addrs("198.18.0.10", "198.18.0.11"),
		IPv6: addrs("fd00:5e5e:0:1::10"), Groups: []string{sg.GroupId}}))(t)
	old := st.VPC()
	a := must(FromOneVPC(Config{}, st.Spec()))(t)
	if a.DefaultVpc() != old.VpcId {
		t.Fatalf("default VPC %q, want %s", a.DefaultVpc(), old.VpcId)
	}
	subs := must(a.Network().DescribeSubnets([]string{old.SubnetId}, nil))(t)
	if len(subs) != 1 || subs[0].VpcId != old.VpcId || subs[0].CidrBlock != "198.18.0.0/24" {
		t.Fatalf("subnets %+v", subs)
	}
	p, ok := a.Network().Interface(e.NetworkInterfaceId)
	if !ok || p.SubnetID != old.SubnetId || len(p.IPv4) != 2 || len(p.IPv6) != 1 {
		t.Fatalf("placement %+v %v", p, ok)
	}
	if v, ok := a.VPCOfGroup(sg.GroupId); !ok || v != old.VpcId {
		t.Errorf("group %s in VPC %q", sg.GroupId, v)
	}
	back := must(FromSpec(a.Spec()))(t)
	if back.DefaultVpc() != old.VpcId {
		t.Errorf("default VPC lost in Spec/FromSpec: %q", back.DefaultVpc())
	}
}
