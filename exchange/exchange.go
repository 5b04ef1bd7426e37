package exchange

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"syscall"
	"time"

	"sgswitch/packet"
)

// Observed outcomes of one exchange.
const (
	ObservedAllow       = "allow"       // the whole exchange completed
	ObservedTimeout     = "timeout"     // nothing came back: what a security group does
	ObservedRefused     = "refused"     // a RST or ICMP unreachable came back
	ObservedUnreachable = "unreachable" // no route or neighbour
	ObservedNoEcho      = "no-echo"     // TCP connected, but the bytes did not come back
	ObservedError       = "error"       // the check could not run
)

// Where runs open, which opens sockets, inside the network namespace an
// exchange belongs to, and returns its error. The sockets stay in that
// namespace after open returns.
type Where func(open func() error) error

// Here is the namespace of the calling process.
func Here(open func() error) error { return open() }

var payload = []byte("sgswitch lab check\n")

// Classify names the outcome of a failed exchange.
func Classify(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET):
		return ObservedRefused
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return ObservedUnreachable
	case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, context.DeadlineExceeded),
		errors.As(err, &ne) && ne.Timeout():
		return ObservedTimeout
	}
	return ObservedError
}

// Run runs one exchange of protocol proto ("tcp", "udp" or "icmp") from
// source address src (zero: the kernel picks) to dst (ICMP ignores the
// port) and reports the outcome.
func Run(in Where, proto string, src netip.Addr, dst netip.AddrPort, timeout time.Duration) string {
	switch proto {
	case "tcp":
		return TCP(in, src, dst, timeout)
	case "udp":
		return UDP(in, src, dst, timeout)
	case "icmp":
		return ICMP(in, src, dst.Addr(), timeout)
	}
	return ObservedError
}

// Flow is an open TCP connection, kept so a later Exchange shows whether
// bytes still pass (lab probe).
type Flow struct{ conn net.Conn }

// DialTCP connects from source address src (zero: the kernel picks) to
// dst within timeout.
func DialTCP(in Where, src netip.Addr, dst netip.AddrPort, timeout time.Duration) (*Flow, error) {
	var c net.Conn
	err := in(func() (err error) {
		d := net.Dialer{Timeout: timeout}
		if src.IsValid() {
			d.LocalAddr = &net.TCPAddr{IP: src.AsSlice()}
		}
		c, err = d.Dial("tcp", dst.String())
		return err
	})
	if err != nil {
		return nil, err
	}
	return &Flow{conn: c}, nil
}

// Exchange sends a few bytes and waits for their echo within timeout.
func (f *Flow) Exchange(timeout time.Duration) error {
	_ = f.conn.SetDeadline(time.Now().Add(timeout))
	if _, err := f.conn.Write(payload); err != nil {
		return err
	}
	buf := make([]byte, len(payload))
	if _, err := readFull(f.conn, buf); err != nil {
		return err
	}
	if !bytes.Equal(buf, payload) {
		return errors.New("echo differs")
	}
	return nil
}

// Close closes the connection.
func (f *Flow) Close() error { return f.conn.Close() }

// Ends returns the connection's local and remote address and port: the
// 5-tuple the switch tracks it by.
func (f *Flow) Ends() (local, remote netip.AddrPort) {
	l, _ := f.conn.LocalAddr().(*net.TCPAddr)
	r, _ := f.conn.RemoteAddr().(*net.TCPAddr)
	if l != nil {
		local = l.AddrPort()
	}
	if r != nil {
		remote = r.AddrPort()
	}
	return local, remote
}

func readFull(c net.Conn, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := c.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// TCP is a handshake, then a few bytes echoed.
func TCP(in Where, src netip.Addr, dst netip.AddrPort, timeout time.Duration) string {
	start := time.Now()
	f, err := DialTCP(in, src, dst, timeout)
	if err != nil {
		return Classify(err)
	}
	defer f.Close()
	if err := f.Exchange(timeout - time.Since(start) + 100*time.Millisecond); err != nil {
		return ObservedNoEcho
	}
	return ObservedAllow
}

// UDP is a datagram to the responder and its echo. The datagram is resent
// a few times within the timeout (UDP may lose the first one).
func UDP(in Where, src netip.Addr, dst netip.AddrPort, timeout time.Duration) string {
	var c net.Conn
	if err := in(func() (err error) {
		var d net.Dialer
		if src.IsValid() {
			d.LocalAddr = &net.UDPAddr{IP: src.AsSlice()}
		}
		c, err = d.Dial("udp", dst.String())
		return err
	}); err != nil {
		return Classify(err)
	}
	defer c.Close()
	return datagramExchange(c, payload, timeout, func(b []byte) bool { return bytes.Equal(b, payload) })
}

// datagramExchange sends msg every 250 ms until match accepts a reply or
// the timeout passes.
func datagramExchange(c net.Conn, msg []byte, timeout time.Duration, match func([]byte) bool) string {
	deadline := time.Now().Add(timeout)
	buf := make([]byte, 1500)
	for time.Now().Before(deadline) {
		if _, err := c.Write(msg); err != nil {
			return Classify(err)
		}
		next := time.Now().Add(250 * time.Millisecond)
		if next.After(deadline) {
			next = deadline
		}
		_ = c.SetReadDeadline(next)
		for {
			n, err := c.Read(buf)
			if err != nil {
				if o := Classify(err); o != ObservedTimeout {
					return o
				}
				break
			}
			if match(buf[:n]) {
				return ObservedAllow
			}
		}
	}
	return ObservedTimeout
}

// ICMP is an echo request and its reply, over a raw socket (ICMP for
// IPv4, ICMPv6 for IPv6; the kernel fills in the ICMPv6 checksum).
func ICMP(in Where, src, dst netip.Addr, timeout time.Duration) string {
	network, typ, reply := "ip4:icmp", byte(8), byte(0)
	if dst.Is6() {
		network, typ, reply = "ip6:ipv6-icmp", 128, 129
	}
	var c net.Conn
	if err := in(func() (err error) {
		var d net.Dialer
		if src.IsValid() {
			d.LocalAddr = &net.IPAddr{IP: src.AsSlice()}
		}
		c, err = d.Dial(network, dst.String())
		return err
	}); err != nil {
		return Classify(err)
	}
	defer c.Close()
	id := uint16(rand.Uint32())
	msg := packet.ICMP(make([]byte, packet.ICMPLen+len(payload)))
	msg.EncodeEcho(typ, id, 1)
	copy(msg[packet.ICMPLen:], payload)
	if dst.Is4() {
		msg.FillChecksum(0)
	}
	return datagramExchange(c, msg, timeout, func(b []byte) bool {
		if dst.Is4() && len(b) > 0 && b[0]>>4 == 4 { // Read on a raw IPv4 socket keeps the IP header
			if ihl := int(b[0]&0x0f) * 4; ihl <= len(b) {
				b = b[ihl:]
			}
		}
		return len(b) >= 8 && b[0] == reply && binary.BigEndian.Uint16(b[4:]) == id
	})
}
