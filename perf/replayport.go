package perf

import (
	"encoding/binary"
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
	f := make([]byte, 54)
	sm, _ := net.ParseMAC(srcMAC)
	dm, _ := net.ParseMAC(dstMAC)
	copy(f[0:6], dm)
	copy(f[6:12], sm)
	binary.BigEndian.PutUint16(f[12:], 0x0800)
	ip := f[14:34]
	ip[0] = 0x45
	binary.BigEndian.PutUint16(ip[2:], 40)
	ip[8], ip[9] = 64, 6
	s4, d4 := src.As4(), dst.As4()
	copy(ip[12:16], s4[:])
	copy(ip[16:20], d4[:])
	binary.BigEndian.PutUint16(ip[10:], ipChecksum(ip))
	tcp := f[34:]
	binary.BigEndian.PutUint16(tcp[0:], sport)
	binary.BigEndian.PutUint16(tcp[2:], dport)
	binary.BigEndian.PutUint32(tcp[4:], 1)
	if flags&0x10 != 0 {
		binary.BigEndian.PutUint32(tcp[8:], 1)
	}
	tcp[12] = 5 << 4
	tcp[13] = flags
	binary.BigEndian.PutUint16(tcp[14:], 65535)
	sum := packet.PseudoHeaderSum(s4[:], d4[:], 6, len(tcp))
	binary.BigEndian.PutUint16(tcp[16:], packet.Fold(packet.Sum(tcp, sum)))
	return f
}
