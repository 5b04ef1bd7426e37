// Package tap is a TAP port with virtio-net offloads.
//
// What: Open creates a TAP netdev and returns an iface.Port over its file
// descriptor. With offloads on (the default) it is an iface.GSOPort: one Read
// returns a TCP/UDP super-frame of up to 64 KB preceded by its 10-byte
// virtio_net_hdr, and Write accepts the same, so a TCP stream between two
// such ports moves ~64 KB per system call instead of one MTU.
//
// Design: the device is opened through golang.org/x/sys/unix rather than
// songgao/water because water's TUNSETIFF request cannot carry IFF_VNET_HDR,
// and the offload ioctl (TUNSETOFFLOAD) must follow on the same fd. The fd is
// set non-blocking and wrapped in an *os.File, so a Read that finds nothing
// parks the goroutine in Go's netpoller (no thread, no spinning) and Close
// wakes it. A Read drains up to len(bufs) frames with one read(2) each (a TAP
// fd returns one frame per read; recvmmsg is ENOTSOCK) and stops at EAGAIN.
//
// Offloads: TUNSETOFFLOAD is asked for CSUM|TSO4|TSO6|USO4|USO6, then
// without USO (kernels before 6.2), then, if the kernel refuses even that,
// the device is reopened as a plain TAP and Fallback says why. Options.Plain
// asks for a plain TAP directly.
//
// The fd survives moving the netdev into another network namespace
// (netlink LinkSetNsFd), which is how testbed.OpenPort gives an instance its
// eth0.
// The netdev is not persistent unless SetPersist says so: Close deletes
// it. A persistent one (TUNSETPERSIST) stays, without carrier, when its
// last fd closes (also when the process is killed), and Open by the same
// name in the namespace it is in attaches to it again, keeping its
// ifindex, MAC, MTU, addresses and routes: how a daemon restart keeps an
// instance's eth0.
//
// Thread-safety: as iface.Port — one reader and one writer at a time.
package tap

import (
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"sgswitch/iface"
)

// Options configure Open.
type Options struct {
	// Plain opens the TAP without IFF_VNET_HDR and offloads.
	Plain bool
	// MTU is the MTU the port reports (default 1500). The netdev's own MTU
	// is set by whoever configures the link (netns.MoveInto).
	MTU int
}

// Port is a TAP device. It implements iface.GSOPort.
type Port struct {
	name     string
	file     *os.File
	raw      syscall.RawConn
	gso      bool
	fallback string
	mtu      int
	offloads int
	drops    atomic.Uint64
	closed   atomic.Bool
}

var _ iface.GSOPort = (*Port)(nil)

// Offload flags asked for, best first.
var offloadSets = []int{
	unix.TUN_F_CSUM | unix.TUN_F_TSO4 | unix.TUN_F_TSO6 | unix.TUN_F_USO4 | unix.TUN_F_USO6,
	unix.TUN_F_CSUM | unix.TUN_F_TSO4 | unix.TUN_F_TSO6,
}

// Open creates the TAP netdev name (at most 15 bytes) in the calling
// thread's network namespace.
func Open(name string, opt Options) (*Port, error) {
	if opt.MTU == 0 {
		opt.MTU = 1500
	}
	if opt.Plain {
		return open(name, opt.MTU, false, 0, "plain TAP requested")
	}
	var lastErr error
	for _, set := range offloadSets {
		p, err := open(name, opt.MTU, true, set, "")
		if err == nil {
			return p, nil
		}
		lastErr = err
		if !errors.Is(err, errOffloadRefused) {
			return nil, err
		}
	}
	return open(name, opt.MTU, false, 0, fmt.Sprintf("offloads refused (%v); plain TAP", lastErr))
}

var errOffloadRefused = errors.New("TUNSETOFFLOAD refused")

func open(name string, mtu int, vnet bool, offloads int, fallback string) (*Port, error) {
	fd, err := unix.Open("/dev/net/tun", unix.O_RDWR|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("tap %s: open /dev/net/tun: %w", name, err)
	}
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("tap %s: %w", name, err)
	}
	flags := uint16(unix.IFF_TAP | unix.IFF_NO_PI)
	if vnet {
		flags |= unix.IFF_VNET_HDR
	}
	ifr.SetUint16(flags)
	if err := unix.IoctlIfreq(fd, unix.TUNSETIFF, ifr); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("tap %s: TUNSETIFF: %w", name, err)
	}
	if vnet {
		hdrLen := int32(iface.VirtioNetHdrLen)
		if err := ioctlPtr(fd, unix.TUNSETVNETHDRSZ, unsafe.Pointer(&hdrLen)); err != nil {
			unix.Close(fd)
			return nil, fmt.Errorf("tap %s: TUNSETVNETHDRSZ: %w", name, err)
		}
		if err := unix.IoctlSetInt(fd, unix.TUNSETOFFLOAD, offloads); err != nil {
			unix.Close(fd)
			return nil, fmt.Errorf("tap %s: %w: %v", name, errOffloadRefused, err)
		}
	}
	f := os.NewFile(uintptr(fd), "/dev/net/tun:"+name)
	raw, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("tap %s: %w", name, err)
	}
	return &Port{name: ifr.Name(), file: f, raw: raw, gso: vnet, fallback: fallback, mtu: mtu, offloads: offloads}, nil
}

func ioctlPtr(fd int, req uint, arg unsafe.Pointer) error {
	_, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uintptr(req), uintptr(arg))
	if e != 0 {
		return e
	}
	return nil
}

// SetPersist makes the netdev outlive the port (on) or go with its last
// file descriptor (off, the default). Whoever makes it persistent deletes
// it in the end (netns.DeletePort, or with its namespace).
func (p *Port) SetPersist(on bool) error {
	v := 0
	if on {
		v = 1
	}
	var err error
	if cerr := p.raw.Control(func(fd uintptr) { err = unix.IoctlSetInt(int(fd), unix.TUNSETPERSIST, v) }); cerr != nil {
		return fmt.Errorf("tap %s: %w", p.name, cerr)
	}
	if err != nil {
		return fmt.Errorf("tap %s: TUNSETPERSIST: %w", p.name, err)
	}
	return nil
}

// GSO reports whether the port exchanges virtio-net headers and super-frames.
func (p *Port) GSO() bool { return p.gso }

// Fallback says why the port is plain ("" when offloads are on).
func (p *Port) Fallback() string { return p.fallback }

// Offloads returns the TUN_F_* flags the kernel accepted (0 when plain).
func (p *Port) Offloads() int { return p.offloads }

// Name is the netdev name the kernel gave the TAP.
func (p *Port) Name() string { return p.name }

// MTU is the IP MTU the port was opened with.
func (p *Port) MTU() int { return p.mtu }

// BatchSize is iface.BatchSize.
func (p *Port) BatchSize() int { return iface.BatchSize }

// Drops counts frames Write dropped because the kernel refused them.
func (p *Port) Drops() uint64 { return p.drops.Load() }

// Close deletes the TAP netdev and wakes a blocked Read.
func (p *Port) Close() error {
	if p.closed.Swap(true) {
		return nil
	}
	return p.file.Close()
}

func (p *Port) hdr(offset int) int {
	if p.gso {
		return offset - iface.VirtioNetHdrLen
	}
	return offset
}

// Read implements iface.Port. With GSO on, each frame's virtio-net header is
// at bufs[i][offset-VirtioNetHdrLen:offset].
func (p *Port) Read(bufs [][]byte, sizes []int, offset int) (int, error) {
	start := p.hdr(offset)
	n := 0
	var rerr error
	err := p.raw.Read(func(fd uintptr) bool {
		for n < len(bufs) {
			m, err := unix.Read(int(fd), bufs[n][start:])
			if err == unix.EAGAIN {
				return n > 0
			}
			if err == unix.EINTR {
				continue
			}
			if err != nil {
				rerr = err
				return true
			}
			sizes[n] = m - (offset - start)
			if sizes[n] < 0 {
				continue
			}
			n++
		}
		return true
	})
	if err != nil {
		if p.closed.Load() {
			return n, iface.ErrClosed
		}
		return n, err
	}
	if rerr != nil && n == 0 {
		return 0, fmt.Errorf("tap %s: read: %w", p.name, rerr)
	}
	return n, nil
}

// Write implements iface.Port. With GSO on, the caller provides each frame's
// virtio-net header (zeroed for an ordinary frame) before the frame.
func (p *Port) Write(bufs [][]byte, offset int) (int, error) {
	start := p.hdr(offset)
	n := 0
	var werr error
	err := p.raw.Write(func(fd uintptr) bool {
		for n < len(bufs) {
			_, err := unix.Write(int(fd), bufs[n][start:])
			switch err {
			case nil:
			case unix.EAGAIN:
				return false
			case unix.EINTR:
				continue
			case unix.EBADFD, unix.EBADF:
				werr = err
				return true
			default:
				// EINVAL (bad vnet header, frame too big), EIO (link down):
				// the frame is dropped and counted, as the contract says.
				p.drops.Add(1)
			}
			n++
		}
		return true
	})
	if err != nil {
		if p.closed.Load() {
			return n, iface.ErrClosed
		}
		return n, err
	}
	if werr != nil {
		return n, fmt.Errorf("tap %s: write: %w", p.name, werr)
	}
	return n, nil
}
