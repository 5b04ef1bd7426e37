package daemon

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"time"

	"sgswitch/account"
	"sgswitch/admin"
	"sgswitch/flowtable"
	"sgswitch/iface"
	"sgswitch/imds"
	"sgswitch/ruleset"
	vswitch "sgswitch/switch"
	"sgswitch/vpcsvc"
)

// SwitchDataplane is the real Dataplane: the account's compilers (which
// keep their caches from one version to the next) feeding a
// vswitch.Switch.
type SwitchDataplane struct {
	// OnPublish, if set before the first Publish, is told how long each
	// compile and publish took (for metrics).
	OnPublish func(compile, publish time.Duration)

	sw       *vswitch.Switch
	dir      *Directory
	services *vpcsvc.Server // nil when the caller's Config brought its own Service
	metadata *imds.Server   // instance metadata, behind services
	compiler *account.Compilers
	gen      uint64 // of the last Publish
	clock    flowtable.Clock
	log      *slog.Logger
}

// NewSwitchDataplane returns a dataplane over a new switch with cfg
// (zero values: the switch's defaults). Without a cfg.Service the switch
// gets the VPC services (vpcsvc) over the dataplane's Directory, which
// every Publish updates, with instance metadata (imds) behind them.
func NewSwitchDataplane(cfg vswitch.Config, log *slog.Logger) *SwitchDataplane {
	if cfg.Clock == nil {
		cfg.Clock = flowtable.SystemClock{}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p := &SwitchDataplane{dir: NewDirectory(), compiler: account.NewCompilers(), clock: cfg.Clock, log: log}
	if cfg.Service == nil {
		// Metadata answers from a userspace TCP stack, off the packet
		// path, so its frames go out through Send (p.sw is set below,
		// before any frame can arrive).
		p.metadata = imds.New(imds.Config{Directory: p.dir, RouterMAC: cfg.RouterMAC, Logger: log,
			Send: func(eni string, frame []byte) error { return p.sw.Send(eni, frame) }})
		p.services = vpcsvc.New(vpcsvc.Config{Directory: p.dir, RouterMAC: cfg.RouterMAC, Logger: log, Metadata: p.metadata})
		cfg.Service = p.services
	}
	p.sw = vswitch.New(cfg)
	return p
}

// Switch is the switch, for observers and metrics to hook into.
func (p *SwitchDataplane) Switch() *vswitch.Switch { return p.sw }

// Directory is the live account as the VPC services (and instance
// metadata) read it.
func (p *SwitchDataplane) Directory() *Directory { return p.dir }

// Services is the switch's VPC services, or nil when NewSwitchDataplane's
// Config named another Service.
func (p *SwitchDataplane) Services() *vpcsvc.Server { return p.services }

// Publish compiles a and publishes it. Interfaces the switch cannot
// configure (beyond its limits) are logged; the rest is live.
func (p *SwitchDataplane) Publish(a *account.Account) uint64 {
	t0 := time.Now()
	c := p.compiler.Compile(a)
	t1 := time.Now()
	p.gen++
	// The services' view first: a frame from an interface this
	// publication adds finds it in the Directory.
	p.dir.Publish(a, c.Topology)
	if err := p.sw.PublishVPCs(c.Topology, c.Groups); err != nil {
		p.log.Warn("publishing", "generation", p.gen, "err", err)
	}
	if p.OnPublish != nil {
		p.OnPublish(t1.Sub(t0), time.Since(t1))
	}
	return p.gen
}

// AddPort implements Dataplane. The port's instance is then told its
// neighbours' addresses (vswitch.Switch.Announce), so that one whose ARP
// requests went nowhere while the port was down (a re-attached TAP after
// a restart) does not wait out its ARP retransmit timer.
func (p *SwitchDataplane) AddPort(eni string, port iface.Port) error {
	if err := p.sw.AddPort(eni, port); err != nil {
		return err
	}
	if _, err := p.sw.Announce(eni); err != nil {
		p.log.Debug("announcing neighbours", "eni", eni, "err", err)
	}
	return nil
}

// RemovePort implements Dataplane.
func (p *SwitchDataplane) RemovePort(eni string) {
	if err := p.sw.RemovePort(eni); err != nil && !errors.Is(err, vswitch.ErrNoSuchPort) {
		p.log.Warn("removing port", "eni", eni, "err", err)
	}
}

// Run implements Dataplane.
func (p *SwitchDataplane) Run(ctx context.Context) error {
	err := p.sw.Run(ctx)
	if p.metadata != nil {
		p.metadata.Close() // its stacks and connections: nothing can reach them now
	}
	return err
}

// Metadata is the instance metadata server, or nil when
// NewSwitchDataplane's Config named another Service.
func (p *SwitchDataplane) Metadata() *imds.Server { return p.metadata }

// Stats implements Dataplane: the switch's counters in its ethtool -S
// order (traffic, verdicts, nonzero drops by reason, the six ENA names).
func (p *SwitchDataplane) Stats(eni string) []admin.Counter {
	st, _ := p.sw.Stats(eni) // unknown: all zero, still every name
	list := st.List()
	out := make([]admin.Counter, len(list))
	for i, s := range list {
		out[i] = admin.Counter{Name: s.Name, Value: s.Value}
	}
	return out
}

// Conntrack implements Dataplane: the entries of the ENI's zone, each
// with the rule that admitted it there (its sgr- id; none for an entry a
// restart restored without one).
func (p *SwitchDataplane) Conntrack(eni string) []admin.ConntrackEntry {
	now := p.clock.Now()
	zones := p.publishedZones()
	var out []admin.ConntrackEntry
	for id, info := range p.sw.Conntrack() {
		if id != eni {
			continue
		}
		e := conntrackEntry(info, eni, now)
		if z, ok := zones[info.Key.Zone()]; ok && info.Rule != 0 {
			if e.Rule = z.snap.RuleID(ruleset.RuleRef(info.Rule)); e.Rule != "" {
				e.Line += " rule=" + e.Rule
			}
		}
		out = append(out, e)
	}
	return out
}

func conntrackEntry(info flowtable.EntryInfo, eni string, now int64) admin.ConntrackEntry {
	src, dst, sport, dport := info.Origin()
	fam := info.Key.Family()
	proto := info.Key.Proto()
	e := admin.ConntrackEntry{
		Line:       flowtable.FormatConntrack(info, eni, now),
		Proto:      protoName(proto),
		TimeoutSec: max(info.Expires()-now, 0) / int64(time.Second),
		Src:        addrOf(fam, src).String(), Dst: addrOf(fam, dst).String(),
		Tracked:     info.Tracked,
		OrigPackets: info.Packets[0], OrigBytes: info.Bytes[0],
		ReplyPackets: info.Packets[1], ReplyBytes: info.Bytes[1],
	}
	if proto == flowtable.ProtoTCP || proto == flowtable.ProtoUDP {
		e.SrcPort, e.DstPort = sport, dport
	}
	if proto == flowtable.ProtoTCP {
		e.State = info.State.String()
	}
	return e
}

func addrOf(fam uint8, a [16]byte) netip.Addr {
	if fam == 4 {
		return netip.AddrFrom4([4]byte(a[:4]))
	}
	return netip.AddrFrom16(a)
}

func protoName(p uint8) string {
	switch p {
	case flowtable.ProtoTCP:
		return "tcp"
	case flowtable.ProtoUDP:
		return "udp"
	case flowtable.ProtoICMP:
		return "icmp"
	case flowtable.ProtoICMPv6:
		return "icmpv6"
	}
	return "unknown"
}
