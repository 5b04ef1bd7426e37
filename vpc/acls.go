package vpc

import (
	"cmp"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// Rule numbers (VPC User Guide, "Network ACL rules"): user entries are
// numbered 1 to 32766; the final `*` deny entries are shown as 32767 for
// 0.0.0.0/0 and, when the VPC has IPv6, 32768 for ::/0.
const (
	MinRuleNumber       = 1
	MaxRuleNumber       = 32766
	DefaultDenyRule     = 32767
	DefaultDenyRuleIPv6 = 32768
)

var (
	allIPv4 = netip.MustParsePrefix("0.0.0.0/0")
	allIPv6 = netip.MustParsePrefix("::/0")
)

// CreateNetworkAcl creates a custom network ACL, which denies everything
// until entries are added. Quota: Config.NetworkAclsPerVpc, the default
// ACL included (NetworkAclLimitExceeded).
func (st *State) CreateNetworkAcl(vpcID string, tags []Tag) (NetworkAcl, error) {
	if _, err := st.vpc(vpcID); err != nil {
		return NetworkAcl{}, err
	}
	if err := validateTags(tags); err != nil {
		return NetworkAcl{}, err
	}
	if count(st.s.NetworkAcls, func(a *NetworkAclSpec) bool { return a.VpcID == vpcID }) >= st.s.Config.NetworkAclsPerVpc {
		return NetworkAcl{}, errorf(CodeNetworkAclLimitExceeded, "The maximum number of network ACLs has been reached.")
	}
	st.s.NetworkAcls = append(st.s.NetworkAcls, NetworkAclSpec{ID: st.newID("acl-"), VpcID: vpcID, Entries: []AclEntry{}, Tags: slices.Clone(tags)})
	st.reindex()
	return st.describeNetworkAcl(&st.s.NetworkAcls[len(st.s.NetworkAcls)-1]), nil
}

// DeleteNetworkAcl deletes a custom network ACL. The default ACL cannot
// be deleted (InvalidParameterValue); an ACL associated with a subnet is
// DependencyViolation.
func (st *State) DeleteNetworkAcl(id string) error {
	a, err := st.networkAcl(id)
	if err != nil {
		return err
	}
	if a.Default {
		return errorf(CodeInvalidParameterValue, "cannot delete default network ACL %s", id)
	}
	if count(st.s.Subnets, func(s *SubnetSpec) bool { return s.NetworkAclID == id }) > 0 {
		return errorf(CodeDependencyViolation, "The networkAcl '%s' has dependencies and cannot be deleted.", id)
	}
	st.s.NetworkAcls = slices.DeleteFunc(st.s.NetworkAcls, func(a NetworkAclSpec) bool { return a.ID == id })
	st.reindex()
	return nil
}

// parseProtocol accepts a protocol number 0..255, -1 or "all", and the
// names tcp, udp, icmp and icmpv6 the AWS CLI examples use.
func parseProtocol(s string) (int32, error) {
	switch strings.ToLower(s) {
	case "-1", "all":
		return -1, nil
	case "tcp":
		return 6, nil
	case "udp":
		return 17, nil
	case "icmp":
		return 1, nil
	case "icmpv6":
		return 58, nil
	case "":
		return 0, errorf(CodeMissingParameter, "The request must contain the parameter protocol")
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 255 {
		return 0, errorf(CodeInvalidParameterValue, "Invalid protocol value: %s", s)
	}
	return int32(n), nil
}

// icmpEntry reports whether an entry with this protocol and family uses an
// ICMP type and code: protocol 1, or 58 with an IPv6 CIDR. The API
// reference: with 58 and an IPv4 CIDR "traffic for all ICMP types and codes
// [is] allowed, regardless of any that you specify".
func icmpEntry(proto int32, v6 bool) bool { return proto == 1 || proto == 58 && v6 }

// portEntry reports whether an entry with this protocol uses a port range.
func portEntry(proto int32) bool { return proto == 6 || proto == 17 }

// canonEntry validates an entry as CreateNetworkAclEntry does and returns
// its canonical form.
func canonEntry(in NetworkAclEntry) (AclEntry, error) {
	if in.RuleNumber < MinRuleNumber || in.RuleNumber > MaxRuleNumber {
		return AclEntry{}, errorf(CodeInvalidParameterValue, "Invalid value for parameter ruleNumber: %d. Rule numbers must be between %d and %d.", in.RuleNumber, MinRuleNumber, MaxRuleNumber)
	}
	e := AclEntry{RuleNumber: in.RuleNumber, Egress: in.Egress}
	switch strings.ToLower(in.RuleAction) {
	case "allow":
		e.Allow = true
	case "deny":
	case "":
		return AclEntry{}, errorf(CodeMissingParameter, "The request must contain the parameter ruleAction")
	default:
		return AclEntry{}, errorf(CodeInvalidParameterValue, "Value (%s) for parameter ruleAction is invalid. Valid values: allow | deny", in.RuleAction)
	}
	var err error
	if e.Protocol, err = parseProtocol(in.Protocol); err != nil {
		return AclEntry{}, err
	}
	switch {
	case in.CidrBlock != "" && in.Ipv6CidrBlock != "":
		return AclEntry{}, errorf(CodeInvalidParameterCombination, "Only one of cidrBlock and ipv6CidrBlock may be specified")
	case in.CidrBlock != "":
		e.CIDR, err = parseCIDR("cidrBlock", in.CidrBlock, false)
	case in.Ipv6CidrBlock != "":
		e.CIDR, err = parseCIDR("ipv6CidrBlock", in.Ipv6CidrBlock, true)
	default:
		return AclEntry{}, errorf(CodeMissingParameter, "The request must contain the parameter cidrBlock or ipv6CidrBlock")
	}
	if err != nil {
		return AclEntry{}, err
	}
	switch {
	case portEntry(e.Protocol):
		if in.PortRange == nil {
			return AclEntry{}, errorf(CodeMissingParameter, "The request must contain the parameter portRange for protocol %d", e.Protocol)
		}
		f, t := in.PortRange.From, in.PortRange.To
		if f < 0 || f > 65535 || t < 0 || t > 65535 || f > t {
			return AclEntry{}, errorf(CodeInvalidParameterValue, "Invalid value for portRange. From (%d) and To (%d) must be 0 to 65535, From not above To.", f, t)
		}
		e.FromPort, e.ToPort = f, t
	case icmpEntry(e.Protocol, e.CIDR.Addr().Is6()):
		if in.IcmpTypeCode == nil {
			return AclEntry{}, errorf(CodeMissingParameter, "The request must contain the parameter icmpTypeCode for protocol %d", e.Protocol)
		}
		ty, c := in.IcmpTypeCode.Type, in.IcmpTypeCode.Code
		if ty < -1 || ty > 255 || c < -1 || c > 255 {
			return AclEntry{}, errorf(CodeInvalidParameterValue, "Invalid value for icmpTypeCode. Type (%d) and Code (%d) must be -1 to 255.", ty, c)
		}
		e.IcmpType, e.IcmpCode = ty, c
	}
	return e, nil
}

func findEntry(a *NetworkAclSpec, rule int32, egress bool) int {
	return slices.IndexFunc(a.Entries, func(e AclEntry) bool { return e.RuleNumber == rule && e.Egress == egress })
}

// CreateNetworkAclEntry adds an entry. Errors: InvalidNetworkAclID.NotFound,
// InvalidParameterValue (rule number outside 1..32766, bad protocol, ports,
// ICMP type/code or CIDR), MissingParameter (no CIDR, no port range for TCP
// or UDP, no ICMP type/code for ICMP), InvalidParameterCombination (both
// CIDRs), NetworkAclEntryAlreadyExists (same number and direction),
// NetworkAclEntryLimitExceeded (Config.NetworkAclEntriesPerAclDir entries in
// that direction, not counting the `*` entries).
func (st *State) CreateNetworkAclEntry(aclID string, in NetworkAclEntry) error {
	a, err := st.networkAcl(aclID)
	if err != nil {
		return err
	}
	e, err := canonEntry(in)
	if err != nil {
		return err
	}
	if findEntry(a, e.RuleNumber, e.Egress) >= 0 {
		return errorf(CodeNetworkAclEntryAlreadyExists, "The network acl entry identified by %d already exists.", e.RuleNumber)
	}
	if count(a.Entries, func(x *AclEntry) bool { return x.Egress == e.Egress }) >= st.s.Config.NetworkAclEntriesPerAclDir {
		return errorf(CodeNetworkAclEntryLimitExceeded, "The maximum number of network acl entries has been reached.")
	}
	a.Entries = append(a.Entries, e)
	sortEntries(a.Entries)
	return nil
}

func sortEntries(es []AclEntry) {
	slices.SortFunc(es, func(x, y AclEntry) int {
		if x.Egress != y.Egress {
			if x.Egress {
				return -1
			}
			return 1
		}
		return cmp.Compare(x.RuleNumber, y.RuleNumber)
	})
}

// ReplaceNetworkAclEntry replaces the entry with the same number and
// direction (InvalidNetworkAclEntry.NotFound when there is none).
func (st *State) ReplaceNetworkAclEntry(aclID string, in NetworkAclEntry) error {
	a, err := st.networkAcl(aclID)
	if err != nil {
		return err
	}
	e, err := canonEntry(in)
	if err != nil {
		return err
	}
	i := findEntry(a, e.RuleNumber, e.Egress)
	if i < 0 {
		return errorf(CodeInvalidNetworkAclEntryNotFound, "The network acl entry identified by %d does not exist.", e.RuleNumber)
	}
	a.Entries[i] = e
	return nil
}

// DeleteNetworkAclEntry removes the entry with that number and direction.
func (st *State) DeleteNetworkAclEntry(aclID string, ruleNumber int32, egress bool) error {
	a, err := st.networkAcl(aclID)
	if err != nil {
		return err
	}
	if ruleNumber < MinRuleNumber || ruleNumber > MaxRuleNumber {
		return errorf(CodeInvalidParameterValue, "Invalid value for parameter ruleNumber: %d. Rule numbers must be between %d and %d.", ruleNumber, MinRuleNumber, MaxRuleNumber)
	}
	i := findEntry(a, ruleNumber, egress)
	if i < 0 {
		return errorf(CodeInvalidNetworkAclEntryNotFound, "The network acl entry identified by %d does not exist.", ruleNumber)
	}
	a.Entries = slices.Delete(a.Entries, i, i+1)
	return nil
}

// ReplaceNetworkAclAssociation moves the subnet of an ACL association to
// another ACL of the same VPC and returns the new association id.
func (st *State) ReplaceNetworkAclAssociation(assocID, aclID string) (string, error) {
	var sn *SubnetSpec
	for i := range st.s.Subnets {
		if s := &st.s.Subnets[i]; s.NetworkAclAssociationID == assocID && assocID != "" {
			sn = s
		}
	}
	if sn == nil {
		return "", errorf(CodeInvalidAssociationIDNotFound, "The association ID '%s' does not exist", assocID)
	}
	a, err := st.networkAcl(aclID)
	if err != nil {
		return "", err
	}
	if a.VpcID != sn.VpcID {
		return "", errorf(CodeInvalidParameterValue, "Network ACL %s and subnet %s belong to different networks", aclID, sn.ID)
	}
	sn.NetworkAclID, sn.NetworkAclAssociationID = aclID, st.newID("aclassoc-")
	return sn.NetworkAclAssociationID, nil
}

// DescribeNetworkAcls returns the ACLs given by id (all when ids is empty)
// that match every filter: network-acl-id, vpc-id, default, owner-id,
// association.association-id, association.network-acl-id,
// association.subnet-id, entry.cidr, entry.ipv6-cidr, entry.egress,
// entry.icmp.code, entry.icmp.type, entry.port-range.from,
// entry.port-range.to, entry.protocol, entry.rule-action, entry.rule-number
// (the `*` entries included, as shown), tag:<key>, tag-key, tag-value.
// Entries are listed egress first, each direction by rule number.
func (st *State) DescribeNetworkAcls(ids []string, filters []Filter) ([]NetworkAcl, error) {
	sel, err := selectByID(ids, st.s.NetworkAcls, st.networkAcl)
	if err != nil {
		return nil, err
	}
	if err := checkFilterNames(filters, networkAclFilter(&NetworkAcl{})); err != nil {
		return nil, err
	}
	out := []NetworkAcl{}
	for _, a := range sel {
		d := st.describeNetworkAcl(a)
		if ok, _ := matchFilters(filters, networkAclFilter(&d)); ok {
			out = append(out, d)
		}
	}
	return out, nil
}

var entryFilterFields = []string{"cidr", "ipv6-cidr", "egress", "icmp.code", "icmp.type", "port-range.from", "port-range.to", "protocol", "rule-action", "rule-number"}

func networkAclFilter(a *NetworkAcl) filterFunc {
	return func(n string) ([]string, bool) {
		var vs []string
		switch n {
		case "network-acl-id":
			return one(a.NetworkAclId), true
		case "vpc-id":
			return one(a.VpcId), true
		case "default":
			return one(boolStr(a.IsDefault)), true
		case "owner-id":
			return one(a.OwnerId), true
		case "association.association-id", "association.network-acl-id", "association.subnet-id":
			for _, x := range a.Associations {
				switch n {
				case "association.association-id":
					vs = append(vs, x.NetworkAclAssociationId)
				case "association.network-acl-id":
					vs = append(vs, x.NetworkAclId)
				default:
					vs = append(vs, x.SubnetId)
				}
			}
			return vs, true
		}
		if f, ok := strings.CutPrefix(n, "entry."); ok {
			if !slices.Contains(entryFilterFields, f) {
				return nil, false
			}
			for _, e := range a.Entries {
				switch f {
				case "cidr":
					vs = append(vs, e.CidrBlock)
				case "ipv6-cidr":
					vs = append(vs, e.Ipv6CidrBlock)
				case "egress":
					vs = append(vs, boolStr(e.Egress))
				case "icmp.code", "icmp.type":
					if e.IcmpTypeCode != nil {
						v := e.IcmpTypeCode.Code
						if f == "icmp.type" {
							v = e.IcmpTypeCode.Type
						}
						vs = append(vs, itoa(int(v)))
					}
				case "port-range.from", "port-range.to":
					if e.PortRange != nil {
						v := e.PortRange.From
						if f == "port-range.to" {
							v = e.PortRange.To
						}
						vs = append(vs, itoa(int(v)))
					}
				case "protocol":
					vs = append(vs, e.Protocol)
				case "rule-action":
					vs = append(vs, e.RuleAction)
				default: // rule-number
					vs = append(vs, itoa(int(e.RuleNumber)))
				}
			}
			return vs, true
		}
		return tagFilter(n, a.Tags)
	}
}

// describeEntry is the API shape of a canonical entry.
func describeEntry(e AclEntry) NetworkAclEntry {
	d := NetworkAclEntry{Egress: e.Egress, Protocol: strconv.Itoa(int(e.Protocol)), RuleAction: "deny", RuleNumber: e.RuleNumber}
	if e.Allow {
		d.RuleAction = "allow"
	}
	if e.CIDR.Addr().Is4() {
		d.CidrBlock = e.CIDR.String()
	} else {
		d.Ipv6CidrBlock = e.CIDR.String()
	}
	switch {
	case portEntry(e.Protocol):
		d.PortRange = &PortRange{From: e.FromPort, To: e.ToPort}
	case icmpEntry(e.Protocol, e.CIDR.Addr().Is6()):
		d.IcmpTypeCode = &IcmpTypeCode{Type: e.IcmpType, Code: e.IcmpCode}
	}
	return d
}

// effectiveEntries are an ACL's entries with the `*` deny entries, in
// the order DescribeNetworkAcls shows them.
func (st *State) effectiveEntries(a *NetworkAclSpec) []AclEntry {
	es := slices.Clone(a.Entries)
	v, _ := st.vpc(a.VpcID)
	for _, egress := range []bool{false, true} {
		es = append(es, AclEntry{RuleNumber: DefaultDenyRule, Egress: egress, Protocol: -1, CIDR: allIPv4})
		if v != nil && v.IPv6CIDR.IsValid() {
			es = append(es, AclEntry{RuleNumber: DefaultDenyRuleIPv6, Egress: egress, Protocol: -1, CIDR: allIPv6})
		}
	}
	sortEntries(es)
	return es
}

func (st *State) describeNetworkAcl(a *NetworkAclSpec) NetworkAcl {
	out := NetworkAcl{Associations: []NetworkAclAssociation{}, Entries: []NetworkAclEntry{}, IsDefault: a.Default, NetworkAclId: a.ID, Tags: slices.Clone(a.Tags), VpcId: a.VpcID, OwnerId: st.s.Config.OwnerId}
	if out.Tags == nil {
		out.Tags = []Tag{}
	}
	for i := range st.s.Subnets {
		if sn := &st.s.Subnets[i]; sn.NetworkAclID == a.ID {
			out.Associations = append(out.Associations, NetworkAclAssociation{NetworkAclAssociationId: sn.NetworkAclAssociationID, NetworkAclId: a.ID, SubnetId: sn.ID})
		}
	}
	for _, e := range st.effectiveEntries(a) {
		out.Entries = append(out.Entries, describeEntry(e))
	}
	return out
}
