// Package afxdp is an AF_XDP port: the switch end of a veth pair (or of an
// existing host interface) read and written through an XDP socket.
//
// What: Open(ifname, Options) attaches an XDP program to the interface that
// redirects every received frame to an AF_XDP socket bound to queue 0, and
// returns an iface.Port over that socket. It is not a GSOPort: frames are at
// most MTU+14 bytes, so super-frames from a TAP must be segmented by the
// switch (iface/gso) before they are written here.
//
// Design:
//   - The XDP program is five instructions built with cilium/ebpf's asm
//     package (no clang): bpf_redirect_map(&xsks, rx_queue_index, XDP_PASS).
//     It is attached through a bpf_link, so it goes away with the process.
//     Native (driver) mode is tried first and generic (SKB) mode is the
//     fallback; Mode says which one is in use and why.
//   - UMEM and the fill, completion, rx and tx rings are mmap'd through
//     golang.org/x/sys/unix. The UMEM has NumFrames 4 KB chunks: the first
//     half feed the fill ring (rx), the second half are tx buffers recycled
//     through the completion ring.
//   - Copy mode (XDP_COPY): zero-copy is not available on veth (bind fails
//     with EOPNOTSUPP) and, since the switch hands ports its own buffers,
//     every frame is copied once each way anyway.
//   - need_wakeup, no busy polling: the socket fd is non-blocking and
//     registered with Go's netpoller, so an idle Read parks the goroutine
//     until the kernel signals the socket readable (the equivalent of
//     poll(POLLIN)); Write kicks the kernel with sendto only when the tx
//     ring asks for it (in copy mode it always does), and the fill ring is
//     kicked only when it carries XDP_RING_NEED_WAKEUP.
//
// MTU: native XDP on veth refuses MTU 3507 and above (frame plus 256 bytes
// of XDP headroom plus skb_shared_info must fit a 4 KB page); Open refuses
// MTUs above MaxMTU. Checksum trap: frames a veth peer sends with checksum
// offload on carry partial checksums that nothing completes on this path;
// netns.CreateVeth turns tx checksumming off on the namespace end.
//
// Thread-safety: as iface.Port. Read uses only the rx and fill rings, Write
// only the tx and completion rings, so one reader and one writer run in
// parallel without locks; Close waits for both before unmapping.
package afxdp

import (
	"fmt"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"

	"sgswitch/iface"
)

// Sizes.
const (
	FrameSize = 4096
	NumFrames = 4096
	ringSize  = NumFrames / 2
	// MaxMTU is the largest MTU native XDP on veth accepts (3507 is refused).
	MaxMTU = 3506
)

// Mode selects how the XDP program is attached.
type Mode int

// Attach modes.
const (
	Auto    Mode = iota // native, falling back to generic
	Native              // driver mode only
	Generic             // SKB mode only (any interface, e.g. a QEMU tap)
)

func (m Mode) String() string {
	switch m {
	case Native:
		return "native"
	case Generic:
		return "generic"
	}
	return "auto"
}

// Options configure Open.
type Options struct {
	Mode Mode
	MTU  int // default 1500
}

// Port is an AF_XDP socket on queue 0 of one interface.
type Port struct {
	name    string
	mtu     int
	mode    Mode
	modeWhy string
	fd      int
	file    *os.File
	raw     syscall.RawConn
	xsks    *ebpf.Map
	prog    *ebpf.Program
	link    link.Link
	umem    []byte

	rmu        sync.Mutex // held by Read; Close takes it before unmapping
	fill, rx   ring
	wmu        sync.Mutex // held by Write
	comp, tx   ring
	txFree     []uint64 // free tx chunk addresses (a stack)
	closed     atomic.Bool
	drops      atomic.Uint64
	txKickErrs atomic.Uint64
}

var _ iface.Port = (*Port)(nil)

// Open attaches to the interface ifname in the calling thread's namespace.
func Open(ifname string, opt Options) (p *Port, err error) {
	if opt.MTU == 0 {
		opt.MTU = 1500
	}
	if opt.MTU > MaxMTU {
		return nil, fmt.Errorf("afxdp %s: MTU %d above %d, which native XDP on veth refuses", ifname, opt.MTU, MaxMTU)
	}
	ifi, err := net.InterfaceByName(ifname)
	if err != nil {
		return nil, fmt.Errorf("afxdp: interface %q: %w", ifname, err)
	}
	p = &Port{name: ifname, mtu: opt.MTU, fd: -1}
	defer func() {
		if err != nil {
			p.release()
			p = nil
		}
	}()
	if err := p.openSocket(ifi.Index); err != nil {
		return p, fmt.Errorf("afxdp %s: %w", ifname, err)
	}
	if p.xsks, p.prog, err = newRedirect(1); err != nil {
		return p, fmt.Errorf("afxdp %s: %w", ifname, err)
	}
	if err := p.xsks.Put(uint32(0), uint32(p.fd)); err != nil {
		return p, fmt.Errorf("afxdp %s: XSKMAP update: %w", ifname, err)
	}
	if err := p.attach(ifi.Index, opt.Mode); err != nil {
		return p, fmt.Errorf("afxdp %s: %w", ifname, err)
	}
	if err := unix.SetNonblock(p.fd, true); err != nil {
		return p, err
	}
	p.file = os.NewFile(uintptr(p.fd), "xsk:"+ifname)
	if p.raw, err = p.file.SyscallConn(); err != nil {
		return p, err
	}
	return p, nil
}

func (p *Port) attach(ifindex int, m Mode) error {
	var nativeErr error
	if m == Auto || m == Native {
		l, err := link.AttachXDP(link.XDPOptions{Program: p.prog, Interface: ifindex, Flags: link.XDPDriverMode})
		if err == nil {
			p.link, p.mode = l, Native
			return nil
		}
		if m == Native {
			return fmt.Errorf("attaching XDP in native mode: %w", err)
		}
		nativeErr = err
	}
	l, err := link.AttachXDP(link.XDPOptions{Program: p.prog, Interface: ifindex, Flags: link.XDPGenericMode})
	if err != nil {
		return fmt.Errorf("attaching XDP in generic mode: %w (native: %v)", err, nativeErr)
	}
	p.link, p.mode = l, Generic
	if nativeErr != nil {
		p.modeWhy = fmt.Sprintf("native mode refused (%v); generic mode", nativeErr)
	}
	return nil
}

func (p *Port) openSocket(ifindex int) error {
	fd, err := unix.Socket(unix.AF_XDP, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("socket(AF_XDP): %w", err)
	}
	p.fd = fd
	if err := p.setupUMEM(fd); err != nil {
		return err
	}
	sa := &unix.SockaddrXDP{Flags: unix.XDP_COPY | unix.XDP_USE_NEED_WAKEUP, Ifindex: uint32(ifindex), QueueID: 0}
	if err := unix.Bind(fd, sa); err != nil {
		return fmt.Errorf("bind to queue 0 (copy mode, need_wakeup): %w", err)
	}
	return nil
}

// setupUMEM registers the UMEM, sizes and maps the four rings, and fills
// the fill ring.
func (p *Port) setupUMEM(fd int) (err error) {
	p.umem, err = unix.Mmap(-1, 0, NumFrames*FrameSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_POPULATE)
	if err != nil {
		return fmt.Errorf("mmap UMEM: %w", err)
	}
	reg := unix.XDPUmemReg{Addr: uint64(uintptr(unsafe.Pointer(&p.umem[0]))), Len: uint64(len(p.umem)), Size: FrameSize}
	if err := setsockopt(fd, unix.XDP_UMEM_REG, unsafe.Pointer(&reg), unsafe.Sizeof(reg)); err != nil {
		return fmt.Errorf("XDP_UMEM_REG: %w", err)
	}
	for _, opt := range []int{unix.XDP_UMEM_FILL_RING, unix.XDP_UMEM_COMPLETION_RING, unix.XDP_RX_RING, unix.XDP_TX_RING} {
		n := int32(ringSize)
		if err := setsockopt(fd, opt, unsafe.Pointer(&n), 4); err != nil {
			return fmt.Errorf("ring size (opt %d): %w", opt, err)
		}
	}
	var off unix.XDPMmapOffsets
	ol := uint32(unsafe.Sizeof(off))
	if _, _, e := unix.Syscall6(unix.SYS_GETSOCKOPT, uintptr(fd), unix.SOL_XDP, unix.XDP_MMAP_OFFSETS, uintptr(unsafe.Pointer(&off)), uintptr(unsafe.Pointer(&ol)), 0); e != 0 {
		return fmt.Errorf("XDP_MMAP_OFFSETS: %w", e)
	}
	descSize := unsafe.Sizeof(unix.XDPDesc{})
	if p.fill, err = mapRing(fd, off.Fr, unix.XDP_UMEM_PGOFF_FILL_RING, ringSize, 8); err != nil {
		return err
	}
	if p.comp, err = mapRing(fd, off.Cr, unix.XDP_UMEM_PGOFF_COMPLETION_RING, ringSize, 8); err != nil {
		return err
	}
	if p.rx, err = mapRing(fd, off.Rx, unix.XDP_PGOFF_RX_RING, ringSize, descSize); err != nil {
		return err
	}
	if p.tx, err = mapRing(fd, off.Tx, unix.XDP_PGOFF_TX_RING, ringSize, descSize); err != nil {
		return err
	}
	// The first half of the UMEM receives, the second half transmits.
	prod := atomic.LoadUint32(p.fill.producer)
	for i := uint32(0); i < ringSize; i++ {
		*p.fill.addr(prod + i) = uint64(i) * FrameSize
	}
	atomic.StoreUint32(p.fill.producer, prod+ringSize)
	p.txFree = make([]uint64, 0, NumFrames-ringSize)
	for i := uint64(ringSize); i < NumFrames; i++ {
		p.txFree = append(p.txFree, i*FrameSize)
	}
	return nil
}

func setsockopt(fd, opt int, val unsafe.Pointer, size uintptr) error {
	_, _, e := unix.Syscall6(unix.SYS_SETSOCKOPT, uintptr(fd), unix.SOL_XDP, uintptr(opt), uintptr(val), size, 0)
	if e != 0 {
		return e
	}
	return nil
}

// Name is the interface name.
func (p *Port) Name() string { return p.name }

// MTU is the IP MTU the port carries.
func (p *Port) MTU() int { return p.mtu }

// BatchSize is iface.BatchSize.
func (p *Port) BatchSize() int { return iface.BatchSize }

// Mode is the attach mode in use (Native or Generic).
func (p *Port) Mode() Mode { return p.mode }

// ModeReason says why the port fell back to generic mode ("" otherwise).
func (p *Port) ModeReason() string { return p.modeWhy }

// Drops counts frames Write dropped (too long, or no tx buffer).
func (p *Port) Drops() uint64 { return p.drops.Load() }

// Stats returns the kernel's XDP_STATISTICS for the socket.
func (p *Port) Stats() (unix.XDPStatistics, error) {
	var s unix.XDPStatistics
	l := uint32(unsafe.Sizeof(s))
	_, _, e := unix.Syscall6(unix.SYS_GETSOCKOPT, uintptr(p.fd), unix.SOL_XDP, unix.XDP_STATISTICS, uintptr(unsafe.Pointer(&s)), uintptr(unsafe.Pointer(&l)), 0)
	if e != 0 {
		return s, e
	}
	return s, nil
}

// Close detaches the program, closes the socket and unmaps the rings. It
// wakes a blocked Read and waits for Read and Write to return.
func (p *Port) Close() error {
	if p.closed.Swap(true) {
		return nil
	}
	var err error
	if p.file != nil {
		err = p.file.Close() // wakes a Read parked in the netpoller
	}
	p.rmu.Lock()
	p.wmu.Lock()
	defer p.rmu.Unlock()
	defer p.wmu.Unlock()
	p.release()
	return err
}

// release frees everything Open made; Read and Write must not be running.
func (p *Port) release() {
	if p.link != nil {
		p.link.Close()
		p.link = nil
	}
	if p.prog != nil {
		p.prog.Close()
		p.prog = nil
	}
	if p.xsks != nil {
		p.xsks.Close()
		p.xsks = nil
	}
	for _, r := range []*ring{&p.fill, &p.comp, &p.rx, &p.tx} {
		r.unmap()
	}
	if p.file == nil && p.fd >= 0 {
		unix.Close(p.fd)
		p.fd = -1
	}
	if p.umem != nil {
		_ = unix.Munmap(p.umem)
		p.umem = nil
	}
}

// ProbeZeroCopy tries to bind an AF_XDP socket to ifname's queue 0 in
// zero-copy mode and returns the kernel's answer (nil when it works). On
// veth it is EOPNOTSUPP: the port then uses copy mode.
func ProbeZeroCopy(ifname string) error {
	ifi, err := net.InterfaceByName(ifname)
	if err != nil {
		return err
	}
	p := &Port{name: ifname, fd: -1}
	defer p.release()
	fd, err := unix.Socket(unix.AF_XDP, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	p.fd = fd
	if err := p.setupUMEM(fd); err != nil {
		return err
	}
	return unix.Bind(fd, &unix.SockaddrXDP{Flags: unix.XDP_ZEROCOPY, Ifindex: uint32(ifi.Index)})
}
