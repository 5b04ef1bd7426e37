package vpcsvc

import (
	"log/slog"
	"net/netip"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv6"

	"sgswitch/packet"
)

// FrameHandler takes frames the Server passes on unchanged: those to
// instance metadata (169.254.169.254, fd00:ec2::254). HandleFrame has
// Serve's contract: it runs on the packet path, must not block and must
// not retain frame after it returns.
type FrameHandler interface {
	HandleFrame(eniID string, frame []byte)
}

// Config configures a Server.
type Config struct {
	// Directory answers what the services need to know (required).
	Directory Directory
	// RouterMAC is the switch's router MAC (vswitch.Config.RouterMAC),
	// the source of every reply; default 02:5e:5e:00:00:01.
	RouterMAC [6]byte
	// MTU, when above 0, is sent as DHCP option 26 and in router
	// advertisements. 0 sends none: EC2's 9001 must not be told to an
	// instance behind a 1500-byte tap.
	MTU int
	// LeaseTime is the DHCPv4 lease and the DHCPv6 valid lifetime;
	// default one hour.
	LeaseTime time.Duration
	// Now is the clock NTP answers with; default time.Now.
	Now func() time.Time
	// Logger receives debug messages about refused requests (default:
	// discard).
	Logger *slog.Logger
	// Metadata receives every frame to the instance metadata addresses;
	// nil: such frames are dropped (metadata-unavailable).
	Metadata FrameHandler
}

// Server serves the VPC services to the switch's interfaces. It is safe
// for concurrent use: it keeps no state besides its counters.
type Server struct {
	cfg      Config
	serverID dhcpv6.DUID // the DHCPv6 server DUID (DUID-LL of the router MAC)
	stats    counters
}

// Addresses the services answer at (spec 5).
var (
	dnsAddr4      = netip.MustParseAddr("169.254.169.253")
	metadataAddr4 = netip.MustParseAddr("169.254.169.254")
	ntpAddr4      = netip.MustParseAddr("169.254.169.123")
	dnsAddr6      = netip.MustParseAddr("fd00:ec2::253")
	metadataAddr6 = netip.MustParseAddr("fd00:ec2::254")
	ntpAddr6      = netip.MustParseAddr("fd00:ec2::123")
	// routerLinkLocal is the router's link-local address, as the switch
	// answers neighbour solicitations for it.
	routerLinkLocal = netip.MustParseAddr("fe80:ec2::1")
)

// New returns a Server; see Config for the defaults.
func New(cfg Config) *Server {
	if cfg.RouterMAC == ([6]byte{}) {
		cfg.RouterMAC = [6]byte{0x02, 0x5e, 0x5e, 0, 0, 1}
	}
	if cfg.LeaseTime <= 0 {
		cfg.LeaseTime = time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Server{cfg: cfg, serverID: serverDUID(cfg.RouterMAC)}
}

// request is one parsed frame handed to a service.
type request struct {
	frame    []byte
	p        packet.Parsed
	src, dst netip.Addr
	payload  []byte // the UDP payload, or the whole ICMPv6 message
	reply    func([]byte)
}

// Serve implements vswitch.Service: it answers frame, sent by interface
// eniID, with at most one frame through reply. It never retains frame.
func (s *Server) Serve(eniID string, frame []byte, reply func(frame []byte)) {
	r := &request{frame: frame, reply: reply}
	if res := packet.ParseInto(frame, &r.p); res != packet.OK || r.p.Family == 0 || !r.p.HasL4 || r.p.Frag.IsFragment {
		s.stats.drop(svcOther, dropMalformed)
		return
	}
	r.src, r.dst = addrOf(r.p.Family, r.p.Src), addrOf(r.p.Family, r.p.Dst)
	if r.p.PayloadOff > r.p.End {
		s.stats.drop(svcOther, dropMalformed)
		return
	}
	r.payload = frame[r.p.PayloadOff:r.p.End]
	if r.p.Proto == packet.ProtoICMPv6 { // neighbour discovery parses the whole message
		r.payload = frame[r.p.L4Off:r.p.End]
	}
	svc := classify(&r.p, r.dst)
	s.stats.request(svc)
	if svc == svcMetadata {
		if s.cfg.Metadata == nil {
			s.stats.drop(svc, dropMetadataUnavailable)
			return
		}
		s.cfg.Metadata.HandleFrame(eniID, frame)
		return
	}
	if svc == svcOther {
		s.stats.drop(svc, dropNoService)
		return
	}
	e, ok := s.cfg.Directory.Interface(eniID)
	if !ok {
		s.stats.drop(svc, dropUnknownInterface)
		return
	}
	out, why := s.serve(svc, r, &e)
	if why != dropNone {
		s.stats.drop(svc, why)
		s.cfg.Logger.Debug("vpc service refused", "eni", eniID, "service", svc.String(), "reason", why.String())
		return
	}
	if out != nil {
		reply(out)
		s.stats.answer(svc)
	}
}

// serve runs service svc for r from interface e, returning the reply
// frame or why there is none.
func (s *Server) serve(svc service, r *request, e *Interface) ([]byte, dropReason) {
	switch svc {
	case svcDHCPv4:
		return s.dhcp4(r, e)
	case svcDHCPv6:
		return s.dhcp6(r, e)
	case svcRA:
		return s.routerAdvert(r, e)
	case svcDNS:
		return s.dns(r, e)
	case svcNTP:
		return s.ntp(r)
	}
	return nil, dropNoService
}

// classify names the service a frame is for. DNS is any UDP 53 the
// switch handed over: dns checks that it went to a resolver address.
func classify(p *packet.Parsed, dst netip.Addr) service {
	switch {
	case dst == metadataAddr4 || dst == metadataAddr6:
		return svcMetadata
	case p.Proto == packet.ProtoICMPv6 && p.ICMPType == packet.ICMPv6RouterSolicit:
		return svcRA
	case p.Proto != packet.ProtoUDP:
		return svcOther
	case p.Family == 4 && p.SrcPort == 68 && p.DstPort == 67:
		return svcDHCPv4
	case p.Family == 6 && p.SrcPort == 546 && p.DstPort == 547:
		return svcDHCPv6
	case p.DstPort == 123 && (dst == ntpAddr4 || dst == ntpAddr6):
		return svcNTP
	case p.DstPort == 53:
		return svcDNS
	}
	return svcOther
}

func addrOf(fam uint8, a [16]byte) netip.Addr {
	if fam == 4 {
		return netip.AddrFrom4([4]byte(a[:4]))
	}
	return netip.AddrFrom16(a)
}
