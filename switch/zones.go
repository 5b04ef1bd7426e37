package vswitch

import "sgswitch/flowtable"

// Each interface's conntrack zone is its CompiledInterface.Index. The
// ruleset reuses the index of a deleted interface for a new one, so when a
// zone changes owner (or loses it) Publish empties it first: a new
// interface must not inherit the old one's tracked flows, which could
// otherwise admit traffic its own rules deny for as long as the old
// timeouts run (five days for established TCP). Runs on the control path.

// flushZones deletes every flow-table entry in the given zones and returns
// how many it deleted.
func (s *Switch) flushZones(zones map[uint32]bool) int {
	if len(zones) == 0 {
		return 0
	}
	n := 0
	for info := range s.flows.Entries(s.cfg.Clock.Now()) {
		z := info.Key.Zone()
		if !zones[z] {
			continue
		}
		src, dst, sport, dport := info.Origin()
		pi := flowtable.PacketInfo{Zone: z, Family: info.Key.Family(), Proto: info.Key.Proto(), Src: src, Dst: dst}
		switch pi.Proto {
		case flowtable.ProtoICMP, flowtable.ProtoICMPv6:
			pi.ICMPID, pi.ICMPType = sport, uint8(dport) // the id and the request type
		default:
			pi.SrcPort, pi.DstPort = sport, dport
		}
		if f, ok := s.flows.Lookup(&pi); ok && s.flows.Delete(f) {
			n++
		}
	}
	return n
}

// reassignedZones returns the zones whose owner differs between the
// previous publication (owners) and the interfaces now published, and
// updates owners. s.mu held.
func (s *Switch) reassignedZones(now map[uint32]string) map[uint32]bool {
	changed := map[uint32]bool{}
	for z, id := range s.zoneOwner {
		if now[z] != id {
			changed[z] = true
			delete(s.zoneCfg, z)
			s.flows.ReleaseZone(z) // a new owner reserves afresh in Publish
		}
	}
	s.zoneOwner = now
	return changed
}
