// Package porttest proves ports end to end between real network namespaces.
//
// What: a Pair is two namespaces ("a" and "b") of a netns.Scope, each with
// an eth0 whose other end is a port of the kind under test
// (testbed.OpenPort, or testbed.AttachPort for an emulated QEMU tap), and
// the package offers the checks run from inside the namespaces with real
// sockets: Ping (ICMP/ICMPv6 echo), TCPTransfer (a few MB, content checked
// with SHA-256), UDPEcho, UDPSegmented, and TCPDenied (a connection that
// must see neither a SYN-ACK nor an RST). Forward is a trivial two-port
// forwarder used besides the real switch: it moves batches from one port
// to the other and, when the destination cannot take GSO super-frames,
// segments them and completes checksums with iface/gso, as the switch does.
//
// Root only: tests get their scope from netnstest.New, which skips without
// root. A Pair closes its ports when its scope closes; the scope removes
// the namespaces and links.
//
// Addresses: 198.18.0.0/24 and fd00:5e5e:0:1::/64 only (network safety).
package porttest

import (
	"net"
	"net/netip"
)

// Addresses of the two nodes a Pair wires.
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
