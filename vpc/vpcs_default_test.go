package vpc

import "testing"

// TestDefaultVpc: one VPC may be the default one; DescribeVpcs reports it
// (IsDefault, the is-default filter), a spec with two is refused, and
// SetDefaultVpc of an unknown VPC changes nothing.
func TestDefaultVpc(t *testing.T) {
	st, err := NewState(Config{IDSeed: 3})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := st.CreateVpc("198.18.0.0/16", "", nil)
	b, _ := st.CreateVpc("198.19.0.0/16", "", nil)
	if st.DefaultVpc() != "" {
		t.Fatal("a new State has a default VPC")
	}
	if err := st.SetDefaultVpc(a.VpcId); err != nil {
		t.Fatal(err)
	}
	if err := st.SetDefaultVpc("vpc-0000000000000000f"); err == nil || st.DefaultVpc() != a.VpcId {
		t.Fatalf("SetDefaultVpc of an unknown VPC: %v, default %q", err, st.DefaultVpc())
	}
	got, err := st.DescribeVpcs(nil, []Filter{{Name: "is-default", Values: []string{"true"}}})
	if err != nil || len(got) != 1 || got[0].VpcId != a.VpcId || !got[0].IsDefault {
		t.Fatalf("is-default=true: %+v %v", got, err)
	}
	if err := st.SetDefaultVpc(b.VpcId); err != nil || st.DefaultVpc() != b.VpcId {
		t.Fatalf("moving the default: %v %q", err, st.DefaultVpc())
	}
	sp := st.Spec()
	for i := range sp.Vpcs {
		sp.Vpcs[i].Default = true
	}
	if _, err := StateFromSpec(sp); err == nil {
		t.Fatal("a spec with two default VPCs accepted")
	}
}

// cidr-block finds a VPC by its primary CIDR, as Ansible's ec2_vpc_net
// asks EC2 (the reference lists only cidr).
func TestDescribeVpcsCidrBlockFilter(t *testing.T) {
	st, err := NewState(Config{IDSeed: 3})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := st.CreateVpc("198.18.0.0/16", "", nil)
	_, _ = st.CreateVpc("198.19.0.0/16", "", nil)
	got, err := st.DescribeVpcs(nil, []Filter{{Name: "cidr-block", Values: []string{"198.18.0.0/16"}}})
	if err != nil || len(got) != 1 || got[0].VpcId != a.VpcId {
		t.Fatalf("cidr-block: %+v %v", got, err)
	}
}
