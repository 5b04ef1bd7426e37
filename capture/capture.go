// Package capture records the frames seen at an interface, before and after
// the security-group verdict, as a pcapng file that tcpdump and Wireshark
// read.
//
// Design: a Session is bounded by a frame count and a duration and stops by
// itself at whichever comes first. The switch offers frames to it from the
// packet path through Offer, which never blocks: the frame is copied into a
// buffer from a fixed pool and queued; when the pool or queue is empty the
// frame is counted as lost instead. A single writer goroutine drains the
// queue into pcapgo's NgWriter.
//
// The verdict is marked on every packet by the pcapng interface it is
// written on: each interface of a capture is named "<eni>:<stage>", where
// stage is "rx" (as received, before the verdict), "tx" (delivered out of
// the interface's port), "accept" (passed the security groups) or
// "drop:<reason>" (dropped, with the switch's drop reason). In Wireshark,
// frame.interface_name shows it; gopacket's NgReader reports it as
// CaptureInfo.InterfaceIndex.
//
// Thread-safety: Offer may be called from any number of goroutines.
package capture

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

// Stage names a point in the pipeline where a frame was seen.
const (
	StageRx     = "rx"
	StageTx     = "tx"
	StageAccept = "accept"
	StageDrop   = "drop"
)

// Options bound a Session.
type Options struct {
	ENI      string        // interface to capture; frames of others are ignored
	Count    int           // stop after this many frames (0 = 1000)
	Duration time.Duration // stop after this long (0 = 10 s)
	Snaplen  int           // bytes kept per frame (0 = 65535+14)
}

// Session is one running capture.
type Session struct {
	opts    Options
	queue   chan *frame
	pool    chan *frame
	stopped atomic.Bool
	taken   atomic.Int64
	lost    atomic.Int64
	done    chan struct{}
	err     error
	ifaces  map[string]int
	written int
}

type frame struct {
	ts    time.Time
	stage string
	data  []byte
	orig  int
}

const poolSize = 256

// Start begins a capture written to w; it ends when ctx is done, the count
// or duration is reached, or Stop is called. Wait returns its result.
func Start(ctx context.Context, w io.Writer, opts Options) (*Session, error) {
	if opts.Count <= 0 {
		opts.Count = 1000
	}
	if opts.Duration <= 0 {
		opts.Duration = 10 * time.Second
	}
	if opts.Snaplen <= 0 {
		opts.Snaplen = 65535 + 14
	}
	ng, err := pcapgo.NewNgWriterInterface(w, pcapgo.NgInterface{
		Name: opts.ENI + ":" + StageRx, LinkType: layers.LinkTypeEthernet, SnapLength: uint32(opts.Snaplen),
	}, pcapgo.DefaultNgWriterOptions)
	if err != nil {
		return nil, fmt.Errorf("capture: %w", err)
	}
	s := &Session{
		opts: opts, queue: make(chan *frame, poolSize), pool: make(chan *frame, poolSize),
		done: make(chan struct{}), ifaces: map[string]int{StageRx: 0},
	}
	for i := 0; i < poolSize; i++ {
		s.pool <- &frame{data: make([]byte, 0, 2048)}
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Duration)
	go func() {
		defer cancel()
		s.writeLoop(ctx, ng)
	}()
	return s, nil
}

// Offer hands the session one frame seen at eni in the given stage; a
// non-empty reason (why it was dropped) is appended to the stage name. It copies what it keeps and never blocks.
func (s *Session) Offer(eni, stage, reason string, data []byte) {
	if s.stopped.Load() || eni != s.opts.ENI {
		return
	}
	if s.taken.Add(1) > int64(s.opts.Count) {
		return
	}
	var f *frame
	select {
	case f = <-s.pool:
	default:
		s.lost.Add(1)
		return
	}
	f.ts = time.Now()
	f.stage = stage
	if reason != "" {
		f.stage = stage + ":" + reason
	}
	f.orig = len(data)
	if len(data) > s.opts.Snaplen {
		data = data[:s.opts.Snaplen]
	}
	f.data = append(f.data[:0], data...)
	select {
	case s.queue <- f:
	default:
		s.lost.Add(1)
		s.pool <- f
	}
}

// Stop ends the capture early.
func (s *Session) Stop() { s.stopped.Store(true) }

// Wait blocks until the capture ended and the file is flushed; it returns
// the frames written and those lost for lack of buffers.
func (s *Session) Wait() (written int, lost int64, err error) {
	<-s.done
	return s.written, s.lost.Load(), s.err
}

// Done is closed when the capture has ended.
func (s *Session) Done() <-chan struct{} { return s.done }

func (s *Session) writeLoop(ctx context.Context, ng *pcapgo.NgWriter) {
	defer close(s.done)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case f := <-s.queue:
			s.write(ng, f)
		case <-ctx.Done():
			s.finish(ng)
			return
		case <-tick.C:
			if s.stopped.Load() || (s.taken.Load() >= int64(s.opts.Count) && len(s.queue) == 0) {
				s.finish(ng)
				return
			}
		}
	}
}

func (s *Session) finish(ng *pcapgo.NgWriter) {
	s.stopped.Store(true)
	for {
		select {
		case f := <-s.queue:
			s.write(ng, f)
		default:
			if err := ng.Flush(); err != nil && s.err == nil {
				s.err = err
			}
			return
		}
	}
}

func (s *Session) write(ng *pcapgo.NgWriter, f *frame) {
	defer func() { s.pool <- f }()
	if s.err != nil || s.written >= s.opts.Count {
		return
	}
	idx, ok := s.ifaces[f.stage]
	if !ok {
		id, err := ng.AddInterface(pcapgo.NgInterface{
			Name: s.opts.ENI + ":" + f.stage, LinkType: layers.LinkTypeEthernet, SnapLength: uint32(s.opts.Snaplen),
		})
		if err != nil {
			s.err = err
			return
		}
		s.ifaces[f.stage], idx = id, id
	}
	ci := gopacket.CaptureInfo{Timestamp: f.ts, CaptureLength: len(f.data), Length: f.orig, InterfaceIndex: idx}
	if err := ng.WritePacket(ci, f.data); err != nil {
		s.err = err
		return
	}
	s.written++
}

// Registry holds the running sessions so the switch's hook can reach them
// with one lock-free load when none runs.
type Registry struct {
	mu       sync.Mutex
	sessions []*Session
	active   atomic.Pointer[[]*Session]
}

// Add registers s until it is done.
func (r *Registry) Add(s *Session) {
	r.mu.Lock()
	r.sessions = append(r.sessions, s)
	r.publish()
	r.mu.Unlock()
	go func() {
		<-s.done
		r.mu.Lock()
		for i, x := range r.sessions {
			if x == s {
				r.sessions = append(r.sessions[:i:i], r.sessions[i+1:]...)
				break
			}
		}
		r.publish()
		r.mu.Unlock()
	}()
}

func (r *Registry) publish() {
	if len(r.sessions) == 0 {
		r.active.Store(nil)
		return
	}
	cp := append([]*Session(nil), r.sessions...)
	r.active.Store(&cp)
}

// Active reports whether any session runs (one atomic load).
func (r *Registry) Active() bool { return r.active.Load() != nil }

// Offer passes a frame to every running session.
func (r *Registry) Offer(eni, stage, reason string, data []byte) {
	p := r.active.Load()
	if p == nil {
		return
	}
	for _, s := range *p {
		s.Offer(eni, stage, reason, data)
	}
}
