package testbed

import (
	"net/netip"
	"strconv"
	"time"

	"sgswitch/exchange"
	"sgswitch/netns"
)

// Observed outcomes of one exchange (package exchange runs them).
const (
	ObservedAllow       = exchange.ObservedAllow       // the whole exchange completed
	ObservedTimeout     = exchange.ObservedTimeout     // nothing came back: what a security group does
	ObservedRefused     = exchange.ObservedRefused     // a RST or ICMP unreachable came back
	ObservedUnreachable = exchange.ObservedUnreachable // no route or neighbour
	ObservedNoEcho      = exchange.ObservedNoEcho      // TCP connected, but the bytes did not come back
	ObservedError       = exchange.ObservedError       // the check could not run
)

// inNetns is the exchange.Where of namespace ns.
func inNetns(ns string) exchange.Where {
	return func(open func() error) error { return netns.Do(ns, open) }
}

// Flow is a TCP connection opened from inside a namespace, kept open so a
// later Exchange shows whether bytes still pass (lab probe).
type Flow = exchange.Flow

// DialTCP connects from namespace ns to dst within timeout.
func DialTCP(ns string, dst netip.AddrPort, timeout time.Duration) (*Flow, error) {
	return exchange.DialTCP(inNetns(ns), netip.Addr{}, dst, timeout)
}

func portString(p uint16) string {
	if p == 0 {
		return "-"
	}
	return strconv.Itoa(int(p))
}
