package daemon

import (
	"context"
	"net"
	"net/netip"

	"sgswitch/admin"
	"sgswitch/iface"
	"sgswitch/ruleset"
	"sgswitch/store"
)

// Dataplane is the packet path the daemon drives: the switch with its
// compiler. NewSwitchDataplane is the real one; tests use fakes.
type Dataplane interface {
	// Publish compiles st and makes it the live ruleset; it returns the
	// published generation. st is not retained after Publish returns
	// (the snapshot holds what it needs).
	Publish(st *ruleset.State) uint64
	// AddPort attaches a port as the ENI's attachment; on success the
	// dataplane owns p (closes it on RemovePort and when Run ends).
	AddPort(eni string, p iface.Port) error
	// RemovePort detaches the ENI's port and closes it.
	RemovePort(eni string)
	// Stats are the ENI's counters in `eni stats` order.
	Stats(eni string) []admin.Counter
	// Conntrack lists the tracked connections of the ENI's zone.
	Conntrack(eni string) []admin.ConntrackEntry
	// Run moves packets until ctx is done.
	Run(ctx context.Context) error
}

// ENIAddrs is what a wired interface is configured with.
type ENIAddrs struct {
	MAC  net.HardwareAddr
	IPv4 netip.Prefix // address with the subnet's length
	IPv6 netip.Prefix // zero: none
}

// Wirer creates the host side of a node and opens its switch port.
type Wirer interface {
	// Wire makes the node's link (creating its namespace if missing and
	// replacing a leftover link of the same name, so it also re-wires after
	// a restart) and returns the open port.
	Wire(n store.NodeWiring, a ENIAddrs) (iface.Port, error)
	// Unwire removes the node's links and namespace; missing ones are fine.
	Unwire(n store.NodeWiring) error
}
