package perf

import (
	"context"
	"fmt"

	"sgswitch/netns"
)

// endToEnd measures every path on the same security groups, interleaving
// paths within each repetition (A B A B) and quoting medians.
func (r *Results) endToEnd(ctx context.Context, s *netns.Scope, paths []Path, d durations, progress func(string, ...any)) {
	const section = "e2e"
	g, err := BenchGroups(10)
	if err != nil {
		r.NotMeasured = append(r.NotMeasured, NotMeasured{Section: section, Reason: "building the bench groups: " + err.Error()})
		return
	}
	if pps, err := GeneratorPPS(s, d.udp); err != nil {
		r.NotMeasured = append(r.NotMeasured, NotMeasured{Section: section, Path: "generator", Metric: MGeneratorPPS, Reason: err.Error()})
	} else {
		progress("e2e: the 64-byte UDP generator alone (into a veth whose peer drops it): %.0f pps", pps)
		r.Figures = append(r.Figures, Figure{Section: section, Path: "generator", Metric: MGeneratorPPS, Unit: "pps", Value: pps,
			Note: "AF_PACKET sendmmsg into a veth whose peer drops it: the generator's own ceiling on one thread"})
	}
	live := r.setupPaths(ctx, s, paths, g, section, E2EMetrics, 0, progress)
	notes := map[string]string{}
	for rep := 0; rep < d.reps && ctx.Err() == nil; rep++ {
		for _, streams := range []int{1, 4} {
			metric := MTCP1
			if streams == 4 {
				metric = MTCP4
			}
			r.measure(ctx, live, section, metric, 0, func(p *livePath) error {
				return measureTCP(ctx, p, streams, d, metric, progress)
			}, progress)
		}
		r.measure(ctx, live, section, MUDPPPS, 0, func(p *livePath) error {
			return measureUDP(p, d, progress)
		}, progress)
		r.measure(ctx, live, section, MConnRate, 0, func(p *livePath) error {
			c, err := RunConnRate(p.topo, d.connWorkers, d.conn)
			if err != nil {
				return err
			}
			p.samples[MConnRate] = append(p.samples[MConnRate], c.PerSecond)
			progress("e2e: %-16s %8.0f conn/s (%d errors)", p.name, c.PerSecond, c.Errors)
			return nil
		}, progress)
		r.measure(ctx, live, section, MLatP50, 0, func(p *livePath) error {
			l, err := RunLatency(p.topo, d.latMax, d.lat)
			if err != nil {
				return err
			}
			p.samples[MLatP50] = append(p.samples[MLatP50], l.P50us)
			p.samples[MLatP99] = append(p.samples[MLatP99], l.P99us)
			progress("e2e: %-16s rtt p50 %.1f µs p99 %.1f µs (%d samples)", p.name, l.P50us, l.P99us, l.Samples)
			return nil
		}, progress)
	}
	for _, p := range live {
		if len(p.topo.SwitchPIDs) == 0 {
			notes[p.name+"/"+MSwitchCPUGB] = "no switch process: the kernel path runs in the endpoints' softirq; see path CPU"
			notes[p.name+"/"+MSwitchCPUMF] = notes[p.name+"/"+MSwitchCPUGB]
			r.NotMeasured = append(r.NotMeasured,
				NotMeasured{Section: section, Path: p.name, Metric: MSwitchCPUGB, Reason: notes[p.name+"/"+MSwitchCPUGB]},
				NotMeasured{Section: section, Path: p.name, Metric: MSwitchCPUMF, Reason: notes[p.name+"/"+MSwitchCPUGB]})
		}
	}
	notes["*/"+MPathCPUGB] = "iperf3 client + server + switch process, single stream"
	r.collect(live, section, 0, E2EMetrics, notes)
}

// measureTCP runs iperf3 and, for one stream, charges CPU per GB.
func measureTCP(ctx context.Context, p *livePath, streams int, d durations, metric string, progress func(string, ...any)) error {
	sw0 := cpuOf(p.topo.SwitchPIDs)
	srv0 := cpuOf([]int{p.servers.Iperf.Process.Pid})
	res, err := RunIperf(ctx, p.topo, streams, d.tcp)
	if err != nil {
		return err
	}
	sw := cpuOf(p.topo.SwitchPIDs) - sw0
	srv := cpuOf([]int{p.servers.Iperf.Process.Pid}) - srv0
	p.samples[metric] = append(p.samples[metric], res.Gbps)
	gb := res.Bytes / 1e9
	if streams == 1 && gb > 0 {
		if len(p.topo.SwitchPIDs) > 0 {
			p.samples[MSwitchCPUGB] = append(p.samples[MSwitchCPUGB], sw/gb)
		}
		p.samples[MPathCPUGB] = append(p.samples[MPathCPUGB], (sw+srv+res.ClientCPU)/gb)
	}
	progress("e2e: %-16s tcp %d stream(s) %6.2f Gb/s", p.name, streams, res.Gbps)
	return nil
}

// measureUDP offers 64-byte frames and charges CPU per million delivered.
func measureUDP(p *livePath, d durations, progress func(string, ...any)) error {
	sw0 := cpuOf(p.topo.SwitchPIDs)
	u, err := RunUDP(p.topo, d.udp)
	if err != nil {
		return err
	}
	if u.Delivered == 0 {
		return fmt.Errorf("no 64-byte UDP frame arrived (offered %.0f pps)", u.OfferedPPS)
	}
	sw := cpuOf(p.topo.SwitchPIDs) - sw0
	mf := float64(u.Delivered) / 1e6
	p.samples[MUDPPPS] = append(p.samples[MUDPPPS], u.DeliveredPPS)
	p.samples[MUDPOffered] = append(p.samples[MUDPOffered], u.OfferedPPS)
	if len(p.topo.SwitchPIDs) > 0 {
		p.samples[MSwitchCPUMF] = append(p.samples[MSwitchCPUMF], sw/mf)
	}
	p.samples[MPathCPUMF] = append(p.samples[MPathCPUMF], (sw+u.SenderCPU)/mf)
	progress("e2e: %-16s udp64 offered %8.0f pps, delivered %8.0f pps", p.name, u.OfferedPPS, u.DeliveredPPS)
	return nil
}

// scaling measures TCP throughput and new-connection rate against rule
// count for each scaling path, one rule count at a time (its namespaces
// are removed before the next).
func (r *Results) scaling(ctx context.Context, s *netns.Scope, opt Options, d durations, progress func(string, ...any)) {
	const section = "scaling"
	for _, n := range opt.RuleCounts {
		if ctx.Err() != nil {
			return
		}
		sub := s.Sub(fmt.Sprintf("s%d-", n))
		g, err := BenchGroups(n)
		if err != nil {
			r.NotMeasured = append(r.NotMeasured, NotMeasured{Section: section, Reason: fmt.Sprintf("building the bench groups (%d rules): %v", n, err)})
			continue
		}
		live := r.setupPaths(ctx, sub, opt.ScalingPaths, g, section, ScalingMetrics, n, progress)
		for rep := 0; rep < d.reps && ctx.Err() == nil; rep++ {
			r.measure(ctx, live, section, MTCP1, n, func(p *livePath) error {
				res, err := RunIperf(ctx, p.topo, 1, d.tcp)
				if err != nil {
					return err
				}
				p.samples[MTCP1] = append(p.samples[MTCP1], res.Gbps)
				progress("scaling: %-16s %5d rules: tcp %6.2f Gb/s", p.name, n, res.Gbps)
				return nil
			}, progress)
			r.measure(ctx, live, section, MConnRate, n, func(p *livePath) error {
				c, err := RunConnRate(p.topo, d.connWorkers, d.conn)
				if err != nil {
					return err
				}
				p.samples[MConnRate] = append(p.samples[MConnRate], c.PerSecond)
				progress("scaling: %-16s %5d rules: %8.0f conn/s", p.name, n, c.PerSecond)
				return nil
			}, progress)
		}
		r.collect(live, section, n, ScalingMetrics, nil)
		if err := sub.Close(); err != nil {
			progress("scaling: %d rules: cleanup: %v", n, err)
		}
	}
}
