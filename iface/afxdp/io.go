package afxdp

import (
	"sync/atomic"

	"golang.org/x/sys/unix"

	"sgswitch/iface"
)

// Read implements iface.Port: it copies up to len(bufs) received frames out
// of the UMEM and gives their chunks straight back to the fill ring.
func (p *Port) Read(bufs [][]byte, sizes []int, offset int) (int, error) {
	p.rmu.Lock()
	defer p.rmu.Unlock()
	if p.closed.Load() {
		return 0, iface.ErrClosed
	}
	n := 0
	err := p.raw.Read(func(fd uintptr) bool {
		n = p.drainRx(bufs, sizes, offset)
		if n > 0 {
			return true
		}
		if p.fill.needWakeup() {
			// The kernel ran out of fill entries and waits to be told.
			_, _, _ = unix.Syscall6(unix.SYS_RECVFROM, fd, 0, 0, unix.MSG_DONTWAIT, 0, 0)
		}
		return false // park until the socket is readable
	})
	if err != nil {
		if p.closed.Load() {
			return n, iface.ErrClosed
		}
		return n, err
	}
	return n, nil
}

func (p *Port) drainRx(bufs [][]byte, sizes []int, offset int) int {
	avail := p.rx.available()
	if avail == 0 {
		return 0
	}
	if avail > uint32(len(bufs)) {
		avail = uint32(len(bufs))
	}
	cons := atomic.LoadUint32(p.rx.consumer)
	fillProd := atomic.LoadUint32(p.fill.producer)
	n := 0
	for i := uint32(0); i < avail; i++ {
		d := p.rx.desc(cons + i)
		frame := p.umem[d.Addr : d.Addr+uint64(d.Len)]
		if len(bufs[n])-offset >= len(frame) {
			sizes[n] = copy(bufs[n][offset:], frame)
			n++
		} else {
			p.drops.Add(1)
		}
		// Every chunk taken from rx goes back to fill, so fill never runs
		// short of the ring size it started with.
		*p.fill.addr(fillProd + i) = d.Addr &^ (FrameSize - 1)
	}
	atomic.StoreUint32(p.fill.producer, fillProd+avail)
	atomic.StoreUint32(p.rx.consumer, cons+avail)
	return n
}

// Write implements iface.Port: frames are copied into tx chunks and the
// kernel is kicked once per batch (more if it asks to be called again).
func (p *Port) Write(bufs [][]byte, offset int) (int, error) {
	p.wmu.Lock()
	defer p.wmu.Unlock()
	if p.closed.Load() {
		return 0, iface.ErrClosed
	}
	max := p.mtu + 14
	for i := 0; i < len(bufs); {
		p.reclaim()
		prod := atomic.LoadUint32(p.tx.producer)
		queued := uint32(0)
		free := p.tx.free()
		for ; i < len(bufs) && queued < free; i++ {
			frame := bufs[i][offset:]
			if len(frame) > max || len(frame) > FrameSize {
				p.drops.Add(1)
				continue
			}
			if len(p.txFree) == 0 {
				break
			}
			addr := p.txFree[len(p.txFree)-1]
			p.txFree = p.txFree[:len(p.txFree)-1]
			copy(p.umem[addr:addr+FrameSize], frame)
			d := p.tx.desc(prod + queued)
			d.Addr, d.Len, d.Options = addr, uint32(len(frame)), 0
			queued++
		}
		atomic.StoreUint32(p.tx.producer, prod+queued)
		if err := p.kick(); err != nil {
			return i, err
		}
		if queued == 0 && i < len(bufs) {
			// No tx chunk came back even after a kick: the kernel is
			// behind; drop the rest of the batch rather than spin.
			p.drops.Add(uint64(len(bufs) - i))
			return len(bufs), nil
		}
	}
	return len(bufs), nil
}

// kick asks the kernel to send what the tx ring holds. In copy mode the
// kernel sends synchronously, a bounded number per call, and says EAGAIN
// (or EBUSY) when it stopped early.
func (p *Port) kick() error {
	for try := 0; try < 64 && p.tx.available() > 0; try++ {
		if !p.tx.needWakeup() {
			return nil
		}
		var e unix.Errno
		cerr := p.raw.Control(func(fd uintptr) {
			_, _, e = unix.Syscall6(unix.SYS_SENDTO, fd, 0, 0, unix.MSG_DONTWAIT, 0, 0)
		})
		if cerr != nil {
			return iface.ErrClosed
		}
		switch e {
		case 0, unix.EAGAIN, unix.EBUSY, unix.ENOBUFS, unix.ENETDOWN:
			if e == unix.ENETDOWN {
				p.txKickErrs.Add(1)
				return nil
			}
		case unix.EBADF:
			return iface.ErrClosed
		default:
			p.txKickErrs.Add(1)
			return nil
		}
	}
	return nil
}

// reclaim moves completed tx chunks back to the free stack.
func (p *Port) reclaim() {
	n := p.comp.available()
	if n == 0 {
		return
	}
	cons := atomic.LoadUint32(p.comp.consumer)
	for i := uint32(0); i < n; i++ {
		p.txFree = append(p.txFree, *p.comp.addr(cons + i))
	}
	atomic.StoreUint32(p.comp.consumer, cons+n)
}
