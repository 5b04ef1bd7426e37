// Package afpacket attaches the switch to an existing host interface, such
// as the tap device QEMU creates with -netdev tap,ifname=NAME,script=no.
//
// What: Open(ifname, Options) returns an iface.Port over an AF_PACKET socket
// bound to that interface. With Options.GSO the socket exchanges
// virtio-net headers (PACKET_VNET_HDR), so it is an iface.GSOPort: reads
// return super-frames with partial checksums flagged, and writes may carry
// them; the kernel segments what the device cannot take.
//
// Design: a plain SOCK_RAW socket read and written in batches with
// recvmmsg/sendmmsg (one system call per batch), rather than a TPACKET_V3
// ring: the switch hands ports its own buffers, so a ring would still copy
// once each way, and recvmmsg keeps the code small. PACKET_IGNORE_OUTGOING
// keeps the port from reading back what it sent. The fd is non-blocking and
// parked in Go's netpoller when idle.
//
// Errors: Open fails with an error naming the interface when it does not
// exist (ErrNoInterface, for errors.Is).
//
// Thread-safety: as iface.Port; Read and Write use separate scratch arrays.
package afpacket

import (
	"errors"
	"fmt"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"sgswitch/iface"
)

// ErrNoInterface is returned (wrapped) when the interface does not exist.
var ErrNoInterface = errors.New("no such network interface")

// Options configure Open.
type Options struct {
	MTU int  // default: the interface's MTU
	GSO bool // exchange virtio-net headers (PACKET_VNET_HDR)
}

// Port is an AF_PACKET socket on one interface.
type Port struct {
	name   string
	mtu    int
	gso    bool
	file   *os.File
	raw    syscall.RawConn
	closed atomic.Bool
	drops  atomic.Uint64

	rmsgs []unix.Mmsghdr
	riovs []unix.Iovec
	wmsgs []unix.Mmsghdr
	wiovs []unix.Iovec
}

var _ iface.GSOPort = (*Port)(nil)

// Open binds an AF_PACKET socket to ifname in the calling thread's namespace.
func Open(ifname string, opt Options) (*Port, error) {
	ifi, err := net.InterfaceByName(ifname)
	if err != nil {
		return nil, fmt.Errorf("attach %q: %w (%v)", ifname, ErrNoInterface, err)
	}
	if opt.MTU == 0 {
		opt.MTU = ifi.MTU
	}
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, int(htons(unix.ETH_P_ALL)))
	if err != nil {
		return nil, fmt.Errorf("attach %s: socket(AF_PACKET): %w", ifname, err)
	}
	fail := func(what string, err error) (*Port, error) {
		unix.Close(fd)
		return nil, fmt.Errorf("attach %s: %s: %w", ifname, what, err)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_IGNORE_OUTGOING, 1); err != nil {
		return fail("PACKET_IGNORE_OUTGOING", err)
	}
	if opt.GSO {
		if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_VNET_HDR, 1); err != nil {
			return fail("PACKET_VNET_HDR", err)
		}
	}
	_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, 4<<20)
	_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, 4<<20)
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifi.Index}); err != nil {
		return fail("bind", err)
	}
	f := os.NewFile(uintptr(fd), "packet:"+ifname)
	raw, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, err
	}
	p := &Port{name: ifname, mtu: opt.MTU, gso: opt.GSO, file: f, raw: raw,
		rmsgs: make([]unix.Mmsghdr, iface.BatchSize), riovs: make([]unix.Iovec, iface.BatchSize),
		wmsgs: make([]unix.Mmsghdr, iface.BatchSize), wiovs: make([]unix.Iovec, iface.BatchSize)}
	return p, nil
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// GSO reports whether frames carry a virtio-net header.
func (p *Port) GSO() bool { return p.gso }

// Name is the interface name.
func (p *Port) Name() string { return p.name }

// MTU is the IP MTU.
func (p *Port) MTU() int { return p.mtu }

// BatchSize is iface.BatchSize.
func (p *Port) BatchSize() int { return iface.BatchSize }

// Drops counts frames the kernel refused on Write.
func (p *Port) Drops() uint64 { return p.drops.Load() }

// Close closes the socket and wakes a blocked Read.
func (p *Port) Close() error {
	if p.closed.Swap(true) {
		return nil
	}
	return p.file.Close()
}

func (p *Port) start(offset int) int {
	if p.gso {
		return offset - iface.VirtioNetHdrLen
	}
	return offset
}

// Read implements iface.Port with one recvmmsg per batch.
func (p *Port) Read(bufs [][]byte, sizes []int, offset int) (int, error) {
	start := p.start(offset)
	n := min(len(bufs), len(p.rmsgs))
	for i := 0; i < n; i++ {
		b := bufs[i][start:]
		p.riovs[i].Base = &b[0]
		p.riovs[i].SetLen(len(b))
		p.rmsgs[i] = unix.Mmsghdr{}
		p.rmsgs[i].Hdr.Iov = &p.riovs[i]
		p.rmsgs[i].Hdr.Iovlen = 1
	}
	got := 0
	var rerr error
	err := p.raw.Read(func(fd uintptr) bool {
		for {
			r, _, e := unix.Syscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&p.rmsgs[0])), uintptr(n), unix.MSG_DONTWAIT, 0, 0)
			switch e {
			case 0:
				got = int(r)
			case unix.EINTR:
				continue
			case unix.EAGAIN:
				return false // parked until a frame arrives (a new edge)
			default:
				rerr = e
			}
			return true
		}
	})
	if err != nil {
		if p.closed.Load() {
			return 0, iface.ErrClosed
		}
		return 0, err
	}
	if rerr != nil {
		return 0, fmt.Errorf("afpacket %s: recvmmsg: %w", p.name, rerr)
	}
	for i := 0; i < got; i++ {
		sizes[i] = int(p.rmsgs[i].Len) - (offset - start)
	}
	return got, nil
}

// Write implements iface.Port with sendmmsg; frames the kernel refuses are
// dropped and counted.
func (p *Port) Write(bufs [][]byte, offset int) (int, error) {
	start := p.start(offset)
	sent := 0
	for sent < len(bufs) {
		n := min(len(bufs)-sent, len(p.wmsgs))
		for i := 0; i < n; i++ {
			b := bufs[sent+i][start:]
			p.wiovs[i].Base = &b[0]
			p.wiovs[i].SetLen(len(b))
			p.wmsgs[i] = unix.Mmsghdr{}
			p.wmsgs[i].Hdr.Iov = &p.wiovs[i]
			p.wmsgs[i].Hdr.Iovlen = 1
		}
		var werr error
		done := 0
		err := p.raw.Write(func(fd uintptr) bool {
			for {
				r, _, e := unix.Syscall6(unix.SYS_SENDMMSG, fd, uintptr(unsafe.Pointer(&p.wmsgs[0])), uintptr(n), unix.MSG_DONTWAIT, 0, 0)
				switch e {
				case 0:
					done = int(r)
				case unix.EINTR:
					continue
				case unix.EAGAIN:
					// The socket's send buffer is full: wait for it to
					// drain (the kernel signals that edge).
					return false
				default:
					// ENOBUFS (the device or the peer's backlog dropped
					// it), EMSGSIZE, ...: the frame is gone. Waiting for
					// writability here would wait for an edge that never
					// comes, since the send buffer is not full.
					werr = e
				}
				return true
			}
		})
		if err != nil {
			if p.closed.Load() {
				return sent, iface.ErrClosed
			}
			return sent, err
		}
		if werr != nil && !errors.Is(werr, unix.ENOBUFS) && !errors.Is(werr, unix.EMSGSIZE) &&
			!errors.Is(werr, unix.EINVAL) && !errors.Is(werr, unix.ENETDOWN) && !errors.Is(werr, unix.ENXIO) {
			return sent, fmt.Errorf("afpacket %s: sendmmsg: %w", p.name, werr)
		}
		if done == 0 {
			// sendmmsg stops at the first frame the kernel refuses
			// (too long, bad header): drop that one and go on.
			p.drops.Add(1)
			done = 1
		}
		sent += done
	}
	return sent, nil
}
