package testbed

import (
	"fmt"
	"net/netip"
	"time"

	"sgswitch/exchange"
)

// Probe is one long-lived TCP connection between two nodes of a running
// lab, with an echo responder at the far end: it shows whether bytes of
// an established flow still pass after a rule change (tracked flows
// survive a revoke, untracked ones are cut at once).
type Probe struct {
	flow     *Flow
	resp     *exchange.Responder
	from, to string
	port     uint16
}

// OpenProbe starts a responder on port in node to's namespace and
// connects to it from node from, proving one exchange.
func OpenProbe(lab *Lab, from, to string, port uint16, family int, timeout time.Duration) (*Probe, error) {
	src, dst := lab.Node(from), lab.Node(to)
	if src == nil || dst == nil {
		return nil, fmt.Errorf("lab %s has no node %q or %q", lab.Name, from, to)
	}
	addr := dst.IP
	if family == 6 {
		addr = dst.IPv6
	}
	if !addr.IsValid() {
		return nil, fmt.Errorf("node %s has no IPv%d address", to, family)
	}
	r, err := startResponder(NetnsName(lab.Name, to), "tcp", port)
	if err != nil {
		return nil, err
	}
	f, err := DialTCP(NetnsName(lab.Name, from), netip.AddrPortFrom(addr, port), timeout)
	if err == nil {
		err = f.Exchange(timeout)
		if err != nil {
			f.Close()
		}
	}
	if err != nil {
		r.Close()
		return nil, fmt.Errorf("probe %s -> %s tcp/%d: %s (%w)", from, to, port, exchange.Classify(err), err)
	}
	return &Probe{flow: f, resp: r, from: from, to: to, port: port}, nil
}

// Exchange sends bytes on the open connection and reports what happened:
// ObservedAllow when they came back within timeout.
func (p *Probe) Exchange(timeout time.Duration) string {
	if err := p.flow.Exchange(timeout); err != nil {
		return exchange.Classify(err)
	}
	return ObservedAllow
}

// Close closes the connection and the responder.
func (p *Probe) Close() {
	p.flow.Close()
	p.resp.Close()
}

// Ends returns the connection's local (the from node's) and remote ends.
func (p *Probe) Ends() (local, remote netip.AddrPort) { return p.flow.Ends() }
