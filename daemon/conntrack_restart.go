package daemon

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"sgswitch/flowtable"
	"sgswitch/ruleset"
)

// ConntrackFile is the file in the state directory that carries the
// connection-tracking entries from a daemon that stopped gracefully to
// the next one (flowtable's snapshot format). The next start reads it and
// removes it: after a kill -9 of that next daemon, an older table must
// not come back, since its flows may have ended meanwhile.
const ConntrackFile = "conntrack.snap"

// conntrackKeeper is a Dataplane that can hand its connection-tracking
// entries to the next daemon (SwitchDataplane). An optional ability,
// found by type assertion, so other dataplanes need not have it.
type conntrackKeeper interface {
	SaveConntrack(wall time.Time) *flowtable.Snapshot
	RestoreConntrack(s *flowtable.Snapshot, wall time.Time) flowtable.RestoreStats
}

// saveConntrack writes the dataplane's entries to ConntrackFile
// atomically (temporary file, fsync, rename; mode 0600). Called when the
// daemon closes, after Run ended (no port moves packets any more).
func (d *Daemon) saveConntrack() {
	k, ok := d.dp.(conntrackKeeper)
	if !ok {
		return
	}
	s := k.SaveConntrack(time.Now())
	path := filepath.Join(d.cfg.StateDir, ConntrackFile)
	if err := writeAtomic(path, s.Encode); err != nil {
		d.log.Warn("conntrack entries not saved; tracked flows are judged again after the restart", "file", path, "err", err)
		return
	}
	d.log.Info("conntrack entries saved", "file", path, "entries", len(s.Entries))
}

func writeAtomic(path string, encode func(w io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".conntrack-*") // mode 0600
	if err != nil {
		return err
	}
	err = encode(tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
	}
	return err
}

// restoreConntrack loads ConntrackFile, if there is one, into the
// dataplane, and removes it. The ruleset is published first (zones need
// their timeouts) and ports attached after, so that the first packet of
// a restored flow finds its entry. A file that is not a valid snapshot
// is logged and ignored: the daemon starts as it would without it.
func (d *Daemon) restoreConntrack() {
	path := filepath.Join(d.cfg.StateDir, ConntrackFile)
	s, err := readConntrack(path)
	if errors.Is(err, fs.ErrNotExist) {
		return
	}
	if rerr := os.Remove(path); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
		d.log.Warn("removing the conntrack snapshot", "file", path, "err", rerr)
	}
	if err != nil {
		d.log.Warn("conntrack snapshot ignored: tracked flows of before the restart are judged again", "file", path, "err", err)
		return
	}
	k, ok := d.dp.(conntrackKeeper)
	if !ok {
		return
	}
	st := k.RestoreConntrack(s, time.Now())
	d.log.Info("conntrack entries restored", "file", path, "restored", st.Restored, "expired", st.Expired,
		"no-interface", st.NoZone, "refused", st.Refused, "gap", time.Since(s.Saved).Round(time.Millisecond))
}

// readConntrack reads a snapshot from a regular file (a FIFO or device
// there would block or never end) of bounded size.
func readConntrack(path string) (*flowtable.Snapshot, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file (%s)", path, fi.Mode().Type())
	}
	if fi.Size() > flowtable.MaxSnapshotBytes {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, flowtable.MaxSnapshotBytes)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return flowtable.ReadSnapshot(f)
}

// SaveConntrack implements conntrackKeeper: every entry of a published
// interface, its zone named by the interface id and its rule by the sgr-
// id in the interface's VPC.
func (p *SwitchDataplane) SaveConntrack(wall time.Time) *flowtable.Snapshot {
	zones := p.publishedZones()
	zoneName := func(z uint32) (string, bool) { e, ok := zones[z]; return e.id, ok }
	ruleName := func(z, r uint32) string {
		if e, ok := zones[z]; ok {
			return e.snap.RuleID(ruleset.RuleRef(r))
		}
		return ""
	}
	return p.sw.Flows().Save(p.clock.Now(), wall, zoneName, ruleName)
}

// RestoreConntrack implements conntrackKeeper against the published
// rulesets: entries of interfaces that no longer exist are dropped; a
// rule that no longer exists in the interface's VPC is remembered as none
// (its tracked flows still live on, as in EC2).
func (p *SwitchDataplane) RestoreConntrack(s *flowtable.Snapshot, wall time.Time) flowtable.RestoreStats {
	zones := p.publishedZones()
	byID := make(map[string]uint32, len(zones))
	for z, e := range zones {
		byID[e.id] = z
	}
	refs := map[*ruleset.Snapshot]map[string]uint32{} // each VPC's rule ids, read once
	ruleOf := func(z uint32, id string) uint32 {
		snap := zones[z].snap
		if snap == nil {
			return 0
		}
		if refs[snap] == nil {
			m := map[string]uint32{}
			for r := ruleset.RuleRef(1); snap.RuleID(r) != ""; r++ {
				m[snap.RuleID(r)] = uint32(r)
			}
			refs[snap] = m
		}
		return refs[snap][id]
	}
	zoneOf := func(id string) (uint32, bool) { z, ok := byID[id]; return z, ok }
	return p.sw.Flows().Restore(s, p.clock.Now(), wall, zoneOf, ruleOf)
}

// zoneOwner is the interface that owns a zone and its VPC's ruleset.
type zoneOwner struct {
	id   string
	snap *ruleset.Snapshot
}

// publishedZones maps every published interface's zone (the switch
// assigns them) to the interface and its VPC's snapshot.
func (p *SwitchDataplane) publishedZones() map[uint32]zoneOwner {
	zones := map[uint32]zoneOwner{}
	for _, snap := range p.sw.Snapshots() {
		for _, ci := range snap.Interfaces() {
			if z, ok := p.sw.Zone(ci.ID); ok {
				zones[z] = zoneOwner{ci.ID, snap}
			}
		}
	}
	return zones
}
