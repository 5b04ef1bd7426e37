package flowtable

import (
	"testing"
	"time"
)

// A virtual clock reads the system clock plus what Advance added, and
// refuses to go back.
func TestVirtualClock(t *testing.T) {
	var c VirtualClock
	before := SystemClock{}.Now()
	off, err := c.Advance(351 * time.Second)
	if err != nil || off != 351*time.Second {
		t.Fatalf("Advance: %v, %v", off, err)
	}
	now, sys := c.Now(), (SystemClock{}).Now()
	if now-before < int64(351*time.Second) || now-sys > int64(351*time.Second) {
		t.Fatalf("Now %d is not the system clock plus 351 s (system %d)", now, before)
	}
	if w := time.Until(c.Wall()); w < 350*time.Second || w > 352*time.Second {
		t.Fatalf("Wall is %v ahead", w)
	}
	if off, err := c.Advance(-time.Second); err == nil || off != 351*time.Second {
		t.Fatalf("Advance(-1s): %v, %v; want an error and no change", off, err)
	}
}
