// Package vpcsvc serves what every EC2 VPC provides to its instances
// without security groups or network ACLs seeing it (spec ec2-vpc.md 5):
// DHCP, the DNS resolver at base+2 and 169.254.169.253, and Amazon Time
// Sync at 169.254.169.123; instance metadata (package imds) is reached
// through it. It is the switch's Service (vswitch.Config.Service): the
// switch has already charged each frame to its interface's link-local
// allowance (1024 packets per second) and hands it here on the packet
// path.
//
// Everything it answers comes from a Directory, the daemon's live view of
// the account.
//
// # What is served
//
//   - DHCPv4 (RFC 2131, github.com/insomniacslk/dhcp/dhcpv4): DISCOVER →
//     OFFER, REQUEST → ACK (NAK when it asks for another address than the
//     interface's primary IPv4), INFORM → ACK. Options: mask (1), router
//     base+1 (3), resolver base+2 (6, with DNS support on), host name
//     ip-a-b-c-d (12), domain name (15, Domain), broadcast (28), lease
//     (51), server id = router (54), and MTU (26) only when Config.MTU is
//     set. Replies come from the router's MAC and address, broadcast or
//     unicast as RFC 2131 4.1 says (NAK and the broadcast flag: broadcast;
//     a client with ciaddr: there; else yiaddr at chaddr). RELEASE and
//     DECLINE are ignored (counted): the address is the interface's.
//   - DHCPv6 (RFC 8415, dhcpv6): Solicit → Advertise (Reply with rapid
//     commit), Request, Renew, Rebind → Reply with each IA_NA holding the
//     interface's IPv6 addresses, Information-request → Reply; with DNS
//     support, the resolver fd00:ec2::253 and the domain as search list.
//     From fe80:ec2::1, the router's link-local address, with a DUID-LL
//     of the router MAC as server id.
//   - Router advertisements (RFC 4861, github.com/mdlayher/ndp): the
//     switch hands Router Solicitations from an interface with IPv6 here;
//     the answer, from fe80:ec2::1, has the M and O flags (addresses and
//     the resolver come from DHCPv6, as in EC2), router lifetime 1800 s,
//     the router MAC, the subnet's prefix on-link and not autonomous, and
//     the MTU when configured.
//   - DNS (github.com/miekg/dns), UDP only, at the subnet's base+2, the
//     VPC's base+2, 169.254.169.253 and fd00:ec2::253, when the VPC has
//     DNS support (off: no answer at all). A and AAAA for
//     ip-a-b-c-d.<domain> (an address of an interface in the asker's
//     VPC), i-….<domain> (the instance's primary interface) and lab node
//     names, bare or in the domain; PTR for in-addr.arpa / ip6.arpa names
//     of addresses in the VPC. Everything else is NXDOMAIN: nothing is
//     forwarded, no query leaves the host. A known name with another type
//     is NOERROR without answers. TTL 60. A query that does not parse
//     gets FORMERR if its header does, else nothing.
//   - NTP (RFC 5905) at 169.254.169.123 and fd00:ec2::123: a 48-byte
//     server reply, stratum 3, stamped with Config.Now.
//   - Instance metadata: every frame to 169.254.169.254 or fd00:ec2::254
//     goes unchanged to Config.Metadata (package imds, a userspace TCP
//     stack, which answers through vswitch.Switch.Send).
//
// Not served: DNS over TCP (a truncated answer cannot be retried over
// TCP; the answers are small enough that this does not arise), DHCP
// option sets other than AmazonProvidedDNS, DHCP relays, DHCPv6 prefix
// delegation and temporary addresses, and names outside the VPC.
//
// # Design
//
// Serve parses the frame with package packet, picks the service by
// protocol, ports and destination, looks the sender up in the Directory
// and builds at most one reply frame (gopacket for the Ethernet, IP and
// UDP headers and their checksums, the protocol's library for the
// message). Replies come from the address the request went to, with
// Config.RouterMAC, to the sender's MAC. The Server keeps no state
// besides counters: a lease is the interface's address for as long as
// the interface has it, so there is nothing to remember.
//
// # Counters
//
// Stats has, per service, the requests, the answers and the drops by
// reason (malformed, unknown-interface, no-service, metadata-unavailable,
// ignored). Every bad input is a counted drop, never a panic (FuzzServe).
//
// # Thread-safety and cost
//
// Serve runs on every port's receive goroutine at once; the Server is
// safe for that (atomic counters, an immutable Config). It does not
// block and does not retain the frame. It allocates: these frames are
// rare (and limited by the link-local allowance), so clarity wins over
// the packet path's zero-allocation rule.
package vpcsvc
