package imds

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/header"

	"sgswitch/vpcsvc"
)

// FuzzHandleFrame gives the server arbitrary frames from an interface of
// an instance with IPv6 on: it must never panic, and whatever it sends
// back must be a well-formed Ethernet frame to the instance.
func FuzzHandleFrame(f *testing.F) {
	f.Add(synFrame(false))
	f.Add(synFrame(true))
	f.Add([]byte{})
	f.Add([]byte{0x08, 0x00})
	dir := newFakeDir()
	dir.editInstance(testInst, func(i *vpcsvc.Instance) { i.Metadata.HttpProtocolIpv6 = true })
	srv := New(Config{Directory: dir, Send: func(_ string, frame []byte) error {
		if len(frame) < 14+20 || string(frame[:6]) != string(testMAC) {
			f.Errorf("bad frame sent: %x", frame)
		}
		return nil
	}, Limits: Limits{MaxConns: 4, HeaderTimeout: 100 * time.Millisecond}})
	f.Cleanup(func() { _ = srv.Close() })
	f.Fuzz(func(t *testing.T, frame []byte) {
		srv.HandleFrame(testENI, frame)
	})
}

// FuzzRequest fuzzes what the package parses itself — the path, the
// token and the token TTL — through the handler: no panic, only the
// statuses the handler can give, and a token that parses only when it is
// well formed.
func FuzzRequest(f *testing.F) {
	for _, s := range [][3]string{
		{"/latest/meta-data/instance-id", "", ""},
		{"/2021-03-23/meta-data/network/interfaces/macs/0a:11:22:33:44:55/local-ipv4s", "", "21600"},
		{"/latest/api/token", "", "1"},
		{"/latest//x/../", "AAAAAAAAAAA", "0021600"},
		{"/", strings.Repeat("A", 43), "-1"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	e := newHandlerEnv()
	f.Fuzz(func(t *testing.T, path, token, ttl string) {
		if segs, ok := splitPath(path); ok {
			for _, s := range segs {
				if s == "" || s == "." || s == ".." || strings.Contains(s, "/") {
					t.Fatalf("splitPath(%q) gave segment %q", path, s)
				}
			}
			if got := "/" + strings.Join(segs, "/"); strings.TrimSuffix(path, "/") != strings.TrimSuffix(got, "/") {
				t.Fatalf("splitPath(%q) = %q", path, segs)
			}
		}
		if n, ok := parseTTL(ttl); ok && (n < MinTokenTTL || n > MaxTokenTTL) {
			t.Fatalf("parseTTL(%q) = %d", ttl, n)
		}
		if _, mac, ok := parseToken(token); ok {
			if len(mac) != tokenMACLen {
				t.Fatalf("parseToken(%q): mac of %d bytes", token, len(mac))
			}
		}
		r := httptest.NewRequest(http.MethodGet, "http://169.254.169.254/", nil)
		r.URL.Path = path
		r.Header.Set(headerToken, token)
		r.Header.Set(headerTokenTTL, ttl)
		for _, m := range []string{http.MethodGet, http.MethodPut} {
			r.Method = m
			w := httptest.NewRecorder()
			e.h.For(testENI).ServeHTTP(w, r)
			switch w.Code {
			case 200, 400, 401, 404, 405:
			default:
				t.Fatalf("%s %q: status %d", m, path, w.Code)
			}
		}
	})
}

// synFrame is a SYN from the test instance to port 80 of the IPv4 or
// IPv6 metadata address, checksums right.
func synFrame(v6 bool) []byte {
	src4, src6 := tcpip.AddrFrom4([4]byte{10, 0, 1, 5}), tcpip.AddrFrom16([16]byte{0x26, 0x00, 0x1f, 0x18, 15: 5})
	tcpLen := header.TCPMinimumSize
	ipLen, et := header.IPv4MinimumSize, header.IPv4ProtocolNumber
	if v6 {
		ipLen, et = header.IPv6MinimumSize, header.IPv6ProtocolNumber
	}
	f := make([]byte, header.EthernetMinimumSize+ipLen+tcpLen)
	header.Ethernet(f).Encode(&header.EthernetFields{SrcAddr: tcpip.LinkAddress(testMAC), DstAddr: tcpip.LinkAddress(DefaultRouterMAC[:]), Type: et})
	ip := f[header.EthernetMinimumSize:]
	tcp := header.TCP(ip[ipLen:])
	tcp.Encode(&header.TCPFields{SrcPort: 40000, DstPort: 80, SeqNum: 1, DataOffset: header.TCPMinimumSize, Flags: header.TCPFlagSyn, WindowSize: 65535})
	src, dst := src4, addr4
	if v6 {
		src, dst = src6, addr6
		header.IPv6(ip).Encode(&header.IPv6Fields{PayloadLength: uint16(tcpLen), TransportProtocol: header.TCPProtocolNumber, HopLimit: 64, SrcAddr: src, DstAddr: dst})
	} else {
		h := header.IPv4(ip)
		h.Encode(&header.IPv4Fields{TotalLength: uint16(ipLen + tcpLen), TTL: 64, Protocol: uint8(header.TCPProtocolNumber), SrcAddr: src, DstAddr: dst})
		h.SetChecksum(^h.CalculateChecksum())
	}
	xsum := header.PseudoHeaderChecksum(header.TCPProtocolNumber, src, dst, uint16(tcpLen))
	tcp.SetChecksum(^tcp.CalculateChecksum(xsum))
	return f
}
