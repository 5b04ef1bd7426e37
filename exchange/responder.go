package exchange

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// Responder echoes what it receives on one TCP or UDP port. It listens on
// the wildcard address, dual-stack, so IPv4 and IPv6 checks share it.
type Responder struct {
	tcp  net.Listener
	udp  net.PacketConn
	done sync.WaitGroup
}

// maxEcho bounds what one responder connection echoes.
const maxEcho = 4096

// Listen opens the responder's socket (proto "tcp" or "udp") inside in
// and serves it until Close.
func Listen(in Where, proto string, port uint16) (*Responder, error) {
	if proto != "tcp" && proto != "udp" {
		return nil, fmt.Errorf("no responder for protocol %q", proto)
	}
	r := &Responder{}
	addr := fmt.Sprintf(":%d", port)
	err := in(func() (err error) {
		if proto == "tcp" {
			r.tcp, err = net.Listen("tcp", addr)
		} else {
			r.udp, err = net.ListenPacket("udp", addr)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	r.done.Add(1)
	if r.tcp != nil {
		go r.serveTCP()
	} else {
		go r.serveUDP()
	}
	return r, nil
}

func (r *Responder) serveTCP() {
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

func (r *Responder) serveUDP() {
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

// Close stops the responder; open TCP connections end at their deadline
// or when the client closes them.
func (r *Responder) Close() {
	if r.tcp != nil {
		r.tcp.Close()
	}
	if r.udp != nil {
		r.udp.Close()
	}
}
