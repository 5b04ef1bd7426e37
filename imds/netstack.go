package imds

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"sync/atomic"

	"gvisor.dev/gvisor/pkg/buffer"
	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/header"
	"gvisor.dev/gvisor/pkg/tcpip/link/channel"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv6"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"
)

const (
	nicID    tcpip.NICID = 1
	tcpProto             = tcp.ProtocolNumber
	// outQueue is how many packets the stack may have waiting for the
	// pump; beyond it the stack drops, and TCP retransmits.
	outQueue = 256
)

// The metadata addresses.
var (
	addr4 = tcpip.AddrFrom4(netip.MustParseAddr("169.254.169.254").As4())
	addr6 = tcpip.AddrFrom16(netip.MustParseAddr("fd00:ec2::254").As16())
)

// netstack is one interface's userspace TCP/IP stack: the two metadata
// addresses on one NIC whose far side is the instance, an HTTP server on
// port 80 of each, and a pump that frames what the stack sends and hands
// it to Config.Send.
type netstack struct {
	eni      string
	st       *stack.Stack
	link     *channel.Endpoint
	srv      *http.Server
	lastSeen atomic.Int64 // Unix nanoseconds of the last frame in
	active   atomic.Int32 // open connections
	cancel   context.CancelFunc
	wg       sync.WaitGroup
}

// newNetstack builds and starts the stack for interface eni, whose MAC is
// dstMAC (the destination of every frame it sends).
func (s *Server) newNetstack(eni string, dstMAC net.HardwareAddr) (*netstack, error) {
	ns := &netstack{eni: eni}
	ns.st = stack.New(stack.Options{
		NetworkProtocols:   []stack.NetworkProtocolFactory{ipv4.NewProtocol, ipv6.NewProtocol},
		TransportProtocols: []stack.TransportProtocolFactory{tcp.NewProtocol},
	})
	// No link address and no capabilities: the stack neither resolves
	// neighbours (the pump addresses every frame to the instance) nor
	// trusts checksums it did not check.
	ns.link = channel.New(outQueue, uint32(s.lim.MTU), "")
	ls, err := ns.setup(s.lim.MaxConns, &s.stats.connsRefused)
	if err != nil {
		ns.st.Destroy() // aborts any listener setup made
		return nil, fmt.Errorf("netstack for %s: %w", eni, err)
	}
	ns.srv = s.httpServer(eni)
	for _, l := range ls {
		ns.wg.Go(func() { _ = ns.srv.Serve(l) }) // returns ErrServerClosed on Close
	}
	ctx, cancel := context.WithCancel(context.Background())
	ns.cancel = cancel
	ns.wg.Go(func() { s.pump(ctx, ns, dstMAC) })
	return ns, nil
}

// httpServer is the HTTP server of one interface's stack.
func (s *Server) httpServer(eni string) *http.Server {
	return &http.Server{
		Handler:           s.handler.For(eni),
		ReadHeaderTimeout: s.lim.HeaderTimeout,
		ReadTimeout:       s.lim.HeaderTimeout, // bodies are empty: the header timeout bounds the whole read
		WriteTimeout:      s.lim.WriteTimeout,
		IdleTimeout:       s.lim.IdleTimeout,
		MaxHeaderBytes:    s.lim.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			if hc, ok := c.(*conn); ok {
				return withHopLimiter(ctx, hc)
			}
			return ctx
		},
	}
}

// setup gives the stack its NIC, the metadata addresses, the routes and a
// listener on port 80 of each address.
func (ns *netstack) setup(maxConns int, refused *atomic.Uint64) ([]*listener, error) {
	if terr := ns.st.CreateNIC(nicID, ns.link); terr != nil {
		return nil, errors.New(terr.String())
	}
	// Every reply goes back out of the one NIC, whatever the instance's
	// address: overlapping VPC ranges never meet in one stack.
	ns.st.SetRouteTable([]tcpip.Route{
		{Destination: header.IPv4EmptySubnet, NIC: nicID},
		{Destination: header.IPv6EmptySubnet, NIC: nicID},
	})
	var ls []*listener
	for _, pa := range []tcpip.ProtocolAddress{
		{Protocol: ipv4.ProtocolNumber, AddressWithPrefix: addr4.WithPrefix()},
		{Protocol: ipv6.ProtocolNumber, AddressWithPrefix: addr6.WithPrefix()},
	} {
		if terr := ns.st.AddProtocolAddress(nicID, pa, stack.AddressProperties{}); terr != nil {
			return nil, errors.New(terr.String())
		}
		ep, wq, err := listen(ns.st, pa.Protocol, pa.AddressWithPrefix.Address, maxConns)
		if err != nil {
			return nil, fmt.Errorf("listening on %s: %w", pa.AddressWithPrefix.Address, err)
		}
		ls = append(ls, &listener{ep: ep, wq: wq,
			addr:   &net.TCPAddr{IP: net.IP(pa.AddressWithPrefix.Address.AsSlice()), Port: 80},
			active: &ns.active, max: int32(maxConns), refused: refused, closed: make(chan struct{})})
	}
	return ls, nil
}

// inject hands one IP packet (copied: the caller's frame is not
// retained) to the stack.
func (ns *netstack) inject(proto tcpip.NetworkProtocolNumber, packet []byte) {
	pkt := stack.NewPacketBuffer(stack.PacketBufferOptions{
		Payload: buffer.MakeWithData(append([]byte(nil), packet...)),
	})
	ns.link.InjectInbound(proto, pkt)
	pkt.DecRef()
}

// close stops the HTTP server, the stack and the pump, and waits for
// their goroutines.
func (ns *netstack) close() {
	_ = ns.srv.Close() // closes the listeners and every connection
	ns.st.Close()
	ns.st.Wait()
	ns.cancel()
	ns.link.Close()
	ns.wg.Wait()
}

// pump frames each packet the stack sends (Ethernet from RouterMAC to the
// instance) and sends it.
func (s *Server) pump(ctx context.Context, ns *netstack, dstMAC net.HardwareAddr) {
	for {
		pkt := ns.link.ReadContext(ctx)
		if pkt == nil {
			return
		}
		et := header.IPv4ProtocolNumber
		if pkt.NetworkProtocolNumber == ipv6.ProtocolNumber {
			et = header.IPv6ProtocolNumber
		}
		frame := make([]byte, header.EthernetMinimumSize, header.EthernetMinimumSize+pkt.Size())
		header.Ethernet(frame).Encode(&header.EthernetFields{
			SrcAddr: tcpip.LinkAddress(s.cfg.RouterMAC[:]),
			DstAddr: tcpip.LinkAddress(dstMAC),
			Type:    et,
		})
		for _, b := range pkt.AsSlices() {
			frame = append(frame, b...)
		}
		pkt.DecRef()
		s.stats.framesOut.Add(1)
		if err := s.cfg.Send(ns.eni, frame); err != nil {
			s.stats.sendErrors.Add(1)
		}
	}
}
