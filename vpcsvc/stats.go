package vpcsvc

import "sync/atomic"

// service indexes the counters.
type service int

const (
	svcDHCPv4 service = iota
	svcDHCPv6
	svcRA
	svcDNS
	svcNTP
	svcMetadata
	svcOther // a frame no service takes, or one too malformed to tell
	numServices
)

func (s service) String() string {
	return [...]string{"dhcpv4", "dhcpv6", "router-advertisement", "dns", "ntp", "metadata", "other"}[s]
}

// dropReason says why a request got no answer.
type dropReason int

const (
	dropNone dropReason = iota
	dropMalformed
	dropUnknownInterface
	dropNoService
	dropMetadataUnavailable
	dropIgnored
	numDropReasons
)

func (d dropReason) String() string {
	return [...]string{"none", "malformed", "unknown-interface", "no-service", "metadata-unavailable", "ignored"}[d]
}

// ServiceStats are one service's counters.
type ServiceStats struct {
	// Requests counts the frames handed to the service; Answers the
	// frames it sent back (the metadata handler counts its own).
	Requests, Answers uint64
	// Drops by reason: Malformed (not a valid request of its protocol),
	// UnknownInterface (the Directory does not know the sender),
	// NoService (nothing to serve: DNS support off, no IPv4 or IPv6 for
	// DHCP, a query to no resolver address, an unknown port or protocol),
	// MetadataUnavailable (no Config.Metadata), Ignored (messages that
	// need no answer: DHCP RELEASE, DECLINE, a request for another
	// server).
	Malformed, UnknownInterface, NoService, MetadataUnavailable, Ignored uint64
}

// Dropped is the sum of the drops.
func (s ServiceStats) Dropped() uint64 {
	return s.Malformed + s.UnknownInterface + s.NoService + s.MetadataUnavailable + s.Ignored
}

// Stats are the Server's counters per service. Other counts frames no
// service takes (malformed, an unknown port or protocol).
type Stats struct {
	DHCPv4, DHCPv6, RouterAdvert, DNS, NTP, Metadata, Other ServiceStats
}

// counters are the live counters: atomics, since every port's receive
// goroutine serves through the same Server.
type counters struct {
	requests, answers [numServices]atomic.Uint64
	drops             [numServices][numDropReasons]atomic.Uint64
}

func (c *counters) request(s service) { c.requests[s].Add(1) }
func (c *counters) answer(s service)  { c.answers[s].Add(1) }

// drop counts a drop; a frame that never reached a service counts as one
// of Other's requests too, so that Requests = Answers + drops for every
// service (the metadata handler's answers aside).
func (c *counters) drop(s service, why dropReason) {
	if s == svcOther && why == dropMalformed {
		c.requests[s].Add(1)
	}
	c.drops[s][why].Add(1)
}

// Stats returns a copy of the counters.
func (s *Server) Stats() Stats {
	one := func(v service) ServiceStats {
		c := &s.stats
		d := &c.drops[v]
		return ServiceStats{
			Requests: c.requests[v].Load(), Answers: c.answers[v].Load(),
			Malformed: d[dropMalformed].Load(), UnknownInterface: d[dropUnknownInterface].Load(),
			NoService: d[dropNoService].Load(), MetadataUnavailable: d[dropMetadataUnavailable].Load(),
			Ignored: d[dropIgnored].Load(),
		}
	}
	return Stats{
		DHCPv4: one(svcDHCPv4), DHCPv6: one(svcDHCPv6), RouterAdvert: one(svcRA),
		DNS: one(svcDNS), NTP: one(svcNTP), Metadata: one(svcMetadata), Other: one(svcOther),
	}
}
