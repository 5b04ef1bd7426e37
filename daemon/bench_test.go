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

// BenchmarkStoreWrite measures one authorize (a single new ingress rule)
// through Write, durable before it returns, in a model of about n rules
// (groups of 60 ingress rules, quotas lifted): the cost of a change as
// the state grows. The fake dataplane's Publish does not compile.
func BenchmarkStoreWrite(b *testing.B) {
	for _, n := range []int{100, 30000, 50000} {
		b.Run(fmt.Sprintf("rules=%d", n), func(b *testing.B) {
			vpc := DefaultVPC()
			vpc.LiftQuotas = true
			d, err := Open(Config{StateDir: b.TempDir(), VPC: vpc, Dataplane: newFakeDataplane()})
			if err != nil {
				b.Fatal(err)
			}
			defer d.Close()
			var target string
			if err := d.Write(func(st *ruleset.State) error { target, err = addRules(st, n); return err }); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				err := d.Write(func(st *ruleset.State) error {
					_, err := st.AuthorizeSecurityGroupIngress(target, []ruleset.IpPermission{benchPerm("udp", i, 1)}, nil)
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// addRules adds groups of 60 ingress rules until st holds about n rules
// and returns the last group's id.
func addRules(st *ruleset.State, n int) (string, error) {
	var id string
	for g := 0; g*60 < n; g++ {
		sg, err := st.CreateSecurityGroup(fmt.Sprintf("bench%d", g), "bench", nil)
		if err != nil {
			return "", err
		}
		id = sg.GroupId
		if _, err := st.AuthorizeSecurityGroupIngress(id, []ruleset.IpPermission{benchPerm("tcp", g, min(60, n-g*60))}, nil); err != nil {
			return "", err
		}
	}
	return id, nil
}

// benchPerm is proto port 1024+port (mod 60000) from count /24 peers.
func benchPerm(proto string, port, count int) ruleset.IpPermission {
	p := int32(1024 + port%60000)
	perm := ruleset.IpPermission{IpProtocol: proto, FromPort: &p, ToPort: &p}
	for i := 0; i < count; i++ {
		perm.IpRanges = append(perm.IpRanges, ruleset.IpRange{CidrIp: fmt.Sprintf("10.%d.%d.0/24", i/250, i%250)})
	}
	return perm
}
