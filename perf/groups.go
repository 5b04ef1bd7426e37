package perf

import (
	"fmt"
	"net"
	"net/netip"

	"sgswitch/nftexport"
	"sgswitch/ruleset"
)

// Ports the generators use; the bench's security groups allow exactly these
// towards the server.
const (
	IperfPort   = 5201
	ConnPort    = 7000
	LatencyPort = 7001
	UDPPort     = 9000
)

// Names of the bench's interfaces (ENI Name tags) in BenchState.
const (
	ClientENIName = "client"
	ServerENIName = "server"
)

func i32(v int32) *int32 { return &v }

// liveRules are the server's ingress rules the traffic needs.
func liveRules() []ruleset.IpPermission {
	v4 := []ruleset.IpRange{{CidrIp: Subnet4.String()}}
	v6 := []ruleset.Ipv6Range{{CidrIpv6: Subnet6.String()}}
	return []ruleset.IpPermission{
		{IpProtocol: "tcp", FromPort: i32(IperfPort), ToPort: i32(IperfPort), IpRanges: v4, Ipv6Ranges: v6},
		{IpProtocol: "tcp", FromPort: i32(ConnPort), ToPort: i32(LatencyPort), IpRanges: v4, Ipv6Ranges: v6},
		{IpProtocol: "udp", FromPort: i32(UDPPort), ToPort: i32(UDPPort), IpRanges: v4, Ipv6Ranges: v6},
		{IpProtocol: "icmp", FromPort: i32(-1), ToPort: i32(-1), IpRanges: v4},
	}
}

// FillerRule is the i-th rule that never matches bench traffic: a TCP port
// from a /32 in 198.19.0.0/16 (the benchmarking range, never addressed).
func FillerRule(i int) ruleset.IpPermission {
	a := netip.AddrFrom4([4]byte{198, 19, byte(i / 256), byte(i % 256)})
	port := int32(10000 + i%1000)
	return ruleset.IpPermission{IpProtocol: "tcp", FromPort: i32(port), ToPort: i32(port),
		IpRanges: []ruleset.IpRange{{CidrIp: netip.PrefixFrom(a, 32).String()}}}
}

// BenchState returns the security groups every path enforces, as a ruleset
// State: the server's group has about nRules ingress rules — filler rules
// first (so a linear chain walks them all before the rule that matches),
// then the live ones; the client's group allows no ingress (replies pass by
// conntrack). Both allow all egress, as a new EC2 group does.
func BenchState(nRules int) (*ruleset.State, error) {
	st, err := ruleset.NewState(ruleset.VPCConfig{CIDR: Subnet4, IPv6CIDR: netip.MustParsePrefix("fd00:5e5e::/56"),
		IDSeed: 0x5e5e, LiftQuotas: true})
	if err != nil {
		return nil, err
	}
	if _, err := st.CreateSecurityGroup("bench-client", "bench client", nil); err != nil {
		return nil, err
	}
	srv, err := st.CreateSecurityGroup("bench-server", "bench server", nil)
	if err != nil {
		return nil, err
	}
	live := liveRules()
	var perms []ruleset.IpPermission
	for i := 0; i < nRules-len(live); i++ {
		perms = append(perms, FillerRule(i))
	}
	perms = append(perms, live...)
	if _, err := st.AuthorizeSecurityGroupIngress(srv.GroupId, perms, nil); err != nil {
		return nil, fmt.Errorf("bench rules: %w", err)
	}
	for _, e := range []struct {
		name, mac, group string
		v4, v6           netip.Addr
	}{
		{ClientENIName, ClientMAC, "bench-client", ClientIPv4, ClientIPv6},
		{ServerENIName, ServerMAC, "bench-server", ServerIPv4, ServerIPv6},
	} {
		mac, _ := net.ParseMAC(e.mac)
		if _, err := st.CreateNetworkInterface(ruleset.ENISpec{Name: e.name, MAC: mac, IPv4: []netip.Addr{e.v4},
			IPv6: []netip.Addr{e.v6}, Groups: []string{e.group},
			Allowances: ruleset.Allowances{ConntrackMax: benchConntrackMax}}); err != nil {
			return nil, fmt.Errorf("bench interface %s: %w", e.name, err)
		}
	}
	return st, nil
}

// benchConntrackMax is each bench interface's conntrack allowance: the two
// interfaces reserve 2 x this each, exactly the switch's default table
// (vswitch.DefaultFlowCapacity), so a bench measures the switch, not the
// default allowance of a lab node (ruleset.DefaultConntrackMax).
const benchConntrackMax = 1 << 16

// Groups are the bench's security groups in both forms: the ruleset State
// (for sgswitch) and its nftexport rendering (for the kernel and OVS).
type Groups struct {
	Rules int
	State *ruleset.State
	Set   *nftexport.Ruleset
}

// BenchGroups builds Groups with about nRules server ingress rules.
func BenchGroups(nRules int) (*Groups, error) {
	st, err := BenchState(nRules)
	if err != nil {
		return nil, err
	}
	rs, err := nftexport.FromSpec(st.Spec())
	if err != nil {
		return nil, err
	}
	return &Groups{Rules: nRules, State: st, Set: rs}, nil
}
