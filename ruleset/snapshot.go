package ruleset

import (
	"net"
	"net/netip"
)

// RuleRef names the rule that allowed a packet. It is stable for the life of
// the Compiler that made it (a rule keeps its RuleRef across versions);
// 0 means "no rule". Snapshot.RuleID turns it back into an sgr- id.
type RuleRef uint32

// Query is one packet to classify, seen from the interface: Remote is the
// source address for In, the destination for Out.
type Query struct {
	Family   uint8    // 4 or 6
	Proto    uint8    // IP protocol number
	Remote   [16]byte // IPv4 in the first 4 bytes
	Port     uint16   // the packet's destination port (TCP/UDP), both directions
	ICMPType uint8    // ICMP / ICMPv6 only
	ICMPCode uint8
}

// SetRemote sets Family and Remote from an address.
func (q *Query) SetRemote(a netip.Addr) {
	q.Remote = [16]byte{}
	if a.Is4() || a.Is4In6() {
		q.Family = 4
		b := a.Unmap().As4()
		copy(q.Remote[:4], b[:])
		return
	}
	q.Family = 6
	q.Remote = a.As16()
}

// Verdict is the answer for a query.
type Verdict struct {
	Allowed bool
	Tracked bool    // meaningful when Allowed; see the package comment (spec 2.2)
	Rule    RuleRef // a rule that allowed the packet
}

// CompiledInterface is the compiled form of one interface: its identity and
// one classifier per direction. Immutable.
type CompiledInterface struct {
	ID         string
	Name       string // Name tag (lab node name)
	Index      uint32 // dense and stable for the interface's life
	MAC        [6]byte
	IPv4, IPv6 []netip.Addr
	Groups     []string
	In, Out    *Classifier
	Conntrack  ConntrackSpec // defaults filled in
	Allowances Allowances    // defaults filled in: ConntrackMax is never 0
}

// Snapshot is one immutable, complete version of the compiled ruleset.
// Publish it with atomic.Pointer; never modify it.
type Snapshot struct {
	// Generation increases with every Compile of the same Compiler; flow
	// entries store it to notice a newer ruleset.
	Generation uint64

	vpc        VPCInfo
	ifaces     []*CompiledInterface // creation order
	byIndex    []*CompiledInterface // by Index (nil holes)
	byID       map[string]*CompiledInterface
	byAddr     map[netip.Addr]*CompiledInterface
	ruleIDs    []string // RuleRef → sgr- id (shared, append-only)
	ruleGroups []string // RuleRef → sg- id
}

// VPC describes the VPC the snapshot was compiled from.
func (s *Snapshot) VPC() VPCInfo { return s.vpc }

// Interfaces lists the compiled interfaces in creation order. Do not modify.
func (s *Snapshot) Interfaces() []*CompiledInterface { return s.ifaces }

// InterfaceByID returns the interface with an eni- id, or nil.
func (s *Snapshot) InterfaceByID(id string) *CompiledInterface { return s.byID[id] }

// InterfaceByIndex returns the interface with an Index, or nil.
func (s *Snapshot) InterfaceByIndex(i uint32) *CompiledInterface {
	if int(i) < len(s.byIndex) {
		return s.byIndex[i]
	}
	return nil
}

// InterfaceByAddr returns the interface owning a private address, or nil.
func (s *Snapshot) InterfaceByAddr(a netip.Addr) *CompiledInterface { return s.byAddr[a.Unmap()] }

// RuleID returns the sgr- id of a RuleRef ("" for 0 or unknown).
func (s *Snapshot) RuleID(r RuleRef) string {
	if int(r) < len(s.ruleIDs) {
		return s.ruleIDs[r]
	}
	return ""
}

// RuleGroup returns the sg- id of the group a RuleRef belongs to.
func (s *Snapshot) RuleGroup(r RuleRef) string {
	if int(r) < len(s.ruleGroups) {
		return s.ruleGroups[r]
	}
	return ""
}

func macBytes(s string) [6]byte {
	var m [6]byte
	hw, err := net.ParseMAC(s)
	if err == nil && len(hw) == 6 {
		copy(m[:], hw)
	}
	return m
}
