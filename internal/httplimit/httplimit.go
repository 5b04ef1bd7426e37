// Package httplimit bounds what one TCP HTTP server (the EC2 endpoint,
// /metrics) lets a client hold: time to send headers and body, time to
// read the answer, idle keep-alive time, and the number of connections
// it accepts at once.
//
// Why: a client that sends its headers and never finishes the body was
// held forever, and enough of them took every descriptor the daemon had,
// after which even the admin socket stopped answering. With these limits
// such a connection is closed after ReadTimeout, and connections beyond
// MaxConns wait in the kernel's accept queue, costing the daemon no
// descriptor. The admin socket is served by its own listener and never
// shares this cap.
//
// Request bodies are bounded separately, by internal/bounded (4 MiB).
package httplimit

import (
	"net"
	"net/http"
	"time"

	"golang.org/x/net/netutil"
)

// Limits are one server's bounds; a zero field takes Defaults' value.
type Limits struct {
	ReadHeaderTimeout time.Duration // from accept to the end of the headers
	ReadTimeout       time.Duration // from accept to the end of the body
	WriteTimeout      time.Duration // from the end of the headers to the end of the answer
	IdleTimeout       time.Duration // between requests on a kept-alive connection
	MaxConns          int           // connections served at once
}

// Defaults are generous for the AWS CLI and SDKs (a 4 MiB body over
// loopback takes milliseconds) and small enough that a stalled client
// is dropped soon. 64 connections of at most one 4 MiB body each bound
// the bodies held at once to 256 MiB.
func Defaults() Limits {
	return Limits{
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxConns:          64,
	}
}

// withDefaults fills zero fields from Defaults.
func (l Limits) withDefaults() Limits {
	d := Defaults()
	if l.ReadHeaderTimeout <= 0 {
		l.ReadHeaderTimeout = d.ReadHeaderTimeout
	}
	if l.ReadTimeout <= 0 {
		l.ReadTimeout = d.ReadTimeout
	}
	if l.WriteTimeout <= 0 {
		l.WriteTimeout = d.WriteTimeout
	}
	if l.IdleTimeout <= 0 {
		l.IdleTimeout = d.IdleTimeout
	}
	if l.MaxConns <= 0 {
		l.MaxConns = d.MaxConns
	}
	return l
}

// Server returns an http.Server for h with l's timeouts.
func (l Limits) Server(h http.Handler) *http.Server {
	l = l.withDefaults()
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: l.ReadHeaderTimeout,
		ReadTimeout:       l.ReadTimeout,
		WriteTimeout:      l.WriteTimeout,
		IdleTimeout:       l.IdleTimeout,
	}
}

// Listener caps ln at l.MaxConns connections open at once.
func (l Limits) Listener(ln net.Listener) net.Listener {
	return netutil.LimitListener(ln, l.withDefaults().MaxConns)
}
