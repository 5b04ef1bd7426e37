package testbed

import (
	"context"
	"fmt"
	"path/filepath"

	"sgswitch/iface"
	"sgswitch/instance"
	"sgswitch/netns"
)

// InstanceName names the QEMU process of a VM node that sgswitch boots
// (its netns.KindProc record): "<lab>.<node>".
func InstanceName(lab, node string) string { return lab + "." + node }

// VMDir is where a booted VM node's files are (package instance: its
// console log and socket, QEMU's log, the agent's socket), under the
// daemon's state directory.
func VMDir(stateDir, lab, node string) string {
	return filepath.Join(stateDir, "vm", lab, node)
}

// VMSpec is how VM node n of lab boots: its image, size, the TAP and MAC
// of each interface (nics, eth0 first), its EC2 identity, its files in
// VMDir, all owned by the lab. User data and metadata options are not
// the guest's to read from QEMU: instance metadata serves them.
func VMSpec(stateDir, lab string, n *Node, nics []instance.NIC) instance.Spec {
	vm := n.VM
	dir := VMDir(stateDir, lab, n.Name)
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs // a daemon run with a relative --state-dir
	}
	app := ""
	if vm.Append != "" {
		app = instance.DefaultAppend + " " + vm.Append
	}
	return instance.Spec{
		Name: InstanceName(lab, n.Name), Owner: netns.LabOwner(lab),
		Kernel: vm.Kernel, Initrd: vm.Initrd, Disk: vm.Disk, Append: app,
		MemoryMiB: vm.MemoryMiB, CPUs: vm.CPUs, NICs: nics,
		UUID: instance.UUIDFor(lab, n.Name), Dir: dir,
	}
}

// StartVM boots s (instance.Start) unless it runs already: the
// daemon's VM starter (daemon.VMStarter).
func (HostWirer) StartVM(ctx context.Context, s instance.Spec) (instance.Info, error) {
	return instance.Start(ctx, s)
}

// openVMTAP makes (or keeps, when the lab made it before and QEMU may
// hold it) the TAP of a VM's interface, and opens the switch's port on
// its host side: AF_PACKET with virtio-net headers, as on an attached
// VM's tap, so that the guest's GSO super-frames (QEMU's vnet_hdr=on)
// pass whole.
func openVMTAP(name string, owner netns.Owner) (iface.Port, error) {
	if err := instance.CreateTAP(name, owner); err != nil {
		return nil, err
	}
	p, err := attachClaimed(name, AttachAFPacket)
	if err != nil {
		return nil, fmt.Errorf("opening the switch port on %s: %w", name, err)
	}
	return p, nil
}
