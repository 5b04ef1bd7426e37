package flowtable

// Allow charges one packet of the given size to zone z's per-packet
// allowances, in this order: PPS (both directions share one bucket),
// bandwidth in or out (by d), and, when linkLocal is set (traffic to the
// DNS resolver, metadata or time sync), the link-local PPS bucket. It
// returns the first limit exceeded, counts it under its ENA name, and
// returns LimitNone if the packet conforms. A packet dropped for one limit
// has already been charged to the buckets checked before it. No lock, no
// allocation: each bucket is one CAS.
func (t *Table) Allow(z uint32, d Direction, bytes uint32, linkLocal bool, now int64) Limit {
	zs := t.zone(z)
	if zs == nil {
		return LimitNone
	}
	cfg := zs.cfg.Load()
	if !zs.pps.take(cfg.pps, now, 1) {
		zs.ppsExceeded.Add(1)
		return LimitPPS
	}
	if d == Ingress {
		if !zs.bwIn.take(cfg.bwIn, now, uint64(bytes)) {
			zs.bwInExceeded.Add(1)
			return LimitBandwidthIn
		}
	} else if !zs.bwOut.take(cfg.bwOut, now, uint64(bytes)) {
		zs.bwOutExceeded.Add(1)
		return LimitBandwidthOut
	}
	if linkLocal && !zs.link.take(cfg.link, now, 1) {
		zs.linkExceeded.Add(1)
		return LimitLinkLocal
	}
	return LimitNone
}

// ZoneStats returns zone z's counters.
func (t *Table) ZoneStats(z uint32) ZoneStats {
	zs := t.zone(z)
	if zs == nil {
		return ZoneStats{}
	}
	tracked := uint64(max(zs.tracked.Load(), 0))
	avail := uint64(len(t.slab)) - uint64(max(t.count.Load(), 0))
	if m := zs.cfg.Load().allow.ConntrackMax; m != 0 {
		avail = 0
		if m > tracked {
			avail = m - tracked
		}
	}
	return ZoneStats{
		Entries:                     uint64(max(zs.entries.Load(), 0)),
		Tracked:                     tracked,
		Reserved:                    uint64(t.reservation(z)),
		UntrackedFull:               zs.untrackedFull.Load(),
		ConntrackAllowanceAvailable: avail,
		ConntrackAllowanceExceeded:  zs.conntrackExceeded.Load(),
		NewConnectionsThrottled:     zs.newConnThrottled.Load(),
		PPSAllowanceExceeded:        zs.ppsExceeded.Load(),
		BWInAllowanceExceeded:       zs.bwInExceeded.Load(),
		BWOutAllowanceExceeded:      zs.bwOutExceeded.Load(),
		LinklocalAllowanceExceeded:  zs.linkExceeded.Load(),
	}
}
