package netns

import (
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// ErrNotAttachable is returned (wrapped, with the reason) when a host
// interface must not be handed to the switch.
var ErrNotAttachable = errors.New("not attachable")

// ErrNoInterface is returned (wrapped) when the interface does not exist.
var ErrNoInterface = errors.New("no such interface")

// Claim checks that the existing host interface name may be attached to
// the switch for owner (a `kind: vm` node), and records the claim so that
// no other lab attaches it too. It refuses, naming the reason:
//   - loopback;
//   - an interface with a global address (anything but IPv4 169.254/16 and
//     IPv6 link-local) or with a route through it (the host's uplink, a
//     bridge someone configured): the switch would take its traffic;
//   - a bridge or bond member, or one with an XDP program: another
//     program drives it;
//   - a link sgswitch created, or an interface another lab claimed.
//
// Claiming again for the same owner is fine (re-attaching after a
// restart). The claim goes with Release or RemoveAll; the interface
// itself is never deleted.
func Claim(name string, owner Owner) error {
	r, err := readRecord(KindClaim, name)
	if err != nil {
		return err
	}
	l, found, err := linkByName(name)
	if err != nil {
		return err
	}
	if !found {
		return fmt.Errorf("interface %q: %w", name, ErrNoInterface)
	}
	if r != nil && r.Owner != owner && r.Ifindex == l.Attrs().Index {
		return fmt.Errorf("interface %s: %w: %s attaches it already", name, ErrNotAttachable, r.Owner)
	}
	if err := attachable(l); err != nil {
		return fmt.Errorf("interface %s: %w: %v", name, ErrNotAttachable, err)
	}
	return writeRecord(Record{Kind: KindClaim, Name: name, Owner: owner, PID: os.Getpid(), Ifindex: l.Attrs().Index, Created: time.Now().UTC()})
}

// Release drops owner's claim on the interface; another owner's claim
// stays (ErrNotOwned).
func Release(name string, owner Owner) error {
	r, err := readRecord(KindClaim, name)
	if err != nil || r == nil {
		return err
	}
	if r.Owner != owner {
		return notOwned(KindClaim, name, owner, r)
	}
	return removeRecord(KindClaim, name)
}

// attachable says why l must not be attached, or nil.
func attachable(l netlink.Link) error {
	a := l.Attrs()
	if a.Flags&net.FlagLoopback != 0 {
		return errors.New("it is a loopback interface")
	}
	if r, _ := readRecord(KindLink, a.Name); r != nil && r.Ifindex == a.Index {
		return fmt.Errorf("sgswitch created it for %s", r.Owner)
	}
	if a.MasterIndex != 0 {
		return fmt.Errorf("it is a member of bridge or bond #%d", a.MasterIndex)
	}
	if a.Xdp != nil && a.Xdp.Attached {
		return errors.New("an XDP program is attached to it")
	}
	addrs, err := retryDump(func() ([]netlink.Addr, error) { return netlink.AddrList(l, netlink.FAMILY_ALL) })
	if err != nil {
		return err
	}
	for _, ad := range addrs {
		if ad.IP.IsLinkLocalUnicast() {
			continue
		}
		return fmt.Errorf("it carries the address %s (the host uses it)", ad.IPNet)
	}
	routes, err := routesVia(a.Index)
	if err != nil {
		return err
	}
	if len(routes) > 0 {
		return fmt.Errorf("the host routes %s through it", routes[0])
	}
	return nil
}

// routesVia lists the destinations of routes through the link in every
// table but "local", leaving out what the kernel adds to any link that is
// up (IPv6 link-local and multicast).
func routesVia(index int) ([]string, error) {
	filter := &netlink.Route{LinkIndex: index, Table: unix.RT_TABLE_UNSPEC}
	routes, err := retryDump(func() ([]netlink.Route, error) {
		return netlink.RouteListFiltered(netlink.FAMILY_ALL, filter, netlink.RT_FILTER_OIF|netlink.RT_FILTER_TABLE)
	})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, r := range routes {
		if r.Table == unix.RT_TABLE_LOCAL {
			continue
		}
		if r.Dst != nil && (r.Dst.IP.IsLinkLocalUnicast() || r.Dst.IP.IsMulticast()) {
			continue
		}
		if r.Dst == nil {
			out = append(out, "default")
			continue
		}
		out = append(out, r.Dst.String())
	}
	return out, nil
}
