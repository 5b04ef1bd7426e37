package imds

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"runtime"
	"sync"
	"testing"
	"time"

	"gvisor.dev/gvisor/pkg/buffer"
	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/adapters/gonet"
	"gvisor.dev/gvisor/pkg/tcpip/header"
	"gvisor.dev/gvisor/pkg/tcpip/link/channel"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv6"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"
)

// guest is an instance in a test: a client netstack whose frames go to
// Server.HandleFrame and which takes what the server Sends, with no host
// network at all.
type guest struct {
	t      *testing.T
	eni    string
	mac    net.HardwareAddr
	st     *stack.Stack
	link   *channel.Endpoint
	srv    *Server
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu   sync.Mutex
	sent [][]byte // frames the server sent, as received
}

func newGuest(t *testing.T, eni string, mac net.HardwareAddr, addrs ...tcpip.ProtocolAddress) *guest {
	t.Helper()
	g := &guest{t: t, eni: eni, mac: mac}
	g.st = stack.New(stack.Options{
		NetworkProtocols:   []stack.NetworkProtocolFactory{ipv4.NewProtocol, ipv6.NewProtocol},
		TransportProtocols: []stack.TransportProtocolFactory{tcp.NewProtocol},
	})
	g.link = channel.New(256, 1500, "")
	if err := g.st.CreateNIC(1, g.link); err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if err := g.st.AddProtocolAddress(1, a, stack.AddressProperties{}); err != nil {
			t.Fatal(err)
		}
	}
	g.st.SetRouteTable([]tcpip.Route{
		{Destination: header.IPv4EmptySubnet, NIC: 1},
		{Destination: header.IPv6EmptySubnet, NIC: 1},
	})
	return g
}

// attach starts pumping the guest's packets, framed, into srv.
func (g *guest) attach(srv *Server) {
	g.srv = srv
	ctx, cancel := context.WithCancel(context.Background())
	g.cancel = cancel
	g.wg.Go(func() {
		for {
			pkt := g.link.ReadContext(ctx)
			if pkt == nil {
				return
			}
			et := header.IPv4ProtocolNumber
			if pkt.NetworkProtocolNumber == header.IPv6ProtocolNumber {
				et = header.IPv6ProtocolNumber
			}
			frame := make([]byte, header.EthernetMinimumSize)
			header.Ethernet(frame).Encode(&header.EthernetFields{
				SrcAddr: tcpip.LinkAddress(g.mac), DstAddr: tcpip.LinkAddress(DefaultRouterMAC[:]), Type: et,
			})
			for _, b := range pkt.AsSlices() {
				frame = append(frame, b...)
			}
			pkt.DecRef()
			srv.HandleFrame(g.eni, frame)
			clear(frame) // the server must not have kept it
		}
	})
}

// receive is the server's Send for this guest.
func (g *guest) receive(eni string, frame []byte) error {
	if eni != g.eni {
		g.t.Errorf("frame sent to %s, want %s", eni, g.eni)
	}
	eth := header.Ethernet(frame)
	if eth.DestinationAddress() != tcpip.LinkAddress(g.mac) || eth.SourceAddress() != tcpip.LinkAddress(DefaultRouterMAC[:]) {
		g.t.Errorf("frame %s → %s", eth.SourceAddress(), eth.DestinationAddress())
	}
	g.mu.Lock()
	g.sent = append(g.sent, append([]byte(nil), frame...))
	g.mu.Unlock()
	pkt := stack.NewPacketBuffer(stack.PacketBufferOptions{
		Payload: buffer.MakeWithData(append([]byte(nil), frame[header.EthernetMinimumSize:]...)),
	})
	g.link.InjectInbound(eth.Type(), pkt)
	pkt.DecRef()
	return nil
}

func (g *guest) close() {
	if g.cancel != nil {
		g.cancel()
	}
	g.wg.Wait()
	g.st.Close()
	g.st.Wait()
	g.link.Close()
}

// httpClient dials the metadata service through the guest's stack.
func (g *guest) httpClient() *http.Client {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, addr string) (net.Conn, error) {
			ap, err := netAddrPort(addr)
			if err != nil {
				return nil, err
			}
			proto := ipv4.ProtocolNumber
			if ap.Addr().Is6() {
				proto = ipv6.ProtocolNumber
			}
			fa := tcpip.FullAddress{NIC: 1, Addr: tcpip.AddrFromSlice(ap.Addr().AsSlice()), Port: ap.Port()}
			return gonet.DialContextTCP(ctx, g.st, fa, proto)
		},
		DisableKeepAlives: false,
	}
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

// dataFrames returns the TTL (hop limit) of each frame sent so far that
// carried TCP payload.
func (g *guest) dataTTLs() []uint8 {
	g.mu.Lock()
	defer g.mu.Unlock()
	var ttls []uint8
	for _, f := range g.sent {
		p := f[header.EthernetMinimumSize:]
		switch header.Ethernet(f).Type() {
		case header.IPv4ProtocolNumber:
			ip := header.IPv4(p)
			if len(ip.Payload()) > int(header.TCP(ip.Payload()).DataOffset()) {
				ttls = append(ttls, ip.TTL())
			}
		case header.IPv6ProtocolNumber:
			ip := header.IPv6(p)
			if len(ip.Payload()) > int(header.TCP(ip.Payload()).DataOffset()) {
				ttls = append(ttls, ip.HopLimit())
			}
		}
	}
	return ttls
}

func (g *guest) resetSent() {
	g.mu.Lock()
	g.sent = nil
	g.mu.Unlock()
}

var guestAddr4 = tcpip.ProtocolAddress{Protocol: ipv4.ProtocolNumber,
	AddressWithPrefix: tcpip.AddressWithPrefix{Address: tcpip.AddrFrom4([4]byte{10, 0, 1, 5}), PrefixLen: 24}}

// checkNoLeak fails the test if goroutines started after before are
// still running a few seconds later.
func checkNoLeak(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func netAddrPort(hostport string) (netip.AddrPort, error) {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		return netip.AddrPort{}, err
	}
	if port == "" {
		port = "80"
	}
	return netip.ParseAddrPort(net.JoinHostPort(host, port))
}

func netipMust(s string) []byte { return netip.MustParseAddr(s).AsSlice() }
