// Package packet parses Ethernet frames by hand for the switch's hot path,
// and builds the few frames the switch sends itself (ARP replies, Neighbor
// Advertisements).
//
// What: named header byte slices (Ethernet, ARP, IPv4, IPv6, IPv6Fragment,
// TCP, UDP, ICMP) with accessors and an IsValid precondition, after gVisor's
// tcpip/header package; and ParseInto, which fills a flat Parsed struct with
// everything the switch judges a frame by: MACs, address family, addresses
// as [16]byte (IPv4 in the first 4 bytes), the upper-layer protocol after the
// IPv6 extension chain, ports, ICMP type/code/echo id, TCP flags, fragment
// fields and header offsets.
//
// Design: one pass, no allocation, no pointers kept into the frame. Every
// length is checked before it is used, so no byte sequence can make the
// parser panic (FuzzParse; corpus under testdata/fuzz/FuzzParse). The frame
// the switch sees most — IPv4 without options, not a fragment, TCP or UDP —
// takes a fast path that checks every length up front and writes p field by
// field; anything else goes to the general parser, and FuzzParseFast checks
// that both give the same Parsed and Reason for any bytes (corpus under
// testdata/fuzz/FuzzParseFast). The fast path is ParseInto's own body (one
// call fewer per frame); BenchmarkParse's ipv4-tcp figure is what shows it
// is taken. A frame it refuses comes back with a
// Reason, a small enum the switch counts drops by:
//
//   - Ethernet: 802.1Q/802.1ad tags are refused (the virtual subnet has no
//     VLANs); only IPv4, IPv6 and ARP are carried.
//   - IPv4: version, header length, total length and the options' TLV
//     layout are checked; the header checksum is not (the receiving stack
//     checks it, and GSO super-frames may carry a stale one). Bytes after the
//     total length are Ethernet padding and are ignored (Parsed.End).
//   - IPv6: hop-by-hop, routing, fragment and destination-options headers are
//     walked (at most 8; hop-by-hop only first); AH, ESP, No-Next-Header and
//     unknown headers end the walk and are reported as the protocol, which
//     security groups treat as "other protocol". Jumbograms are refused.
//   - Fragments: the first fragment is parsed for its ports and must hold the
//     whole transport header (else L4Truncated: a first fragment too short
//     to judge is dropped, RFC 7112); later fragments carry no ports
//     (HasL4 false) and are matched to their first fragment by the switch
//     using Fragment.{Proto, ID}. A TCP fragment at offset 8 could rewrite
//     the header's flags (RFC 1858) and is refused (FragMalformed), as is a
//     non-last IPv6 fragment whose length is not a multiple of 8.
//   - ICMPv4 and ICMPv6 echo messages carry their identifier (ICMPID), the
//     "port" of an ICMP flow.
//
// Cost: ~4.3 ns per Ethernet/IPv4/TCP frame (~7 ns before the fast path),
// ~7.4 ns per IPv6/TCP frame, against ~36 ns for gopacket's
// DecodingLayerParser on the same machine (BenchmarkParse).
//
// Thread-safety: all functions are pure; a Parsed belongs to its caller.
package packet
