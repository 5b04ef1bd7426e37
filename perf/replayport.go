package perf

import (
	"net"
	"net/netip"
	"sync"
	"sync/atomic"

	"sgswitch/iface"
	"sgswitch/packet"
)

// replayPort is an iface.Port for in-memory switch benchmarks: Read hands
// the switch prebuilt frames (one 60-byte copy each, as a real port's
// receive would), cycling through a loaded set until a count is reached;
// Write only counts. No channels, no allocation per frame, so what is timed
// is the switch.
type replayPort struct {
	name    string
	mu      sync.Mutex
	frames  [][]byte
	next    int
	left    int
	loaded  chan struct{} // a new load is ready
	drained chan struct{} // the current load has been read
	closed  chan struct{}
	closeMu sync.Once
	written atomic.Uint64
}

func newReplayPort(name string) *replayPort {
	return &replayPort{name: name, loaded: make(chan struct{}, 1), closed: make(chan struct{})}
}

// load queues count frames cycling through frames and returns a channel
// closed when the switch has read them all.
func (p *replayPort) load(frames [][]byte, count int) <-chan struct{} {
	p.mu.Lock()
	p.frames, p.next, p.left = frames, 0, count
	p.drained = make(chan struct{})
	d := p.drained
	p.mu.Unlock()
	p.loaded <- struct{}{}
	return d
}

func (p *replayPort) Read(bufs [][]byte, sizes []int, offset int) (int, error) {
	for {
		p.mu.Lock()
		if p.left > 0 {
			n := min(len(bufs), p.left)
			for i := 0; i < n; i++ {
				f := p.frames[p.next]
				p.next++
				if p.next == len(p.frames) {
					p.next = 0
				}
				sizes[i] = copy(bufs[i][offset:], f)
			}
			p.left -= n
			if p.left == 0 {
				close(p.drained)
			}
			p.mu.Unlock()
			return n, nil
		}
		p.mu.Unlock()
		select {
		case <-p.loaded:
		case <-p.closed:
			return 0, iface.ErrClosed
		}
	}
}

func (p *replayPort) Write(bufs [][]byte, offset int) (int, error) {
	p.written.Add(uint64(len(bufs)))
	return len(bufs), nil
}

func (p *replayPort) BatchSize() int { return iface.BatchSize }
func (p *replayPort) MTU() int       { return 1500 }
func (p *replayPort) Name() string   { return p.name }
func (p *replayPort) Close() error {
	p.closeMu.Do(func() { close(p.closed) })
	return nil
}

// tcpFrame builds an Ethernet/IPv4/TCP frame (no payload) with valid
// checksums.
func tcpFrame(srcMAC, dstMAC string, src, dst netip.Addr, sport, dport uint16, flags uint8) []byte {
	const l4 = packet.EthernetLen + packet.IPv4MinLen
	f := make([]byte, l4+packet.TCPMinLen)
	sm, _ := net.ParseMAC(srcMAC)
	dm, _ := net.ParseMAC(dstMAC)
	packet.Ethernet(f).Encode(mac6(dm), mac6(sm), packet.EtherTypeIPv4)
	ip := packet.IPv4(f[packet.EthernetLen:])
	ip.Encode(&packet.IPv4Fields{TotalLen: uint16(len(f) - packet.EthernetLen), TTL: 64, Protocol: packet.ProtoTCP,
		Src: src.As4(), Dst: dst.As4()})
	var ack uint32
	if flags&packet.TCPAck != 0 {
		ack = 1
	}
	tcp := packet.TCP(f[l4:])
	tcp.Encode(&packet.TCPFields{SrcPort: sport, DstPort: dport, Seq: 1, Ack: ack, Flags: flags, Window: 65535})
	tcp.FillChecksum(ip.PseudoSum(packet.ProtoTCP, len(tcp)))
	return f
}
