package daemon

import (
	"fmt"
	"testing"

	"sgswitch/ruleset"
)

// BenchmarkWrite measures one durable change: clone, change, save with
// fsync, publish (fake dataplane), swap. The fsync dominates.
func BenchmarkWrite(b *testing.B) {
	d, err := Open(Config{StateDir: b.TempDir(), VPC: DefaultVPC(), Dataplane: newFakeDataplane()})
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		err := d.Write(func(st *ruleset.State) error {
			_, err := st.CreateSecurityGroup(fmt.Sprintf("g%d", i), "bench", nil)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
