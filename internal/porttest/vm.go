package porttest

import (
	"fmt"

	"sgswitch/iface"
	"sgswitch/iface/tap"
	"sgswitch/netns"
	"sgswitch/testbed"
)

// wireVM emulates a QEMU guest: the guest is namespace in.Netns with a TAP
// eth0 (guest), QEMU's end is a host TAP named host whose fd the pair holds
// (what QEMU's -netdev tap,ifname=host holds), and a forwarder between the
// two plays the virtio device. The switch side then attaches to the
// existing netdev host by name (testbed.AttachPort, attach kind kind), as
// for `kind: vm`. The "QEMU" TAP is not recorded: it dies with its fd.
func (p *Pair) wireVM(kind, host string, in netns.Interface) (iface.Port, error) {
	owner := p.scope.Owner
	guest, err := testbed.OpenPort(testbed.PortTAP, host+"g", in, owner)
	if err != nil {
		return nil, err
	}
	// Opening a TAP by an existing name would attach to that device.
	if err := netns.ClaimLinkName(host, owner); err != nil {
		guest.Close()
		return nil, err
	}
	// With AF_XDP the "QEMU" tap runs without virtio-net headers (QEMU's
	// vnet_hdr=off): generic XDP hands partial checksums and super-frames to
	// the socket unchanged, which the receiver drops. AF_PACKET takes the
	// headers (PACKET_VNET_HDR) and so works with offloads on.
	qemu, err := tap.Open(host, tap.Options{MTU: in.MTU, Plain: kind == testbed.AttachAFXDP})
	if err != nil {
		guest.Close()
		return nil, err
	}
	p.mu.Lock()
	p.inner = append(p.inner, Forward(guest, qemu))
	p.mu.Unlock()
	port, err := testbed.AttachPort(host, kind, owner)
	if err != nil {
		return nil, fmt.Errorf("attaching to %s: %w", host, err)
	}
	return port, nil
}
