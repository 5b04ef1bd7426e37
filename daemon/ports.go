package daemon

import (
	"errors"
	"fmt"

	"sgswitch/store"
	"sgswitch/testbed"
)

// attach wires one node and adds its port to the switch; a failure is kept
// in the attachment for Status. Callers hold d.mu.
// tl, if not nil, records the steps (during Open).
func (d *Daemon) attach(lab string, n store.NodeWiring, tl *timeline) error {
	a := &attachment{lab: lab, wiring: n}
	d.ports[n.ENI] = a
	a.err = d.attachPort(a, tl)
	if a.err != nil {
		d.log.Warn("port not attached", "lab", lab, "node", n.Node, "eni", n.ENI, "err", a.err)
	}
	return a.err
}

func (d *Daemon) attachPort(a *attachment, tl *timeline) error {
	if d.cfg.Wirer == nil {
		return errors.New("no wirer configured")
	}
	addrs, err := testbed.AddrsIn(d.acct, a.wiring.ENI)
	if err != nil {
		return err
	}
	p, err := d.cfg.Wirer.Wire(hostOf(a.lab, a.wiring), addrs)
	if err != nil {
		return err
	}
	tl.step("port wired", "eni", a.wiring.ENI)
	if err := d.dp.AddPort(a.wiring.ENI, p); err != nil {
		p.Close()
		return fmt.Errorf("adding port %s: %w", p.Name(), err)
	}
	tl.step("port added", "eni", a.wiring.ENI)
	a.port = p
	return nil
}

// detach removes the ENI's port from the switch, which closes it (a TAP's
// netdev goes with it; namespaces stay). Callers hold d.mu.
func (d *Daemon) detach(eni string) {
	a := d.ports[eni]
	if a == nil || a.port == nil {
		return
	}
	d.dp.RemovePort(eni)
	a.port = nil
}
