package porttest

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"sgswitch/netns"
	"sgswitch/packet"
)

// Ping sends ICMP (or ICMPv6) echo requests from namespace ns to dst until a
// reply arrives or count attempts (one per 300 ms) are used.
func Ping(ns string, dst netip.Addr, count int) error {
	var c net.PacketConn
	network, typ := "ip4:icmp", byte(8)
	if dst.Is6() {
		network, typ = "ip6:ipv6-icmp", 128
	}
	err := netns.Do(ns, func() error {
		var err error
		c, err = net.ListenPacket(network, "")
		return err
	})
	if err != nil {
		return fmt.Errorf("ping from %s: %w", ns, err)
	}
	defer c.Close()
	id := uint16(os.Getpid())
	buf := make([]byte, 1500)
	for seq := 0; seq < count; seq++ {
		msg := packet.ICMP(make([]byte, packet.ICMPLen+32))
		msg.EncodeEcho(typ, id, uint16(seq))
		copy(msg[packet.ICMPLen:], "sgswitch-ping-payload-0123456789")
		if !dst.Is6() {
			msg.FillChecksum(0)
		} // the kernel fills the ICMPv6 checksum
		if _, err := c.WriteTo(msg, &net.IPAddr{IP: dst.AsSlice()}); err != nil {
			return fmt.Errorf("ping %s: %w", dst, err)
		}
		deadline := time.Now().Add(300 * time.Millisecond)
		for {
			_ = c.SetReadDeadline(deadline)
			n, from, err := c.ReadFrom(buf)
			if err != nil {
				break
			}
			if n >= 8 && (buf[0] == 0 || buf[0] == 129) &&
				binary.BigEndian.Uint16(buf[4:]) == id &&
				from.(*net.IPAddr).IP.Equal(dst.AsSlice()) {
				return nil
			}
		}
	}
	return fmt.Errorf("ping %s from %s: no reply to %d requests", dst, ns, count)
}

// listenUDP opens a UDP socket inside ns bound to addr:port.
func listenUDP(ns string, addr netip.Addr, port int) (net.PacketConn, error) {
	var c net.PacketConn
	err := netns.Do(ns, func() error {
		var err error
		c, err = net.ListenPacket("udp", net.JoinHostPort(addr.String(), strconv.Itoa(port)))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("udp listen in %s: %w", ns, err)
	}
	return c, nil
}

// listenTCP opens a TCP listener inside ns on addr:port.
func listenTCP(ns string, addr netip.Addr, port int) (net.Listener, error) {
	var l net.Listener
	err := netns.Do(ns, func() error {
		var err error
		l, err = net.Listen("tcp", net.JoinHostPort(addr.String(), strconv.Itoa(port)))
		return err
	})
	return l, err
}

func dial(ns, network string, dst netip.Addr, port int, timeout time.Duration) (net.Conn, error) {
	var c net.Conn
	err := netns.Do(ns, func() error {
		var err error
		c, err = net.DialTimeout(network, net.JoinHostPort(dst.String(), strconv.Itoa(port)), timeout)
		return err
	})
	return c, err
}

// TCPTransfer sends size random bytes from namespace from to a listener in
// namespace to (address dst), and checks the receiver's SHA-256 of what it
// got against the sender's. Bounded by timeout.
func TCPTransfer(from, to string, dst netip.Addr, port, size int, timeout time.Duration) error {
	l, err := listenTCP(to, dst, port)
	if err != nil {
		return fmt.Errorf("listen in %s: %w", to, err)
	}
	defer l.Close()
	type result struct {
		sum [32]byte
		n   int64
		err error
	}
	got := make(chan result, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			got <- result{err: err}
			return
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(timeout))
		h := sha256.New()
		n, err := io.Copy(h, c)
		var r result
		copy(r.sum[:], h.Sum(nil))
		r.n, r.err = n, err
		_, _ = c.Write(r.sum[:])
		got <- r
	}()
	c, err := dial(from, "tcp", dst, port, min(timeout, 3*time.Second))
	if err != nil {
		l.Close()
		return fmt.Errorf("dial %s from %s: %w", dst, from, err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(timeout))
	data := make([]byte, size)
	_, _ = rand.Read(data)
	want := sha256.Sum256(data)
	if _, err := c.Write(data); err != nil {
		return fmt.Errorf("tcp send: %w", err)
	}
	_ = c.(*net.TCPConn).CloseWrite()
	echo := make([]byte, 32)
	if _, err := io.ReadFull(c, echo); err != nil {
		return fmt.Errorf("tcp: reading receiver's digest: %w", err)
	}
	r := <-got
	if r.err != nil {
		return fmt.Errorf("tcp receive: %w (after %d bytes)", r.err, r.n)
	}
	if r.n != int64(size) || r.sum != want || !bytes.Equal(echo, want[:]) {
		return fmt.Errorf("tcp transfer corrupted: sent %d bytes, received %d, digests differ: %v", size, r.n, r.sum != want)
	}
	return nil
}

// UDPEcho sends count datagrams of size bytes from namespace from to an
// echo responder in namespace to, and requires at least one echoed datagram
// with identical content (UDP may lose some; none may be corrupted).
func UDPEcho(from, to string, dst netip.Addr, port, size, count int) error {
	srv, err := listenUDP(to, dst, port)
	if err != nil {
		return err
	}
	defer srv.Close()
	go func() {
		buf := make([]byte, 65536)
		for {
			n, addr, err := srv.ReadFrom(buf)
			if err != nil {
				return
			}
			_, _ = srv.WriteTo(buf[:n], addr)
		}
	}()
	c, err := dial(from, "udp", dst, port, time.Second)
	if err != nil {
		return fmt.Errorf("udp dial from %s: %w", from, err)
	}
	defer c.Close()
	// Each datagram starts with its sequence number, so a late echo of an
	// earlier one (after its 300 ms wait) is told apart from corruption.
	sent := make([][]byte, count)
	buf := make([]byte, size+1)
	echoed := 0
	for i := 0; i < count; i++ {
		msg := make([]byte, max(size, 4))
		_, _ = rand.Read(msg)
		binary.BigEndian.PutUint32(msg, uint32(i))
		sent[i] = msg
		if _, err := c.Write(msg); err != nil {
			return fmt.Errorf("udp send: %w", err)
		}
		_ = c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		for {
			n, err := c.Read(buf)
			if err != nil {
				break
			}
			seq := int(binary.BigEndian.Uint32(buf))
			if n < 4 || seq > i || !bytes.Equal(buf[:n], sent[seq]) {
				return fmt.Errorf("udp echo corrupted: sent %d bytes, got %d", size, n)
			}
			echoed++
			if seq == i {
				break
			}
		}
	}
	if echoed == 0 {
		return fmt.Errorf("udp %s:%d from %s: no echo of %d datagrams", dst, port, from, count)
	}
	return nil
}

// ErrConnected is returned by TCPDenied when the connection was accepted.
var ErrConnected = errors.New("tcp connection completed")

// TCPDenied checks that a TCP connection from namespace from to dst:port in
// namespace to is silently dropped: a listener exists, yet the dial neither
// completes nor is refused (an RST would make it fail fast with
// ECONNREFUSED) within wait.
func TCPDenied(from, to string, dst netip.Addr, port int, wait time.Duration) error {
	l, err := listenTCP(to, dst, port)
	if err != nil {
		return err
	}
	defer l.Close()
	c, err := dial(from, "tcp", dst, port, wait)
	if err == nil {
		c.Close()
		return ErrConnected
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return nil
	}
	return fmt.Errorf("tcp to a denied port failed other than by silence (RST or error seen): %w", err)
}

// UDPSegmented sends one send(2) of n*seg bytes with UDP_SEGMENT=seg (UDP
// GSO) from namespace from, and checks that namespace to receives n
// datagrams of seg bytes carrying the pieces in order. Through an
// offloading TAP this travels as one GSO_UDP_L4 super-frame.
func UDPSegmented(from, to string, dst netip.Addr, port, seg, n int) error {
	srv, err := listenUDP(to, dst, port)
	if err != nil {
		return err
	}
	defer srv.Close()
	c, err := dial(from, "udp", dst, port, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	raw, err := c.(*net.UDPConn).SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := raw.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_UDP, unix.UDP_SEGMENT, seg)
	}); err != nil || serr != nil {
		return fmt.Errorf("UDP_SEGMENT: %v %v", err, serr)
	}
	data := make([]byte, seg*n)
	_, _ = rand.Read(data)
	if _, err := c.Write(data); err != nil {
		return fmt.Errorf("udp gso send: %w", err)
	}
	buf := make([]byte, 65536)
	for i := 0; i < n; i++ {
		_ = srv.SetReadDeadline(time.Now().Add(2 * time.Second))
		m, _, err := srv.ReadFrom(buf)
		if err != nil {
			return fmt.Errorf("udp gso: got %d of %d datagrams: %w", i, n, err)
		}
		if !bytes.Equal(buf[:m], data[i*seg:(i+1)*seg]) {
			return fmt.Errorf("udp gso: datagram %d: %d bytes, content differs from piece %d", i, m, i)
		}
	}
	return nil
}
