package testbed

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"sgswitch/netns"
)

// responder echoes what it receives on one TCP or UDP port inside one
// namespace, for the duration of a check run. It listens on the wildcard
// address, dual-stack, so IPv4 and IPv6 checks share it.
type responder struct {
	tcp  net.Listener
	udp  net.PacketConn
	done sync.WaitGroup
}

// maxEcho bounds what one responder connection echoes.
const maxEcho = 4096

// startResponder opens the listener inside ns and serves it until close.
func startResponder(ns, proto string, port uint16) (*responder, error) {
	r := &responder{}
	addr := fmt.Sprintf(":%d", port)
	err := netns.Do(ns, func() (err error) {
		if proto == "tcp" {
			r.tcp, err = net.Listen("tcp", addr)
		} else {
			r.udp, err = net.ListenPacket("udp", addr)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("responder %s/%d in %s: %w", proto, port, ns, err)
	}
	r.done.Add(1)
	if r.tcp != nil {
		go r.serveTCP()
	} else {
		go r.serveUDP()
	}
	return r, nil
}

func (r *responder) serveTCP() {
	defer r.done.Done()
	for {
		c, err := r.tcp.Accept()
		if err != nil {
			return
		}
		r.done.Add(1)
		go func() { // tcp echo: one connection of a check
			defer r.done.Done()
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(5 * time.Minute))
			_, _ = io.Copy(c, io.LimitReader(c, maxEcho))
		}()
	}
}

func (r *responder) serveUDP() {
	defer r.done.Done()
	buf := make([]byte, maxEcho)
	for {
		n, from, err := r.udp.ReadFrom(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		_, _ = r.udp.WriteTo(buf[:n], from)
	}
}

// close stops the responder; open TCP connections end at their deadline
// or when the client closes them.
func (r *responder) close() {
	if r.tcp != nil {
		r.tcp.Close()
	}
	if r.udp != nil {
		r.udp.Close()
	}
}
