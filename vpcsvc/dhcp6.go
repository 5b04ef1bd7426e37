package vpcsvc

import (
	"net"

	"github.com/insomniacslk/dhcp/dhcpv6"
	"github.com/insomniacslk/dhcp/iana"
)

// serverDUID is the DHCPv6 server's DUID: link-layer, of the router MAC,
// so it is the same across restarts.
func serverDUID(mac [6]byte) dhcpv6.DUID {
	return &dhcpv6.DUIDLL{HWType: iana.HWTypeEthernet, LinkLayerAddr: net.HardwareAddr(mac[:])}
}

// dhcp6 answers a DHCPv6 message (RFC 8415): Solicit gets an Advertise
// (a Reply with rapid commit), Request, Renew, Rebind and
// Information-request a Reply. Addresses go in IA_NA: the interface's
// IPv6 addresses, which the router advertisement's M flag tells the
// client to ask for. Release, Decline and Confirm are ignored: the
// addresses are the interface's whatever the client says.
func (s *Server) dhcp6(r *request, e *Interface) ([]byte, dropReason) {
	m, err := dhcpv6.MessageFromBytes(r.payload)
	if err != nil || m.Options.ClientID() == nil {
		return nil, dropMalformed
	}
	if len(e.IPv6) == 0 || !e.Subnet6.IsValid() {
		return nil, dropNoService
	}
	if id := m.Options.ServerID(); id != nil && !id.Equal(s.serverID) {
		return nil, dropIgnored // for another server
	}
	var reply *dhcpv6.Message
	switch m.Type() {
	case dhcpv6.MessageTypeSolicit:
		if m.GetOneOption(dhcpv6.OptionRapidCommit) != nil {
			reply, err = dhcpv6.NewReplyFromMessage(m, s.dhcp6Options(m, e, true)...)
		} else {
			reply, err = dhcpv6.NewAdvertiseFromSolicit(m, s.dhcp6Options(m, e, true)...)
		}
	case dhcpv6.MessageTypeRequest, dhcpv6.MessageTypeRenew, dhcpv6.MessageTypeRebind:
		reply, err = dhcpv6.NewReplyFromMessage(m, s.dhcp6Options(m, e, true)...)
	case dhcpv6.MessageTypeInformationRequest:
		reply, err = dhcpv6.NewReplyFromMessage(m, s.dhcp6Options(m, e, false)...)
	case dhcpv6.MessageTypeRelease, dhcpv6.MessageTypeDecline, dhcpv6.MessageTypeConfirm:
		return nil, dropIgnored
	default:
		return nil, dropMalformed
	}
	if err != nil {
		return nil, dropMalformed
	}
	src := endpoint{mac: s.cfg.RouterMAC[:], addr: routerLinkLocal, port: 547}
	dst := endpoint{mac: net.HardwareAddr(r.p.SrcMAC[:]), addr: r.src, port: 546}
	out, err := udpFrame(src, dst, reply.ToBytes())
	if err != nil {
		return nil, dropMalformed
	}
	return out, dropNone
}

// dhcp6Options are the reply's options: the server id, the addresses in
// each IA_NA the client sent (with its IAID; addresses asks for them),
// and the resolver with the search domain when DNS support is on.
func (s *Server) dhcp6Options(m *dhcpv6.Message, e *Interface, addresses bool) []dhcpv6.Modifier {
	mods := []dhcpv6.Modifier{dhcpv6.WithServerID(s.serverID)}
	if addresses {
		valid := s.cfg.LeaseTime
		for _, ia := range m.Options.IANA() {
			out := &dhcpv6.OptIANA{IaId: ia.IaId, T1: valid / 2, T2: valid * 4 / 5}
			for _, a := range e.IPv6 {
				out.Options.Add(&dhcpv6.OptIAAddress{IPv6Addr: a.AsSlice(), PreferredLifetime: valid, ValidLifetime: valid})
			}
			// Added, not updated: each IA_NA of the request gets its own.
			mods = append(mods, func(d dhcpv6.DHCPv6) { d.AddOption(out) })
		}
	}
	if e.EnableDnsSupport {
		mods = append(mods, dhcpv6.WithDNS(dnsAddr6.AsSlice()), dhcpv6.WithDomainSearchList(Domain(e.Region)))
	}
	return mods
}
