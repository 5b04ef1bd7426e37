// Package memport is an in-memory iface.Port for tests and benchmarks.
//
// What: a Port is one simulated instance interface. The test plays the
// instance: Inject puts a frame on the wire towards the switch (the switch
// Reads it), and Recv/TryRecv/Drain collect the frames the switch Wrote
// towards the instance. No root, no sockets.
//
// Design: two bounded queues (buffered channels) of copied frames, one per
// direction, after gVisor's link/channel endpoint. A full receive queue makes
// Inject report false (the frame is lost, as on a wire); a full transmit
// queue drops the written frame and counts it in TxDropped. With Config.Sink
// the transmit side keeps no frames at all, only counts them, so benchmarks
// measure the switch rather than this port.
//
// GSO: with Config.GSO the port is an iface.GSOPort. InjectGSO carries a
// virtio-net header with the frame and Read places it in the headroom at
// bufs[i][offset-iface.VirtioNetHdrLen:offset]; Write reads the header from the
// same place and keeps it with the frame (Frame.Hdr).
//
// Thread-safety: as iface.Port (one reader, one writer, Close from anywhere);
// Inject, Recv, TryRecv, Drain and the counters are safe from any goroutine.
package memport

import (
	"sync"
	"sync/atomic"

	"sgswitch/iface"
)

// Config sets up a Port. Zero values take the defaults.
type Config struct {
	MTU   int  // largest IP packet; default 1500
	Queue int  // frames each queue holds; default 1024
	GSO   bool // exchange virtio-net headers (an iface.GSOPort with GSO() true)
	Sink  bool // count written frames but keep none (benchmarks)
	Batch int  // BatchSize(); default iface.BatchSize
}

// Frame is one frame written by the switch, with its virtio-net header when
// the port has GSO on.
type Frame struct {
	Data []byte
	Hdr  iface.VirtioNetHdr
}

// Port is an in-memory iface.Port (and iface.GSOPort).
type Port struct {
	name string
	cfg  Config

	rx chan Frame // instance → switch
	tx chan Frame // switch → instance

	closeOnce sync.Once
	closed    chan struct{}

	txFrames, txBytes, txDropped, rxLost atomic.Uint64
}

var _ iface.GSOPort = (*Port)(nil)

// New returns an open Port.
func New(name string, cfg Config) *Port {
	if cfg.MTU == 0 {
		cfg.MTU = 1500
	}
	if cfg.Queue == 0 {
		cfg.Queue = 1024
	}
	if cfg.Batch == 0 {
		cfg.Batch = iface.BatchSize
	}
	return &Port{
		name:   name,
		cfg:    cfg,
		rx:     make(chan Frame, cfg.Queue),
		tx:     make(chan Frame, cfg.Queue),
		closed: make(chan struct{}),
	}
}

// Inject queues a copy of frame for the switch to Read. It reports false
// when the port is closed or its receive queue is full.
func (p *Port) Inject(frame []byte) bool {
	return p.InjectGSO(iface.VirtioNetHdr{}, frame)
}

// InjectGSO is Inject with a virtio-net header (meaningful when GSO is on).
func (p *Port) InjectGSO(hdr iface.VirtioNetHdr, frame []byte) bool {
	select {
	case <-p.closed:
		return false
	default:
	}
	f := Frame{Data: append([]byte(nil), frame...), Hdr: hdr}
	select {
	case p.rx <- f:
		return true
	default:
		p.rxLost.Add(1)
		return false
	}
}

// Read implements iface.Port: it blocks for the first frame, then takes
// whatever else is queued, up to len(bufs).
func (p *Port) Read(bufs [][]byte, sizes []int, offset int) (int, error) {
	var f Frame
	select {
	case f = <-p.rx:
	case <-p.closed:
		return 0, iface.ErrClosed
	}
	n := 0
	for {
		p.place(bufs[n], offset, f)
		sizes[n] = len(f.Data)
		n++
		if n == len(bufs) {
			return n, nil
		}
		select {
		case f = <-p.rx:
		default:
			return n, nil
		}
	}
}

// TryRead is Read without blocking: it returns 0 frames when none is queued.
// Tests use it to step the switch one batch at a time.
func (p *Port) TryRead(bufs [][]byte, sizes []int, offset int) (int, error) {
	select {
	case <-p.closed:
		return 0, iface.ErrClosed
	default:
	}
	n := 0
	for n < len(bufs) {
		select {
		case f := <-p.rx:
			p.place(bufs[n], offset, f)
			sizes[n] = len(f.Data)
			n++
		default:
			return n, nil
		}
	}
	return n, nil
}

func (p *Port) place(buf []byte, offset int, f Frame) {
	copy(buf[offset:], f.Data)
	if p.cfg.GSO {
		f.Hdr.Encode(buf[offset-iface.VirtioNetHdrLen : offset])
	}
}

// Write implements iface.Port. Frames longer than MTU+14 (without GSO) are
// dropped and counted, as a real port would.
func (p *Port) Write(bufs [][]byte, offset int) (int, error) {
	select {
	case <-p.closed:
		return 0, iface.ErrClosed
	default:
	}
	var frames, bytes, dropped uint64
	maxLen := p.cfg.MTU + 14
	for _, b := range bufs {
		n := len(b) - offset // the frame's length
		if n > maxLen && !p.superFrame(b, offset) {
			dropped++
			continue
		}
		frames++
		bytes += uint64(n)
		if p.cfg.Sink {
			continue
		}
		var hdr iface.VirtioNetHdr
		if p.cfg.GSO {
			hdr.Decode(b[offset-iface.VirtioNetHdrLen : offset])
		}
		select {
		case p.tx <- Frame{Data: append([]byte(nil), b[offset:]...), Hdr: hdr}:
		default:
			dropped++
		}
	}
	// Counted once per call, as a real port's doorbell: the sink must not
	// weigh on benchmarks of the switch.
	p.txFrames.Add(frames)
	p.txBytes.Add(bytes)
	if dropped != 0 {
		p.txDropped.Add(dropped)
	}
	return len(bufs), nil
}

// superFrame reports whether the frame in b (at offset) is a GSO
// super-frame, which may exceed the MTU.
func (p *Port) superFrame(b []byte, offset int) bool {
	if !p.cfg.GSO {
		return false
	}
	var hdr iface.VirtioNetHdr
	hdr.Decode(b[offset-iface.VirtioNetHdrLen : offset])
	return hdr.GSOType != iface.VirtioNetHdrGSONone
}

// TryRecv returns the oldest frame the switch wrote, if any.
func (p *Port) TryRecv() (Frame, bool) {
	select {
	case f := <-p.tx:
		return f, true
	default:
		return Frame{}, false
	}
}

// Recv blocks until the switch writes a frame or done is closed.
func (p *Port) Recv(done <-chan struct{}) (Frame, bool) {
	select {
	case f := <-p.tx:
		return f, true
	case <-done:
		return Frame{}, false
	}
}

// Drain returns every frame written and not yet collected.
func (p *Port) Drain() []Frame {
	var out []Frame
	for {
		f, ok := p.TryRecv()
		if !ok {
			return out
		}
		out = append(out, f)
	}
}

// TxFrames is the number of frames accepted by Write (kept or sunk).
func (p *Port) TxFrames() uint64 { return p.txFrames.Load() }

// TxBytes is the number of bytes accepted by Write.
func (p *Port) TxBytes() uint64 { return p.txBytes.Load() }

// TxDropped counts written frames lost to a full queue or an oversize frame.
func (p *Port) TxDropped() uint64 { return p.txDropped.Load() }

// RxLost counts injected frames lost to a full receive queue.
func (p *Port) RxLost() uint64 { return p.rxLost.Load() }

// BatchSize implements iface.Port.
func (p *Port) BatchSize() int { return p.cfg.Batch }

// MTU implements iface.Port.
func (p *Port) MTU() int { return p.cfg.MTU }

// Name implements iface.Port.
func (p *Port) Name() string { return p.name }

// GSO implements iface.GSOPort.
func (p *Port) GSO() bool { return p.cfg.GSO }

// Close implements iface.Port; it is idempotent.
func (p *Port) Close() error {
	p.closeOnce.Do(func() { close(p.closed) })
	return nil
}
