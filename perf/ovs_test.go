package perf

import (
	"reflect"
	"testing"

	"sgswitch/netns/netnstest"
)

func TestPortMasks(t *testing.T) {
	for _, tc := range []struct {
		from, to int
		want     []string
	}{
		{80, 80, []string{"80"}},
		{7000, 7001, []string{"7000/0xfffe"}},
		{1, 6, []string{"1", "2/0xfffe", "4/0xfffe", "6"}},
		{0, 65535, []string{"0/0"}},
		{-1, -1, []string{"0/0"}},
		{1024, 2047, []string{"1024/0xfc00"}},
	} {
		if got := portMasks(tc.from, tc.to); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("portMasks(%d, %d) = %v, want %v", tc.from, tc.to, got, tc.want)
		}
	}
}

// TestOVSPath builds the OVS userspace path and checks it forwards allowed
// traffic and drops the rest. Skips (saying why) when OVS is not installed.
func TestOVSPath(t *testing.T) {
	netnstest.RequireRoot(t)
	if ok, why := OVSAvailable(); !ok {
		t.Skip(why)
	}
	smokePath(t, OVSPath{}, "o")
}
