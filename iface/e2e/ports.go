package e2e

import (
	"fmt"

	"sgswitch/iface"
	"sgswitch/iface/tap"
	"sgswitch/iface/wire"
)

// wireVM emulates a QEMU guest: the guest is namespace n.Netns with a TAP
// eth0 (guest), QEMU's end is a host TAP named host whose fd the test holds
// (what QEMU's -netdev tap,ifname=host holds), and a forwarder between the
// two plays the virtio device. The switch side then attaches to the
// existing netdev host by name, as for `kind: vm`.
func (l *Lab) wireVM(kind wire.AttachKind, host string, n wire.Node) (iface.Port, error) {
	guest, err := wire.WireTAP(host+"g", n, tap.Options{})
	if err != nil {
		return nil, err
	}
	// With AF_XDP the "QEMU" tap runs without virtio-net headers (QEMU's
	// vnet_hdr=off): generic XDP hands partial checksums and super-frames to
	// the socket unchanged, which the receiver drops. AF_PACKET takes the
	// headers (PACKET_VNET_HDR) and so works with offloads on.
	qemu, err := tap.Open(host, tap.Options{MTU: n.MTU, Plain: kind == wire.AttachAFXDP})
	if err != nil {
		guest.Close()
		return nil, err
	}
	l.inner = append(l.inner, Forward(guest, qemu))
	p, err := wire.Attach(host, kind)
	if err != nil {
		return nil, fmt.Errorf("attaching to %s: %w", host, err)
	}
	return p, nil
}
