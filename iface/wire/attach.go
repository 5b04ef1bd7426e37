package wire

import (
	"errors"
	"fmt"

	"github.com/vishvananda/netlink"

	"sgswitch/iface"
	"sgswitch/iface/afpacket"
	"sgswitch/iface/afxdp"
)

// AttachKind selects how Attach reads an existing interface.
type AttachKind string

// Attach kinds.
const (
	// AttachAFPacket: AF_PACKET with virtio-net headers (GSO super-frames
	// pass through); works on any interface. The default.
	AttachAFPacket AttachKind = "afpacket"
	// AttachAFXDP: AF_XDP in generic mode, frames up to the MTU. Generic
	// XDP passes GSO super-frames and partial checksums through unchanged,
	// so the device must not produce them: for QEMU, vnet_hdr=off (or guest
	// offloads off). AF_PACKET has no such limit, hence the default.
	AttachAFXDP AttachKind = "afxdp"
)

// ErrNoInterface is returned (wrapped) by Attach when the interface is missing.
var ErrNoInterface = afpacket.ErrNoInterface

// Attach opens a port on an existing host interface by name (kind: vm in a
// lab file), e.g. the tap QEMU created with
// -netdev tap,ifname=NAME,script=no,downscript=no, and sets the link up
// (with script=no nobody else does). The interface is not deleted on Close.
func Attach(ifname string, kind AttachKind) (iface.Port, error) {
	link, err := netlink.LinkByName(ifname)
	if err != nil {
		var nf netlink.LinkNotFoundError
		if errors.As(err, &nf) {
			return nil, fmt.Errorf("attach %q: %w: create it first (for QEMU: -netdev tap,ifname=%s,script=no,downscript=no)", ifname, ErrNoInterface, ifname)
		}
		return nil, fmt.Errorf("attach %q: %w", ifname, err)
	}
	if err := netlink.LinkSetUp(link); err != nil {
		return nil, fmt.Errorf("attach %q: link up: %w", ifname, err)
	}
	switch kind {
	case AttachAFPacket, "":
		return afpacket.Open(ifname, afpacket.Options{GSO: true})
	case AttachAFXDP:
		return afxdp.Open(ifname, afxdp.Options{Mode: afxdp.Generic, MTU: link.Attrs().MTU})
	}
	return nil, fmt.Errorf("attach %q: unknown kind %q (want %s or %s)", ifname, kind, AttachAFPacket, AttachAFXDP)
}

// WireAFXDP makes a veth pair for n (WireVeth) and opens an AF_XDP port on
// its host end (native mode, generic as fallback).
func WireAFXDP(hostName string, n Node) (*afxdp.Port, error) {
	n.defaults()
	if err := WireVeth(hostName, n); err != nil {
		return nil, err
	}
	p, err := afxdp.Open(hostName, afxdp.Options{MTU: n.MTU})
	if err != nil {
		_ = DeleteLink(hostName)
		return nil, err
	}
	return p, nil
}

// WireAFPacket makes a veth pair for n and opens an AF_PACKET port (no
// virtio-net headers) on its host end.
func WireAFPacket(hostName string, n Node) (*afpacket.Port, error) {
	n.defaults()
	if err := WireVeth(hostName, n); err != nil {
		return nil, err
	}
	p, err := afpacket.Open(hostName, afpacket.Options{MTU: n.MTU})
	if err != nil {
		_ = DeleteLink(hostName)
		return nil, err
	}
	return p, nil
}
