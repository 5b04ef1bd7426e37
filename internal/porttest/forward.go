package porttest

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"sgswitch/iface"
	"sgswitch/iface/gso"
)

// Forwarder moves frames between two ports in both directions until Stop.
type Forwarder struct {
	wg   sync.WaitGroup
	a, b iface.Port
	mu   sync.Mutex
	errs []error

	// Frames counts frames read, SuperFrames those with a GSO type, and
	// Segmented the frames iface/gso produced from them.
	// UDPSuperFrames counts the GSO_UDP_L4 (USO) ones among SuperFrames.
	Frames, SuperFrames, UDPSuperFrames, Segmented atomic.Uint64
}

// Forward starts moving frames a→b and b→a. Stop closes both ports.
func Forward(a, b iface.Port) *Forwarder {
	f := &Forwarder{a: a, b: b}
	f.wg.Add(2)
	go f.pump(a, b)
	go f.pump(b, a)
	return f
}

// Stop closes both ports, waits for the pumps and returns their errors.
func (f *Forwarder) Stop() error {
	_ = f.a.Close()
	_ = f.b.Close()
	f.wg.Wait()
	return errors.Join(f.errs...)
}

func isGSO(p iface.Port) bool {
	g, ok := p.(iface.GSOPort)
	return ok && g.GSO()
}

func newBufs(n, size int) [][]byte {
	b := make([][]byte, n)
	for i := range b {
		b[i] = make([]byte, size)
	}
	return b
}

// pump is one direction. Frames from a GSO port go unchanged to a GSO port;
// to a plain port they are segmented and checksummed by iface/gso. Frames
// from a plain port get a zero virtio-net header for a GSO port.
func (f *Forwarder) pump(src, dst iface.Port) {
	defer f.wg.Done()
	srcGSO, dstGSO := isGSO(src), isGSO(dst)
	bufs := newBufs(src.BatchSize(), iface.Headroom+iface.MaxFrame)
	sizes := make([]int, len(bufs))
	segs := newBufs(128, iface.Headroom+dst.MTU()+14)
	segSizes := make([]int, len(segs))
	out := make([][]byte, 0, len(bufs))
	var h iface.VirtioNetHdr
	for {
		n, err := src.Read(bufs, sizes, iface.Headroom)
		if err != nil {
			if !errors.Is(err, iface.ErrClosed) {
				f.fail(fmt.Errorf("read %s: %w", src.Name(), err))
			}
			return
		}
		out = out[:0]
		f.Frames.Add(uint64(n))
		for i := 0; i < n; i++ {
			b := bufs[i][:iface.Headroom+sizes[i]]
			hdr := b[iface.Headroom-iface.VirtioNetHdrLen : iface.Headroom]
			if srcGSO && hdr[1] != iface.VirtioNetHdrGSONone {
				f.SuperFrames.Add(1)
				if hdr[1] == iface.VirtioNetHdrGSOUDPL4 {
					f.UDPSuperFrames.Add(1)
				}
			}
			switch {
			case srcGSO && !dstGSO:
				h.Decode(hdr)
				if !gso.NeedsWork(&h) {
					out = append(out, b)
					continue
				}
				m, err := gso.Segment(b[iface.Headroom:], &h, segs, segSizes, iface.Headroom)
				if err != nil {
					continue // dropped, as the switch would
				}
				f.Segmented.Add(uint64(m))
				if !f.write(dst, out) {
					return
				}
				out = out[:0]
				for j := 0; j < m; j++ {
					out = append(out, segs[j][:iface.Headroom+segSizes[j]])
				}
				if !f.write(dst, out) {
					return
				}
				out = out[:0]
			case !srcGSO && dstGSO:
				clear(hdr)
				out = append(out, b)
			default:
				out = append(out, b)
			}
		}
		if !f.write(dst, out) {
			return
		}
	}
}

func (f *Forwarder) write(dst iface.Port, frames [][]byte) bool {
	if len(frames) == 0 {
		return true
	}
	if _, err := dst.Write(frames, iface.Headroom); err != nil {
		if !errors.Is(err, iface.ErrClosed) {
			f.fail(fmt.Errorf("write %s: %w", dst.Name(), err))
		}
		return false
	}
	return true
}

func (f *Forwarder) fail(err error) {
	f.mu.Lock()
	f.errs = append(f.errs, err)
	f.mu.Unlock()
}
