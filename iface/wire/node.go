package wire

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"sgswitch/iface/tap"
)

// Node describes the eth0 one instance gets.
type Node struct {
	// Netns is the instance's namespace; it must exist (CreateNetns).
	Netns string
	// IfName is the interface name inside the namespace (default "eth0").
	IfName string
	// MAC is the interface's address (nil: the kernel picks one).
	MAC net.HardwareAddr
	// IPv4 is the address with the subnet's prefix length, e.g. 198.18.0.11/24.
	IPv4 netip.Prefix
	// IPv6 is optional, e.g. fd00:5e5e:0:1::11/64.
	IPv6 netip.Prefix
	// MTU of the interface (default 1500).
	MTU int
	// NoDefaultRoute skips the default routes via the VPC router.
	NoDefaultRoute bool
}

func (n *Node) defaults() {
	if n.IfName == "" {
		n.IfName = "eth0"
	}
	if n.MTU == 0 {
		n.MTU = 1500
	}
}

// Router returns the VPC router address of a subnet: its base address + 1.
func Router(p netip.Prefix) netip.Addr {
	return p.Masked().Addr().Next()
}

// WireTAP creates a TAP port named hostName, moves its netdev into n.Netns as
// n.IfName and configures it. The returned port keeps working after the move;
// closing it deletes the netdev.
func WireTAP(hostName string, n Node, opt tap.Options) (*tap.Port, error) {
	n.defaults()
	if opt.MTU == 0 {
		opt.MTU = n.MTU
	}
	p, err := tap.Open(hostName, opt)
	if err != nil {
		return nil, err
	}
	link, err := netlink.LinkByName(p.Name())
	if err == nil {
		err = netlink.LinkSetMTU(link, n.MTU)
	}
	if err == nil {
		err = moveAndConfigure(link, n)
	}
	if err != nil {
		p.Close()
		return nil, fmt.Errorf("wiring tap %s into %s: %w", hostName, n.Netns, err)
	}
	return p, nil
}

// WireVeth creates a veth pair: hostName stays in the host namespace (up,
// for an AF_XDP or AF_PACKET port), the peer becomes n.IfName in n.Netns with
// transmit checksum offload off (see the package comment).
func WireVeth(hostName string, n Node) error {
	n.defaults()
	tmp := peerName(hostName)
	veth := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: hostName, MTU: n.MTU}, PeerName: tmp}
	if err := netlink.LinkAdd(veth); err != nil {
		return fmt.Errorf("creating veth %s: %w", hostName, err)
	}
	fail := func(err error) error {
		_ = DeleteLink(hostName)
		return fmt.Errorf("wiring veth %s into %s: %w", hostName, n.Netns, err)
	}
	if err := SetTxChecksum(tmp, false); err != nil {
		return fail(err)
	}
	// GRO on the namespace end: what the port sends arrives MTU by MTU;
	// merging it there spares the receiving stack most of its per-segment
	// work. Best effort: not every kernel can switch it.
	_ = SetGRO(tmp, true)
	peer, err := netlink.LinkByName(tmp)
	if err != nil {
		return fail(err)
	}
	if err := netlink.LinkSetMTU(peer, n.MTU); err != nil {
		return fail(err)
	}
	if err := moveAndConfigure(peer, n); err != nil {
		return fail(err)
	}
	host, err := netlink.LinkByName(hostName)
	if err == nil {
		err = netlink.LinkSetUp(host)
	}
	if err != nil {
		return fail(err)
	}
	return nil
}

// peerName is the temporary host-namespace name of a veth's peer before it
// moves into the instance's namespace and is renamed.
func peerName(hostName string) string {
	s := hostName + "p"
	if len(s) > unix.IFNAMSIZ-1 {
		s = s[len(s)-(unix.IFNAMSIZ-1):]
	}
	return s
}

// moveAndConfigure moves link into n.Netns and configures it there.
func moveAndConfigure(link netlink.Link, n Node) error {
	ns, err := Handle(n.Netns)
	if err != nil {
		return err
	}
	defer ns.Close()
	if err := netlink.LinkSetNsFd(link, int(ns)); err != nil {
		return fmt.Errorf("moving %s: %w", link.Attrs().Name, err)
	}
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		return err
	}
	defer h.Close()
	in, err := h.LinkByIndex(link.Attrs().Index)
	if err != nil {
		in, err = h.LinkByName(link.Attrs().Name)
	}
	if err != nil {
		return err
	}
	return configure(h, in, n)
}

func configure(h *netlink.Handle, link netlink.Link, n Node) error {
	if err := h.LinkSetName(link, n.IfName); err != nil {
		return fmt.Errorf("renaming to %s: %w", n.IfName, err)
	}
	if n.MAC != nil {
		if err := h.LinkSetHardwareAddr(link, n.MAC); err != nil {
			return fmt.Errorf("setting MAC %s: %w", n.MAC, err)
		}
	}
	if n.IPv4.IsValid() {
		if err := h.AddrAdd(link, addr(n.IPv4, 0)); err != nil {
			return fmt.Errorf("adding %s: %w", n.IPv4, err)
		}
	}
	if n.IPv6.IsValid() {
		// NODAD: the address is usable at once; the switch owns the subnet.
		if err := h.AddrAdd(link, addr(n.IPv6, unix.IFA_F_NODAD)); err != nil {
			return fmt.Errorf("adding %s: %w", n.IPv6, err)
		}
	}
	if err := h.LinkSetUp(link); err != nil {
		return fmt.Errorf("link up: %w", err)
	}
	if n.NoDefaultRoute {
		return nil
	}
	for _, p := range []netip.Prefix{n.IPv4, n.IPv6} {
		if !p.IsValid() {
			continue
		}
		gw := Router(p)
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

func linkUpLoopback(nsName string) error {
	ns, err := Handle(nsName)
	if err != nil {
		return err
	}
	defer ns.Close()
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		return err
	}
	defer h.Close()
	lo, err := h.LinkByName("lo")
	if err == nil {
		err = h.LinkSetUp(lo)
	}
	if err != nil {
		return fmt.Errorf("netns %s: lo up: %w", nsName, err)
	}
	return nil
}

// DeleteLink deletes a host-namespace link by name; a missing link is not
// an error. Deleting one end of a veth deletes both.
func DeleteLink(name string) error {
	l, err := netlink.LinkByName(name)
	if err != nil {
		var nf netlink.LinkNotFoundError
		if errors.As(err, &nf) {
			return nil
		}
		return err
	}
	if err := netlink.LinkDel(l); err != nil {
		return fmt.Errorf("deleting link %s: %w", name, err)
	}
	return nil
}

// ListLinks returns the host-namespace links whose names start with prefix.
func ListLinks(prefix string) ([]string, error) {
	links, err := retryDump(netlink.LinkList)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, l := range links {
		if strings.HasPrefix(l.Attrs().Name, prefix) {
			names = append(names, l.Attrs().Name)
		}
	}
	return names, nil
}

// Teardown deletes every namespace and host link whose name starts with
// prefix. It keeps going past errors and returns them joined.
func Teardown(prefix string) error {
	if prefix == "" {
		return errors.New("teardown: empty prefix would remove everything")
	}
	var errs []error
	links, err := ListLinks(prefix)
	errs = append(errs, err)
	for _, l := range links {
		errs = append(errs, DeleteLink(l))
	}
	nss, err := ListNetns(prefix)
	errs = append(errs, err)
	for _, n := range nss {
		errs = append(errs, DeleteNetns(n))
	}
	return errors.Join(errs...)
}
