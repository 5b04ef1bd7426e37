package observe

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"sgswitch/capture"
	"sgswitch/flowlog"
	vswitch "sgswitch/switch"
)

// Service is observability for one running switch: metrics, flow logs and
// capture, and the admin-API routes that expose them.
type Service struct {
	Metrics  *Metrics
	FlowLogs *FlowLogs
	Captures capture.Registry
	hooks    *Hooks
	// Resolve maps an --eni argument (eni- id, node name, lab/node) to
	// interface ids; "" means every interface.
	Resolve func(arg string) ([]string, error)
}

// Config of a Service.
type Config struct {
	AccountID     string
	FlowLogDir    string        // "" = flow logs only to followers
	FlowLogWindow time.Duration // 0 = DefaultFlowLogWindow
	FlowLogFields []string      // nil = the default format
	// FlowLogRotation bounds the flow-log files (nil = flowlog.DefaultRotation).
	FlowLogRotation *flowlog.Rotation
	FlowLogOff      bool // no flow logs at all
	// Clock is the wall clock flow logs read (time.Now when nil).
	Clock func() time.Time
}

// NewService observes sw.
func NewService(sw *vswitch.Switch, cfg Config) *Service {
	s := &Service{Metrics: NewMetrics(SwitchSource{sw}), hooks: NewHooks(sw)}
	s.hooks.Set("capture", Captures{&s.Captures})
	if !cfg.FlowLogOff {
		s.FlowLogs = NewFlowLogs(cfg.AccountID, cfg.FlowLogDir, cfg.FlowLogWindow, 0)
		s.FlowLogs.Clock = cfg.Clock
		if cfg.Clock != nil {
			s.FlowLogs.now.Store(cfg.Clock().Unix())
		}
		if s.FlowLogs.Writer != nil && cfg.FlowLogFields != nil {
			s.FlowLogs.Writer.Fields = cfg.FlowLogFields
		}
		if s.FlowLogs.Writer != nil && cfg.FlowLogRotation != nil {
			s.FlowLogs.Writer.Rotation = *cfg.FlowLogRotation
		}
		s.hooks.Set("flowlogs", s.FlowLogs)
	}
	return s
}

// Run closes flow-log windows until ctx ends.
func (s *Service) Run(ctx context.Context) {
	if s.FlowLogs != nil {
		s.FlowLogs.Run(ctx)
	}
}

// Mux is the part of the admin server Service needs.
type Mux interface {
	Handle(pattern string, h http.Handler)
}

// Mount adds GET /v1/flowlog and GET /v1/capture to the admin API.
func (s *Service) Mount(m Mux) {
	m.Handle("GET /v1/flowlog", http.HandlerFunc(s.serveFlowLog))
	m.Handle("GET /v1/capture", http.HandlerFunc(s.serveCapture))
}

func (s *Service) resolve(arg string) (map[string]bool, error) {
	if arg == "" || s.Resolve == nil {
		return nil, nil
	}
	ids, err := s.Resolve(arg)
	if err != nil {
		return nil, err
	}
	set := map[string]bool{}
	for _, id := range ids {
		set[id] = true
	}
	return set, nil
}

// serveFlowLog prints the stored records of the interface(s) and, with
// follow=1, streams new ones as windows close, until the client goes.
func (s *Service) serveFlowLog(w http.ResponseWriter, r *http.Request) {
	if s.FlowLogs == nil {
		http.Error(w, "flow logs are off (sgswitch run --flowlog-off)", http.StatusNotFound)
		return
	}
	only, err := s.resolve(r.URL.Query().Get("eni"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	fields := flowlog.DefaultFields
	if wr := s.FlowLogs.Writer; wr != nil {
		fields = wr.Fields
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintln(w, strings.Join(fields, " "))
	if wr := s.FlowLogs.Writer; wr != nil {
		s.copyStored(w, wr, only)
	}
	if r.URL.Query().Get("follow") != "1" {
		return
	}
	ch, cancel := s.FlowLogs.Hub.Subscribe(4096)
	defer cancel()
	flusher, _ := w.(http.Flusher)
	if flusher != nil {
		flusher.Flush()
	}
	for {
		select {
		case <-r.Context().Done():
			return
		case rec, ok := <-ch:
			if !ok {
				return
			}
			if only != nil && !only[rec.InterfaceID] {
				continue
			}
			if _, err := fmt.Fprintln(w, rec.Format(fields)); err != nil {
				return
			}
			if flusher != nil && len(ch) == 0 {
				flusher.Flush()
			}
		}
	}
}

// copyStored writes the current flow-log files, without their header lines.
// Only regular files are read (a FIFO's open would block the route); they
// are streamed line by line, and the writer rotates them, so what is read
// is bounded.
func (s *Service) copyStored(w http.ResponseWriter, wr *flowlog.Writer, only map[string]bool) {
	entries, err := os.ReadDir(wr.Dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".log")
		if !ok || !e.Type().IsRegular() || (only != nil && !only[name]) {
			continue
		}
		f, err := os.Open(wr.Path(name))
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		first := true
		for sc.Scan() {
			if first {
				first = false
				continue
			}
			fmt.Fprintln(w, sc.Text())
		}
		f.Close()
	}
}

// Bounds of a capture through the admin API (`sgswitch capture`).
const (
	DefaultCaptureCount    = 100
	DefaultCaptureDuration = 10 * time.Second
	MaxCaptureDuration     = 10 * time.Minute
)

// serveCapture streams a pcapng capture of one interface, bounded by
// count (DefaultCaptureCount) and duration (DefaultCaptureDuration, at
// most MaxCaptureDuration).
func (s *Service) serveCapture(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	arg := q.Get("eni")
	if arg == "" {
		http.Error(w, "capture needs an interface (eni=)", http.StatusBadRequest)
		return
	}
	only, err := s.resolve(arg)
	if err != nil || len(only) != 1 {
		http.Error(w, fmt.Sprintf("interface %q: not found", arg), http.StatusNotFound)
		return
	}
	var eni string
	for id := range only {
		eni = id
	}
	count, err := strconv.Atoi(q.Get("count"))
	if err != nil || count <= 0 {
		count = DefaultCaptureCount
	}
	dur, err := time.ParseDuration(q.Get("duration"))
	if err != nil || dur <= 0 {
		dur = DefaultCaptureDuration
	}
	dur = min(dur, MaxCaptureDuration)
	w.Header().Set("Content-Type", "application/vnd.tcpdump.pcapng")
	fw := &flushWriter{w: w}
	fw.f, _ = w.(http.Flusher)
	sess, err := capture.Start(r.Context(), fw, capture.Options{ENI: eni, Count: count, Duration: dur})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	s.Captures.Add(sess)
	sess.Wait()
}

type flushWriter struct {
	w http.ResponseWriter
	f http.Flusher
}

func (f *flushWriter) Write(p []byte) (int, error) {
	n, err := f.w.Write(p)
	if f.f != nil {
		f.f.Flush()
	}
	return n, err
}
