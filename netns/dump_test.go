package netns

import (
	"errors"
	"testing"

	"github.com/vishvananda/netlink"
)

func TestRetryDumpRepeatsInterruptedDumps(t *testing.T) {
	calls := 0
	got, err := retryDump(func() (int, error) {
		calls++
		if calls < 3 {
			return -1, netlink.ErrDumpInterrupted
		}
		return 42, nil
	})
	if err != nil || got != 42 || calls != 3 {
		t.Fatalf("got %d, %v after %d calls; want 42, nil after 3", got, err, calls)
	}
}

func TestRetryDumpGivesUpAfterBound(t *testing.T) {
	calls := 0
	_, err := retryDump(func() (int, error) {
		calls++
		return 0, netlink.ErrDumpInterrupted
	})
	if !errors.Is(err, netlink.ErrDumpInterrupted) || calls != dumpAttempts {
		t.Fatalf("err %v after %d calls; want ErrDumpInterrupted after %d", err, calls, dumpAttempts)
	}
}

func TestRetryDumpPassesOtherErrors(t *testing.T) {
	boom := errors.New("boom")
	calls := 0
	_, err := retryDump(func() (int, error) { calls++; return 0, boom })
	if err != boom || calls != 1 {
		t.Fatalf("err %v after %d calls", err, calls)
	}
}
