package vswitch

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"sgswitch/flowtable"
	"sgswitch/iface/memport"
	"sgswitch/packet"
	"sgswitch/packet/packettest"
	"sgswitch/ruleset"
	"sgswitch/vpc"
)

// vpcLab is an account of several VPCs in one switch, as the daemon holds
// it (account.Compiled): one vpc.State for the VPC layer of all of them
// and one ruleset.State per VPC, published with PublishVPCs. Security
// groups allow everything (IPv4 and IPv6), so what a test sees is the VPC
// layer's and the switch's doing.
type vpcLab struct {
	*lab
	net     *vpc.State
	netComp vpc.Compiler
	vpcs    map[string]*labVPC // by name
	seed    uint64
}

type labVPC struct {
	id      string
	st      *ruleset.State
	comp    *ruleset.Compiler
	group   string
	subnets map[string]string // name → subnet id
}

func newVPCLab(t testing.TB) *vpcLab {
	t.Helper()
	clock := flowtable.NewManualClock(int64(time.Hour))
	l := &lab{t: t, sw: New(Config{Clock: clock, FlowCapacity: 1 << 16}), clock: clock}
	ns, err := vpc.NewState(vpc.Config{IDSeed: 1})
	l.must(err)
	return &vpcLab{lab: l, net: ns, vpcs: map[string]*labVPC{}, seed: 1}
}

// addVPC creates VPC name (cidr4, and cidr6 unless empty) with subnets
// name → {IPv4 CIDR, IPv6 CIDR or ""}.
func (vl *vpcLab) addVPC(name, cidr4, cidr6 string, subnets map[string][2]string) *labVPC {
	vl.t.Helper()
	v, err := vl.net.CreateVpc(cidr4, cidr6, nil)
	vl.must(err)
	vl.seed++
	cfg := ruleset.VPCConfig{VpcId: v.VpcId, CIDR: netip.MustParsePrefix(cidr4), IDSeed: vl.seed}
	if cidr6 != "" {
		cfg.IPv6CIDR = netip.MustParsePrefix(cidr6)
	}
	st, err := ruleset.NewState(cfg)
	vl.must(err)
	lv := &labVPC{id: v.VpcId, st: st, comp: ruleset.NewCompiler(), subnets: map[string]string{}}
	for sn, c := range subnets {
		s, err := vl.net.CreateSubnet(v.VpcId, c[0], c[1], "", nil)
		vl.must(err)
		lv.subnets[sn] = s.SubnetId
	}
	g, err := st.CreateSecurityGroup("open", "open", nil)
	vl.must(err)
	lv.group = g.GroupId
	perms := []ruleset.IpPermission{allCIDR("0.0.0.0/0"), allCIDR("::/0")}
	_, err = st.AuthorizeSecurityGroupIngress(lv.group, perms, nil)
	vl.must(err)
	// Outbound, a new group already allows all (IPv6 too in a VPC with IPv6).
	vl.vpcs[name] = lv
	return lv
}

// host creates an interface in VPC vpcName's subnet with addresses v4 and
// v6 ("" for none) and attaches a memport.
func (vl *vpcLab) host(name, vpcName, subnet, v4, v6 string, srcDstCheck bool) *node {
	vl.t.Helper()
	lv := vl.vpcs[vpcName]
	n := &node{name: name}
	spec := ruleset.ENISpec{Name: name, Groups: []string{lv.group}}
	place := vpc.Placement{SubnetID: lv.subnets[subnet], SourceDestCheck: &srcDstCheck}
	if v4 != "" {
		n.v4 = netip.MustParseAddr(v4)
		spec.IPv4, place.IPv4 = []netip.Addr{n.v4}, []netip.Addr{n.v4}
	}
	if v6 != "" {
		n.v6 = netip.MustParseAddr(v6)
		spec.IPv6, place.IPv6 = []netip.Addr{n.v6}, []netip.Addr{n.v6}
	}
	ni, err := lv.st.CreateNetworkInterface(spec)
	vl.must(err)
	hw, err := net.ParseMAC(ni.MacAddress)
	vl.must(err)
	n.eni, n.mac = ni.NetworkInterfaceId, [6]byte(hw)
	place.InterfaceID = n.eni
	vl.must(vl.net.PlaceInterface(place))
	n.port = memport.New(name, vl.portCfg)
	vl.must(vl.sw.AddPort(n.eni, n.port))
	return n
}

// groups compiles every VPC's security groups.
func (vl *vpcLab) groups() map[string]*ruleset.Snapshot {
	m := map[string]*ruleset.Snapshot{}
	for _, lv := range vl.vpcs {
		m[lv.id] = lv.comp.Compile(lv.st)
	}
	return m
}

func (vl *vpcLab) publish() {
	vl.t.Helper()
	vl.must(vl.sw.PublishVPCs(vl.netComp.Compile(vl.net), vl.groups()))
}

// frame is a TCP frame between two nodes over family fam, to the router's
// MAC when routed.
func (vl *vpcLab) frame(from, to *node, fam int, sport, dport uint16, flags uint8, routed bool) packettest.Frame {
	f := packettest.Frame{SrcMAC: from.mac, DstMAC: to.mac, Src: from.addr(fam), Dst: to.addr(fam),
		Proto: packet.ProtoTCP, SrcPort: sport, DstPort: dport, TCPFlags: flags}
	if routed {
		f.DstMAC = vl.sw.cfg.RouterMAC
	}
	return f
}
