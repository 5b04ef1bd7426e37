package trace

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"

	"sgswitch/account"
)

// resolve fills in the family, protocol, the sender (by id or by the
// owner of the source address), both addresses, and refuses traffic the
// switch does not filter.
func (w *walker) resolve() error {
	q, r := w.q, &w.res
	r.Family = q.Family
	if r.Family == 0 {
		r.Family = 4
		if q.From.Addr.Is6() || q.To.Addr.Is6() {
			r.Family = 6
		}
	}
	if r.Family != 4 && r.Family != 6 {
		return fmt.Errorf("family %d: want 4 or 6", r.Family)
	}
	p, err := protoNumber(q.Proto, r.Family)
	if err != nil {
		return err
	}
	r.Proto, r.Port, r.SourcePort = p, q.Port, "any"
	if q.SourcePort != 0 {
		r.SourcePort = strconv.Itoa(int(q.SourcePort))
	}
	if err := w.resolveSender(); err != nil {
		return err
	}
	if r.Destination = q.To.Addr; !r.Destination.IsValid() {
		if r.Destination, err = w.primary(q.To.Interface); err != nil {
			return err
		}
	}
	if r.Source.Is4() != r.Destination.Is4() || r.Source.Is4() != (r.Family == 4) {
		return fmt.Errorf("source %s and destination %s are not both IPv%d", r.Source, r.Destination, r.Family)
	}
	return w.refuseServices()
}

// resolveSender finds the sending interface, its VPC and its placement.
func (w *walker) resolveSender() error {
	from, r := w.q.From, &w.res
	id := from.Interface
	if id == "" {
		if !from.Addr.IsValid() {
			return errors.New("the source names neither an interface nor an address")
		}
		for _, v := range w.acct.VPCs() {
			if ci := w.c.Groups[v].InterfaceByAddr(from.Addr); ci != nil {
				id = ci.ID
			}
		}
		if id == "" {
			return fmt.Errorf("%w owns %s: name the sending interface", ErrNoInterface, from.Addr)
		}
	}
	if err := w.place(id); err != nil {
		return err
	}
	r.From = id
	if r.Source = from.Addr; !r.Source.IsValid() {
		var err error
		r.Source, err = w.primary(id)
		return err
	}
	return nil
}

// place sets the sender's VPC, compiled groups and placement.
func (w *walker) place(id string) error {
	v, ok := w.acct.VPCOfInterface(id)
	if !ok {
		return fmt.Errorf("%w: %s", ErrNoInterface, id)
	}
	w.vpcID, w.snap = v, w.c.Groups[v]
	w.srcCI, w.src = w.snap.InterfaceByID(id), w.c.Topology.Interface(id)
	if w.srcCI == nil || w.src == nil {
		return fmt.Errorf("%w: %s is not placed in a subnet", ErrNoInterface, id)
	}
	return nil
}

// primary is an interface's first address of the query's family.
func (w *walker) primary(id string) (netip.Addr, error) {
	ci := w.c.Topology.Interface(id)
	if ci == nil {
		return netip.Addr{}, fmt.Errorf("%w: %s", ErrNoInterface, id)
	}
	as := ci.IPv4
	if w.res.Family == 6 {
		as = ci.IPv6
	}
	if len(as) == 0 {
		return netip.Addr{}, fmt.Errorf("%s has no IPv%d address", id, w.res.Family)
	}
	return as[0], nil
}

// fdEC2 holds the IPv6 link-local services (DNS, metadata, time).
var fdEC2 = netip.MustParsePrefix("fd00:ec2::/64")

// refuseServices: the link-local services and the subnet's router and
// resolver are answered by the switch, not filtered (spec 1.6).
func (w *walker) refuseServices() error {
	d, s := w.res.Destination, w.src.Subnet
	if d.IsLinkLocalUnicast() || fdEC2.Contains(d) || d == s.Router || d == s.DNS {
		return fmt.Errorf("%s is a VPC service the switch answers itself, unfiltered: nothing to trace", d)
	}
	return nil
}

// Sender picks, among one instance's interfaces (ids, the primary first),
// the one its kernel sends to dst from when no source is chosen: the
// interface whose subnet holds dst, else the first.
func Sender(acct *account.Account, ids []string, dst netip.Addr) string {
	topo := account.NewCompilers().Compile(acct).Topology
	for _, id := range ids {
		if ci := topo.Interface(id); ci != nil && inSubnet(ci.Subnet, dst) {
			return id
		}
	}
	if len(ids) == 0 {
		return ""
	}
	return ids[0]
}
