package vpcsvc

import (
	"net"
	"net/netip"
	"time"

	"github.com/mdlayher/ndp"
)

// Router advertisement lifetimes: the router's (RFC 4861 default 3 x
// MaxRtrAdvInterval) and the prefix's.
const (
	routerLifetime    = 1800 * time.Second
	prefixValid       = 30 * 24 * time.Hour
	prefixPreferred   = 7 * 24 * time.Hour
	allNodesMulticast = "ff02::1"
)

// routerAdvert answers a Router Solicitation (RFC 4861 6.2.6) with an
// advertisement from the router's link-local address: the M and O flags
// (addresses and the resolver come from DHCPv6, as in EC2), the subnet's
// prefix on-link but not for autoconfiguration, the router MAC, and the
// MTU when configured.
func (s *Server) routerAdvert(r *request, e *Interface) ([]byte, dropReason) {
	// Hop limit 255 proves the solicitation was not forwarded (6.1.1).
	if r.p.Family != 6 || r.frame[r.p.L3Off+7] != 255 {
		return nil, dropMalformed
	}
	if _, err := ndp.ParseMessage(r.payload); err != nil {
		return nil, dropMalformed
	}
	if len(e.IPv6) == 0 || !e.Subnet6.IsValid() {
		return nil, dropNoService
	}
	opts := []ndp.Option{
		&ndp.LinkLayerAddress{Direction: ndp.Source, Addr: net.HardwareAddr(s.cfg.RouterMAC[:])},
		&ndp.PrefixInformation{
			PrefixLength: uint8(e.Subnet6.Bits()), OnLink: true, AutonomousAddressConfiguration: false,
			ValidLifetime: prefixValid, PreferredLifetime: prefixPreferred, Prefix: e.Subnet6.Masked().Addr(),
		},
	}
	if s.cfg.MTU > 0 {
		opts = append(opts, ndp.NewMTU(uint32(s.cfg.MTU)))
	}
	ra := &ndp.RouterAdvertisement{
		CurrentHopLimit: 64, ManagedConfiguration: true, OtherConfiguration: true,
		RouterLifetime: routerLifetime, Options: opts,
	}
	// A solicitation from :: (an address not yet configured) is answered
	// to all nodes (6.2.6); otherwise to the soliciting address.
	dst := endpoint{mac: net.HardwareAddr(r.p.SrcMAC[:]), addr: r.src}
	if r.src.IsUnspecified() {
		dst.addr = netip.MustParseAddr(allNodesMulticast)
		dst.mac = net.HardwareAddr{0x33, 0x33, 0, 0, 0, 1}
	}
	msg, err := ndp.MarshalMessageChecksum(ra, routerLinkLocal, dst.addr)
	if err != nil {
		return nil, dropMalformed
	}
	out, err := icmp6Frame(endpoint{mac: s.cfg.RouterMAC[:], addr: routerLinkLocal}, dst, msg)
	if err != nil {
		return nil, dropMalformed
	}
	return out, dropNone
}
