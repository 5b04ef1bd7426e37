package vpcsvc

import (
	"encoding/binary"
	"net"
	"net/netip"
	"strings"

	"github.com/miekg/dns"

	"sgswitch/vpc"
)

// dnsTTL is the TTL of every answer, as the Route 53 Resolver gives
// private names.
const dnsTTL = 60

// dns answers a query to the resolver (spec 5) over UDP. It answers from
// the Directory only — nothing is forwarded, nothing leaves the host —
// and only when the asker's VPC has DNS support on; off, the resolver
// does not answer at all, as in EC2.
func (s *Server) dns(r *request, e *Interface) ([]byte, dropReason) {
	if !isResolver(r.dst, e) || !e.EnableDnsSupport {
		return nil, dropNoService
	}
	q := new(dns.Msg)
	if err := q.Unpack(r.payload); err != nil {
		s.formErr(r, e)
		return nil, dropMalformed
	}
	if q.Response {
		return nil, dropMalformed
	}
	m := new(dns.Msg)
	m.SetReply(q)
	m.RecursionAvailable = true
	switch {
	case q.Opcode != dns.OpcodeQuery:
		m.Rcode = dns.RcodeNotImplemented
	case len(q.Question) != 1:
		m.Rcode = dns.RcodeFormatError
	case q.Question[0].Qclass != dns.ClassINET:
		m.Rcode = dns.RcodeNotImplemented
	default:
		m.Answer, m.Rcode = s.resolve(q.Question[0], e)
	}
	size := dns.MinMsgSize
	if opt := q.IsEdns0(); opt != nil {
		size = max(int(opt.UDPSize()), dns.MinMsgSize)
		m.SetEdns0(uint16(size), false)
	}
	m.Truncate(size)
	return s.dnsFrame(r, m)
}

// dnsFrame packs m into a reply from the address the query went to.
func (s *Server) dnsFrame(r *request, m *dns.Msg) ([]byte, dropReason) {
	b, err := m.Pack()
	if err != nil {
		return nil, dropMalformed
	}
	src := endpoint{mac: s.cfg.RouterMAC[:], addr: r.dst, port: 53}
	dst := endpoint{mac: net.HardwareAddr(r.p.SrcMAC[:]), addr: r.src, port: r.p.SrcPort}
	out, err := udpFrame(src, dst, b)
	if err != nil {
		return nil, dropMalformed
	}
	return out, dropNone
}

// formErr answers a query that does not parse with FORMERR (RFC 1035
// 4.1.1) when at least its header does and it is a query; the request
// still counts as malformed.
func (s *Server) formErr(r *request, e *Interface) {
	if len(r.payload) < 12 || r.payload[2]&0x80 != 0 {
		return
	}
	m := &dns.Msg{MsgHdr: dns.MsgHdr{
		Id: binary.BigEndian.Uint16(r.payload), Response: true,
		Opcode: int(r.payload[2]>>3) & 0xf, Rcode: dns.RcodeFormatError,
	}}
	if out, why := s.dnsFrame(r, m); why == dropNone {
		r.reply(out)
	}
}

// isResolver reports whether a is an address the resolver answers at for
// e: 169.254.169.253, fd00:ec2::253, its subnet's base+2 and its VPC's
// (the "VPC+2" address).
func isResolver(a netip.Addr, e *Interface) bool {
	if a == dnsAddr4 || a == dnsAddr6 || a == e.DNS {
		return true
	}
	if e.Subnet4.IsValid() && a == vpc.DNSServer(e.Subnet4) {
		return true
	}
	for _, p := range e.VpcCIDR4 {
		if a == vpc.DNSServer(p) {
			return true
		}
	}
	return false
}

// resolve answers question q from e's VPC: NXDOMAIN for a name it does
// not know, NOERROR without answers for a known name and another type.
func (s *Server) resolve(q dns.Question, e *Interface) ([]dns.RR, int) {
	name := strings.ToLower(dns.Fqdn(q.Name))
	if a, ok := reverseAddr(name); ok {
		target, ok := s.ptrTarget(a, e)
		if !ok {
			return nil, dns.RcodeNameError
		}
		if q.Qtype != dns.TypePTR && q.Qtype != dns.TypeANY {
			return nil, dns.RcodeSuccess
		}
		return []dns.RR{&dns.PTR{Hdr: hdr(q.Name, dns.TypePTR), Ptr: target}}, dns.RcodeSuccess
	}
	addrs, ok := s.lookup(name, e)
	if !ok {
		return nil, dns.RcodeNameError
	}
	var out []dns.RR
	for _, a := range addrs {
		switch {
		case a.Is4() && (q.Qtype == dns.TypeA || q.Qtype == dns.TypeANY):
			out = append(out, &dns.A{Hdr: hdr(q.Name, dns.TypeA), A: a.AsSlice()})
		case a.Is6() && (q.Qtype == dns.TypeAAAA || q.Qtype == dns.TypeANY):
			out = append(out, &dns.AAAA{Hdr: hdr(q.Name, dns.TypeAAAA), AAAA: a.AsSlice()})
		}
	}
	return out, dns.RcodeSuccess
}

func hdr(name string, t uint16) dns.RR_Header {
	return dns.RR_Header{Name: name, Rrtype: t, Class: dns.ClassINET, Ttl: dnsTTL}
}

// lookup finds the addresses of a name (lower case, fully qualified) in
// e's VPC: ip-a-b-c-d.<domain> (that address, and its interface's IPv6
// addresses), i-….<domain> and a lab node's name, bare or in the domain
// (the instance's primary interface's first IPv4 and its IPv6 addresses).
func (s *Server) lookup(name string, e *Interface) ([]netip.Addr, bool) {
	dir := s.cfg.Directory
	label, inDomain := strings.CutSuffix(name, "."+strings.ToLower(Domain(e.Region))+".")
	if !inDomain {
		label = strings.TrimSuffix(name, ".")
	}
	if label == "" || strings.Contains(label, ".") {
		return nil, false
	}
	if inDomain {
		if a, ok := parseHostname(label); ok {
			ifc, ok := dir.InterfaceByAddr(e.VpcID, a)
			if !ok {
				return nil, false
			}
			return append([]netip.Addr{a}, ifc.IPv6...), true
		}
		if strings.HasPrefix(label, "i-") {
			if in, ok := dir.Instance(label); ok {
				return s.instanceAddrs(in, e)
			}
			return nil, false
		}
	}
	if in, ok := dir.InstanceByName(e.VpcID, label); ok {
		return s.instanceAddrs(in, e)
	}
	return nil, false
}

// instanceAddrs are the addresses of in's primary interface, when it is
// in e's VPC.
func (s *Server) instanceAddrs(in Instance, e *Interface) ([]netip.Addr, bool) {
	ifc, ok := s.cfg.Directory.Interface(in.Interfaces[0])
	if !ok || ifc.VpcID != e.VpcID {
		return nil, false
	}
	var out []netip.Addr
	if len(ifc.IPv4) > 0 {
		out = append(out, ifc.IPv4[0])
	}
	return append(out, ifc.IPv6...), true
}

// ptrTarget is the name of address a in e's VPC: ip-a-b-c-d.<domain>.
// of the address itself (IPv4) or of its interface's primary address
// (IPv6; an interface without IPv4 is named by its instance).
func (s *Server) ptrTarget(a netip.Addr, e *Interface) (string, bool) {
	ifc, ok := s.cfg.Directory.InterfaceByAddr(e.VpcID, a)
	if !ok {
		return "", false
	}
	domain := Domain(e.Region) + "."
	switch {
	case a.Is4():
		return hostname(a) + "." + domain, true
	case len(ifc.IPv4) > 0:
		return hostname(ifc.IPv4[0]) + "." + domain, true
	case ifc.InstanceID != "":
		return ifc.InstanceID + "." + domain, true
	}
	return "", false
}

// parseHostname reads the address of an IP-based name label,
// ip-10-0-1-5.
func parseHostname(label string) (netip.Addr, bool) {
	rest, ok := strings.CutPrefix(label, "ip-")
	if !ok {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(strings.ReplaceAll(rest, "-", "."))
	if err != nil || !a.Is4() {
		return netip.Addr{}, false
	}
	return a, true
}

// reverseAddr reads the address of a reverse-lookup name (lower case,
// fully qualified): d.c.b.a.in-addr.arpa. or 32 nibbles then ip6.arpa.
func reverseAddr(name string) (netip.Addr, bool) {
	if rest, ok := strings.CutSuffix(name, ".in-addr.arpa."); ok {
		l := strings.Split(rest, ".")
		if len(l) != 4 {
			return netip.Addr{}, false
		}
		a, err := netip.ParseAddr(l[3] + "." + l[2] + "." + l[1] + "." + l[0])
		return a, err == nil && a.Is4()
	}
	if rest, ok := strings.CutSuffix(name, ".ip6.arpa."); ok {
		l := strings.Split(rest, ".")
		if len(l) != 32 {
			return netip.Addr{}, false
		}
		var b [16]byte
		for i, n := range l {
			if len(n) != 1 {
				return netip.Addr{}, false
			}
			v := strings.IndexByte("0123456789abcdef", n[0])
			if v < 0 {
				return netip.Addr{}, false
			}
			j := 31 - i // the first label is the lowest nibble
			b[j/2] |= byte(v) << (4 * (1 - j%2))
		}
		return netip.AddrFrom16(b), true
	}
	return netip.Addr{}, false
}
