package perf

import (
	"context"
	"fmt"
	"net/netip"

	"sgswitch/netns"
)

// Endpoint is one side of a bench topology: a namespace with one interface
// eth0 carrying fixed addresses from the benchmarking ranges.
type Endpoint struct {
	Netns string
	Dev   string // "eth0"
	MAC   string
	IPv4  netip.Addr
	IPv6  netip.Addr
}

// The two endpoints every path connects: A is the client, B the server.
// Addresses are from 198.18.0.0/15 and fd00:5e5e::/48 only, and avoid what
// a VPC subnet reserves (base+1 is the router, base+2 the resolver, whose
// addresses and MAC the switch answers for).
var (
	ClientMAC  = "02:5e:5e:00:00:11"
	ServerMAC  = "02:5e:5e:00:00:12"
	ClientIPv4 = netip.MustParseAddr("198.18.0.11")
	ServerIPv4 = netip.MustParseAddr("198.18.0.12")
	ClientIPv6 = netip.MustParseAddr("fd00:5e5e::11")
	ServerIPv6 = netip.MustParseAddr("fd00:5e5e::12")
	Subnet4    = netip.MustParsePrefix("198.18.0.0/24")
	Subnet6    = netip.MustParsePrefix("fd00:5e5e::/64")
)

// Topology is what a path under test gives the generators: two endpoints
// that can reach each other through the path, and the switch's process (if
// the path has one) for CPU accounting.
type Topology struct {
	Client, Server Endpoint
	SwitchNetns    string
	// SwitchPIDs are the processes doing the switching; empty for the kernel
	// path, whose work runs in softirq context of the endpoints.
	SwitchPIDs []int
}

// addEndpoints makes the client, server and switch namespaces.
func addEndpoints(s *netns.Scope, tag string) (Topology, error) {
	var t Topology
	a, err := s.CreateNetns(tag + "a")
	if err != nil {
		return t, err
	}
	b, err := s.CreateNetns(tag + "b")
	if err != nil {
		return t, err
	}
	sw, err := s.CreateNetns(tag + "sw")
	if err != nil {
		return t, err
	}
	t.Client = Endpoint{Netns: a, Dev: "eth0", MAC: ClientMAC, IPv4: ClientIPv4, IPv6: ClientIPv6}
	t.Server = Endpoint{Netns: b, Dev: "eth0", MAC: ServerMAC, IPv4: ServerIPv4, IPv6: ServerIPv6}
	t.SwitchNetns = sw
	return t, nil
}

// addVeth creates eth0 in the endpoint's namespace with its peer named peer
// in the switch namespace, addresses it, and brings both ends up. Both ends
// live in the bench's namespaces and go with them. Static
// neighbour entries keep ARP/ND out of the measurements. txOff turns off
// transmit checksumming on the endpoint side (needed when the switch reads
// the peer with AF_PACKET/AF_XDP: partial checksums would reach the other end).
func addVeth(e Endpoint, other Endpoint, swNetns, peer string, txOff bool) error {
	cmds := [][]string{
		{"ip", "-n", e.Netns, "link", "add", e.Dev, "address", e.MAC, "type", "veth", "peer", "name", peer, "netns", swNetns},
		{"ip", "-n", e.Netns, "addr", "add", e.IPv4.String() + "/24", "dev", e.Dev},
		{"ip", "-n", e.Netns, "addr", "add", e.IPv6.String() + "/64", "dev", e.Dev, "nodad"},
		{"ip", "-n", e.Netns, "link", "set", e.Dev, "up"},
		{"ip", "-n", swNetns, "link", "set", peer, "up"},
		{"ip", "-n", e.Netns, "neigh", "replace", other.IPv4.String(), "lladdr", other.MAC, "dev", e.Dev, "nud", "permanent"},
		{"ip", "-n", e.Netns, "neigh", "replace", other.IPv6.String(), "lladdr", other.MAC, "dev", e.Dev, "nud", "permanent"},
	}
	for _, c := range cmds {
		if _, err := Run(c[0], c[1:]...); err != nil {
			return fmt.Errorf("wiring %s: %w", e.Netns, err)
		}
	}
	if !txOff {
		return nil
	}
	for _, end := range [][2]string{{e.Netns, e.Dev}, {swNetns, peer}} {
		if _, err := RunIn(context.Background(), end[0], "ethtool", "-K", end[1], "tx", "off"); err != nil {
			return fmt.Errorf("wiring %s: %w", e.Netns, err)
		}
	}
	return nil
}
