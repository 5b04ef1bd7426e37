// Package iface moves frames between the switch and the outside world.
//
// What: a Port reads and writes batches of Ethernet frames. Implementations
// live in sub-packages, one per kind: memport (in memory, for tests and
// benchmarks), tap (TAP with virtio-net offloads), afxdp (AF_XDP on veth) and
// afpacket (attaching an existing host interface).
//
// Design: the interface is batch-first, after wireguard-go's tun.Device: one
// call moves up to BatchSize frames, so the per-call cost (a syscall, a ring
// doorbell) is shared by the whole batch. Optional abilities are small
// separate interfaces found by type assertion (GSOPort), so a plain port
// stays plain.
//
// Buffer layout: every buffer the switch hands to a port is laid out as
//
//	bufs[i]: [ headroom (offset bytes) ][ Ethernet frame ... ]
//	                   └ last VirtioNetHdrLen bytes: virtio_net_hdr (GSOPort only)
//
// so a GSO-capable port can read or write the virtio-net header in place
// without copying the frame. offset is always >= Headroom.
//
// Thread-safety: Read may be called by one goroutine and Write by another at
// the same time; neither may be called concurrently with itself. Close may be
// called from any goroutine and makes a blocked Read return ErrClosed.
package iface

import "errors"

// BatchSize is the number of frames the switch moves per Read or Write call.
const BatchSize = 64

// VirtioNetHdrLen is the size of struct virtio_net_hdr (without num_buffers),
// as a TAP opened with IFF_VNET_HDR exchanges it.
const VirtioNetHdrLen = 10

// Headroom is the offset the switch passes to Read and Write: room for the
// virtio-net header, rounded up so the frame's IP header is 2-byte aligned
// after the 14-byte Ethernet header.
const Headroom = 16

// MaxFrame is the largest frame a buffer must hold: a 64 KB GSO super-frame
// plus its Ethernet header.
const MaxFrame = 65536 + 14

// ErrClosed is returned by Read and Write after Close.
var ErrClosed = errors.New("iface: port closed")

// Port is one attachment point of the switch: the ENI of one instance.
type Port interface {
	// Read blocks until at least one frame is available, then fills up to
	// len(bufs) frames: frame i is written at bufs[i][offset:] and its length
	// stored in sizes[i]. It returns the number of frames read. len(sizes)
	// must be >= len(bufs), and each buffer must have room for MTU()+14
	// bytes after offset (MaxFrame for a GSOPort with GSO on).
	Read(bufs [][]byte, sizes []int, offset int) (int, error)
	// Write sends frames bufs[i][offset:]; it returns how many were sent.
	// A frame longer than the port accepts is dropped and counted by the
	// port, not returned as an error. Write never retains bufs.
	Write(bufs [][]byte, offset int) (int, error)
	// BatchSize is the most frames one Read or Write moves.
	BatchSize() int
	// MTU is the largest IP packet (without Ethernet header) the port carries.
	MTU() int
	// Name identifies the port (a netdev name, or a test name).
	Name() string
	// Close releases the port; blocked Reads return ErrClosed.
	Close() error
}

// GSOPort is a Port that exchanges GSO super-frames with a virtio-net header
// (VirtioNetHdrLen bytes) placed at bufs[i][offset-VirtioNetHdrLen:offset].
// When GSO reports false the port behaves as a plain Port and the header bytes
// are neither written nor read.
type GSOPort interface {
	Port
	GSO() bool
}
