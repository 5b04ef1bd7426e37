package vpcsvc

import (
	"net/netip"
	"slices"
	"testing"

	"github.com/miekg/dns"
)

// ask sends a query for name/qtype from eni-1 to server address at and
// returns the parsed answer (nil: no reply).
func ask(t *testing.T, s *Server, at, name string, qtype uint16) *dns.Msg {
	t.Helper()
	q := new(dns.Msg)
	q.SetQuestion(name, qtype)
	b, err := q.Pack()
	if err != nil {
		t.Fatal(err)
	}
	src := "198.18.0.17"
	if netip.MustParseAddr(at).Is6() {
		src = "fd00:5e5e:0:1::11"
	}
	out := serve(s, "eni-1", udpReq(t, routerMAC, src, at, 33333, 53, b))
	if len(out) == 0 {
		return nil
	}
	d := decode(t, out[0])
	if d.src != netip.MustParseAddr(at) || d.dst != netip.MustParseAddr(src) || d.udp.SrcPort != 53 || d.udp.DstPort != 33333 {
		t.Fatalf("reply %s:%d → %s:%d", d.src, d.udp.SrcPort, d.dst, d.udp.DstPort)
	}
	m := new(dns.Msg)
	if err := m.Unpack(d.payload); err != nil {
		t.Fatal(err)
	}
	if m.Id != q.Id || !m.Response {
		t.Fatalf("reply header %+v", m.MsgHdr)
	}
	return m
}

// answers renders m's answer section as "type value" strings.
func answers(m *dns.Msg) []string {
	var out []string
	for _, rr := range m.Answer {
		if rr.Header().Ttl != dnsTTL {
			return []string{"bad TTL"}
		}
		switch rr := rr.(type) {
		case *dns.A:
			out = append(out, "A "+rr.A.String())
		case *dns.AAAA:
			out = append(out, "AAAA "+rr.AAAA.String())
		case *dns.PTR:
			out = append(out, "PTR "+rr.Ptr)
		}
	}
	return out
}

func TestDNS(t *testing.T) {
	for _, tc := range []struct {
		at, name string
		qtype    uint16
		rcode    int
		want     []string
	}{
		{"198.18.0.2", "ip-198-18-0-18.ec2.internal.", dns.TypeA, dns.RcodeSuccess, []string{"A 198.18.0.18"}},
		{"169.254.169.253", "IP-198-18-0-18.EC2.internal.", dns.TypeAAAA, dns.RcodeSuccess, []string{"AAAA fd00:5e5e:0:1::12"}},
		{"fd00:ec2::253", "ip-198-18-0-17.ec2.internal.", dns.TypeA, dns.RcodeSuccess, []string{"A 198.18.0.17"}},
		{"198.18.0.2", "ip-198-18-0-18.ec2.internal.", dns.TypeMX, dns.RcodeSuccess, nil},
		{"198.18.0.2", "ip-198-18-0-99.ec2.internal.", dns.TypeA, dns.RcodeNameError, nil},
		{"198.18.0.2", "ip-198-18-0-25.ec2.internal.", dns.TypeA, dns.RcodeNameError, nil}, // eni-9: another VPC
		{"198.18.0.2", "i-02.ec2.internal.", dns.TypeA, dns.RcodeSuccess, []string{"A 198.18.0.18"}},
		{"198.18.0.2", "i-02.ec2.internal.", dns.TypeAAAA, dns.RcodeSuccess, []string{"AAAA fd00:5e5e:0:1::12"}},
		{"198.18.0.2", "i-09.ec2.internal.", dns.TypeA, dns.RcodeNameError, nil},
		{"198.18.0.2", "web1.", dns.TypeA, dns.RcodeSuccess, []string{"A 198.18.0.18"}},
		{"198.18.0.2", "web1.ec2.internal.", dns.TypeA, dns.RcodeSuccess, []string{"A 198.18.0.18"}},
		{"198.18.0.2", "db.", dns.TypeA, dns.RcodeNameError, nil},
		{"198.18.0.2", "18.0.18.198.in-addr.arpa.", dns.TypePTR, dns.RcodeSuccess, []string{"PTR ip-198-18-0-18.ec2.internal."}},
		{"198.18.0.2", "2.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.0.0.0.0.e.5.e.5.0.0.d.f.ip6.arpa.", dns.TypePTR, dns.RcodeSuccess, []string{"PTR ip-198-18-0-18.ec2.internal."}},
		{"198.18.0.2", "99.0.18.198.in-addr.arpa.", dns.TypePTR, dns.RcodeNameError, nil},
		{"198.18.0.2", "example.com.", dns.TypeA, dns.RcodeNameError, nil},
		{"198.18.0.2", "amazonaws.com.", dns.TypeA, dns.RcodeNameError, nil},
	} {
		t.Run(tc.name+"/"+dns.TypeToString[tc.qtype], func(t *testing.T) {
			m := ask(t, newTestServer(testDir(), 0), tc.at, tc.name, tc.qtype)
			if m == nil {
				t.Fatal("no reply")
			}
			if m.Rcode != tc.rcode || !slices.Equal(answers(m), tc.want) {
				t.Fatalf("rcode %s answers %v; want %s %v", dns.RcodeToString[m.Rcode], answers(m), dns.RcodeToString[tc.rcode], tc.want)
			}
		})
	}
}

func TestDNSRefusals(t *testing.T) {
	dir := testDir()
	off := dir.ifaces["eni-1"]
	off.EnableDnsSupport = false
	dir.ifaces["eni-1"] = off
	s := newTestServer(dir, 0)
	if m := ask(t, s, "198.18.0.2", "ip-198-18-0-18.ec2.internal.", dns.TypeA); m != nil {
		t.Fatalf("answered with DNS support off: %v", m)
	}
	s = newTestServer(testDir(), 0)
	if m := ask(t, s, "198.18.0.3", "web1.", dns.TypeA); m != nil { // not a resolver address
		t.Fatal("answered at another address")
	}
	// A query whose header parses but the rest does not: FORMERR, counted.
	out := serve(s, "eni-1", udpReq(t, routerMAC, "198.18.0.17", "198.18.0.2", 4444, 53, []byte{0, 7, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 9}))
	if len(out) != 1 {
		t.Fatal("no FORMERR")
	}
	m := new(dns.Msg)
	if err := m.Unpack(decode(t, out[0]).payload); err != nil || m.Rcode != dns.RcodeFormatError || m.Id != 7 {
		t.Fatalf("FORMERR reply %v %v", m, err)
	}
	if out := serve(s, "eni-1", udpReq(t, routerMAC, "198.18.0.17", "198.18.0.2", 4444, 53, []byte{1, 2, 3})); len(out) != 0 {
		t.Fatal("answered a 3-byte query")
	}
	st := s.Stats().DNS
	if st.Requests != 3 || st.NoService != 1 || st.Malformed != 2 || st.Answers != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestReverseAddr(t *testing.T) {
	for _, a := range []string{"198.18.0.1", "fd00:5e5e:0:1::12", "::", "255.255.255.255"} {
		ip := netip.MustParseAddr(a)
		name, _ := dns.ReverseAddr(a)
		if got, ok := reverseAddr(name); !ok || got != ip {
			t.Errorf("%s: %v %v", name, got, ok)
		}
	}
	for _, n := range []string{"1.2.3.in-addr.arpa.", "x.1.2.3.in-addr.arpa.", "300.1.2.3.in-addr.arpa.", "1.ip6.arpa.", "in-addr.arpa."} {
		if a, ok := reverseAddr(n); ok {
			t.Errorf("%s: parsed as %v", n, a)
		}
	}
}
