package imds

import (
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"sgswitch/vpcsvc"
)

// DefaultRouterMAC is the source MAC of the frames the server sends.
var DefaultRouterMAC = [6]byte{0x02, 0x5e, 0x5e, 0x00, 0x00, 0x01}

// Config configures a Server.
type Config struct {
	// Directory is the account's live view; required.
	Directory vpcsvc.Directory
	// Send sends a frame to the instance behind interface eniID; required.
	// The server does not touch frame after Send returns.
	Send func(eniID string, frame []byte) error
	// RouterMAC is the source MAC of sent frames (DefaultRouterMAC when
	// zero).
	RouterMAC [6]byte
	// Now is the clock for tokens and stack idleness (time.Now when nil).
	Now func() time.Time
	// Logger gets debug lines from the HTTP servers (discarded when nil).
	Logger *slog.Logger
	// Limits bound what the guests can make the server hold; zero fields
	// take the defaults of DefaultLimits.
	Limits Limits
}

// Limits bound the server's resources. Everything beyond them is a
// counted drop (Stats).
type Limits struct {
	MaxStacks      int           // interfaces with a netstack at once
	MaxConns       int           // open connections per interface
	MaxHeaderBytes int           // request line and headers
	HeaderTimeout  time.Duration // to read a request
	WriteTimeout   time.Duration // to write a response
	IdleTimeout    time.Duration // a kept-alive connection between requests
	StackIdle      time.Duration // a netstack with no frame in this long is reaped
	MTU            int           // of the link between stack and instance
}

// DefaultLimits are the limits a zero field takes.
var DefaultLimits = Limits{
	MaxStacks:      256,
	MaxConns:       16,
	MaxHeaderBytes: 8 << 10,
	HeaderTimeout:  5 * time.Second,
	WriteTimeout:   10 * time.Second,
	IdleTimeout:    30 * time.Second,
	StackIdle:      5 * time.Minute,
	MTU:            1500,
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	pick := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	pickDur := func(v *time.Duration, def time.Duration) {
		if *v <= 0 {
			*v = def
		}
	}
	pick(&l.MaxStacks, d.MaxStacks)
	pick(&l.MaxConns, d.MaxConns)
	pick(&l.MaxHeaderBytes, d.MaxHeaderBytes)
	pick(&l.MTU, d.MTU)
	pickDur(&l.HeaderTimeout, d.HeaderTimeout)
	pickDur(&l.WriteTimeout, d.WriteTimeout)
	pickDur(&l.IdleTimeout, d.IdleTimeout)
	pickDur(&l.StackIdle, d.StackIdle)
	return l
}

// Stats are the server's counters since New.
type Stats struct {
	FramesIn       uint64 // frames given to HandleFrame
	FramesOut      uint64 // frames passed to Send
	SendErrors     uint64 // Send returned an error
	Stacks         int    // netstacks now
	StacksCreated  uint64
	StacksReaped   uint64 // removed after StackIdle without frames
	DropNotIMDS    uint64 // not TCP to port 80 of a metadata address
	DropNoInstance uint64 // interface unknown or not attached to an instance
	DropIPv6Off    uint64 // to [fd00:ec2::254] without HttpProtocolIpv6
	DropStackLimit uint64 // a new interface beyond MaxStacks
	DropClosed     uint64 // after Close
	DropStackError uint64 // a netstack could not be built (logged)
	ConnsRefused   uint64 // connections beyond MaxConns (reset)
}

type counters struct {
	framesIn, framesOut, sendErrors            atomic.Uint64
	stacksCreated, stacksReaped                atomic.Uint64
	dropNotIMDS, dropNoInstance, dropIPv6Off   atomic.Uint64
	dropStackLimit, dropClosed, dropStackError atomic.Uint64
	connsRefused                               atomic.Uint64
}

// Server serves instance metadata to the instances behind the switch's
// interfaces. See the package comment.
type Server struct {
	cfg     Config
	lim     Limits
	log     *slog.Logger
	handler *Handler
	stats   counters

	mu     sync.Mutex
	stacks map[string]*netstack
	closed bool

	stop   chan struct{}
	reaper sync.WaitGroup
}

// New returns a running Server; Close stops it. It panics without
// Config.Directory or Config.Send, a programming error.
func New(cfg Config) *Server {
	if cfg.Directory == nil || cfg.Send == nil {
		panic("imds: Config.Directory and Config.Send are required")
	}
	if cfg.RouterMAC == ([6]byte{}) {
		cfg.RouterMAC = DefaultRouterMAC
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		cfg:     cfg,
		lim:     cfg.Limits.withDefaults(),
		log:     log,
		handler: NewHandler(cfg.Directory, cfg.Now),
		stacks:  make(map[string]*netstack),
		stop:    make(chan struct{}),
	}
	s.reaper.Go(s.reapLoop)
	return s
}

// HandleFrame takes one Ethernet frame that interface eniID sent to a
// metadata address. It does not block on the network and does not retain
// frame; replies go out later through Config.Send.
func (s *Server) HandleFrame(eniID string, frame []byte) {
	s.stats.framesIn.Add(1)
	proto, packet, v6, ok := classify(frame)
	if !ok {
		s.stats.dropNotIMDS.Add(1)
		return
	}
	ifc, inst, ok := s.instanceOf(eniID)
	if !ok {
		s.stats.dropNoInstance.Add(1)
		return
	}
	if v6 && !inst.Metadata.HttpProtocolIpv6 {
		s.stats.dropIPv6Off.Add(1)
		return
	}
	ns := s.stackFor(eniID, ifc.MAC)
	if ns == nil {
		return
	}
	ns.lastSeen.Store(s.cfg.Now().UnixNano())
	ns.inject(proto, packet)
}

func (s *Server) instanceOf(eniID string) (vpcsvc.Interface, vpcsvc.Instance, bool) {
	ifc, ok := s.cfg.Directory.Interface(eniID)
	if !ok || ifc.InstanceID == "" {
		return vpcsvc.Interface{}, vpcsvc.Instance{}, false
	}
	inst, ok := s.cfg.Directory.Instance(ifc.InstanceID)
	return ifc, inst, ok
}

// stackFor returns the interface's netstack, creating it on its first
// frame; nil (counted) when closed or at MaxStacks. Creation happens
// under the lock: it only allocates and starts goroutines.
func (s *Server) stackFor(eniID string, mac net.HardwareAddr) *netstack {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		s.stats.dropClosed.Add(1)
		return nil
	}
	if ns := s.stacks[eniID]; ns != nil {
		return ns
	}
	if len(s.stacks) >= s.lim.MaxStacks {
		s.stats.dropStackLimit.Add(1)
		return nil
	}
	ns, err := s.newNetstack(eniID, mac)
	if err != nil {
		s.log.Error("imds: cannot start a netstack", "eni", eniID, "err", err)
		s.stats.dropStackError.Add(1)
		return nil
	}
	s.stacks[eniID] = ns
	s.stats.stacksCreated.Add(1)
	return ns
}

// Stats returns the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	n := len(s.stacks)
	s.mu.Unlock()
	c := &s.stats
	return Stats{
		FramesIn: c.framesIn.Load(), FramesOut: c.framesOut.Load(), SendErrors: c.sendErrors.Load(),
		Stacks: n, StacksCreated: c.stacksCreated.Load(), StacksReaped: c.stacksReaped.Load(),
		DropNotIMDS: c.dropNotIMDS.Load(), DropNoInstance: c.dropNoInstance.Load(),
		DropIPv6Off: c.dropIPv6Off.Load(), DropStackLimit: c.dropStackLimit.Load(),
		DropClosed: c.dropClosed.Load(), DropStackError: c.dropStackError.Load(),
		ConnsRefused: c.connsRefused.Load(),
	}
}

// Close stops every netstack and the reaper and waits for their
// goroutines. Frames after Close are dropped.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	stacks := s.stacks
	s.stacks = map[string]*netstack{}
	s.mu.Unlock()
	close(s.stop)
	s.reaper.Wait()
	for _, ns := range stacks {
		ns.close()
	}
	return nil
}

// reapLoop reaps idle stacks every quarter of StackIdle.
func (s *Server) reapLoop() {
	t := time.NewTicker(max(s.lim.StackIdle/4, time.Second))
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.reap()
		}
	}
}

// reap closes the netstacks that have had no frame for StackIdle.
func (s *Server) reap() {
	cutoff := s.cfg.Now().Add(-s.lim.StackIdle).UnixNano()
	var idle []*netstack
	s.mu.Lock()
	for id, ns := range s.stacks {
		if ns.lastSeen.Load() < cutoff {
			idle = append(idle, ns)
			delete(s.stacks, id)
		}
	}
	s.mu.Unlock()
	for _, ns := range idle {
		ns.close()
		s.stats.stacksReaped.Add(1)
	}
}
