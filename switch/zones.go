package vswitch

import (
	"fmt"

	"sgswitch/flowtable"
	"sgswitch/ruleset"
)

// Each interface is its own conntrack zone, which the switch assigns
// (assignZones): an interface keeps its zone while it is published, and a
// zone freed by an interface that is gone goes to a new one. A zone that
// changes owner (or loses it) is emptied first: a new interface must not
// inherit the old one's tracked flows, which could otherwise admit traffic
// its own rules deny for as long as the old timeouts run (five days for
// established TCP). Runs on the control path.

// assignZones gives every interface of groups a zone below
// MaxInterfaces: the one it has; else its ruleset Index if that zone is
// free (so a switch of one VPC numbers zones as ruleset.State numbers its
// interfaces, which listings saved by older daemons assume); else the
// lowest free zone. An interface left without one, or published in two
// VPCs, is reported. s.mu held.
func (s *Switch) assignZones(groups map[string]*ruleset.Snapshot) (map[string]uint32, []error) {
	var errs []error
	var all []*ruleset.CompiledInterface
	seen := map[string]bool{}
	for _, id := range sortedKeys(groups) {
		for _, ci := range groups[id].Interfaces() {
			if seen[ci.ID] {
				errs = append(errs, fmt.Errorf("interface %s: published in two VPCs (kept in the first)", ci.ID))
				continue
			}
			seen[ci.ID] = true
			all = append(all, ci)
		}
	}
	zones := make(map[string]uint32, len(all))
	taken := map[uint32]bool{}
	for z, id := range s.zoneOwner {
		if seen[id] {
			zones[id], taken[z] = z, true
		}
	}
	var rest []*ruleset.CompiledInterface
	for _, ci := range all {
		if _, ok := zones[ci.ID]; ok {
			continue
		}
		if z := ci.Index; int(z) < s.cfg.MaxInterfaces && !taken[z] {
			zones[ci.ID], taken[z] = z, true
			continue
		}
		rest = append(rest, ci)
	}
	next := uint32(0)
	for _, ci := range rest {
		for taken[next] {
			next++
		}
		if int(next) >= s.cfg.MaxInterfaces {
			errs = append(errs, fmt.Errorf("interface %s: no conntrack zone left (MaxInterfaces %d)", ci.ID, s.cfg.MaxInterfaces))
			continue
		}
		zones[ci.ID], taken[next] = next, true
	}
	return zones, errs
}

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
// previous publication and zones (interface id → zone), releases them and
// records the new owners. s.mu held.
func (s *Switch) reassignedZones(zones map[string]uint32) map[uint32]bool {
	now := make(map[uint32]string, len(zones))
	for id, z := range zones {
		now[z] = id
	}
	changed := map[uint32]bool{}
	for z, id := range s.zoneOwner {
		if now[z] != id {
			changed[z] = true
			delete(s.zoneCfg, z)
			s.flows.ReleaseZone(z) // a new owner reserves afresh in PublishVPCs
		}
	}
	s.zoneOwner = now
	return changed
}
