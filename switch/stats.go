package vswitch

import (
	"sync/atomic"

	"sgswitch/flowtable"
)

// Direction indexes per-direction counters, as EC2 names the directions:
// Ingress is toward the instance, Egress from it.
const (
	Ingress = flowtable.Ingress
	Egress  = flowtable.Egress
)

// counters are one interface's live counters. The packet path adds to them
// once per batch (rx, accepts) or once per event (drops), never per field
// per frame, so the cost of the atomics is shared by the batch.
type counters struct {
	rxFrames, rxBytes atomic.Uint64 // from the instance
	txFrames, txBytes atomic.Uint64 // to the instance
	accepts           [2]atomic.Uint64
	rejects           [2]atomic.Uint64
	drops             [2][NumDropReasons]atomic.Uint64
	arpReplies        atomic.Uint64
	ndReplies         atomic.Uint64
	superFrames       atomic.Uint64
	segmented         atomic.Uint64 // super-frames the switch cut for a port without GSO
}

// Stats is a copy of one interface's counters.
type Stats struct {
	ENI string
	// Frames and bytes from the instance (RX at the port) and to it (TX).
	// A GSO super-frame counts as its segments, with their header bytes.
	RxFrames, RxBytes uint64
	TxFrames, TxBytes uint64
	// Security-group verdicts per direction (index Ingress, Egress):
	// Accepts counts frames that passed this interface's side of the
	// pipeline; Rejects those its rules denied.
	Accepts, Rejects [2]uint64
	// Drops counts every dropped frame by direction and reason. A frame is
	// counted on the interface whose side dropped it: egress drops on the
	// sender, ingress drops on the receiver.
	Drops       [2][NumDropReasons]uint64
	ARPReplies  uint64
	NDReplies   uint64
	SuperFrames uint64 // GSO super-frames received
	Segmented   uint64 // super-frames segmented by the switch for a port without GSO
	// Conntrack is the interface's zone in the flow table: entry counts
	// and the ENA allowance counters.
	Conntrack flowtable.ZoneStats
}

// Stat is one named counter.
type Stat struct {
	Name  string
	Value uint64
}

// ENA returns the six ENA allowance metrics with their ethtool -S names, in
// the order ethtool prints them.
func (s *Stats) ENA() []Stat {
	c := &s.Conntrack
	return []Stat{
		{"bw_in_allowance_exceeded", c.BWInAllowanceExceeded},
		{"bw_out_allowance_exceeded", c.BWOutAllowanceExceeded},
		{"pps_allowance_exceeded", c.PPSAllowanceExceeded},
		{"conntrack_allowance_exceeded", c.ConntrackAllowanceExceeded},
		{"linklocal_allowance_exceeded", c.LinklocalAllowanceExceeded},
		{"conntrack_allowance_available", c.ConntrackAllowanceAvailable},
	}
}

// List returns every counter as name/value pairs (the ethtool -S layout):
// traffic, verdicts, nonzero drops as drop_<direction>_<reason>, then ENA.
func (s *Stats) List() []Stat {
	out := []Stat{
		{"rx_frames", s.RxFrames}, {"rx_bytes", s.RxBytes},
		{"tx_frames", s.TxFrames}, {"tx_bytes", s.TxBytes},
		{"ingress_accepts", s.Accepts[Ingress]}, {"ingress_rejects", s.Rejects[Ingress]},
		{"egress_accepts", s.Accepts[Egress]}, {"egress_rejects", s.Rejects[Egress]},
		{"arp_replies", s.ARPReplies}, {"nd_replies", s.NDReplies},
		{"gso_superframes", s.SuperFrames}, {"gso_segmented", s.Segmented},
		{"conntrack_entries", s.Conntrack.Entries}, {"conntrack_tracked", s.Conntrack.Tracked},
		{"conntrack_new_connections_throttled", s.Conntrack.NewConnectionsThrottled},
	}
	for d, name := range [2]string{"ingress", "egress"} {
		for r := DropReason(1); r < NumDropReasons; r++ {
			if v := s.Drops[d][r]; v != 0 {
				out = append(out, Stat{"drop_" + name + "_" + r.String(), v})
			}
		}
	}
	return append(out, s.ENA()...)
}

// Dropped returns the total drops in direction d.
func (s *Stats) Dropped(d flowtable.Direction) uint64 {
	var n uint64
	for _, v := range s.Drops[d] {
		n += v
	}
	return n
}

func (c *counters) snapshot(eni string) Stats {
	st := Stats{
		ENI:      eni,
		RxFrames: c.rxFrames.Load(), RxBytes: c.rxBytes.Load(),
		TxFrames: c.txFrames.Load(), TxBytes: c.txBytes.Load(),
		ARPReplies: c.arpReplies.Load(), NDReplies: c.ndReplies.Load(),
		SuperFrames: c.superFrames.Load(), Segmented: c.segmented.Load(),
	}
	for d := range 2 {
		st.Accepts[d] = c.accepts[d].Load()
		st.Rejects[d] = c.rejects[d].Load()
		for r := range st.Drops[d] {
			st.Drops[d][r] = c.drops[d][r].Load()
		}
	}
	return st
}

// drop counts one dropped frame; SG denials also count as rejects.
func (c *counters) drop(d flowtable.Direction, r DropReason) {
	c.drops[d][r].Add(1)
	if r.IsSecurityGroup() {
		c.rejects[d].Add(1)
	}
}
