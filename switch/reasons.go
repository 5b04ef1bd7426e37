package vswitch

import "sgswitch/packet"

// DropReason says why the switch dropped a frame. The first values are the
// parser's reasons (packet.Reason), so a parse failure converts directly.
type DropReason uint8

// Drop reasons of the switch, numbered after the parser's.
const (
	DropNone DropReason = 0

	DropUnknownInterface DropReason = DropReason(packet.NumReasons) + iota - 1 // the port's ENI is not in the published ruleset
	DropSpoofedMAC                                                             // source MAC is not the port's (source/destination check)
	DropSpoofedIP                                                              // source IP is not the port's
	DropBroadcast                                                              // broadcast other than ARP/DHCP
	DropMulticast                                                              // multicast other than ND/DHCPv6
	DropNeighborIgnored                                                        // ARP/ND the switch does not answer (unknown target, probe, not a request)
	DropNoDestination                                                          // destination in the subnet but no interface has it
	DropNoRoute                                                                // destination outside the subnet (the VPC has no gateway)
	DropDstMAC                                                                 // destination MAC is neither the interface's nor the router's
	DropHairpin                                                                // destination is the sending interface
	DropPortDown                                                               // destination interface has no port attached
	DropSGEgress                                                               // the sender's outbound rules do not allow it
	DropSGIngress                                                              // the receiver's inbound rules do not allow it
	DropConntrackInvalid                                                       // tracked flow, packet fits no state (e.g. a stray SYN-ACK)
	DropConntrackFull                                                          // conntrack_allowance_exceeded
	DropNewConnThrottled                                                       // new tracked connections per second exceeded
	DropFlowTableFull                                                          // flow table or zone full
	DropPPS                                                                    // pps_allowance_exceeded
	DropBWIn                                                                   // bw_in_allowance_exceeded
	DropBWOut                                                                  // bw_out_allowance_exceeded
	DropLinkLocal                                                              // linklocal_allowance_exceeded
	DropNoService                                                              // link-local service or DHCP traffic with no service installed
	DropFragNoFirst                                                            // later fragment with no first fragment seen (or its state expired)
	DropFragDenied                                                             // later fragment of a datagram whose first fragment was dropped
	DropFragTableFull                                                          // no room to remember a first fragment's verdict
	DropGSO                                                                    // super-frame the destination cannot take and the switch cannot segment
	DropTxError                                                                // the destination port refused the write
	DropUntrackedFull                                                          // new untracked flow beyond the interface's untracked entries (its conntrack allowance again)
	DropDestCheck                                                              // routed to an interface that does not own the destination and has its source/dest check on
	DropTTLExceeded                                                            // routed with TTL or hop limit 1 or less
	DropNACLEgress                                                             // the sender subnet's network ACL denies it outbound
	DropNACLIngress                                                            // the receiver subnet's network ACL denies it inbound
	NumDropReasons
)

var dropNames = [NumDropReasons]string{
	DropUnknownInterface: "unknown-interface",
	DropSpoofedMAC:       "spoofed-src-mac",
	DropSpoofedIP:        "spoofed-src-ip",
	DropBroadcast:        "broadcast",
	DropMulticast:        "multicast",
	DropNeighborIgnored:  "neighbor-ignored",
	DropNoDestination:    "no-destination",
	DropNoRoute:          "no-route",
	DropDstMAC:           "dst-mac-mismatch",
	DropHairpin:          "hairpin",
	DropPortDown:         "port-down",
	DropSGEgress:         "sg-egress-denied",
	DropSGIngress:        "sg-ingress-denied",
	DropConntrackInvalid: "conntrack-invalid",
	DropConntrackFull:    "conntrack_allowance_exceeded",
	DropNewConnThrottled: "conntrack_new_connections_throttled",
	DropFlowTableFull:    "flowtable-full",
	DropPPS:              "pps_allowance_exceeded",
	DropBWIn:             "bw_in_allowance_exceeded",
	DropBWOut:            "bw_out_allowance_exceeded",
	DropLinkLocal:        "linklocal_allowance_exceeded",
	DropNoService:        "no-service",
	DropFragNoFirst:      "frag-no-first",
	DropFragDenied:       "frag-denied",
	DropFragTableFull:    "frag-table-full",
	DropGSO:              "gso-unsupported",
	DropTxError:          "tx-error",
	DropUntrackedFull:    "untracked-cache-full",
	DropDestCheck:        "dest-check",
	DropTTLExceeded:      "ttl-exceeded",
	DropNACLEgress:       "nacl-egress",
	DropNACLIngress:      "nacl-ingress",
}

// String is the reason's counter name.
func (r DropReason) String() string {
	if r < DropReason(packet.NumReasons) {
		return packet.Reason(r).String()
	}
	if r < NumDropReasons {
		return dropNames[r]
	}
	return "unknown"
}

// IsSecurityGroup reports whether the reason is a security-group verdict
// (a REJECT in flow-log terms) rather than a fault or a limit.
func (r DropReason) IsSecurityGroup() bool {
	return r == DropSGEgress || r == DropSGIngress || r == DropFragDenied
}
