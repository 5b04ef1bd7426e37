package daemon

import (
	"github.com/prometheus/client_golang/prometheus"
)

// metrics returns the daemon's own gauges in a registry of their own (the
// default registry carries the Go runtime's and anything observability
// registers; Run serves both).
func (d *Daemon) metrics() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	gauge := func(name, help string, f func() float64) {
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "sgswitch", Name: name, Help: help}, f))
	}
	locked := func(f func() float64) func() float64 {
		return func() float64 {
			d.mu.Lock()
			defer d.mu.Unlock()
			return f()
		}
	}
	gauge("ruleset_generation", "Generation of the ruleset published to the switch.",
		locked(func() float64 { return float64(d.generation) }))
	gauge("labs", "Labs applied.", locked(func() float64 { return float64(len(d.labs)) }))
	gauge("ports_attached", "Lab node ports attached to the switch.", locked(func() float64 {
		n := 0
		for _, a := range d.ports {
			if a.port != nil {
				n++
			}
		}
		return float64(n)
	}))
	gauge("ports_failed", "Lab node ports that could not be attached (see sgswitch lab status).", locked(func() float64 {
		n := 0
		for _, a := range d.ports {
			if a.port == nil {
				n++
			}
		}
		return float64(n)
	}))
	if p, ok := d.dp.(*SwitchDataplane); ok && p.Services() != nil {
		reg.MustRegister(servicesCollector{svc: p.Services(), meta: p.Metadata()})
	}
	return reg
}
