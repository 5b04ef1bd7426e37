package ruleset

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"
)

// VPCConfig configures the one VPC of a State.
type VPCConfig struct {
	VpcId    string       `json:"VpcId,omitempty"`    // default derived from IDSeed
	SubnetId string       `json:"SubnetId,omitempty"` // default derived from IDSeed
	OwnerId  string       `json:"OwnerId,omitempty"`  // default DefaultOwnerID
	Region   string       `json:"Region,omitempty"`   // default "us-east-1"
	CIDR     netip.Prefix `json:"CIDR"`               // the IPv4 subnet (required)
	IPv6CIDR netip.Prefix `json:"IPv6CIDR,omitzero"`  // optional: the VPC "has IPv6"
	// DefaultVPC makes Revoke* by IpPermissions report unknown permissions
	// instead of failing with InvalidPermission.NotFound (EC2's default-VPC
	// behaviour). Off by default: sgswitch's VPC is a non-default VPC.
	DefaultVPC bool `json:"DefaultVPC,omitempty"`
	// IDSeed makes every generated id (sg-, sgr-, pl-, eni-, MAC)
	// deterministic. 0: a random seed is chosen (and kept in the Spec).
	IDSeed uint64 `json:"IDSeed,omitempty"`
	// Quotas; 0 = EC2's default.
	GroupsPerInterface int `json:"GroupsPerInterface,omitempty"` // 5, adjustable 1..16
	RulesPerGroup      int `json:"RulesPerGroup,omitempty"`      // 60 per direction per family
	GroupsPerVPC       int `json:"GroupsPerVPC,omitempty"`       // 2500
	// LiftQuotas disables the quota checks (benchmarks with 10,000 rules).
	LiftQuotas bool `json:"LiftQuotas,omitempty"`
}

// DefaultOwnerID is the account id of a VPC whose config names none.
const DefaultOwnerID = "123456789012"

// Owner is the account id that owns the VPC (and so its groups, interfaces
// and flow-log records): OwnerId, or DefaultOwnerID when that is empty.
func (c VPCConfig) Owner() string {
	if c.OwnerId != "" {
		return c.OwnerId
	}
	return DefaultOwnerID
}

// EC2 default quotas.
const (
	DefaultGroupsPerInterface = 5
	MaxGroupsPerInterface     = 16
	DefaultRulesPerGroup      = 60
	DefaultGroupsPerVPC       = 2500
	MaxRulesTimesGroups       = 1000
)

// Spec is the whole State as plain JSON-serialisable data. StateFromSpec(s.Spec())
// gives back an identical State (ids, counters and tags included).
type Spec struct {
	VPC         VPCConfig        `json:"VPC"`
	IDCounter   uint64           `json:"IDCounter"`
	Groups      []GroupSpec      `json:"Groups"`
	PrefixLists []PrefixListSpec `json:"PrefixLists"`
	Interfaces  []InterfaceSpec  `json:"Interfaces"`
}

// GroupSpec is one security group with its rules.
type GroupSpec struct {
	ID          string     `json:"ID"`
	Name        string     `json:"Name"`
	Description string     `json:"Description"`
	Default     bool       `json:"Default,omitempty"`
	Tags        []Tag      `json:"Tags,omitempty"`
	Ingress     []RuleSpec `json:"Ingress"`
	Egress      []RuleSpec `json:"Egress"`
}

// RuleSpec is one rule in canonical form: Protocol is "-1", "tcp", "udp",
// "icmp", "icmpv6" or a decimal protocol number; FromPort/ToPort are -1
// where the protocol has no ports; exactly one peer field is set, and a CIDR
// is stored canonical (host bits cleared).
type RuleSpec struct {
	ID                string  `json:"ID"`
	Protocol          string  `json:"Protocol"`
	FromPort          int32   `json:"FromPort"`
	ToPort            int32   `json:"ToPort"`
	CidrIpv4          string  `json:"CidrIpv4,omitempty"`
	CidrIpv6          string  `json:"CidrIpv6,omitempty"`
	PrefixListId      string  `json:"PrefixListId,omitempty"`
	ReferencedGroupId string  `json:"ReferencedGroupId,omitempty"`
	Description       *string `json:"Description,omitempty"`
	Tags              []Tag   `json:"Tags,omitempty"`
}

// PrefixListSpec is a customer-managed prefix list.
type PrefixListSpec struct {
	ID            string            `json:"ID"`
	Name          string            `json:"Name"`
	AddressFamily string            `json:"AddressFamily"` // "IPv4" or "IPv6"
	MaxEntries    int32             `json:"MaxEntries"`
	Version       int64             `json:"Version"`
	Entries       []PrefixListEntry `json:"Entries"`
	Tags          []Tag             `json:"Tags,omitempty"`
	// History holds the entries of earlier versions, oldest first, at most
	// MaxPrefixListHistory of them (GetManagedPrefixListEntries'
	// TargetVersion and RestoreManagedPrefixListVersion read it).
	History []PrefixListVersion `json:"History,omitempty"`
}

// PrefixListVersion is the entries a prefix list had at one version.
type PrefixListVersion struct {
	Version int64             `json:"Version"`
	Entries []PrefixListEntry `json:"Entries"`
}

// InterfaceSpec is one network interface.
type InterfaceSpec struct {
	ID          string        `json:"ID"`
	Index       uint32        `json:"Index"` // dense, stable, from 0
	Name        string        `json:"Name,omitempty"`
	Description string        `json:"Description,omitempty"`
	MAC         string        `json:"MAC"`
	IPv4        []netip.Addr  `json:"IPv4"`
	IPv6        []netip.Addr  `json:"IPv6,omitempty"`
	Groups      []string      `json:"Groups"`
	Conntrack   ConntrackSpec `json:"Conntrack"`
	Allowances  Allowances    `json:"Allowances"`
	Tags        []Tag         `json:"Tags,omitempty"` // besides Name
	// InstanceType is the lab node's instance type; it picks the
	// allowances the interface does not name (allowances.go).
	InstanceType string `json:"InstanceType,omitempty"`
	// AttachedTo names the instance the interface is attached to (a lab
	// node, "lab/node"); empty: the interface is available.
	AttachedTo string `json:"AttachedTo,omitempty"`
	// DeviceIndex is the attachment's device index (0: the instance's
	// primary interface; a lab node's ethN has N). 0 when available.
	DeviceIndex int32 `json:"DeviceIndex,omitempty"`
}

// State is one VPC's mutable model. It is NOT safe for concurrent use:
// callers serialise (the daemon mutates a Clone and swaps it in).
// Every mutating method either succeeds entirely or changes nothing.
type State struct {
	s Spec
	// indexes into s, rebuilt by reindex after structural changes
	groupByID map[string]int
	plByID    map[string]int
	eniByID   map[string]int
	// flowBudget is the switch's flow-table size (SetFlowBudget); not in s.
	flowBudget int64
	// stamp identifies this version of the State; j is what changed
	// since it was cloned (journal.go).
	stamp uint64
	j     journal
}

// NewState makes a State with the VPC's default group.
func NewState(cfg VPCConfig) (*State, error) {
	if !cfg.CIDR.IsValid() || !cfg.CIDR.Addr().Is4() {
		return nil, errorf(CodeInvalidParameterValue, "Value (%s) for parameter cidrBlock is invalid. This is not a valid CIDR block.", cfg.CIDR)
	}
	cfg.CIDR = cfg.CIDR.Masked()
	if cfg.IPv6CIDR.IsValid() {
		if !cfg.IPv6CIDR.Addr().Is6() || cfg.IPv6CIDR.Addr().Is4In6() {
			return nil, errorf(CodeInvalidParameterValue, "Value (%s) for parameter ipv6CidrBlock is invalid. This is not a valid IPv6 CIDR block.", cfg.IPv6CIDR)
		}
		cfg.IPv6CIDR = cfg.IPv6CIDR.Masked()
	}
	if cfg.IDSeed == 0 {
		var b [8]byte
		_, _ = rand.Read(b[:])
		cfg.IDSeed = binary.LittleEndian.Uint64(b[:]) | 1
	}
	if err := checkQuotaConfig(&cfg); err != nil {
		return nil, err
	}
	st := &State{s: Spec{VPC: cfg}, stamp: newStamp()}
	if st.s.VPC.VpcId == "" {
		st.s.VPC.VpcId = st.newID("vpc-")
	}
	if st.s.VPC.SubnetId == "" {
		st.s.VPC.SubnetId = st.newID("subnet-")
	}
	st.s.VPC.OwnerId = cfg.Owner()
	if st.s.VPC.Region == "" {
		st.s.VPC.Region = "us-east-1"
	}
	def := GroupSpec{ID: st.newID("sg-"), Name: "default", Description: "default VPC security group", Default: true}
	def.Ingress = []RuleSpec{{ID: st.newID("sgr-"), Protocol: "-1", FromPort: -1, ToPort: -1, ReferencedGroupId: def.ID}}
	def.Egress = st.defaultEgress()
	st.s.Groups = append(st.s.Groups, def)
	st.reindex()
	return st, nil
}

func checkQuotaConfig(cfg *VPCConfig) error {
	if cfg.GroupsPerInterface == 0 {
		cfg.GroupsPerInterface = DefaultGroupsPerInterface
	}
	if cfg.RulesPerGroup == 0 {
		cfg.RulesPerGroup = DefaultRulesPerGroup
	}
	if cfg.GroupsPerVPC == 0 {
		cfg.GroupsPerVPC = DefaultGroupsPerVPC
	}
	if cfg.LiftQuotas {
		return nil
	}
	if cfg.GroupsPerInterface < 1 || cfg.GroupsPerInterface > MaxGroupsPerInterface {
		return errorf(CodeInvalidParameterValue, "The quota for security groups per network interface must be between 1 and %d, not %d", MaxGroupsPerInterface, cfg.GroupsPerInterface)
	}
	if cfg.RulesPerGroup < 1 || cfg.RulesPerGroup*cfg.GroupsPerInterface > MaxRulesTimesGroups {
		return errorf(CodeInvalidParameterValue, "The quota for rules per security group (%d) multiplied by the quota for security groups per network interface (%d) cannot exceed %d", cfg.RulesPerGroup, cfg.GroupsPerInterface, MaxRulesTimesGroups)
	}
	return nil
}

// defaultEgress is the outbound rule set of a new group: all to 0.0.0.0/0,
// plus ::/0 when the VPC has IPv6.
func (st *State) defaultEgress() []RuleSpec {
	rs := []RuleSpec{{ID: st.newID("sgr-"), Protocol: "-1", FromPort: -1, ToPort: -1, CidrIpv4: "0.0.0.0/0"}}
	if st.s.VPC.IPv6CIDR.IsValid() {
		rs = append(rs, RuleSpec{ID: st.newID("sgr-"), Protocol: "-1", FromPort: -1, ToPort: -1, CidrIpv6: "::/0"})
	}
	return rs
}

// newID returns prefix + 17 hex digits (8 for vpc-/subnet- style ids are
// also 17 today). The sequence is a function of IDSeed and the counter, so a
// seeded State gives the same ids every run.
func (st *State) newID(prefix string) string {
	st.touchVPC()
	st.s.IDCounter++
	x := splitmix(st.s.VPC.IDSeed + st.s.IDCounter*0x9e3779b97f4a7c15)
	y := splitmix(x)
	return fmt.Sprintf("%s%x%016x", prefix, y&0xf, x)
}

func splitmix(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func (st *State) reindex() {
	st.groupByID = make(map[string]int, len(st.s.Groups))
	for i, g := range st.s.Groups {
		st.groupByID[g.ID] = i
	}
	st.plByID = make(map[string]int, len(st.s.PrefixLists))
	for i, p := range st.s.PrefixLists {
		st.plByID[p.ID] = i
	}
	st.eniByID = make(map[string]int, len(st.s.Interfaces))
	for i, e := range st.s.Interfaces {
		st.eniByID[e.ID] = i
	}
}

// Spec returns a deep copy of the state as plain data.
func (st *State) Spec() Spec { return cloneSpec(st.s) }

// View returns the state's own Spec, without the copy Spec makes, for a
// caller that only reads it while st does not change (the daemon's store
// reading the objects a change touched, which at 50,000 rules would
// otherwise spend most of a write copying). It must not be modified or
// kept.
func (st *State) View() *Spec { return &st.s }

// StateFromSpec rebuilds a State from Spec (as persisted).
func StateFromSpec(sp Spec) (*State, error) {
	cfg := sp.VPC
	if err := checkQuotaConfig(&cfg); err != nil {
		return nil, err
	}
	sp = cloneSpec(sp)
	sp.VPC = cfg
	st := &State{s: sp, stamp: newStamp()}
	st.reindex()
	if len(st.groupByID) != len(sp.Groups) || len(st.eniByID) != len(sp.Interfaces) || len(st.plByID) != len(sp.PrefixLists) {
		return nil, errorf(CodeInvalidParameterValue, "spec has duplicate ids")
	}
	if st.DefaultGroupID() == "" {
		return nil, errorf(CodeInvalidParameterValue, "spec has no default group")
	}
	return st, nil
}

// Clone returns a copy of st; changing either later never shows in the
// other. It costs the number of groups, prefix lists and interfaces, not
// of rules: the lists below them are shared (see "Copy-on-write" in the
// package comment). The clone's journal starts empty, relative to st
// (ChangesSince). Clone only reads st.
func (st *State) Clone() *State {
	c := st.copyLists()
	c.stamp = newStamp()
	c.j = journal{base: st.stamp}
	return c
}

// copyLists copies the parts of st that mutations write in place: the
// three top-level lists (their elements, not what those point to) and
// the indexes into them. Everything else is shared with st.
func (st *State) copyLists() *State {
	c := &State{s: st.s, flowBudget: st.flowBudget, stamp: st.stamp, j: st.j}
	c.s.Groups = append(make([]GroupSpec, 0, len(st.s.Groups)), st.s.Groups...)
	c.s.PrefixLists = append(make([]PrefixListSpec, 0, len(st.s.PrefixLists)), st.s.PrefixLists...)
	c.s.Interfaces = append(make([]InterfaceSpec, 0, len(st.s.Interfaces)), st.s.Interfaces...)
	c.groupByID = maps.Clone(st.groupByID)
	c.plByID = maps.Clone(st.plByID)
	c.eniByID = maps.Clone(st.eniByID)
	return c
}

func cloneSpec(s Spec) Spec {
	c := s
	c.Groups = make([]GroupSpec, len(s.Groups))
	for i, g := range s.Groups {
		c.Groups[i] = cloneGroup(g)
	}
	c.PrefixLists = make([]PrefixListSpec, len(s.PrefixLists))
	for i, p := range s.PrefixLists {
		p.Entries = cloneEntries(p.Entries)
		p.Tags = append([]Tag(nil), p.Tags...)
		p.History = slices.Clone(p.History)
		for j := range p.History {
			p.History[j].Entries = cloneEntries(p.History[j].Entries)
		}
		c.PrefixLists[i] = p
	}
	c.Interfaces = make([]InterfaceSpec, len(s.Interfaces))
	for i, e := range s.Interfaces {
		e.IPv4 = append([]netip.Addr(nil), e.IPv4...)
		e.IPv6 = append([]netip.Addr(nil), e.IPv6...)
		e.Groups = append([]string(nil), e.Groups...)
		e.Tags = append([]Tag(nil), e.Tags...)
		c.Interfaces[i] = e
	}
	return c
}

func cloneGroup(g GroupSpec) GroupSpec {
	g.Tags = append([]Tag(nil), g.Tags...)
	g.Ingress = cloneRules(g.Ingress)
	g.Egress = cloneRules(g.Egress)
	return g
}

func cloneRules(rs []RuleSpec) []RuleSpec {
	out := make([]RuleSpec, len(rs))
	for i, r := range rs {
		r.Description = cloneStr(r.Description)
		r.Tags = append([]Tag(nil), r.Tags...)
		out[i] = r
	}
	return out
}

func cloneStr(p *string) *string {
	if p == nil {
		return nil
	}
	s := *p
	return &s
}

// VPC describes the state's VPC.
func (st *State) VPC() VPCInfo {
	v := st.s.VPC
	return VPCInfo{VpcId: v.VpcId, SubnetId: v.SubnetId, OwnerId: v.OwnerId, Region: v.Region, CIDR: v.CIDR, IPv6CIDR: v.IPv6CIDR}
}

// Config returns the VPC configuration (quotas filled in).
func (st *State) Config() VPCConfig { return st.s.VPC }

// DefaultGroupID is the id of the VPC's default group.
func (st *State) DefaultGroupID() string {
	for _, g := range st.s.Groups {
		if g.Default {
			return g.ID
		}
	}
	return ""
}

// group returns the group with id, or nil.
func (st *State) group(id string) *GroupSpec {
	if i, ok := st.groupByID[id]; ok {
		return &st.s.Groups[i]
	}
	return nil
}

func (st *State) groupByName(name string) *GroupSpec {
	for i := range st.s.Groups {
		if strings.EqualFold(st.s.Groups[i].Name, name) {
			return &st.s.Groups[i]
		}
	}
	return nil
}

// lookupGroup resolves a group id ("sg-…") or, since names cannot start with
// "sg-", a group name, with EC2's errors.
func (st *State) lookupGroup(idOrName string) (*GroupSpec, error) {
	if strings.HasPrefix(idOrName, "sg-") {
		if !validID(idOrName, "sg-") {
			return nil, errorf(CodeInvalidGroupIdMalformed, "The security group ID '%s' is malformed", idOrName)
		}
		if g := st.group(idOrName); g != nil {
			return g, nil
		}
		return nil, errorf(CodeInvalidGroupNotFound, "The security group '%s' does not exist", idOrName)
	}
	if idOrName == "" {
		return nil, errorf(CodeMissingParameter, "The request must contain the parameter groupId or groupName")
	}
	if g := st.groupByName(idOrName); g != nil {
		return g, nil
	}
	return nil, errorf(CodeInvalidGroupNotFound, "The security group '%s' does not exist in VPC '%s'", idOrName, st.s.VPC.VpcId)
}

// ResolveGroup returns the id of a group given by id or by (lab) name.
func (st *State) ResolveGroup(nameOrID string) (string, error) {
	g, err := st.lookupGroup(nameOrID)
	if err != nil {
		return "", err
	}
	return g.ID, nil
}

// ResolveInterface returns the id of an interface given by id or by its
// Name tag (lab node name).
func (st *State) ResolveInterface(nameOrID string) (string, error) {
	if strings.HasPrefix(nameOrID, "eni-") {
		if _, ok := st.eniByID[nameOrID]; ok {
			return nameOrID, nil
		}
	}
	for _, e := range st.s.Interfaces {
		if e.Name == nameOrID && nameOrID != "" {
			return e.ID, nil
		}
	}
	return "", errorf(CodeInvalidNetworkInterfaceIDNotFound, "The networkInterface ID '%s' does not exist", nameOrID)
}

// validID reports whether s is prefix followed by 8 or 17 lowercase hex digits.
func validID(s, prefix string) bool {
	if !strings.HasPrefix(s, prefix) {
		return false
	}
	h := s[len(prefix):]
	if len(h) != 8 && len(h) != 17 {
		return false
	}
	for _, c := range h {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
