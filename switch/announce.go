package vswitch

import (
	"sgswitch/iface"
	"sgswitch/packet"
)

// maxAnnounce bounds the frames one Announce sends; announceFrameMax is
// the room for one (an ARP reply or a neighbour advertisement).
const (
	maxAnnounce      = 256
	announceFrameMax = max(packet.ARPReplyLen, packet.NeighborAdvertLen)
)

// Announce sends the instance behind eniID's port an ARP reply for each
// IPv4 neighbour it may be resolving (the VPC router and resolver, every
// other interface's addresses) and an unsolicited neighbour advertisement
// for each IPv6 one (the router's subnet and link-local addresses, every
// other interface's). It is for a port that was re-attached
// after a restart: while no process held the TAP, its carrier was off,
// the instance's kernel flushed its neighbour cache and its ARP requests
// went nowhere, so it would wait out its retransmit timer (1 s) before
// asking again. Linux takes a reply or advertisement for an address it
// is resolving (an incomplete entry) and ignores the others (arp_accept
// and accept_untracked_na off), so they only finish what the instance
// started. Best effort; it returns
// how many frames the port took. Safe while Run runs.
func (s *Switch) Announce(eniID string) (int, error) {
	v := s.view.Load()
	if v == nil {
		return 0, nil
	}
	dst := v.byID[eniID]
	if dst == nil {
		return 0, nil
	}
	ps := dst.eni.port.Load()
	if ps == nil {
		return 0, nil
	}
	var bufs [][]byte
	add := func(build func(b []byte) int) {
		if len(bufs) == maxAnnounce {
			return
		}
		b := make([]byte, off+announceFrameMax)
		b = b[:off+build(b[off:])]
		if ps.gso {
			clear(b[off-iface.VirtioNetHdrLen : off]) // a plain frame
		}
		bufs = append(bufs, b)
	}
	arp := func(ip [4]byte, mac [6]byte) {
		add(func(b []byte) int { return packet.BuildARPReply(b, mac, ip, dst.mac, dst.v4[0]) })
	}
	// IPv6: unsolicited advertisements (override, not solicited), which
	// complete an incomplete entry the same way.
	na := func(ip [16]byte, mac [6]byte, flags uint8) {
		add(func(b []byte) int {
			return packet.BuildNeighborAdvert(b, mac, ip, dst.mac, dst.v6[0], flags|packet.NAOverride)
		})
	}
	sn := dst.subnet
	if len(dst.v4) > 0 && sn.prefix4.IsValid() {
		arp(sn.router4, v.routerMAC)
		arp(sn.dns4, v.routerMAC)
	}
	if len(dst.v6) > 0 && sn.prefix6.IsValid() {
		na(sn.router6, v.routerMAC, packet.NARouter)
		na(routerLinkLocal, v.routerMAC, packet.NARouter)
	}
	for _, e := range v.byZone {
		// Only neighbours on the link: other subnets are behind the router.
		if e == nil || e == dst || e.subnet != sn {
			continue
		}
		for _, a := range e.v4 {
			if len(dst.v4) > 0 {
				arp(a, e.mac)
			}
		}
		for _, a := range e.v6 {
			if len(dst.v6) > 0 {
				na(a, e.mac, 0)
			}
		}
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
