// Package packet owns the switch's knowledge of wire formats: it parses
// Ethernet frames by hand for the hot path, builds headers, and computes the
// Internet checksum. Everything else that reads, writes or checksums a
// header (iface/gso, the switch's ARP and Neighbor Discovery replies, perf's
// traffic generators, packettest's test frames) does it through here.
//
// What: named header byte slices (Ethernet, ARP, IPv4, IPv6, IPv6Fragment,
// TCP, UDP, ICMP) with accessors and an IsValid precondition, after gVisor's
// tcpip/header package; for building, an Encode method per header (the
// IPv4, IPv6 and TCP ones take a Fields struct) and setters for the fields a
// segmenter rewrites; reply builders for the frames the switch sends itself
// (BuildARPReply, BuildNeighborAdvert); the Internet checksum; and
// ParseInto, which fills a flat Parsed struct with everything the switch
// judges a frame by: MACs, address family, addresses as [16]byte (IPv4 in
// the first 4 bytes), the upper-layer protocol after the IPv6 extension
// chain, ports, ICMP type/code/echo id, TCP flags, fragment fields and
// header offsets.
//
// Checksum: one implementation of RFC 1071, for three reasons. It is on
// the GSO path (every byte of a super-frame cut for a port without offloads
// is summed), so it is worth making fast once — Sum adds 64-bit words with
// end-around carry — rather than leaving a slow copy somewhere. Its edge
// cases (odd lengths, the byte at the end of an odd piece, UDP's 0 sent as
// 0xffff, carries out of the top) are where copies drift apart. And one
// implementation is one set of tests: known sums and captured frames, a
// property test and FuzzChecksum against a byte-by-byte reference. The API
// is a partial sum (a uint32 from Sum, the pseudo-header helpers
// PseudoHeaderSum, PseudoSum4/6 and IPv4/IPv6.PseudoSum) that can be
// continued over further buffers and finished by Fold; Checksum and
// PutChecksum cover the one-buffer cases, and each header type has
// FillChecksum.
//
// Parsing design: one pass, no allocation, no pointers kept into the frame.
// Every length is checked before it is used, so no byte sequence can make
// the parser panic (FuzzParse; corpus under testdata/fuzz/FuzzParse). The
// frame the switch sees most — IPv4 without options, not a fragment, TCP or
// UDP — takes a fast path that checks every length up front and writes p
// field by field; anything else goes to the general parser, and
// FuzzParseFast checks that both give the same Parsed and Reason for any
// bytes (corpus under testdata/fuzz/FuzzParseFast). The fast path is
// ParseInto's own body (one call fewer per frame); BenchmarkParse's
// ipv4-tcp figure is what shows it is taken. A frame it refuses comes back
// with a Reason, a small enum the switch counts drops by:
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
//   - ICMP query messages (echo, and for ICMPv4 timestamp, information and
//     address mask) carry their identifier (ICMPID), the "port" of an ICMP
//     flow (HasIdent).
//
// Building design: Encode writes every byte of its header, so a reused
// buffer needs no clearing; it panics like a slice index on a short slice
// (callers size their buffers from the Len constants); it does not
// allocate, so the switch builds replies in its preallocated buffers.
// Checksums covering more than the header are filled after the payload is
// in place.
//
// Thread-safety: all functions are pure over their arguments; a Parsed
// belongs to its caller, and a header slice to whoever owns its buffer.
package packet
