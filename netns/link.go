package netns

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// Interface is how a link inside a namespace is configured.
type Interface struct {
	// Netns is the namespace the link lives in; it must exist.
	Netns string
	// Name is the interface name inside the namespace (default "eth0").
	Name string
	// MAC is the interface's address (nil: the kernel picks one).
	MAC net.HardwareAddr
	// IPv4 is the address with the subnet's prefix length, e.g.
	// 198.18.0.11/24; IPv6 is optional, e.g. fd00:5e5e:0:1::11/64.
	IPv4, IPv6 netip.Prefix
	// SecondaryIPv4 are more addresses, each with the subnet's length;
	// added after IPv4, so the kernel marks them secondary and keeps
	// IPv4 as the source it picks, as on an EC2 instance.
	SecondaryIPv4 []netip.Prefix
	// MTU of the interface (default DefaultMTU).
	MTU int
	// Gateway4 and Gateway6, when valid, are the default routes' next hops.
	Gateway4, Gateway6 netip.Addr
}

// DefaultMTU is the MTU of an Interface that names none: Ethernet's.
const DefaultMTU = 1500

func (n *Interface) defaults() {
	if n.Name == "" {
		n.Name = "eth0"
	}
	if n.MTU == 0 {
		n.MTU = DefaultMTU
	}
}

// linkByName finds a host link; found is false when there is none.
func linkByName(name string) (l netlink.Link, found bool, err error) {
	l, err = netlink.LinkByName(name)
	var nf netlink.LinkNotFoundError
	if errors.As(err, &nf) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("link %s: %w", name, err)
	}
	return l, true, nil
}

// ClaimLinkName makes sure owner may create a host link called name: a
// free name is fine; a link owner made earlier (recorded, same ifindex)
// is deleted so the name can be used again; anything else fails with
// ErrNotOwned. Opening a TAP by an existing name would attach to that
// device instead of making one, so ports call this first.
func ClaimLinkName(name string, owner Owner) error {
	if name == "" || len(name) > unix.IFNAMSIZ-1 {
		return fmt.Errorf("link name %q: empty or longer than %d bytes", name, unix.IFNAMSIZ-1)
	}
	return DeleteLink(name, owner)
}

// RecordLink records that owner created the host link name (e.g. a TAP it
// just opened, or a veth), so DeleteLink and RemoveAll may remove it.
func RecordLink(name string, owner Owner) error {
	l, found, err := linkByName(name)
	if err != nil {
		return err
	}
	if !found {
		return fmt.Errorf("recording link %s: no such link", name)
	}
	return writeRecord(Record{Kind: KindLink, Name: name, Owner: owner, PID: os.Getpid(), Ifindex: l.Attrs().Index, Created: time.Now().UTC()})
}

// DeleteLink deletes the host link name if owner made it (deleting one end
// of a veth deletes both). A missing link is not an error; a link that is
// not owner's fails with ErrNotOwned and stays.
func DeleteLink(name string, owner Owner) error {
	r, err := readRecord(KindLink, name)
	if err != nil {
		return err
	}
	l, found, err := linkByName(name)
	switch {
	case err != nil:
		return err
	case !found && (r == nil || r.Owner != owner):
		return nil // nothing of owner's to remove; another owner's record stays
	case !found:
		return removeRecord(KindLink, name)
	case r == nil || r.Owner != owner || r.Ifindex != l.Attrs().Index:
		return notOwned(KindLink, name, owner, r)
	}
	if err := netlink.LinkDel(l); err != nil {
		return fmt.Errorf("deleting link %s: %w", name, err)
	}
	return removeRecord(KindLink, name)
}

// CreateVeth makes a veth pair owned by owner: hostName stays in the host
// namespace (up, for an AF_XDP or AF_PACKET port), the other end becomes
// in.Name in in.Netns with transmit checksum offload off (through AF_XDP or
// AF_PACKET, partial checksums would reach the receiver and be dropped).
func CreateVeth(hostName string, in Interface, owner Owner) error {
	in.defaults()
	if err := ClaimLinkName(hostName, owner); err != nil {
		return err
	}
	tmp := peerName(hostName)
	if err := ClaimLinkName(tmp, owner); err != nil {
		return err
	}
	veth := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: hostName, MTU: in.MTU}, PeerName: tmp}
	if err := netlink.LinkAdd(veth); err != nil {
		return fmt.Errorf("creating veth %s: %w", hostName, err)
	}
	if err := RecordLink(hostName, owner); err != nil {
		_ = netlink.LinkDel(veth)
		return err
	}
	fail := func(err error) error {
		return errors.Join(fmt.Errorf("wiring veth %s into %s: %w", hostName, in.Netns, err), DeleteLink(hostName, owner))
	}
	if err := SetTxChecksum(tmp, false); err != nil {
		return fail(err)
	}
	// GRO on the namespace end merges what arrives MTU by MTU and spares
	// the receiving stack per-segment work. Best effort.
	_ = SetGRO(tmp, true)
	peer, _, err := linkByName(tmp)
	if err == nil && peer == nil {
		err = fmt.Errorf("veth peer %s vanished", tmp)
	}
	if err != nil {
		return fail(err)
	}
	if err := netlink.LinkSetMTU(peer, in.MTU); err != nil {
		return fail(err)
	}
	if err := moveAndConfigure(peer, in); err != nil {
		return fail(err)
	}
	host, _, err := linkByName(hostName)
	if err == nil {
		err = netlink.LinkSetUp(host)
	}
	if err != nil {
		return fail(err)
	}
	return nil
}

// peerName is the temporary host-namespace name of a veth's peer before
// it moves into its namespace and is renamed.
func peerName(hostName string) string {
	s := hostName + "p"
	if len(s) > unix.IFNAMSIZ-1 {
		s = s[len(s)-(unix.IFNAMSIZ-1):]
	}
	return s
}

// MoveInto moves the host link hostName (e.g. a TAP's netdev, which keeps
// working for the process holding its file descriptor) into in.Netns and
// configures it there. The link then lives and dies with the namespace
// and its holder, so it needs no record of its own.
func MoveInto(hostName string, in Interface) error {
	in.defaults()
	link, found, err := linkByName(hostName)
	if err == nil && !found {
		err = fmt.Errorf("no such link")
	}
	if err == nil {
		err = netlink.LinkSetMTU(link, in.MTU)
	}
	if err == nil {
		err = moveAndConfigure(link, in)
	}
	if err != nil {
		return fmt.Errorf("moving %s into %s: %w", hostName, in.Netns, err)
	}
	return nil
}

func moveAndConfigure(link netlink.Link, in Interface) error {
	ns, err := Handle(in.Netns)
	if err != nil {
		return err
	}
	err = netlink.LinkSetNsFd(link, int(ns))
	ns.Close()
	if err != nil {
		return fmt.Errorf("moving %s: %w", link.Attrs().Name, err)
	}
	return withHandle(in.Netns, func(h *netlink.Handle) error {
		inner, err := h.LinkByIndex(link.Attrs().Index)
		if err != nil {
			inner, err = h.LinkByName(link.Attrs().Name)
		}
		if err != nil {
			return err
		}
		return configure(h, inner, in)
	})
}

func configure(h *netlink.Handle, link netlink.Link, in Interface) error {
	if err := h.LinkSetName(link, in.Name); err != nil {
		return fmt.Errorf("renaming to %s: %w", in.Name, err)
	}
	if in.MAC != nil {
		if err := h.LinkSetHardwareAddr(link, in.MAC); err != nil {
			return fmt.Errorf("setting MAC %s: %w", in.MAC, err)
		}
	}
	if in.IPv4.IsValid() {
		if err := h.AddrAdd(link, addr(in.IPv4, 0)); err != nil {
			return fmt.Errorf("adding %s: %w", in.IPv4, err)
		}
	}
	for _, p := range in.SecondaryIPv4 {
		if err := h.AddrAdd(link, addr(p, 0)); err != nil {
			return fmt.Errorf("adding %s: %w", p, err)
		}
	}
	if in.IPv6.IsValid() {
		// NODAD: usable at once; the switch owns the subnet.
		if err := h.AddrAdd(link, addr(in.IPv6, unix.IFA_F_NODAD)); err != nil {
			return fmt.Errorf("adding %s: %w", in.IPv6, err)
		}
	}
	if err := h.LinkSetUp(link); err != nil {
		return fmt.Errorf("link up: %w", err)
	}
	for _, gw := range []netip.Addr{in.Gateway4, in.Gateway6} {
		if !gw.IsValid() {
			continue
		}
		r := &netlink.Route{LinkIndex: link.Attrs().Index, Gw: gw.AsSlice()}
		if err := h.RouteAdd(r); err != nil {
			return fmt.Errorf("default route via %s: %w", gw, err)
		}
	}
	return nil
}

func addr(p netip.Prefix, flags int) *netlink.Addr {
	return &netlink.Addr{
		IPNet: &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())},
		Flags: flags,
	}
}

// FindLink reports whether the host link name exists as owner made it
// (recorded for owner, same ifindex), for reusing a link that must stay
// as it is (a VM's TAP, which QEMU holds open). A link by that name that
// is not owner's fails with ErrNotOwned; no link is (false, nil).
func FindLink(name string, owner Owner) (bool, error) {
	r, err := readRecord(KindLink, name)
	if err != nil {
		return false, err
	}
	l, found, err := linkByName(name)
	switch {
	case err != nil || !found:
		return false, err
	case r == nil || r.Owner != owner || r.Ifindex != l.Attrs().Index:
		return false, notOwned(KindLink, name, owner, r)
	}
	return true, nil
}
