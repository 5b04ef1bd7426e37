package testbed

import (
	"errors"
	"fmt"

	"github.com/vishvananda/netlink"

	"sgswitch/iface"
	"sgswitch/iface/afpacket"
	"sgswitch/iface/afxdp"
	"sgswitch/iface/tap"
	"sgswitch/netns"
)

// Port kinds a node's eth0 can have (PortTAP and PortAFXDP are the lab
// file's; the others serve tests and benchmarks).
const (
	PortTAPPlain = "tap-plain" // TAP without virtio-net headers and offloads
	PortAFPacket = "afpacket"  // veth + AF_PACKET on the host end
)

// OpenPort gives the namespace in.Netns an interface in.Name whose other
// end is a switch port of the given kind, named hostName on the host side,
// owned by owner:
//   - tap, tap-plain: a TAP device whose netdev moves into the namespace;
//     it lives as long as the port holds it;
//   - afxdp, afpacket: a veth pair; the host end (recorded as owner's)
//     carries the AF_XDP or AF_PACKET socket.
//
// On error nothing it made is left.
func OpenPort(kind, hostName string, in netns.Interface, owner netns.Owner) (iface.Port, error) {
	if in.MTU == 0 {
		in.MTU = netns.DefaultMTU
	}
	switch kind {
	case PortTAP, PortTAPPlain, "":
		return openTAP(hostName, in, owner, tap.Options{Plain: kind == PortTAPPlain, MTU: in.MTU})
	case PortAFXDP, PortAFPacket:
		return openVeth(kind, hostName, in, owner)
	}
	return nil, fmt.Errorf("unknown port kind %q", kind)
}

func openTAP(hostName string, in netns.Interface, owner netns.Owner, opt tap.Options) (iface.Port, error) {
	// A TAP opened by an existing name would attach to that device.
	if err := netns.ClaimLinkName(hostName, owner); err != nil {
		return nil, err
	}
	p, err := tap.Open(hostName, opt)
	if err != nil {
		return nil, err
	}
	if err := netns.MoveInto(p.Name(), in); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

func openVeth(kind, hostName string, in netns.Interface, owner netns.Owner) (iface.Port, error) {
	if err := netns.CreateVeth(hostName, in, owner); err != nil {
		return nil, err
	}
	var p iface.Port
	var err error
	if kind == PortAFXDP {
		p, err = afxdp.Open(hostName, afxdp.Options{MTU: in.MTU})
	} else {
		p, err = afpacket.Open(hostName, afpacket.Options{MTU: in.MTU})
	}
	if err != nil {
		return nil, errors.Join(err, netns.DeleteLink(hostName, owner))
	}
	return p, nil
}

// Attach kinds: how AttachPort reads an existing interface.
const (
	// AttachAFPacket: AF_PACKET with virtio-net headers (GSO super-frames
	// pass through); works on any interface. The default.
	AttachAFPacket = "afpacket"
	// AttachAFXDP: AF_XDP in generic mode, frames up to the MTU. Generic
	// XDP passes GSO super-frames and partial checksums through unchanged,
	// so the device must not produce them: for QEMU, vnet_hdr=off.
	AttachAFXDP = "afxdp"
)

// AttachPort opens a port on an existing host interface (a `kind: vm`
// node's, e.g. the tap QEMU made with -netdev
// tap,ifname=NAME,script=no,downscript=no) after netns.Claim accepted it
// for owner, and sets it up (with script=no nobody else does). The
// interface is never deleted; its claim goes with the owner's objects.
func AttachPort(ifname, kind string, owner netns.Owner) (iface.Port, error) {
	if err := netns.Claim(ifname, owner); err != nil {
		if errors.Is(err, netns.ErrNoInterface) {
			err = fmt.Errorf("%w: create it first (for QEMU: -netdev tap,ifname=%s,script=no,downscript=no)", err, ifname)
		}
		return nil, err
	}
	p, err := attachClaimed(ifname, kind)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("attach %q: %w", ifname, err), netns.Release(ifname, owner))
	}
	return p, nil
}

func attachClaimed(ifname, kind string) (iface.Port, error) {
	link, err := netlink.LinkByName(ifname)
	if err == nil {
		err = netlink.LinkSetUp(link)
	}
	if err != nil {
		return nil, err
	}
	switch kind {
	case AttachAFPacket, "":
		return afpacket.Open(ifname, afpacket.Options{GSO: true})
	case AttachAFXDP:
		return afxdp.Open(ifname, afxdp.Options{Mode: afxdp.Generic, MTU: link.Attrs().MTU})
	}
	return nil, fmt.Errorf("unknown attach kind %q (want %s or %s)", kind, AttachAFPacket, AttachAFXDP)
}
