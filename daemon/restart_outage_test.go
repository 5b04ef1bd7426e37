package daemon

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"sgswitch/netns"
	"sgswitch/netns/netnstest"
	"sgswitch/ruleset"
	vswitch "sgswitch/switch"
	"sgswitch/testbed"
)

// Bounds of the outage test: 300 pings 10 ms apart (3 s), the restart
// after 1 s; the stream writes a chunk every 10 ms for as long.
const (
	outagePings    = 300
	outageInterval = 10 * time.Millisecond
)

// realDaemon is a daemon over the real switch and host wiring, in a
// temporary state directory, its switch running (no API servers: the
// test drives it directly).
type realDaemon struct {
	d      *Daemon
	cancel context.CancelFunc
	done   chan error
}

func startReal(t *testing.T, dir string) *realDaemon {
	t.Helper()
	dp := NewSwitchDataplane(vswitch.Config{FlowCapacity: 1 << 12}, nil)
	d, err := Open(Config{StateDir: dir, VPC: DefaultVPC(), Dataplane: dp, Wirer: testbed.HostWirer{}})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &realDaemon{d: d, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- dp.Run(ctx) }()
	return r
}

// stop is a graceful stop: the switch ends (closing its ports), then
// Close saves the conntrack entries.
func (r *realDaemon) stop() error {
	r.cancel()
	<-r.done
	return r.d.Close()
}

// TestGracefulRestartOutage measures what an instance sees of a graceful
// daemon restart: client pings web every 10 ms across it, and a TCP
// stream, whose rule is revoked before the restart, must go on.
func TestGracefulRestartOutage(t *testing.T) {
	lab := netnstest.LabName(t)
	dir := t.TempDir()
	src := "name: " + lab + "\nsubnet: 198.18.61.0/24\nsubnet-ipv6: fd00:5e5e:0:61::/64\n" +
		"security-groups:\n  web:\n    GroupDescription: web\n    SecurityGroupIngress:\n" +
		"      - {IpProtocol: tcp, FromPort: 5201, ToPort: 5201, CidrIp: 198.18.61.0/24}\n" +
		"      - {IpProtocol: icmp, FromPort: -1, ToPort: -1, CidrIp: 198.18.61.0/24}\n" +
		"      - {IpProtocol: icmpv6, FromPort: -1, ToPort: -1, CidrIpv6: fd00:5e5e:0:61::/64}\n" +
		"topology:\n  nodes:\n    client: {ip: 198.18.61.10, ipv6: fd00:5e5e:0:61::10}\n" +
		"    web: {ip: 198.18.61.20, ipv6: fd00:5e5e:0:61::20, security-groups: [web]}\n"
	parsed, err := testbed.Parse("outage.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(parsed)
	r := startReal(t, dir)
	defer func() {
		if r != nil {
			_ = r.d.RemoveLab(context.Background(), lab)
			_ = r.stop()
		}
	}()
	if _, err := r.d.ApplyLab(context.Background(), raw); err != nil {
		t.Fatal(err)
	}
	client, web := testbed.NetnsName(lab, "client"), testbed.NetnsName(lab, "web")
	before := eth0Index(t, client)

	stream := startStream(t, client, web, "198.18.61.20:5201")
	defer stream.close()
	revokeRule(t, r.d, lab, "web", "tcp", 5201, "198.18.61.0/24")

	pinger := startPinger(t, client, "198.18.61.20")
	defer pinger.close()
	pinger6 := startPinger(t, client, "fd00:5e5e:0:61::20")
	defer pinger6.close()
	time.Sleep(time.Second)
	t0 := time.Now()
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}
	stopped := time.Since(t0)
	r = startReal(t, dir)
	restart := time.Since(t0)
	replies := pinger.wait()
	replies6 := pinger6.wait()
	if err := stream.finish(); err != nil {
		t.Errorf("TCP stream across the restart (its rule revoked before): %v", err)
	}
	if after := eth0Index(t, client); after != before {
		t.Errorf("client's eth0 ifindex %d before the restart, %d after: re-created", before, after)
	}
	lost, gap := outage(replies)
	lost6, gap6 := outage(replies6)
	t.Logf("graceful restart in process: stop %v, stop+start %v; pings every %v: IPv4 %d of %d lost, longest time without a reply %v; IPv6 %d lost, %v",
		stopped.Round(time.Microsecond), restart.Round(time.Microsecond), outageInterval, lost, outagePings, gap.Round(time.Millisecond),
		lost6, gap6.Round(time.Millisecond))
	if lost == outagePings || lost6 == outagePings {
		t.Fatal("no ping answered at all")
	}
}

// outage counts lost pings and the longest time between two replies.
func outage(replies []time.Time) (lost int, gap time.Duration) {
	var last time.Time
	for _, at := range replies {
		if at.IsZero() {
			lost++
			continue
		}
		if !last.IsZero() && at.Sub(last) > gap {
			gap = at.Sub(last)
		}
		last = at
	}
	return lost, gap
}

func eth0Index(t *testing.T, ns string) int {
	t.Helper()
	idx := 0
	err := netns.Do(ns, func() error {
		ifc, err := net.InterfaceByName("eth0")
		if err == nil {
			idx = ifc.Index
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return idx
}

func revokeRule(t *testing.T, d *Daemon, lab, group, proto string, port int32, cidr string) {
	t.Helper()
	err := writeLab(d, lab, func(st *ruleset.State) error {
		gs, err := st.DescribeSecurityGroups(nil, []string{group}, nil)
		if err != nil {
			return err
		}
		_, _, err = st.RevokeSecurityGroupIngress(gs[0].GroupId, []ruleset.IpPermission{{IpProtocol: proto,
			FromPort: &port, ToPort: &port, IpRanges: []ruleset.IpRange{{CidrIp: cidr}}}}, nil)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// pinger sends outagePings ICMP echo requests from inside a namespace and
// records when each reply came.
type pinger struct {
	conn    net.PacketConn
	replies []time.Time
	done    chan struct{}
	mu      sync.Mutex
}

func startPinger(t *testing.T, ns, dst string) *pinger {
	t.Helper()
	p := &pinger{replies: make([]time.Time, outagePings), done: make(chan struct{})}
	v6 := net.ParseIP(dst).To4() == nil
	network, laddr, request, reply := "ip4:icmp", "0.0.0.0", byte(8), byte(0)
	if v6 {
		network, laddr, request, reply = "ip6:ipv6-icmp", "::", 128, 129
	}
	err := netns.Do(ns, func() error {
		var err error
		p.conn, err = net.ListenPacket(network, laddr)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	to := &net.IPAddr{IP: net.ParseIP(dst)}
	id := uint16(time.Now().UnixNano())
	go func() { // receiver
		buf := make([]byte, 1500)
		for {
			n, _, err := p.conn.ReadFrom(buf)
			if err != nil {
				return
			}
			if n < 8 || buf[0] != reply || binary.BigEndian.Uint16(buf[4:]) != id {
				continue
			}
			if seq := int(binary.BigEndian.Uint16(buf[6:])); seq < outagePings {
				p.mu.Lock()
				p.replies[seq] = time.Now()
				p.mu.Unlock()
			}
		}
	}()
	go func() { // sender: one request every outageInterval, bounded
		defer close(p.done)
		tick := time.NewTicker(outageInterval)
		defer tick.Stop()
		for seq := range outagePings {
			_, _ = p.conn.WriteTo(echoRequest(request, id, uint16(seq)), to)
			<-tick.C
		}
		time.Sleep(200 * time.Millisecond) // the last replies
	}()
	return p
}

func (p *pinger) wait() []time.Time {
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]time.Time(nil), p.replies...)
}

func (p *pinger) close() { p.conn.Close() }

// echoRequest is an ICMP (type 8) or ICMPv6 (type 128) echo request; for
// ICMPv6 the kernel fills in the checksum (it covers a pseudo-header).
func echoRequest(typ byte, id, seq uint16) []byte {
	b := make([]byte, 16)
	b[0] = typ
	if typ == 128 {
		binary.BigEndian.PutUint16(b[4:], id)
		binary.BigEndian.PutUint16(b[6:], seq)
		return b
	}
	binary.BigEndian.PutUint16(b[4:], id)
	binary.BigEndian.PutUint16(b[6:], seq)
	var sum uint32
	for i := 0; i < len(b); i += 2 {
		sum += uint32(b[i])<<8 | uint32(b[i+1])
	}
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	binary.BigEndian.PutUint16(b[2:], ^uint16(sum))
	return b
}

// stream is a TCP connection from one namespace to a listener in another:
// the client writes a 1 KiB chunk every outageInterval for as long as
// the pings last; the server counts what arrives.
type stream struct {
	ln       net.Listener
	conn     net.Conn
	received chan int64
	wrote    chan error
}

const streamChunks = outagePings

func startStream(t *testing.T, from, to, addr string) *stream {
	t.Helper()
	s := &stream{received: make(chan int64, 1), wrote: make(chan error, 1)}
	if err := netns.Do(to, func() error {
		var err error
		s.ln, err = net.Listen("tcp4", addr)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	go func() {
		c, err := s.ln.Accept()
		if err != nil {
			s.received <- -1
			return
		}
		defer c.Close()
		c.SetReadDeadline(time.Now().Add(30 * time.Second))
		n, _ := io.Copy(io.Discard, c)
		s.received <- n
	}()
	if err := netns.Do(from, func() error {
		var err error
		s.conn, err = net.DialTimeout("tcp4", addr, 5*time.Second)
		return err
	}); err != nil {
		s.ln.Close()
		t.Fatal(err)
	}
	go func() {
		chunk := make([]byte, 1024)
		tick := time.NewTicker(outageInterval)
		defer tick.Stop()
		s.conn.SetWriteDeadline(time.Now().Add(30 * time.Second))
		for range streamChunks {
			if _, err := s.conn.Write(chunk); err != nil {
				s.wrote <- err
				return
			}
			<-tick.C
		}
		s.wrote <- s.conn.(*net.TCPConn).CloseWrite()
	}()
	return s
}

// finish waits (bounded by the deadlines) for the stream to end and
// checks every byte arrived.
func (s *stream) finish() error {
	if err := <-s.wrote; err != nil {
		return fmt.Errorf("writing: %w", err)
	}
	n := <-s.received
	if want := int64(streamChunks * 1024); n != want {
		return fmt.Errorf("server received %d bytes, want %d", n, want)
	}
	return nil
}

func (s *stream) close() {
	s.conn.Close()
	s.ln.Close()
}

var _ = errors.New
