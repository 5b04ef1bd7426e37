package netns

import (
	"errors"

	"github.com/vishvananda/netlink"
)

// dumpAttempts bounds how often a netlink dump is repeated when the kernel
// reports it was interrupted.
const dumpAttempts = 10

// retryDump runs a netlink dump again while the kernel marks it interrupted
// (NLM_F_DUMP_INTR: the table changed mid-dump, e.g. another test created a
// link at the same moment). netlink v1.3 returns ErrDumpInterrupted with
// possibly partial results then; a partial link list would let Teardown
// miss links, so it is never used. The count is bounded; the last error
// is returned if every attempt was interrupted.
func retryDump[T any](dump func() (T, error)) (T, error) {
	var v T
	var err error
	for range dumpAttempts {
		v, err = dump()
		if !errors.Is(err, netlink.ErrDumpInterrupted) {
			return v, err
		}
	}
	return v, err
}
