package perf

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"sgswitch/netns"
)

// Options configure a bench run.
type Options struct {
	Quick    bool
	Progress io.Writer // progress lines while it runs
	Command  string    // the command line, recorded in the report
	Prefix   string    // namespace prefix (default DefaultPrefix())
	// Owner owns every host object of the run (default DefaultOwner()).
	Owner netns.Owner
	// Paths are compared end to end; the first should be KernelPath{}.
	Paths []Path
	// ScalingPaths are measured at each of RuleCounts.
	ScalingPaths []Path
	RuleCounts   []int
	// InMemory, when set, measures the in-process figures.
	InMemory func(ctx context.Context, quick bool, progress func(string, ...any)) ([]Figure, []NotMeasured)
	// Unavailable lists paths that cannot run here, with the reason.
	Unavailable []NotMeasured
}

// durations of one run of each generator.
type durations struct {
	reps                int
	tcp, udp, conn, lat time.Duration
	connWorkers, latMax int
}

func durationsFor(quick bool) durations {
	if quick {
		return durations{reps: 1, tcp: 2 * time.Second, udp: time.Second, conn: time.Second, lat: time.Second, connWorkers: 8, latMax: 20000}
	}
	return durations{reps: 3, tcp: 5 * time.Second, udp: 3 * time.Second, conn: 3 * time.Second, lat: 3 * time.Second, connWorkers: 8, latMax: 200000}
}

// RunSuite runs the whole bench and returns its results. All namespaces,
// links and processes it made are gone when it returns, including after ctx
// is cancelled (Ctrl-C); failing to remove them is part of the error.
func RunSuite(ctx context.Context, opt Options) (_ *Results, err error) {
	start := time.Now()
	if opt.Prefix == "" {
		opt.Prefix = DefaultPrefix()
	}
	if opt.Owner == "" {
		opt.Owner = DefaultOwner()
	}
	if opt.Progress == nil {
		opt.Progress = io.Discard
	}
	r := &Results{Machine: machineInfo(opt.Command, opt.Quick), NotMeasured: append([]NotMeasured(nil), opt.Unavailable...)}
	progress := func(format string, a ...any) {
		fmt.Fprintf(opt.Progress, "[%5.1fs] "+format+"\n", append([]any{time.Since(start).Seconds()}, a...)...)
	}
	r.Plan = Plan{Prefix: opt.Prefix, Owner: string(opt.Owner), RuleCounts: opt.RuleCounts}
	if opt.InMemory != nil {
		r.Plan.InMemoryMetrics = InMemoryMetrics
	}
	for _, p := range opt.Paths {
		r.Plan.E2EPaths = append(r.Plan.E2EPaths, p.Name())
	}
	for _, p := range opt.ScalingPaths {
		r.Plan.ScalingPaths = append(r.Plan.ScalingPaths, p.Name())
	}
	for _, u := range opt.Unavailable {
		r.Plan.E2EPaths = append(r.Plan.E2EPaths, u.Path)
	}
	scope := netns.NewScope(opt.Owner, opt.Prefix)
	defer func() {
		if cerr := scope.Close(); cerr != nil {
			progress("cleanup: %v", cerr)
			err = errors.Join(err, fmt.Errorf("removing what the bench made: %w", cerr))
		}
	}()

	if opt.InMemory != nil {
		progress("in memory: starting")
		figs, nm := opt.InMemory(ctx, opt.Quick, progress)
		r.Figures = append(r.Figures, figs...)
		r.NotMeasured = append(r.NotMeasured, nm...)
	}
	d := durationsFor(opt.Quick)
	if err := ctx.Err(); err != nil {
		return r, err
	}
	r.endToEnd(ctx, scope.Sub("e"), opt.Paths, d, progress)
	if err := ctx.Err(); err != nil {
		return r, err
	}
	r.scaling(ctx, scope, opt, d, progress)
	r.fillRatios()
	r.Machine.Duration = time.Since(start).Round(time.Second).String()
	return r, ctx.Err()
}

// livePath is a path that was set up, with its samples so far.
type livePath struct {
	name    string
	topo    Topology
	servers *Servers
	samples map[string][]float64
}

// setupPaths builds each path; one that fails is recorded as not measured.
func (r *Results) setupPaths(ctx context.Context, s *netns.Scope, paths []Path, g *Groups, section string, metrics []string, rules int, progress func(string, ...any)) []*livePath {
	var live []*livePath
	for i, p := range paths {
		if ctx.Err() != nil {
			break
		}
		tag := fmt.Sprintf("%d", i)
		topo, err := p.Setup(ctx, s, tag, g)
		var srv *Servers
		if err == nil {
			srv, err = StartServers(ctx, s, topo)
		}
		if err != nil {
			progress("%s: %s: setup failed: %v", section, p.Name(), err)
			for _, m := range metrics {
				r.NotMeasured = append(r.NotMeasured, NotMeasured{Section: section, Path: p.Name(), Metric: m, Reason: fmt.Sprintf("setup failed (%d rules): %v", rules, err)})
			}
			continue
		}
		progress("%s: %s ready (%d rules)", section, p.Name(), rules)
		live = append(live, &livePath{name: p.Name(), topo: topo, servers: srv, samples: map[string][]float64{}})
	}
	return live
}

// measure runs one generator on every live path in turn (interleaved: the
// caller loops over repetitions outside), recording failures.
func (r *Results) measure(ctx context.Context, live []*livePath, section, what string, rules int, run func(*livePath) error, progress func(string, ...any)) {
	for _, p := range live {
		if ctx.Err() != nil {
			return
		}
		if err := run(p); err != nil {
			progress("%s: %s: %s failed: %v", section, p.name, what, err)
			p.samples["error:"+what] = append(p.samples["error:"+what], 0)
			r.NotMeasured = append(r.NotMeasured, NotMeasured{Section: section, Path: p.name, Metric: what, Reason: fmt.Sprintf("%d rules: %v", rules, err)})
		}
	}
}

// collect turns the live paths' samples into figures (medians).
func (r *Results) collect(live []*livePath, section string, rules int, metrics []string, notes map[string]string) {
	for _, p := range live {
		for _, m := range metrics {
			s := p.samples[m]
			if len(s) == 0 {
				continue
			}
			r.Figures = append(r.Figures, Figure{Section: section, Path: p.name, Metric: m, Rules: rules, Unit: units[m],
				Value: median(s), Samples: s, Note: noteFor(notes, p.name, m)})
		}
	}
}

func noteFor(notes map[string]string, path, metric string) string {
	if n, ok := notes[path+"/"+metric]; ok {
		return n
	}
	return notes["*/"+metric]
}
