package vswitch

import (
	"errors"
	"time"

	"sgswitch/flowtable"
	"sgswitch/iface"
	"sgswitch/packet"
	"sgswitch/ruleset"
)

// off is where every frame starts in its buffer (iface buffer layout).
const off = iface.Headroom

// worker is the packet path of one port: it owns that port's receive
// buffers and everything a batch needs, all allocated once, so that a
// batch allocates nothing. Only the port's receive goroutine (or a test or
// benchmark standing in for it) uses it.
type worker struct {
	s  *Switch
	ps *portState

	bufs  [][]byte // receive buffers: [Headroom][frame]
	sizes []int
	mem   frameMemory // where bufs live (framemem.go)

	// State of the batch being processed.
	now       int64
	obs       Observer
	view      *view          // the view src was resolved in
	src       *eniView       // this port's interface in view (nil: not published)
	p         *packet.Parsed // the frame being handled: &held[i].p
	q         ruleset.Query
	ev        Event
	groups    []txGroup // one per destination port this batch
	lastGroup int       // the group of the last frame enqueued (may be stale: check ps)
	replies   [][]byte  // frames the switch sends back to this port (ARP, ND, services)
	nReplies  int
	segBufs   [][]byte // GSO segmentation output
	segSizes  []int
	segOut    [][]byte
	frags     fragTable

	fragScratch fragKey

	// Frames held between the two passes of a batch (see process).
	held  []held
	nHeld int
	// Flow-table view of each held frame: Zone is the sender's (egress)
	// zone until forward has judged that side, then the receiver's.
	pi       []flowtable.PacketInfo
	outPtrs  []*flowtable.PacketInfo
	inZones  []uint32 // the receiver's zone of each held frame, for LookupBatchPair
	outFlows []flowtable.Flow
	inFlows  []flowtable.Flow

	// Source-side counters of the batch, added to the interface once.
	rxFrames, rxBytes, egressAccepts uint64
	arpReplies, ndReplies            uint64
	superFrames                      uint64

	replyFn func([]byte) // w.queueReply as a func value, made once
}

// txGroup collects the frames of one batch bound for one port.
type txGroup struct {
	ps            *portState
	bufs          [][]byte
	frames, bytes uint64
}

func newWorker(s *Switch, ps *portState) *worker {
	n := ps.port.BatchSize()
	if n <= 0 {
		n = iface.BatchSize
	}
	frameMax := ps.port.MTU() + packet.EthernetLen
	if ps.gso {
		frameMax = iface.MaxFrame
	}
	w := &worker{
		s: s, ps: ps,
		sizes:    make([]int, n),
		replies:  makeBufs(n, off+ps.port.MTU()+packet.EthernetLen),
		segBufs:  makeBufs(iface.BatchSize, off+ps.port.MTU()+packet.EthernetLen+64),
		segSizes: make([]int, iface.BatchSize),
		segOut:   make([][]byte, 0, iface.BatchSize),
		frags:    newFragTable(s.cfg.FragEntries, int64(s.cfg.FragTimeout)),
	}
	w.bufs = w.mem.makeBufs(n, off+frameMax)
	w.held = make([]held, n)
	w.pi = make([]flowtable.PacketInfo, n)
	w.outPtrs = make([]*flowtable.PacketInfo, n)
	for i := range n {
		w.outPtrs[i] = &w.pi[i]
	}
	w.inZones = make([]uint32, n)
	w.outFlows, w.inFlows = make([]flowtable.Flow, n), make([]flowtable.Flow, n)
	w.replyFn = w.queueReply
	return w
}

func makeBufs(n, size int) [][]byte {
	mem := make([]byte, n*size)
	bufs := make([][]byte, n)
	for i := range bufs {
		bufs[i] = mem[i*size : (i+1)*size : (i+1)*size]
	}
	return bufs
}

// receiveFrames is the port's receive loop: read a batch, process it.
func (w *worker) receiveFrames() {
	for {
		n, err := w.ps.port.Read(w.bufs, w.sizes, off)
		if n > 0 {
			w.process(n)
		}
		if err != nil {
			if errors.Is(err, iface.ErrClosed) {
				return
			}
			time.Sleep(time.Millisecond) // a transient port error must not spin a core
		}
	}
}

// held is an IP frame that passed the first pass (parse, source checks,
// destination) and waits for its verdict. It holds no pointers (the
// buffer and the destination are indices), so storing one needs no write
// barrier and nothing needs clearing after the batch for the garbage
// collector's sake.
type held struct {
	p           packet.Parsed
	hdr         iface.VirtioNetHdr
	dstZone     uint32 // the destination interface: view.byZone[dstZone]
	buf         int    // the frame's buffer: w.bufs[buf]
	size        int
	segs, bytes uint64
}

// frameOf is held frame h's bytes (from its Ethernet header).
func (w *worker) frameOf(h *held) []byte { return w.bufs[h.buf][off : off+h.size] }

// process handles frames bufs[:n] in two passes. The first parses each
// frame, checks its source, answers ARP/ND, serves link-local traffic and
// finds the destination; frames to forward are held. Then the conntrack
// entries of all held frames are looked up at once, both sides together
// (LookupBatchPair hashes each frame's 5-tuple once for both zones and
// overlaps their cache misses), and the second pass judges and
// enqueues the held frames in arrival order. Finally every destination's
// frames go out with one Write each.
func (w *worker) process(n int) {
	v := w.s.view.Load()
	w.now = w.s.cfg.Clock.Now()
	w.obs = nil
	if box := w.s.observer.Load(); box != nil {
		w.obs = box.o
	}
	if v != w.view {
		w.view = v
		w.src = nil
		if v != nil {
			w.src = v.byID[w.ps.eni.id]
		}
	}
	n = min(n, len(w.held))
	w.nHeld = 0
	w.frames(v, w.src, n)
	if k := w.nHeld; k > 0 {
		t := w.s.flows
		t.LookupBatchPair(w.outPtrs[:k], w.inZones[:k], w.outFlows[:k], w.inFlows[:k])
		for i := 0; i < k; i++ {
			h := &w.held[i]
			w.p = &h.p
			w.forward(v, w.src, h, i)
		}
	}
	w.flush()
}

// flush writes the batch's frames to their ports and adds the batch's
// counters to the interfaces.
func (w *worker) flush() {
	for i := range w.groups {
		g := &w.groups[i]
		if len(g.bufs) > 0 {
			w.write(g.ps, g.bufs, g.frames, g.bytes, true)
		}
		g.bufs = g.bufs[:0]
		g.frames, g.bytes = 0, 0
		g.ps = nil
	}
	w.groups = w.groups[:0]
	if w.nReplies > 0 {
		var bytes uint64
		for _, b := range w.replies[:w.nReplies] {
			bytes += uint64(len(b) - off)
		}
		w.write(w.ps, w.replies[:w.nReplies], uint64(w.nReplies), bytes, false)
		for i := range w.replies[:w.nReplies] {
			w.replies[i] = w.replies[i][:cap(w.replies[i])]
		}
		w.nReplies = 0
	}
	c := &w.ps.eni.ctr
	c.rxFrames.Add(w.rxFrames)
	c.rxBytes.Add(w.rxBytes)
	if w.egressAccepts != 0 {
		c.accepts[Egress].Add(w.egressAccepts)
	}
	if w.arpReplies != 0 {
		c.arpReplies.Add(w.arpReplies)
	}
	if w.ndReplies != 0 {
		c.ndReplies.Add(w.ndReplies)
	}
	if w.superFrames != 0 {
		c.superFrames.Add(w.superFrames)
	}
	w.rxFrames, w.rxBytes, w.egressAccepts, w.arpReplies, w.ndReplies, w.superFrames = 0, 0, 0, 0, 0, 0
}

// write sends bufs to ps under its transmit lock and counts them on its
// interface; judged frames also count as ingress accepts there.
func (w *worker) write(ps *portState, bufs [][]byte, frames, bytes uint64, judged bool) {
	ps.txMu.Lock()
	n, err := ps.port.Write(bufs, off)
	ps.txMu.Unlock()
	c := &ps.eni.ctr
	if err != nil && n < len(bufs) {
		c.drops[Ingress][DropTxError].Add(uint64(len(bufs) - n))
		if n == 0 {
			return
		}
		frames, bytes = frames*uint64(n)/uint64(len(bufs)), bytes*uint64(n)/uint64(len(bufs))
	}
	c.txFrames.Add(frames)
	c.txBytes.Add(bytes)
	if judged {
		c.accepts[Ingress].Add(frames)
	}
}

// enqueue adds one judged frame (buf holds it at off, size bytes) to the
// group of destination port ps. The group of the previous frame is tried
// first, in a path kept small: a batch's frames mostly go where the one
// before went.
func (w *worker) enqueue(ps *portState, buf []byte, size int, segs, bytes uint64) {
	if i := w.lastGroup; i < len(w.groups) {
		if g := &w.groups[i]; g.ps == ps && len(g.bufs) < cap(g.bufs) {
			g.bufs = g.bufs[:len(g.bufs)+1]
			g.bufs[len(g.bufs)-1] = buf[:off+size]
			g.frames += segs
			g.bytes += bytes
			return
		}
	}
	w.enqueueGroup(ps, buf, size, segs, bytes)
}

// enqueueGroup is enqueue for a frame whose group is not the previous
// frame's.
func (w *worker) enqueueGroup(ps *portState, buf []byte, size int, segs, bytes uint64) {
	i := w.groupOf(ps)
	w.lastGroup = i
	g := &w.groups[i]
	g.bufs = append(g.bufs, buf[:off+size])
	g.frames += segs
	g.bytes += bytes
}

// groupOf returns the index of ps's group in this batch, adding it if new.
func (w *worker) groupOf(ps *portState) int {
	for i := range w.groups {
		if w.groups[i].ps == ps {
			return i
		}
	}
	if len(w.groups) < cap(w.groups) {
		w.groups = w.groups[:len(w.groups)+1]
	} else {
		w.groups = append(w.groups, txGroup{bufs: make([][]byte, 0, len(w.bufs))})
	}
	i := len(w.groups) - 1
	w.groups[i].ps = ps
	return i
}

// replyBuf returns a free reply buffer (frame at off), or nil.
func (w *worker) replyBuf() []byte {
	if w.nReplies == len(w.replies) {
		return nil
	}
	return w.replies[w.nReplies]
}

// commitReply queues the n-byte frame built in replyBuf.
func (w *worker) commitReply(n int) {
	b := w.replies[w.nReplies][:off+n]
	if w.ps.gso {
		clear(b[off-iface.VirtioNetHdrLen : off]) // a plain frame: no offload
	}
	w.replies[w.nReplies] = b
	w.nReplies++
}

// queueReply copies a frame from a Service into a reply buffer; frames
// beyond the batch's reply room or the port's MTU are dropped.
func (w *worker) queueReply(frame []byte) {
	b := w.replyBuf()
	if b == nil || len(frame) > len(b)-off {
		w.ps.eni.ctr.drops[Ingress][DropTxError].Add(1)
		return
	}
	w.commitReply(copy(b[off:], frame))
}
