package perf

import (
	"context"

	"sgswitch/netns"
)

// Path is one way of connecting the client and the server under the same
// security groups: the kernel bridge + nftables, sgswitch with some port
// kind, or Open vSwitch. Setup builds it inside namespaces of s named with
// tag; everything it makes and starts is s's, so s.Close removes it.
type Path interface {
	Name() string
	Setup(ctx context.Context, s *netns.Scope, tag string, g *Groups) (Topology, error)
}
