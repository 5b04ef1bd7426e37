package perf

import (
	"sync/atomic"

	"sgswitch/ruleset"
)

// atomicSnapshot is how the switch publishes rulesets: readers Load, the
// control path Stores a complete new Snapshot.
type atomicSnapshot = atomic.Pointer[ruleset.Snapshot]
