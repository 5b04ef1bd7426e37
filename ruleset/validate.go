package ruleset

import (
	"net/netip"
	"strconv"
	"strings"
)

// Character sets of EC2 names and descriptions.
const (
	groupNameChars   = "._-:/()#,@[]+=&;{}!$* "
	ruleDescChars    = "._-:/()#,@[]+=;{}!$* "
	ruleDescCharsAmp = ruleDescChars + "&"
	maxNameLen       = 255
)

func charsOK(s, extra string) bool {
	for _, c := range s {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune(extra, c) {
			continue
		}
		return false
	}
	return true
}

// validateGroupName checks a name that already had its trailing spaces removed.
func validateGroupName(name string) error {
	if name == "" {
		return errorf(CodeMissingParameter, "The request must contain the parameter groupName")
	}
	if len(name) > maxNameLen || !charsOK(name, groupNameChars) {
		return errorf(CodeInvalidParameterValue, "Invalid security group name. Valid names are non-empty strings less than 256 characters from the following set:  a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*")
	}
	if strings.HasPrefix(strings.ToLower(name), "sg-") {
		return errorf(CodeInvalidParameterValue, "Group names may not be in the format sg-*.")
	}
	return nil
}

func validateGroupDescription(desc string) error {
	if desc == "" {
		return errorf(CodeMissingParameter, "The request must contain the parameter groupDescription")
	}
	if len(desc) > maxNameLen || !charsOK(desc, groupNameChars) {
		return errorf(CodeInvalidParameterValue, "Invalid security group description. Valid descriptions are strings less than 256 characters from the following set:  a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*")
	}
	return nil
}

// validateRuleDescription: '&' is accepted only where the API shape's own
// documentation lists it (IpRange, Ipv6Range); see the package comment.
func validateRuleDescription(d *string, allowAmp bool) error {
	if d == nil {
		return nil
	}
	set, shown := ruleDescChars, "a-zA-Z0-9. _-:/()#,@[]+=;{}!$*"
	if allowAmp {
		set, shown = ruleDescCharsAmp, "a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*"
	}
	if len(*d) > maxNameLen || !charsOK(*d, set) {
		return errorf(CodeInvalidParameterValue, "Invalid rule description. Valid descriptions are strings less than 256 characters from the following set:  %s", shown)
	}
	return nil
}

// protoInfo is a protocol in canonical form.
type protoInfo struct {
	name string // "-1", "tcp", "udp", "icmp", "icmpv6" or a decimal number
	num  int    // -1 for all
}

// canonicalProtocol maps a protocol name or number to its stored form:
// 6→tcp, 17→udp, 1→icmp, 58→icmpv6, "-1"/"all" → "-1".
func canonicalProtocol(p string) (protoInfo, error) {
	switch strings.ToLower(p) {
	case "":
		return protoInfo{}, errorf(CodeInvalidParameterValue, "Invalid value 'null' for protocol. VPC security group rules must specify protocols explicitly.")
	case "-1", "all":
		return protoInfo{"-1", -1}, nil
	case "tcp", "6":
		return protoInfo{"tcp", 6}, nil
	case "udp", "17":
		return protoInfo{"udp", 17}, nil
	case "icmp", "1":
		return protoInfo{"icmp", 1}, nil
	case "icmpv6", "58":
		return protoInfo{"icmpv6", 58}, nil
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 0 || n > 255 || strconv.Itoa(n) != p {
		return protoInfo{}, errorf(CodeInvalidParameterValue, "Invalid value '%s' for IP protocol. Unknown protocol.", p)
	}
	return protoInfo{strconv.Itoa(n), n}, nil
}

// canonicalPorts validates FromPort/ToPort for the protocol and returns the
// stored pair (-1,-1 where ports do not apply).
func canonicalPorts(p protoInfo, from, to *int32) (int32, int32, error) {
	switch p.num {
	case 6, 17:
		if from == nil || to == nil {
			return 0, 0, errorf(CodeInvalidParameterValue, "Invalid value for portRange. Must specify both from and to ports with TCP/UDP.")
		}
		f, t := *from, *to
		if f < 0 || f > 65535 || t < 0 || t > 65535 {
			return 0, 0, errorf(CodeInvalidParameterValue, "Invalid value for portRange. Must specify a port between 0 and 65535 with TCP/UDP, not from port %d to port %d.", f, t)
		}
		if f > t {
			return 0, 0, errorf(CodeInvalidParameterValue, "Invalid TCP/UDP port range: from port (%d) must be less than or equal to to port (%d).", f, t)
		}
		return f, t, nil
	case 1, 58:
		if from == nil && to == nil {
			if p.num == 58 {
				return -1, -1, nil
			}
			return 0, 0, errorf(CodeInvalidParameterValue, "Invalid value for portRange. Must specify both from and to ports with ICMP.")
		}
		if from == nil || to == nil {
			return 0, 0, errorf(CodeInvalidParameterValue, "Invalid value for portRange. Must specify both from and to ports with ICMP.")
		}
		typ, code := *from, *to
		if typ < -1 || typ > 255 {
			return 0, 0, errorf(CodeInvalidParameterValue, "Invalid value '%d' for ICMP type. Must be -1 or between 0 and 255.", typ)
		}
		if code < -1 || code > 255 {
			return 0, 0, errorf(CodeInvalidParameterValue, "Invalid value '%d' for ICMP code. Must be -1 or between 0 and 255.", code)
		}
		if typ == -1 && code != -1 {
			return 0, 0, errorf(CodeInvalidParameterValue, "Invalid ICMP code '%d': the code must be -1 when the ICMP type is -1.", code)
		}
		return typ, code, nil
	}
	return -1, -1, nil // all ports, whatever was given
}

func parseCIDR4(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is4() {
		return netip.Prefix{}, errorf(CodeInvalidParameterValue, "Value (%s) for parameter cidrIp is invalid. This is not a valid CIDR block.", s)
	}
	return p.Masked(), nil
}

func parseCIDR6(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is6() || p.Addr().Is4In6() || p.Addr().Zone() != "" {
		return netip.Prefix{}, errorf(CodeInvalidParameterValue, "Value (%s) for parameter cidrIpv6 is invalid. This is not a valid IPv6 CIDR block.", s)
	}
	return p.Masked(), nil
}

// expandPermissions turns IpPermissions into canonical rules (no ids yet),
// one per peer, validating everything. selfID is the group the rules belong
// to (a self reference is allowed).
func (st *State) expandPermissions(perms []IpPermission, checkDesc bool) ([]RuleSpec, error) {
	if len(perms) == 0 {
		return nil, errorf(CodeMissingParameter, "The request must contain the parameter ipPermissions")
	}
	var out []RuleSpec
	for _, p := range perms {
		proto, err := canonicalProtocol(p.IpProtocol)
		if err != nil {
			return nil, err
		}
		from, to, err := canonicalPorts(proto, p.FromPort, p.ToPort)
		if err != nil {
			return nil, err
		}
		base := RuleSpec{Protocol: proto.name, FromPort: from, ToPort: to}
		n := len(p.IpRanges) + len(p.Ipv6Ranges) + len(p.PrefixListIds) + len(p.UserIdGroupPairs)
		if n == 0 {
			return nil, errorf(CodeMissingParameter, "The request must contain exactly one of: cidrIp, cidrIpv6, prefixListId, or referencedGroupId")
		}
		for _, r := range p.IpRanges {
			pfx, err := parseCIDR4(r.CidrIp)
			if err != nil {
				return nil, err
			}
			if err := descCheck(checkDesc, r.Description, true); err != nil {
				return nil, err
			}
			rs := base
			rs.CidrIpv4, rs.Description = pfx.String(), cloneStr(r.Description)
			out = append(out, rs)
		}
		for _, r := range p.Ipv6Ranges {
			pfx, err := parseCIDR6(r.CidrIpv6)
			if err != nil {
				return nil, err
			}
			if err := descCheck(checkDesc, r.Description, true); err != nil {
				return nil, err
			}
			rs := base
			rs.CidrIpv6, rs.Description = pfx.String(), cloneStr(r.Description)
			out = append(out, rs)
		}
		for _, r := range p.PrefixListIds {
			if _, err := st.lookupPrefixList(r.PrefixListId); err != nil {
				return nil, err
			}
			if err := descCheck(checkDesc, r.Description, false); err != nil {
				return nil, err
			}
			rs := base
			rs.PrefixListId, rs.Description = r.PrefixListId, cloneStr(r.Description)
			out = append(out, rs)
		}
		for _, r := range p.UserIdGroupPairs {
			id, err := st.resolvePair(r)
			if err != nil {
				return nil, err
			}
			if err := descCheck(checkDesc, r.Description, false); err != nil {
				return nil, err
			}
			rs := base
			rs.ReferencedGroupId, rs.Description = id, cloneStr(r.Description)
			out = append(out, rs)
		}
	}
	return out, nil
}

func descCheck(check bool, d *string, allowAmp bool) error {
	if !check {
		return nil
	}
	return validateRuleDescription(d, allowAmp)
}

// resolvePair finds the group of a UserIdGroupPair in this VPC. Groups of
// other VPCs (peering) are not modelled.
func (st *State) resolvePair(p UserIdGroupPair) (string, error) {
	if p.VpcId != "" && p.VpcId != st.s.VPC.VpcId || p.VpcPeeringConnectionId != "" {
		return "", errorf(CodeInvalidGroupNotFound, "The security group '%s' does not exist in VPC '%s'", p.GroupId, p.VpcId)
	}
	ref := p.GroupId
	if ref == "" {
		ref = p.GroupName
	}
	if ref == "" {
		return "", errorf(CodeMissingParameter, "The request must contain the parameter groupId or groupName for each UserIdGroupPair")
	}
	if p.GroupId == "" && strings.HasPrefix(ref, "sg-") {
		return "", errorf(CodeInvalidGroupNotFound, "The security group '%s' does not exist", ref)
	}
	g, err := st.lookupGroup(ref)
	if err != nil {
		return "", err
	}
	return g.ID, nil
}

// ruleKey identifies a rule's properties for duplicate detection and
// revocation (the description is not part of it).
func ruleKey(r *RuleSpec) string {
	return r.Protocol + "|" + strconv.Itoa(int(r.FromPort)) + "|" + strconv.Itoa(int(r.ToPort)) + "|" + r.CidrIpv4 + "|" + r.CidrIpv6 + "|" + r.PrefixListId + "|" + r.ReferencedGroupId
}

func rulePeer(r *RuleSpec) string {
	switch {
	case r.CidrIpv4 != "":
		return r.CidrIpv4
	case r.CidrIpv6 != "":
		return r.CidrIpv6
	case r.PrefixListId != "":
		return r.PrefixListId
	}
	return r.ReferencedGroupId
}

// duplicateError is EC2's InvalidPermission.Duplicate in its real form:
// the specified rule "peer: sg-8b3b99f3, TCP, from port: 0, to port: 65535, ALLOW" already exists
func duplicateError(r *RuleSpec) error {
	var proto string
	switch r.Protocol {
	case "-1":
		proto = "ALL"
	default:
		proto = strings.ToUpper(r.Protocol)
	}
	switch r.Protocol {
	case "tcp", "udp":
		return errorf(CodeInvalidPermissionDuplicate, "the specified rule \"peer: %s, %s, from port: %d, to port: %d, ALLOW\" already exists", rulePeer(r), proto, r.FromPort, r.ToPort)
	case "icmp", "icmpv6":
		return errorf(CodeInvalidPermissionDuplicate, "the specified rule \"peer: %s, %s, type: %d, code: %d, ALLOW\" already exists", rulePeer(r), proto, r.FromPort, r.ToPort)
	}
	return errorf(CodeInvalidPermissionDuplicate, "the specified rule \"peer: %s, %s, ALLOW\" already exists", rulePeer(r), proto)
}

// ruleWeight is what a rule counts toward the per-family quota: a prefix list
// counts as its max entries, everything else as 1. Group references count
// toward IPv4 (see the package comment).
func (st *State) ruleWeight(r *RuleSpec) (v4, v6 int) {
	switch {
	case r.CidrIpv6 != "":
		return 0, 1
	case r.PrefixListId != "":
		pl := st.prefixList(r.PrefixListId)
		if pl == nil {
			return 0, 0
		}
		if pl.AddressFamily == "IPv6" {
			return 0, int(pl.MaxEntries)
		}
		// An AWS-managed list's MaxEntries is its weight (awsListWeight).
		return int(pl.MaxEntries), 0
	}
	return 1, 0
}

// checkRuleQuota checks one direction's rule list against the quota.
func (st *State) checkRuleQuota(rules []RuleSpec) error {
	if st.s.VPC.LiftQuotas {
		return nil
	}
	var n4, n6 int
	for i := range rules {
		a, b := st.ruleWeight(&rules[i])
		n4 += a
		n6 += b
	}
	if n4 > st.s.VPC.RulesPerGroup || n6 > st.s.VPC.RulesPerGroup {
		return errorf(CodeRulesPerSecurityGroupLimitExceeded, "The maximum number of rules per security group has been reached.")
	}
	return nil
}

// ValidateConntrackSpec checks EC2's ranges (0 = not set): TcpEstablishedTimeout
// 60..432000, UdpStreamTimeout 60..180, UdpTimeout 30..60.
func ValidateConntrackSpec(c ConntrackSpec) error {
	check := func(name string, v, lo, hi int32) error {
		if v != 0 && (v < lo || v > hi) {
			return errorf(CodeInvalidParameterValue, "Invalid value '%d' for %s. The value must be between %d and %d.", v, name, lo, hi)
		}
		return nil
	}
	if err := check("TcpEstablishedTimeout", c.TcpEstablishedTimeout, 60, 432000); err != nil {
		return err
	}
	if err := check("UdpStreamTimeout", c.UdpStreamTimeout, 60, 180); err != nil {
		return err
	}
	return check("UdpTimeout", c.UdpTimeout, 30, 60)
}
