package perf

import "context"

// Path is one way of connecting the client and the server under the same
// security groups: the kernel bridge + nftables, sgswitch with some port
// kind, or Open vSwitch. Setup builds it inside namespaces named with tag
// (all registered with the lab, so Lab.Close removes them).
type Path interface {
	Name() string
	Setup(ctx context.Context, l *Lab, tag string, g *Groups) (Topology, error)
}
