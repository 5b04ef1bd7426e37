package imds

import (
	"errors"
	"net"
	"sync"
	"sync/atomic"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/adapters/gonet"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
	"gvisor.dev/gvisor/pkg/waiter"
)

// listener is a net.Listener over a listening netstack TCP endpoint. It
// is ours rather than gonet's so that each accepted connection keeps its
// endpoint (for the hop limit) and so that connections beyond the
// per-interface limit are refused here, before net/http sees them.
type listener struct {
	ep      tcpip.Endpoint
	wq      *waiter.Queue
	addr    net.Addr
	active  *atomic.Int32 // open connections of the interface
	max     int32
	refused *atomic.Uint64

	closeOnce sync.Once
	closed    chan struct{}
}

var errListenerClosed = errors.New("imds: listener closed")

// listen binds a TCP listener on addr port 80 of NIC 1.
func listen(st *stack.Stack, proto tcpip.NetworkProtocolNumber, addr tcpip.Address, backlog int) (tcpip.Endpoint, *waiter.Queue, error) {
	var wq waiter.Queue
	ep, terr := st.NewEndpoint(tcpProto, proto, &wq)
	if terr != nil {
		return nil, nil, errors.New(terr.String())
	}
	if terr := ep.Bind(tcpip.FullAddress{NIC: nicID, Addr: addr, Port: 80}); terr != nil {
		ep.Close()
		return nil, nil, errors.New(terr.String())
	}
	if terr := ep.Listen(backlog); terr != nil {
		ep.Close()
		return nil, nil, errors.New(terr.String())
	}
	return ep, &wq, nil
}

func (l *listener) Accept() (net.Conn, error) {
	entry, ready := waiter.NewChannelEntry(waiter.ReadableEvents)
	l.wq.EventRegister(&entry)
	defer l.wq.EventUnregister(&entry)
	for {
		ep, wq, terr := l.ep.Accept(nil)
		if _, wait := terr.(*tcpip.ErrWouldBlock); wait {
			select {
			case <-ready:
				continue
			case <-l.closed:
				return nil, errListenerClosed
			}
		}
		if terr != nil {
			return nil, errors.New(terr.String())
		}
		if l.active.Add(1) > l.max {
			l.active.Add(-1)
			l.refused.Add(1)
			ep.Abort() // RST: the client learns at once
			continue
		}
		return &conn{TCPConn: gonet.NewTCPConn(wq, ep), ep: ep, active: l.active}, nil
	}
}

func (l *listener) Close() error {
	l.closeOnce.Do(func() {
		close(l.closed)
		l.ep.Close()
	})
	return nil
}

func (l *listener) Addr() net.Addr { return l.addr }

// conn is an accepted connection; it can lower its IP TTL / hop limit for
// the token response (Handler.issueToken).
type conn struct {
	*gonet.TCPConn
	ep        tcpip.Endpoint
	active    *atomic.Int32
	closeOnce sync.Once
}

func (c *conn) setHopLimit(n int) {
	// One of the two fails with the endpoint's other family: harmless.
	_ = c.ep.SetSockOptInt(tcpip.IPv4TTLOption, n)
	_ = c.ep.SetSockOptInt(tcpip.IPv6HopLimitOption, n)
}

func (c *conn) Close() error {
	err := c.TCPConn.Close()
	c.closeOnce.Do(func() { c.active.Add(-1) })
	return err
}
