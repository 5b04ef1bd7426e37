package observe

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"sgswitch/capture"
	"sgswitch/flowlog"
	vswitch "sgswitch/switch"
)

// Tee passes every event to each of its observers in order.
type Tee []vswitch.Observer

// Observe implements vswitch.Observer.
func (t Tee) Observe(ev *vswitch.Event) {
	for _, o := range t {
		o.Observe(ev)
	}
}

// Hooks keeps the set of consumers of the switch's observer hook and
// installs a fresh Tee of them (or none) whenever the set changes.
type Hooks struct {
	mu  sync.Mutex
	sw  *vswitch.Switch
	obs map[string]vswitch.Observer
}

// NewHooks manages sw's observer.
func NewHooks(sw *vswitch.Switch) *Hooks { return &Hooks{sw: sw, obs: map[string]vswitch.Observer{}} }

// Set installs o under name; a nil o removes it.
func (h *Hooks) Set(name string, o vswitch.Observer) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if o == nil {
		delete(h.obs, name)
	} else {
		h.obs[name] = o
	}
	var tee Tee
	for _, k := range sortedKeys(h.obs) {
		tee = append(tee, h.obs[k])
	}
	if len(tee) == 0 {
		h.sw.SetObserver(nil)
		return
	}
	h.sw.SetObserver(tee)
}

func sortedKeys(m map[string]vswitch.Observer) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

// FlowLogs turns the switch's events into flow-log records: ACCEPT for
// frames that passed an interface's side, REJECT for frames its security
// groups denied. Frames dropped for other reasons (malformed, spoofed,
// allowances) are not flow-logged, as in EC2, where they never reach the
// security groups; they are counted in the metrics.
type FlowLogs struct {
	Agg    *flowlog.Aggregator
	Writer *flowlog.Writer // nil: records only go to followers
	Hub    flowlog.Hub
	Window time.Duration
	Log    *slog.Logger
	// Clock is the wall clock windows and timestamps read (time.Now when
	// nil; a virtual clock's Wall under `sgswitch run --clock virtual`).
	Clock func() time.Time

	now atomic.Int64 // unix seconds, refreshed by Run once a second
}

func (f *FlowLogs) wall() time.Time {
	if f.Clock != nil {
		return f.Clock()
	}
	return time.Now()
}

// DefaultFlowLogWindow is the flow-log aggregation interval: the shorter
// of EC2's two max-aggregation-interval choices (60 s and 600 s), so a lab
// shows its records soon.
const DefaultFlowLogWindow = 60 * time.Second

// NewFlowLogs aggregates over window (DefaultFlowLogWindow when zero) into
// files under dir (none when dir is empty).
func NewFlowLogs(accountID, dir string, window time.Duration, maxRecords int) *FlowLogs {
	if window <= 0 {
		window = DefaultFlowLogWindow
	}
	now := time.Now().Unix()
	f := &FlowLogs{
		Agg:    flowlog.NewAggregator(flowlog.Config{AccountID: accountID, MaxRecordsPerWindow: maxRecords}, now),
		Window: window,
		Log:    slog.Default(),
	}
	if dir != "" {
		f.Writer = flowlog.NewWriter(dir)
	}
	f.now.Store(now)
	return f
}

// Observe implements vswitch.Observer.
func (f *FlowLogs) Observe(ev *vswitch.Event) {
	var action flowlog.Action
	switch ev.Action {
	case vswitch.Accept:
		action = flowlog.Accept
	case vswitch.Reject:
		action = flowlog.Reject
	default:
		return
	}
	if ev.Family == 0 {
		return
	}
	dir := flowlog.Ingress
	if ev.Direction == vswitch.Egress {
		dir = flowlog.Egress
	}
	k := flowlog.Key{
		Src: ev.SrcAddr(), Dst: ev.DstAddr(), SrcPort: ev.SrcPort, DstPort: ev.DstPort,
		Protocol: ev.Proto, HasPorts: ev.HasPorts, Action: action, Direction: dir,
	}
	// Flow logs count IP bytes, as EC2 does; events count Ethernet frames.
	bytes := uint64(ev.Bytes)
	if eth := uint64(ev.Packets) * ethHeaderLen; bytes >= eth {
		bytes -= eth
	}
	f.Agg.Observe(ev.ENI, k, uint64(ev.Packets), bytes, ev.TCPFlags, f.now.Load())
}

// Flush closes the current window at end and hands its records to the
// writer and the followers.
func (f *FlowLogs) Flush(end int64) []flowlog.Record {
	recs := f.Agg.Flush(end)
	if f.Writer != nil {
		if err := f.Writer.Write(recs); err != nil {
			f.Log.Warn("flow logs: write failed", "err", err)
		}
	}
	f.Hub.Publish(recs)
	return recs
}

const ethHeaderLen = 14

// Run refreshes the clock every second and closes a window every Window
// until ctx ends, then flushes what is pending.
func (f *FlowLogs) Run(ctx context.Context) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	next := f.wall().Add(f.Window)
	for {
		select {
		case <-ctx.Done():
			f.Flush(f.wall().Unix())
			return
		case <-tick.C:
			t := f.wall()
			f.now.Store(t.Unix())
			if !t.Before(next) {
				f.Flush(t.Unix())
				for !t.Before(next) { // a virtual clock may jump over several windows: one flush
					next = next.Add(f.Window)
				}
			}
		}
	}
}

// Captures adapts a capture.Registry to the observer hook. Each frame is
// written on the pcapng interface "<eni>:<direction>:<verdict>", with the
// drop reason appended for dropped frames, e.g. "eni-1:ingress:drop:sg-ingress".
type Captures struct{ Registry *capture.Registry }

// Observe implements vswitch.Observer.
func (c Captures) Observe(ev *vswitch.Event) {
	if !c.Registry.Active() {
		return
	}
	dir := "ingress"
	if ev.Direction == vswitch.Egress {
		dir = "egress"
	}
	stage, reason := dir+":"+capture.StageAccept, ""
	if ev.Action != vswitch.Accept {
		stage, reason = dir+":"+capture.StageDrop, ev.Reason.String()
	}
	c.Registry.Offer(ev.ENI, stage, reason, ev.Frame)
}
