package ec2api

import (
	"net/netip"
	"testing"

	"sgswitch/account"
	"sgswitch/ruleset"
	"sgswitch/vpc"
)

// oneVPC is an account as a daemon with one lab holds it: one VPC and one
// subnet covering its CIDR (and its first IPv6 /64 when ipv6 is given),
// so the security-group tests keep their one-VPC meaning.
type oneVPC struct {
	*MemAccountBackend
	vpcID, subnetID string
}

func newOneVPC(t testing.TB, cidr, ipv6 string, seed uint64) *oneVPC {
	t.Helper()
	a, err := account.New(account.Config{Network: vpc.Config{IDSeed: seed, VpcsPerRegion: 10}})
	if err != nil {
		t.Fatal(err)
	}
	v, err := a.CreateVpc(cidr, ipv6, nil)
	if err != nil {
		t.Fatal(err)
	}
	sub6 := ""
	if ipv6 != "" {
		p := netip.MustParsePrefix(ipv6)
		sub6 = netip.PrefixFrom(p.Addr(), 64).String()
	}
	s, err := a.Network().CreateSubnet(v.VpcId, cidr, sub6, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	return &oneVPC{MemAccountBackend: NewMemAccountBackend(a), vpcID: v.VpcId, subnetID: s.SubnetId}
}

// newTestBackend is the handler tests' account: 198.18.0.0/24, IPv4 only.
func newTestBackend(t testing.TB) *oneVPC { return newOneVPC(t, "198.18.0.0/24", "", 3) }

// readGroups runs fn on the VPC's security groups.
func (b *oneVPC) readGroups(fn func(*ruleset.State) error) error {
	return b.ReadAccount(func(a *account.Account) error { return fn(a.Groups(b.vpcID)) })
}

// addENI creates an interface in the subnet as a lab does (ENISpec with
// AttachedTo for a lab node's), bypassing the API.
func (b *oneVPC) addENI(t testing.TB, spec ruleset.ENISpec) string {
	t.Helper()
	var id string
	if err := b.WriteAccount(func(a *account.Account) error {
		eni, err := a.CreateNetworkInterface(b.subnetID, spec, nil)
		if err == nil {
			id = eni.NetworkInterfaceId
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return id
}

// defaultGroup is the VPC's default security group.
func (b *oneVPC) defaultGroup() string {
	var id string
	_ = b.readGroups(func(st *ruleset.State) error { id = st.DefaultGroupID(); return nil })
	return id
}
