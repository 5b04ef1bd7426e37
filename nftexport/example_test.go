package nftexport

import "net/netip"

func ptrs(s ...string) []netip.Prefix {
	var out []netip.Prefix
	for _, v := range s {
		out = append(out, netip.MustParsePrefix(v))
	}
	return out
}

// sample is a web server and a client, covering every rule kind.
func sample() *Ruleset {
	return &Ruleset{Interfaces: []Interface{
		{
			ID: "eni-0000000000000001", Name: "client",
			IPv4:   []netip.Addr{netip.MustParseAddr("198.18.0.1")},
			IPv6:   []netip.Addr{netip.MustParseAddr("fd00:5e5e::1")},
			Egress: []Rule{{Proto: ProtoAll, From: -1, To: -1, Remote: ptrs("0.0.0.0/0", "::/0")}},
		},
		{
			ID: "eni-0000000000000002", Name: "web",
			IPv4: []netip.Addr{netip.MustParseAddr("198.18.0.2")},
			IPv6: []netip.Addr{netip.MustParseAddr("fd00:5e5e::2")},
			Ingress: []Rule{
				{Proto: ProtoTCP, From: 80, To: 80, Remote: ptrs("198.18.0.0/24", "fd00:5e5e::/64")},
				{Proto: ProtoTCP, From: 443, To: 443, Remote: ptrs("198.18.0.0/24")},
				{Proto: ProtoUDP, From: 5000, To: 5010, Remote: ptrs("198.18.0.1/32")},
				{Proto: ProtoICMP, From: 8, To: -1, Remote: ptrs("198.18.0.0/24")},
				{Proto: ProtoICMPv6, From: -1, To: -1, Remote: ptrs("fd00:5e5e::/64")},
				{Proto: 47, Remote: ptrs("198.18.0.0/24")},
				{Proto: ProtoTCP, From: 80, To: 80, Remote: ptrs("198.18.0.0/24")}, // duplicate: one element
			},
			Egress: []Rule{{Proto: ProtoAll, From: -1, To: -1, Remote: ptrs("0.0.0.0/0", "::/0")}},
		},
	}}
}
