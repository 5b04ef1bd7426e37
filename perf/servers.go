package perf

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os/exec"
	"sync"

	"sgswitch/netns"
)

// Servers are the server-side ends of every generator, living in the
// server's namespace: iperf3, a TCP acceptor (closes each connection), a
// one-byte echo for latency, and a UDP sink so 64-byte UDP does not draw
// ICMP port-unreachable replies. Sockets are created inside the namespace;
// the goroutines serving them run anywhere.
type Servers struct {
	Iperf     *exec.Cmd
	listeners []io.Closer
	wg        sync.WaitGroup
}

// StartServers starts them all; closing sc stops them.
func StartServers(ctx context.Context, sc *netns.Scope, t Topology) (*Servers, error) {
	s := &Servers{}
	sc.OnClose(s.close)
	var connL, echoL net.Listener
	var sink net.PacketConn
	err := netns.Do(t.Server.Netns, func() error {
		var err error
		if connL, err = net.Listen("tcp4", addrPort(t.Server.IPv4, ConnPort)); err != nil {
			return err
		}
		s.listeners = append(s.listeners, connL)
		if echoL, err = net.Listen("tcp4", addrPort(t.Server.IPv4, LatencyPort)); err != nil {
			return err
		}
		s.listeners = append(s.listeners, echoL)
		if sink, err = net.ListenPacket("udp4", addrPort(t.Server.IPv4, UDPPort)); err != nil {
			return err
		}
		s.listeners = append(s.listeners, sink)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("servers in %s: %w", t.Server.Netns, err)
	}
	s.wg.Add(2)
	go s.acceptLoop(connL, func(c net.Conn) { c.Close() })
	go s.acceptLoop(echoL, echo)
	if s.Iperf, err = StartIperfServer(ctx, sc, t); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Servers) acceptLoop(l net.Listener, serve func(net.Conn)) {
	defer s.wg.Done()
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go serve(c)
	}
}

// echo returns every byte it reads until the peer closes.
func echo(c net.Conn) {
	defer c.Close()
	buf := make([]byte, 64)
	for {
		n, err := c.Read(buf)
		if err != nil {
			return
		}
		if _, err := c.Write(buf[:n]); err != nil {
			return
		}
	}
}

func (s *Servers) close() {
	for _, l := range s.listeners {
		l.Close()
	}
	s.wg.Wait()
}

func addrPort(a netip.Addr, port uint16) string {
	return netip.AddrPortFrom(a, port).String()
}
