package vpcsvc

import (
	"net"
	"net/netip"

	"github.com/insomniacslk/dhcp/dhcpv4"
)

// dhcp4 answers a DHCPv4 request (RFC 2131) with the interface's primary
// IPv4 address: DISCOVER gets an OFFER, REQUEST an ACK (a NAK when it
// asks for another address), INFORM an ACK without a lease. RELEASE and
// DECLINE need no answer: the address is the interface's whatever the
// client says.
func (s *Server) dhcp4(r *request, e *Interface) ([]byte, dropReason) {
	m, err := dhcpv4.FromBytes(r.payload)
	if err != nil || m.OpCode != dhcpv4.OpcodeBootRequest {
		return nil, dropMalformed
	}
	if len(e.IPv4) == 0 || !e.Subnet4.IsValid() || !e.Router.Is4() {
		return nil, dropNoService
	}
	if m.GatewayIPAddr != nil && !m.GatewayIPAddr.IsUnspecified() {
		return nil, dropNoService // relayed: no relay agent exists on a VPC link
	}
	ip := e.IPv4[0]
	var typ dhcpv4.MessageType
	switch m.MessageType() {
	case dhcpv4.MessageTypeDiscover:
		typ = dhcpv4.MessageTypeOffer
	case dhcpv4.MessageTypeRequest:
		if id := m.ServerIdentifier(); id != nil && !id.Equal(e.Router.AsSlice()) {
			return nil, dropIgnored // the client chose another server
		}
		typ = dhcpv4.MessageTypeAck
		if asked := requestedAddr(m); asked != ip {
			typ = dhcpv4.MessageTypeNak
		}
	case dhcpv4.MessageTypeInform:
		typ = dhcpv4.MessageTypeAck
	case dhcpv4.MessageTypeRelease, dhcpv4.MessageTypeDecline:
		return nil, dropIgnored
	default:
		return nil, dropMalformed
	}
	reply, err := dhcpv4.NewReplyFromRequest(m, s.dhcp4Options(m, e, typ)...)
	if err != nil {
		return nil, dropMalformed
	}
	out, err := udpFrame(s.routerEnd4(e, 67), dhcp4Dest(m, reply, r), reply.ToBytes())
	if err != nil {
		return nil, dropMalformed
	}
	return out, dropNone
}

// requestedAddr is the address a REQUEST asks for: option 50 while
// selecting or rebooting, ciaddr while renewing or rebinding.
func requestedAddr(m *dhcpv4.DHCPv4) netip.Addr {
	a := m.RequestedIPAddress()
	if a == nil || a.IsUnspecified() {
		a = m.ClientIPAddr
	}
	ip, _ := netip.AddrFromSlice(a.To4())
	return ip
}

// dhcp4Options are the reply's fields and options (spec 6: 1, 3, 6, 15,
// 28, 51, 54 are what cloud-init needs; 12 names the instance; 26 only
// when configured). A NAK carries only its type and server id (RFC 2131
// table 3); an ACK to an INFORM has no address and no lease (4.3.5).
func (s *Server) dhcp4Options(m *dhcpv4.DHCPv4, e *Interface, typ dhcpv4.MessageType) []dhcpv4.Modifier {
	router := net.IP(e.Router.AsSlice())
	mods := []dhcpv4.Modifier{
		dhcpv4.WithMessageType(typ),
		dhcpv4.WithOption(dhcpv4.OptServerIdentifier(router)),
	}
	if typ == dhcpv4.MessageTypeNak {
		return append(mods, dhcpv4.WithClientIP(net.IPv4zero), dhcpv4.WithYourIP(net.IPv4zero))
	}
	ip := e.IPv4[0]
	if m.MessageType() != dhcpv4.MessageTypeInform {
		mods = append(mods, dhcpv4.WithYourIP(ip.AsSlice()),
			dhcpv4.WithOption(dhcpv4.OptIPAddressLeaseTime(s.cfg.LeaseTime)))
	} else {
		mods = append(mods, dhcpv4.WithClientIP(m.ClientIPAddr))
	}
	mods = append(mods,
		dhcpv4.WithNetmask(net.CIDRMask(e.Subnet4.Bits(), 32)),
		dhcpv4.WithRouter(router),
		dhcpv4.WithOption(dhcpv4.OptBroadcastAddress(broadcast4(e.Subnet4).AsSlice())),
		dhcpv4.WithOption(dhcpv4.OptDomainName(Domain(e.Region))),
		dhcpv4.WithOption(dhcpv4.OptHostName(hostname(ip))),
	)
	if e.EnableDnsSupport && e.DNS.Is4() {
		mods = append(mods, dhcpv4.WithDNS(e.DNS.AsSlice()))
	}
	if s.cfg.MTU > 0 {
		mods = append(mods, dhcpv4.WithGeneric(dhcpv4.OptionInterfaceMTU, []byte{byte(s.cfg.MTU >> 8), byte(s.cfg.MTU)}))
	}
	return mods
}

// dhcp4Dest is where a reply goes (RFC 2131 4.1, no relay): a NAK is
// broadcast; to a client that has an address (ciaddr: renewing, INFORM)
// unicast there; to one that asked for broadcast (it cannot take unicast
// before it has its address) broadcast; else unicast to yiaddr at chaddr.
func dhcp4Dest(m, reply *dhcpv4.DHCPv4, r *request) endpoint {
	to := endpoint{mac: net.HardwareAddr(r.p.SrcMAC[:]), port: 68}
	bcast := endpoint{mac: broadcastMAC, addr: netip.AddrFrom4([4]byte{255, 255, 255, 255}), port: 68}
	switch ci, _ := netip.AddrFromSlice(m.ClientIPAddr.To4()); {
	case reply.MessageType() == dhcpv4.MessageTypeNak:
		return bcast
	case ci.IsValid() && !ci.IsUnspecified():
		to.addr = ci
	case m.IsBroadcast():
		return bcast
	default:
		to.addr, _ = netip.AddrFromSlice(reply.YourIPAddr.To4())
		if !to.addr.IsValid() || to.addr.IsUnspecified() { // an INFORM without ciaddr
			return bcast
		}
	}
	return to
}

// routerEnd4 is the source of DHCPv4 replies: the subnet's router.
func (s *Server) routerEnd4(e *Interface, port uint16) endpoint {
	return endpoint{mac: s.cfg.RouterMAC[:], addr: e.Router, port: port}
}

// broadcast4 is p's broadcast address.
func broadcast4(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().As4()
	for i := p.Bits(); i < 32; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	return netip.AddrFrom4(b)
}
