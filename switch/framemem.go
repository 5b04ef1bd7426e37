package vswitch

import (
	"golang.org/x/sys/unix"
)

// Receive buffers of a port that takes GSO super-frames are large: a
// batch of 64 buffers of 64 KiB, 4 MiB per port. Taken from the Go heap,
// such a block is zeroed when the allocator reuses memory, which faults in
// every page of it: 13–21 ms per port measured in a restarted daemon (a
// page fault costs about 20 µs on these VMs), on the way of every port a
// restart re-attaches. A fresh anonymous mapping needs no zeroing: the
// kernel maps a page on its first write, and a frame touches only the
// pages it fills (one for a 1,500-byte frame).
//
// The mapping belongs to the port's worker and is unmapped when the worker
// is done (its receive goroutine ended, or the port was removed before the
// switch ran). Nothing keeps a slice of it beyond a batch: frames are
// written to other ports within the batch, and observers must copy
// ev.Frame (Observer).

// largeBufs is the size from which frame buffers are mapped rather than
// allocated.
const largeBufs = 1 << 20

// frameMemory is a port worker's receive buffer memory.
type frameMemory struct {
	mapped []byte // nil: the buffers are on the Go heap
}

// makeBufs returns n buffers of size bytes each, carved from one block.
func (m *frameMemory) makeBufs(n, size int) [][]byte {
	var mem []byte
	if n*size >= largeBufs {
		if b, err := unix.Mmap(-1, 0, n*size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS); err == nil {
			mem, m.mapped = b, b
		}
	}
	if mem == nil { // small, or the mapping was refused: the heap
		mem = make([]byte, n*size)
	}
	bufs := make([][]byte, n)
	for i := range bufs {
		bufs[i] = mem[i*size : (i+1)*size : (i+1)*size]
	}
	return bufs
}

// release unmaps the buffers; the worker must not use them afterwards.
func (m *frameMemory) release() {
	if m.mapped != nil {
		_ = unix.Munmap(m.mapped)
		m.mapped = nil
	}
}
