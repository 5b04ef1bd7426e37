package flowtable

import "sync/atomic"

// LinkLocalPPS is EC2's limit on packets per second to link-local services
// (DNS resolver, instance metadata, time sync) per interface.
const LinkLocalPPS = 1024

// Allowances are one interface's limits (EC2/ENA allowances). Zero means
// unlimited, except LinkLocalPPS where zero means EC2's 1024.
//
// ConntrackMax also bounds the zone's untracked entries (a cache of the
// rules, which EC2 does not count against the allowance) to as many again,
// and a zone with a ConntrackMax reserves both, 2 x ConntrackMax entries
// of the table (ConfigureZone): one interface cannot fill the table that
// the others' allowances are counted in, as in EC2, where each interface
// has its own allowance.
type Allowances struct {
	ConntrackMax            uint64 // tracked entries (conntrack_allowance_*); untracked entries up to as many again
	NewConnectionsPerSecond uint64 // new tracked entries per second (tracking throttle)
	PPS                     uint64 // packets per second, both directions together
	BandwidthInMbps         uint64 // toward the instance
	BandwidthOutMbps        uint64 // from the instance
	LinkLocalPPS            uint64 // packets per second to link-local services
}

// ZoneConfig is one zone's (interface's) configuration.
type ZoneConfig struct {
	Timeouts   Timeouts
	Allowances Allowances
}

// zoneConfig is a ZoneConfig resolved for the packet path; immutable.
type zoneConfig struct {
	timeouts                        [numClasses]int64
	allow                           Allowances
	newConn, pps, bwIn, bwOut, link bucketRate
}

func resolveZoneConfig(c ZoneConfig) *zoneConfig {
	a := c.Allowances
	ll := a.LinkLocalPPS
	if ll == 0 {
		ll = LinkLocalPPS
	}
	return &zoneConfig{
		timeouts: c.Timeouts.table(),
		allow:    a,
		newConn:  newBucketRate(a.NewConnectionsPerSecond),
		pps:      newBucketRate(a.PPS),
		bwIn:     newBucketRate(a.BandwidthInMbps * 125000),
		bwOut:    newBucketRate(a.BandwidthOutMbps * 125000),
		link:     newBucketRate(ll),
	}
}

// zone is the live state of one zone: its configuration, entry counts,
// token buckets and ENA counters. All fields are atomic.
type zone struct {
	cfg       atomic.Pointer[zoneConfig]
	entries   atomic.Int64
	tracked   atomic.Int64
	untracked atomic.Int64

	newConn, pps, bwIn, bwOut, link bucket

	conntrackExceeded atomic.Uint64
	newConnThrottled  atomic.Uint64
	ppsExceeded       atomic.Uint64
	bwInExceeded      atomic.Uint64
	bwOutExceeded     atomic.Uint64
	linkExceeded      atomic.Uint64
	untrackedFull     atomic.Uint64
	_                 [24]byte // keep neighbouring zones off each other's lines
}

// Direction says which way a packet crosses an interface.
type Direction uint8

// Directions, as EC2 names them.
const (
	Ingress Direction = iota // toward the instance
	Egress                   // from the instance
)

// Limit names the allowance a packet exceeded; its String is the ENA
// counter name.
type Limit uint8

// Limits.
const (
	LimitNone Limit = iota
	LimitConntrack
	LimitNewConnections
	LimitPPS
	LimitBandwidthIn
	LimitBandwidthOut
	LimitLinkLocal
)

var limitNames = [...]string{
	"", "conntrack_allowance_exceeded", "conntrack_new_connections_throttled",
	"pps_allowance_exceeded", "bw_in_allowance_exceeded",
	"bw_out_allowance_exceeded", "linklocal_allowance_exceeded",
}

func (l Limit) String() string {
	if int(l) < len(limitNames) {
		return limitNames[l]
	}
	return "unknown"
}

// ZoneStats are one zone's counters, with the ENA names in comments.
type ZoneStats struct {
	Entries                     uint64 // tracked + untracked entries
	Tracked                     uint64
	Reserved                    uint64 // table entries set aside for the zone (2 x ConntrackMax)
	UntrackedFull               uint64 // new untracked flows refused: the zone's untracked entries at ConntrackMax
	ConntrackAllowanceAvailable uint64 // conntrack_allowance_available (gauge)
	ConntrackAllowanceExceeded  uint64 // conntrack_allowance_exceeded
	NewConnectionsThrottled     uint64 // the tracking throttle (not an ENA name)
	PPSAllowanceExceeded        uint64 // pps_allowance_exceeded
	BWInAllowanceExceeded       uint64 // bw_in_allowance_exceeded
	BWOutAllowanceExceeded      uint64 // bw_out_allowance_exceeded
	LinklocalAllowanceExceeded  uint64 // linklocal_allowance_exceeded
}
