package vswitch

import (
	"sgswitch/iface"
	"sgswitch/packet"
)

// maxAnnounce bounds the frames one Announce sends.
const maxAnnounce = 256

// Announce sends the instance behind eniID's port an ARP reply for each
// IPv4 neighbour it may be resolving: the VPC router and resolver and
// every other interface's addresses. It is for a port that was re-attached
// after a restart: while no process held the TAP, its carrier was off,
// the instance's kernel flushed its neighbour cache and its ARP requests
// went nowhere, so it would wait out its retransmit timer (1 s) before
// asking again. Linux takes a reply for an address it is resolving (an
// incomplete entry) and ignores the others (arp_accept off), so the
// replies only finish what the instance started. Best effort; it returns
// how many frames the port took. Safe while Run runs.
func (s *Switch) Announce(eniID string) (int, error) {
	v := s.view.Load()
	if v == nil {
		return 0, nil
	}
	dst := v.byID[eniID]
	if dst == nil || len(dst.v4) == 0 {
		return 0, nil
	}
	ps := dst.eni.port.Load()
	if ps == nil {
		return 0, nil
	}
	type neighbour struct {
		ip  [4]byte
		mac [6]byte
	}
	var ns []neighbour
	if v.subnet4.IsValid() {
		ns = append(ns, neighbour{v.router4, v.routerMAC}, neighbour{v.dns4, v.routerMAC})
	}
	for _, e := range v.byIndex {
		if e == nil || e == dst {
			continue
		}
		for _, a := range e.v4 {
			ns = append(ns, neighbour{a, e.mac})
		}
	}
	ns = ns[:min(len(ns), maxAnnounce)]
	bufs := make([][]byte, 0, len(ns))
	for _, n := range ns {
		b := make([]byte, off+packet.ARPReplyLen)
		packet.BuildARPReply(b[off:], n.mac, n.ip, dst.mac, dst.v4[0])
		if ps.gso {
			clear(b[off-iface.VirtioNetHdrLen : off]) // a plain frame
		}
		bufs = append(bufs, b)
	}
	sent := 0
	ps.txMu.Lock()
	defer ps.txMu.Unlock()
	for len(bufs) > 0 { // in batches the port takes
		n := min(len(bufs), ps.port.BatchSize())
		k, err := ps.port.Write(bufs[:n], off)
		sent += k
		if err != nil {
			return sent, err
		}
		bufs = bufs[n:]
	}
	return sent, nil
}
