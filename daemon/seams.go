package daemon

import (
	"context"

	"sgswitch/account"
	"sgswitch/admin"
	"sgswitch/iface"
	"sgswitch/store"
	"sgswitch/testbed"
)

// Dataplane is the packet path the daemon drives: the switch with its
// compiler. NewSwitchDataplane is the real one; tests use fakes.
type Dataplane interface {
	// Publish compiles a (every VPC: its topology and security groups)
	// and makes it live; it returns the published generation. a is not
	// retained after Publish returns (the compiled form holds what it
	// needs).
	Publish(a *account.Account) uint64
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

// Wirer creates the host side of a node and opens its switch port;
// testbed.HostWirer is the real one, tests use in-memory ports.
type Wirer interface {
	// Wire makes the node's host side (creating its namespace if missing
	// and replacing a leftover link the lab made, so it also re-wires
	// after a restart) and returns the open port.
	Wire(h testbed.Host, a testbed.Addrs) (iface.Port, error)
	// Unwire removes the node's host side; missing parts are fine.
	Unwire(h testbed.Host) error
	// RemoveHosts removes everything the lab made on the host, its nodes'
	// host sides and whatever a crash left; what the lab did not make is
	// never touched.
	RemoveHosts(lab string) error
}

// hostOf is the node's host as testbed knows it.
func hostOf(lab string, n store.NodeWiring) testbed.Host {
	return testbed.Host{Lab: lab, Node: n.Node, ENI: n.ENI, Kind: n.Kind, Port: n.Port, Netns: n.Netns, IfName: n.IfName,
		Interface: n.Interface, Forwarding: n.Forwarding}
}
