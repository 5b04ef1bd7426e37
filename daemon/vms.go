package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"sgswitch/instance"
	"sgswitch/store"
	"sgswitch/testbed"
)

// VMStarter is a Wirer that also boots the VMs of `kind: vm` nodes with
// an image (testbed.HostWirer). A Wirer without it (the tests' in-memory
// ones) wires such a node's ports and boots nothing.
type VMStarter interface {
	// StartVM boots s unless it runs already, and returns once QEMU
	// runs (instance.Start).
	StartVM(ctx context.Context, s instance.Spec) (instance.Info, error)
}

// startVMs boots each VM node of rec that sgswitch boots and that does
// not run, after its TAPs are wired: `lab up`, `lab up` again (a VM
// that was stopped starts), and a daemon start (after a reboot nothing
// runs). A VM that runs is left alone. The VMs' QEMU processes are the
// lab's (netns records), so `lab down` ends them with the lab's other
// host objects. Callers hold d.mu.
func (d *Daemon) startVMs(ctx context.Context, rec store.LabRecord) error {
	st, ok := d.cfg.Wirer.(VMStarter)
	if !ok {
		return nil
	}
	var lab testbed.Lab
	if err := json.Unmarshal(rec.Lab, &lab); err != nil {
		return fmt.Errorf("lab %s: stored lab: %w", rec.Name, err)
	}
	var errs []error
	for i := range lab.Nodes {
		n := &lab.Nodes[i]
		if n.Kind != testbed.KindVM || !n.VM.Boots() {
			continue
		}
		nics, err := d.vmNICs(rec, n.Name)
		if err == nil {
			err = d.startVM(ctx, st, testbed.VMSpec(d.cfg.StateDir, rec.Name, n, nics))
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("lab %s: node %s: %w", rec.Name, n.Name, err))
		}
	}
	return errors.Join(errs...)
}

func (d *Daemon) startVM(ctx context.Context, st VMStarter, s instance.Spec) error {
	info, err := st.StartVM(ctx, s)
	if err != nil {
		return err
	}
	if !info.Already {
		d.log.Info("VM started", "instance", s.Name, "pid", info.PID, "accel", info.Accel,
			"console", instance.ConsoleLog(s.Dir))
	}
	return nil
}

// vmNICs are the TAP and MAC of each interface of VM node node, eth0
// first: the TAPs its wiring made, the MACs of its ENIs.
func (d *Daemon) vmNICs(rec store.LabRecord, node string) ([]instance.NIC, error) {
	var ws []store.NodeWiring
	for _, n := range rec.Nodes {
		if n.Node == node && n.Port == testbed.PortVMTAP {
			ws = append(ws, n)
		}
	}
	slices.SortFunc(ws, func(a, b store.NodeWiring) int { return a.Interface - b.Interface })
	nics := make([]instance.NIC, 0, len(ws))
	for _, w := range ws {
		a, err := testbed.AddrsIn(d.acct, w.ENI)
		if err != nil {
			return nil, err
		}
		nics = append(nics, instance.NIC{TAP: w.IfName, MAC: a.MAC})
	}
	if len(nics) == 0 {
		return nil, errors.New("no interface wired")
	}
	return nics, nil
}
