package testbed

import (
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"sgswitch/iface"
	"sgswitch/iface/afpacket"
	"sgswitch/iface/afxdp"
	"sgswitch/iface/tap"
	"sgswitch/netns"
)

// openPersistentTAP is the daemon's TAP port for a lab node: like
// OpenPort's tap, but the netdev is persistent (tap.Options.Persist) and
// recorded as owner's port in its namespace (netns.RecordPort), so that
// it survives the daemon, gracefully stopped or killed. When the
// namespace already holds owner's recorded port in.Name (same name and
// ifindex: netns.FindPort; each interface of a node is its own port) the
// TAP is opened again by its name from inside the namespace, which
// attaches to the same device: the instance keeps that interface
// (ifindex, MAC, MTU, addresses, routes) and sees only the time without
// a reader. Anything else (no record, a record whose device is gone or
// replaced, a reopen that fails) makes a new device.
func openPersistentTAP(hostName string, in netns.Interface, owner netns.Owner) (iface.Port, error) {
	if in.Name == "" {
		in.Name = NodeIfName
	}
	if in.MTU == 0 {
		in.MTU = netns.DefaultMTU
	}
	opt := tap.Options{MTU: in.MTU}
	found, err := netns.FindPort(in.Netns, in.Name, owner)
	if err != nil {
		return nil, err
	}
	if found {
		p, err := reopenTAP(in, opt)
		if err == nil {
			return p, nil
		}
		// Not reusable after all: start afresh with a new device.
		if derr := netns.DeletePort(in.Netns, in.Name, owner); derr != nil {
			return nil, errors.Join(err, derr)
		}
	}
	// Made as an ordinary TAP, so that closing it on any failure below
	// deletes it; persistent only once it is in place and recorded.
	p, err := openTAP(hostName, in, owner, opt)
	if err != nil {
		return nil, err
	}
	t := p.(*tap.Port)
	if err := netns.RecordPort(in.Netns, in.Name, owner); err != nil {
		p.Close()
		return nil, err
	}
	if err := t.SetPersist(true); err != nil {
		p.Close()
		return nil, errors.Join(err, netns.DeletePort(in.Netns, in.Name, owner))
	}
	return p, nil
}

// reopenTAP attaches to the persistent TAP in.Name inside in.Netns and
// makes sure it is up with in's MAC (its addresses and routes stayed with
// it).
func reopenTAP(in netns.Interface, opt tap.Options) (iface.Port, error) {
	var p *tap.Port
	err := netns.Do(in.Netns, func() error {
		var err error
		if p, err = tap.Open(in.Name, opt); err != nil {
			return err
		}
		l, err := netlink.LinkByName(in.Name)
		if err == nil && in.MAC != nil && l.Attrs().HardwareAddr.String() != in.MAC.String() {
			err = netlink.LinkSetHardwareAddr(l, in.MAC)
		}
		if err == nil && l.Attrs().Flags&net.FlagUp == 0 {
			err = netlink.LinkSetUp(l)
		}
		return err
	})
	if err != nil {
		if p != nil {
			p.Close()
		}
		return nil, fmt.Errorf("re-attaching %s in %s: %w", in.Name, in.Netns, err)
	}
	return p, nil
}

// reopenVeth attaches a port of kind (afxdp or afpacket) again to the
// veth a previous daemon made for owner, when it is still there as made
// (netns.VethOf): the instance keeps its eth0 as a TAP node does. found
// is false when there is no such veth and the caller makes one.
func reopenVeth(kind, hostName string, in netns.Interface, owner netns.Owner) (p iface.Port, found bool, err error) {
	if in.Name == "" {
		in.Name = NodeIfName
	}
	if in.MTU == 0 {
		in.MTU = netns.DefaultMTU
	}
	ok, err := netns.VethOf(hostName, in.Netns, in.Name, owner)
	if err != nil || !ok {
		return nil, false, err
	}
	if kind != PortAFXDP {
		p, err = afpacket.Open(hostName, afpacket.Options{MTU: in.MTU})
		return p, err == nil, nil // on error: made afresh instead
	}
	// The kernel lets go of the previous AF_XDP socket's queue a little
	// after the socket closed (EBUSY until then): a bounded wait.
	for range reopenTries {
		p, err = afxdp.Open(hostName, afxdp.Options{MTU: in.MTU})
		if !errors.Is(err, unix.EBUSY) {
			break
		}
		time.Sleep(reopenWait)
	}
	return p, err == nil, nil // on error: made afresh instead
}

// How long reopenVeth waits for a veth's queue to be free: 50 × 10 ms.
const (
	reopenTries = 50
	reopenWait  = 10 * time.Millisecond
)
