package perf

import (
	"sgswitch/nftexport"
)

// DefaultOptions returns the suite every `sgswitch bench` runs: the kernel
// baseline first, then every other path this machine can run, and the rule
// scaling at 10, 1,000 and 10,000 rules. Paths that cannot run here are
// listed in Unavailable with the reason.
func DefaultOptions(quick bool) Options {
	opt := Options{
		Quick:        quick,
		Paths:        []Path{KernelPath{}},
		ScalingPaths: []Path{KernelPath{}, KernelPath{Form: nftexport.FormLinear}},
		RuleCounts:   []int{10, 1000, 10000},
		InMemory:     InMemory,
	}
	for _, ep := range extraPaths {
		p, scaling, reason := ep()
		if p == nil {
			opt.Unavailable = append(opt.Unavailable, NotMeasured{Section: "e2e", Path: reason.Path, Reason: reason.Reason})
			continue
		}
		opt.Paths = append(opt.Paths, p)
		if scaling {
			opt.ScalingPaths = append(opt.ScalingPaths, p)
		}
	}
	return opt
}

// extraPaths are the non-kernel paths; each says whether it can run here
// (nil path + reason when not) and whether it joins the rule scaling.
var extraPaths []func() (p Path, scaling bool, reason NotMeasured)
