// Package e2e proves ports end to end between real network namespaces.
//
// What: a Lab makes two namespaces ("a" and "b") with a unique name prefix,
// wires each to a port of the kind under test (iface/wire), and offers the
// checks the issue asks for, run from inside the namespaces with real
// sockets: Ping (ICMP/ICMPv6 echo), TCPTransfer (a few MB, content checked
// with SHA-256), UDPEcho, and TCPDenied (a connection that must see neither
// a SYN-ACK nor an RST). Forward is a trivial two-port forwarder used until
// (and besides) the real switch: it moves batches from one port to the other
// and, when the destination cannot take GSO super-frames, segments them and
// completes checksums with iface/gso, as the switch does.
//
// Root only: callers skip when not root. Every Lab removes its namespaces,
// links and ports in Close, which tests register with t.Cleanup.
//
// Addresses: 198.18.0.0/24 and fd00:5e5e:0:1::/64 only (network safety).
package e2e

import (
	"net"
	"net/netip"
)

// Addresses of the two nodes a Lab wires.
var (
	SubnetV4 = netip.MustParsePrefix("198.18.0.0/24")
	SubnetV6 = netip.MustParsePrefix("fd00:5e5e:0:1::/64")
	AddrA4   = netip.MustParsePrefix("198.18.0.11/24")
	AddrB4   = netip.MustParsePrefix("198.18.0.12/24")
	AddrA6   = netip.MustParsePrefix("fd00:5e5e:0:1::11/64")
	AddrB6   = netip.MustParsePrefix("fd00:5e5e:0:1::12/64")
	MACA     = net.HardwareAddr{0x02, 0x5e, 0x5e, 0x00, 0x00, 0x11}
	MACB     = net.HardwareAddr{0x02, 0x5e, 0x5e, 0x00, 0x00, 0x12}
)
