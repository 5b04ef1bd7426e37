package testbed

import (
	"context"
	"slices"
	"strings"

	"sgswitch/trace"
)

// A denied check is explained by the switch's drop counters: after the
// checks ran (in parallel), each check that observed a timeout is run
// once more on its own, between two readings of the counters, and the
// drop reasons that grew in between say which layer stopped it. Running
// it alone is what makes the difference of the counters belong to it.
// The second run is traffic like the first: an instance whose neighbour
// resolution failed keeps that failure a little longer (Linux answers
// EHOSTUNREACH from a FAILED entry until it is retried).

// Layers a drop is attributed to (Result.DroppedBy); trace names a
// denial's layer with the same values (Result.PredictedBy).
const (
	LayerSecurityGroup = trace.LayerSecurityGroup
	LayerSourceCheck   = trace.LayerSourceCheck
	LayerNetworkACL    = trace.LayerNetworkACL
	LayerRoute         = trace.LayerRoute
	LayerAllowance     = "allowance"
	LayerConntrack     = "conntrack"
)

// layerOf maps a drop reason (the switch's names, as `eni stats` prints
// them without the drop_<direction>_ prefix) to its layer; reasons that
// are not a verdict on the check's packets (broadcasts, neighbour traffic,
// services) map to "".
func layerOf(reason string) string {
	switch {
	case strings.HasPrefix(reason, "sg-"), strings.HasPrefix(reason, "frag-denied"):
		return LayerSecurityGroup
	case strings.HasPrefix(reason, "nacl-"):
		return LayerNetworkACL
	case reason == "spoofed-src-ip", reason == "spoofed-src-mac", reason == "dest-check":
		return LayerSourceCheck
	case reason == "no-route", reason == "no-destination",
		reason == "ttl-exceeded", reason == "dst-mac-mismatch", reason == "hairpin":
		return LayerRoute
	case strings.HasSuffix(reason, "_allowance_exceeded"), reason == "conntrack_new_connections_throttled":
		return LayerAllowance
	case reason == "conntrack-invalid", reason == "flowtable-full", reason == "untracked-cache-full":
		return LayerConntrack
	}
	return ""
}

// DropCounters reads the switch's drop counters: the sum over every
// interface of each drop reason.
type DropCounters func(ctx context.Context) (map[string]uint64, error)

// explain runs the checks that timed out once more each, alone, and fills
// in DroppedBy and DropReasons from the counters that grew meanwhile. A
// check whose packets no counter took (a host firewall, no listener) is
// left without a layer.
func explain(ctx context.Context, lab *Lab, opt CheckOptions, results []Result) {
	for i := range results {
		r := &results[i]
		if r.Observed != ObservedTimeout || ctx.Err() != nil {
			continue
		}
		before, err := opt.Drops(ctx)
		if err != nil {
			return
		}
		runCheck(ctx, lab, r.Check, opt)
		after, err := opt.Drops(ctx)
		if err != nil {
			return
		}
		r.DropReasons, r.DroppedBy = grown(before, after)
	}
}

// grown lists the reasons with a layer whose counters grew, sorted, and
// the layer of the first (several layers: a packet and its retransmits
// met the same one, so they agree; "several" says when they do not).
func grown(before, after map[string]uint64) (reasons []string, layer string) {
	for reason, n := range after {
		if n > before[reason] && layerOf(reason) != "" {
			reasons = append(reasons, reason)
		}
	}
	slices.Sort(reasons)
	for _, reason := range reasons {
		switch l := layerOf(reason); {
		case layer == "":
			layer = l
		case layer != l:
			return reasons, "several: " + layer + ", " + l
		}
	}
	return reasons, layer
}
