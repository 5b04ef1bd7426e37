package perf

import (
	"fmt"
	"net/netip"

	"sgswitch/nftexport"
)

// Ports the generators use; the bench's security groups allow exactly these
// towards the server.
const (
	IperfPort   = 5201
	ConnPort    = 7000
	LatencyPort = 7001
	UDPPort     = 9000
)

// liveRules are the server's ingress rules the traffic needs.
func liveRules() []nftexport.Rule {
	from := []netip.Prefix{Subnet4, Subnet6}
	return []nftexport.Rule{
		{Proto: nftexport.ProtoTCP, From: IperfPort, To: IperfPort, Remote: from, Comment: "iperf3"},
		{Proto: nftexport.ProtoTCP, From: ConnPort, To: LatencyPort, Remote: from, Comment: "conn/s and latency"},
		{Proto: nftexport.ProtoUDP, From: UDPPort, To: UDPPort, Remote: from, Comment: "64-byte UDP"},
		{Proto: nftexport.ProtoICMP, From: -1, To: -1, Remote: []netip.Prefix{Subnet4}, Comment: "ping"},
	}
}

// FillerRule is the i-th rule that never matches bench traffic: a TCP port
// from a /32 in 198.19.0.0/16 (the benchmarking range, never addressed).
func FillerRule(i int) nftexport.Rule {
	a := netip.AddrFrom4([4]byte{198, 19, byte(i / 256), byte(i % 256)})
	return nftexport.Rule{
		Proto:   nftexport.ProtoTCP,
		From:    10000 + i%1000,
		To:      10000 + i%1000,
		Remote:  []netip.Prefix{netip.PrefixFrom(a, 32)},
		Comment: fmt.Sprintf("filler %d", i),
	}
}

// BenchRuleset returns the security groups every path enforces, with about
// nRules ingress rules on the server: filler rules first (so a linear chain
// walks them all before the rule that matches), then the live ones. The
// client allows all egress and no ingress (replies pass by conntrack); the
// server allows all egress, as EC2's default group does.
func BenchRuleset(nRules int) *nftexport.Ruleset {
	live := liveRules()
	var in []nftexport.Rule
	for i := 0; i < nRules-len(live); i++ {
		in = append(in, FillerRule(i))
	}
	in = append(in, live...)
	all := []nftexport.Rule{{Proto: nftexport.ProtoAll, From: -1, To: -1,
		Remote: []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")}}}
	return &nftexport.Ruleset{Interfaces: []nftexport.Interface{
		{ID: "eni-bench0client", Name: "client", IPv4: []netip.Addr{ClientIPv4}, IPv6: []netip.Addr{ClientIPv6}, Egress: all},
		{ID: "eni-bench0server", Name: "server", IPv4: []netip.Addr{ServerIPv4}, IPv6: []netip.Addr{ServerIPv6}, Ingress: in, Egress: all},
	}}
}
