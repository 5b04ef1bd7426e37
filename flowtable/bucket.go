package flowtable

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// bucketBurst is how much a token bucket holds: one second of its rate.
const bucketBurst = int64(time.Second)

// bucketRate is a token bucket's rate, fixed when the zone is configured.
// A zero rate means unlimited.
type bucketRate struct {
	unitQ32 uint64 // nanoseconds per unit, as a 32.32 fixed-point number
}

// newBucketRate returns the rate for perSecond units per second.
func newBucketRate(perSecond uint64) bucketRate {
	if perSecond == 0 {
		return bucketRate{}
	}
	q, _ := bits.Div64(uint64(time.Second)>>32, uint64(time.Second)<<32, perSecond)
	if q == 0 {
		q = 1
	}
	return bucketRate{unitQ32: q}
}

// bucket is a lock-free token bucket in its GCRA form: one atomic word, the
// theoretical arrival time (TAT) of the next unit. A packet of cost c at
// time now conforms if max(TAT, now) + c - now <= burst. It starts full.
type bucket struct {
	tat atomic.Int64
}

// take charges units at time now and reports whether they conformed;
// units that do not conform are not charged.
func (b *bucket) take(r bucketRate, now int64, units uint64) bool {
	if r.unitQ32 == 0 {
		return true
	}
	hi, lo := bits.Mul64(units, r.unitQ32)
	cost := int64(hi<<32 | lo>>32)
	if hi>>32 != 0 || cost > bucketBurst {
		cost = bucketBurst
	}
	for {
		old := b.tat.Load()
		tat := max(old, now)
		if tat+cost-now > bucketBurst {
			return false
		}
		if b.tat.CompareAndSwap(old, tat+cost) {
			return true
		}
	}
}
