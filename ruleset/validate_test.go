package ruleset

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

type fixture struct {
	st       *State
	web, db  string // groups; web is used by eni
	eni      string
	pl       string // IPv4 prefix list, max entries 20
	webRule  string // an inbound rule of web (tcp 22 from 203.0.113.0/24)
	webRule6 string // an inbound IPv6 rule of web
	extra    string // set by a case's setup
}

func newFixture(t *testing.T, cfg func(*VPCConfig)) *fixture {
	c := VPCConfig{CIDR: netip.MustParsePrefix("198.18.0.0/24"), IPv6CIDR: netip.MustParsePrefix("fd00:5e5e:0:1::/64"), IDSeed: 5}
	if cfg != nil {
		cfg(&c)
	}
	st, err := NewState(c)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{st: st, web: mustGroup(t, st, "web"), db: mustGroup(t, st, "db")}
	rs, err := st.AuthorizeSecurityGroupIngress(f.web, []IpPermission{perm("tcp", 22, 22, "203.0.113.0/24", "2001:db8::/32")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	f.webRule, f.webRule6 = rs[0].SecurityGroupRuleId, rs[1].SecurityGroupRuleId
	f.eni = mustENI(t, st, "web1", "198.18.0.11", "", f.web)
	pl, err := st.CreateManagedPrefixList("office", 20, []PrefixListEntry{{Cidr: "192.0.2.0/28"}})
	if err != nil {
		t.Fatal(err)
	}
	f.pl = pl.PrefixListId
	return f
}

func cidrPerms(n int, v6 bool) []IpPermission {
	p := IpPermission{IpProtocol: "tcp", FromPort: i32(443), ToPort: i32(443)}
	for i := range n {
		if v6 {
			p.Ipv6Ranges = append(p.Ipv6Ranges, Ipv6Range{CidrIpv6: netip.PrefixFrom(netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 1, byte(i)}), 48).String()})
		} else {
			p.IpRanges = append(p.IpRanges, IpRange{CidrIp: netip.AddrFrom4([4]byte{10, 1, byte(i), 0}).String() + "/24"})
		}
	}
	return []IpPermission{p}
}

// One table row per validation rule and error code. Every failing call must
// leave the state unchanged.
func TestValidationErrors(t *testing.T) {
	long := strings.Repeat("a", 256)
	type op func(f *fixture) error
	ingress := func(ps ...IpPermission) op {
		return func(f *fixture) error { _, err := f.st.AuthorizeSecurityGroupIngress(f.web, ps, nil); return err }
	}
	create := func(name, desc string) op {
		return func(f *fixture) error { _, err := f.st.CreateSecurityGroup(name, desc, nil); return err }
	}
	modify := func(req SecurityGroupRuleRequest) op {
		return func(f *fixture) error {
			return f.st.ModifySecurityGroupRules(f.web, []SecurityGroupRuleUpdate{{SecurityGroupRuleId: f.webRule, SecurityGroupRule: &req}})
		}
	}
	for _, c := range []struct {
		name  string
		cfg   func(*VPCConfig)
		setup op // may change the state; op then must fail atomically
		op    op
		code  string // "" = must succeed
		msg   string
	}{
		// Names and descriptions (spec 3.3).
		{name: "empty name", op: create("", "d"), code: CodeMissingParameter},
		{name: "name too long", op: create(long, "d"), code: CodeInvalidParameterValue},
		{name: "name 255 ok", op: create(long[:255], "d")},
		{name: "name bad character", op: create("web<1>", "d"), code: CodeInvalidParameterValue},
		{name: "name non-ascii", op: create("wéb", "d"), code: CodeInvalidParameterValue},
		{name: "name all allowed characters", op: create("a-Z 0._-:/()#,@[]+=&;{}!$*", "d")},
		{name: "name sg- prefix", op: create("sg-web", "d"), code: CodeInvalidParameterValue, msg: "Group names may not be in the format sg-*."},
		{name: "name duplicate", op: create("web", "d"), code: CodeInvalidGroupDuplicate},
		{name: "name duplicate case-insensitive", op: create("WEB", "d"), code: CodeInvalidGroupDuplicate},
		{name: "name duplicate after trailing spaces", op: create("web  ", "d"), code: CodeInvalidGroupDuplicate},
		{name: "name default reserved", op: create("default", "d"), code: CodeInvalidGroupDuplicate},
		{name: "empty description", op: create("x", ""), code: CodeMissingParameter},
		{name: "description too long", op: create("x", long), code: CodeInvalidParameterValue},
		{name: "description bad character", op: create("x", "a|b"), code: CodeInvalidParameterValue},
		{name: "too many groups in VPC", cfg: func(c *VPCConfig) { c.GroupsPerVPC = 3 }, op: create("x", "d"), code: CodeSecurityGroupLimitExceeded},

		// Protocols and ports (spec 1.1, 4.4).
		{name: "no protocol", op: ingress(perm("", 1, 1, "10.0.0.0/8")), code: CodeInvalidParameterValue, msg: "Invalid value 'null' for protocol. VPC security group rules must specify protocols explicitly."},
		{name: "unknown protocol", op: ingress(perm("tcpp", 1, 1, "10.0.0.0/8")), code: CodeInvalidParameterValue},
		{name: "protocol 256", op: ingress(perm("256", noPort, 0, "10.0.0.0/8")), code: CodeInvalidParameterValue},
		{name: "protocol number ok", op: ingress(perm("47", noPort, 0, "10.0.0.0/8"))},
		{name: "tcp one port", op: ingress(IpPermission{IpProtocol: "tcp", FromPort: i32(1), IpRanges: []IpRange{{CidrIp: "10.0.0.0/8"}}}), code: CodeInvalidParameterValue, msg: "Invalid value for portRange. Must specify both from and to ports with TCP/UDP."},
		{name: "tcp no ports", op: ingress(perm("tcp", noPort, 0, "10.0.0.0/8")), code: CodeInvalidParameterValue},
		{name: "tcp from > to", op: ingress(perm("tcp", 90, 80, "10.0.0.0/8")), code: CodeInvalidParameterValue},
		{name: "udp port 65536", op: ingress(perm("udp", 1, 65536, "10.0.0.0/8")), code: CodeInvalidParameterValue},
		{name: "tcp negative port", op: ingress(perm("tcp", -1, -1, "10.0.0.0/8")), code: CodeInvalidParameterValue},
		{name: "icmp without type", op: ingress(perm("icmp", noPort, 0, "10.0.0.0/8")), code: CodeInvalidParameterValue},
		{name: "icmp type -1 code 0", op: ingress(perm("icmp", -1, 0, "10.0.0.0/8")), code: CodeInvalidParameterValue},
		{name: "icmp type 256", op: ingress(perm("icmp", 256, -1, "10.0.0.0/8")), code: CodeInvalidParameterValue},
		{name: "icmp code -2", op: ingress(perm("icmp", 8, -2, "10.0.0.0/8")), code: CodeInvalidParameterValue},
		{name: "icmp 8/-1 ok", op: ingress(perm("icmp", 8, -1, "10.0.0.0/8"))},
		{name: "icmpv6 without range ok", op: ingress(perm("icmpv6", noPort, 0, "::/0"))},
		{name: "all protocols with ports ok", op: ingress(perm("-1", 22, 22, "10.0.0.0/8"))},

		// CIDRs and canonical form (spec 1.1).
		{name: "cidr without prefix", op: ingress(perm("tcp", 1, 1, "10.0.0.0/8"), IpPermission{IpProtocol: "tcp", FromPort: i32(1), ToPort: i32(1), IpRanges: []IpRange{{CidrIp: "123.123.123.123"}}}), code: CodeInvalidParameterValue, msg: "Value (123.123.123.123) for parameter cidrIp is invalid. This is not a valid CIDR block."},
		{name: "ipv6 in IpRanges", op: ingress(IpPermission{IpProtocol: "tcp", FromPort: i32(1), ToPort: i32(1), IpRanges: []IpRange{{CidrIp: "::/0"}}}), code: CodeInvalidParameterValue},
		{name: "ipv4 in Ipv6Ranges", op: ingress(IpPermission{IpProtocol: "tcp", FromPort: i32(1), ToPort: i32(1), Ipv6Ranges: []Ipv6Range{{CidrIpv6: "10.0.0.0/8"}}}), code: CodeInvalidParameterValue},
		{name: "cidr /33", op: ingress(IpPermission{IpProtocol: "tcp", FromPort: i32(1), ToPort: i32(1), IpRanges: []IpRange{{CidrIp: "10.0.0.0/33"}}}), code: CodeInvalidParameterValue},
		{name: "duplicate rule", op: ingress(perm("tcp", 22, 22, "203.0.113.0/24")), code: CodeInvalidPermissionDuplicate, msg: `the specified rule "peer: 203.0.113.0/24, TCP, from port: 22, to port: 22, ALLOW" already exists`},
		{name: "duplicate non-canonical twin", op: ingress(perm("tcp", 22, 22, "203.0.113.77/24")), code: CodeInvalidPermissionDuplicate},
		{name: "duplicate via protocol number", op: ingress(perm("6", 22, 22, "203.0.113.0/24")), code: CodeInvalidPermissionDuplicate},
		// Tag keys starting with aws: (any case) are EC2's own.
		{name: "aws: tag key on create", op: func(f *fixture) error {
			_, err := f.st.CreateSecurityGroup("tagged", "d", []Tag{{Key: "aws:owner", Value: "x"}})
			return err
		}, code: CodeInvalidParameterValue, msg: "Tag keys starting with 'aws:' are reserved for internal use"},
		{name: "AWS: tag key on authorize", op: func(f *fixture) error {
			_, err := f.st.AuthorizeSecurityGroupIngress(f.web, []IpPermission{perm("tcp", 9, 9, "10.0.0.0/8")}, []Tag{{Key: "AWS:x"}})
			return err
		}, code: CodeInvalidParameterValue, msg: "Tag keys starting with 'aws:' are reserved for internal use"},
		{name: "Aws: tag key on CreateTags", op: func(f *fixture) error {
			return f.st.CreateTags([]string{f.web}, []Tag{{Key: "ok", Value: "1"}, {Key: "Aws:x", Value: "1"}})
		}, code: CodeInvalidParameterValue, msg: "Tag keys starting with 'aws:' are reserved for internal use"},
		{name: "aws: tag key on interface", op: func(f *fixture) error {
			_, err := f.st.CreateNetworkInterface(ENISpec{IPv4: []netip.Addr{netip.MustParseAddr("198.18.0.77")}, Tags: []Tag{{Key: "aws:x"}}})
			return err
		}, code: CodeInvalidParameterValue},
		{name: "aws in a tag value ok", op: func(f *fixture) error {
			return f.st.CreateTags([]string{f.web}, []Tag{{Key: "owner", Value: "aws:me"}, {Key: "awsx", Value: "1"}})
		}},
		// The same permission twice in one request is InvalidParameterValue;
		// InvalidPermission.Duplicate is for a rule the group already has.
		{name: "same permission twice in one IpRanges", op: ingress(perm("tcp", 1, 1, "10.0.0.0/8", "10.0.0.0/8")), code: CodeInvalidParameterValue, msg: "The same permission must not appear multiple times"},
		{name: "same permission non-canonical twin in one request", op: ingress(perm("tcp", 1, 1, "10.0.0.0/8", "10.1.2.3/8")), code: CodeInvalidParameterValue, msg: "The same permission must not appear multiple times"},
		{name: "same permission in two IpPermissions", op: ingress(perm("tcp", 1, 1, "10.0.0.0/8"), perm("tcp", 1, 1, "10.0.0.0/8")), code: CodeInvalidParameterValue, msg: "The same permission must not appear multiple times"},
		{name: "same group peer twice", op: ingress(perm("tcp", 1, 1, "10.0.0.0/8"), IpPermission{IpProtocol: "tcp", FromPort: i32(1), ToPort: i32(1), UserIdGroupPairs: []UserIdGroupPair{{GroupName: "db"}, {GroupName: "db"}}}), code: CodeInvalidParameterValue, msg: "The same permission must not appear multiple times"},
		{name: "same prefix list twice", op: func(f *fixture) error {
			p := perm("tcp", 1, 1, f.pl, f.pl)
			_, err := f.st.AuthorizeSecurityGroupIngress(f.web, []IpPermission{p}, nil)
			return err
		}, code: CodeInvalidParameterValue, msg: "The same permission must not appear multiple times"},
		{name: "same egress permission twice", op: func(f *fixture) error {
			_, err := f.st.AuthorizeSecurityGroupEgress(f.web, []IpPermission{perm("udp", 53, 53, "::/0"), perm("udp", 53, 53, "::/0")}, nil)
			return err
		}, code: CodeInvalidParameterValue, msg: "The same permission must not appear multiple times"},
		{name: "existing rule given twice", op: ingress(perm("tcp", 22, 22, "203.0.113.0/24", "203.0.113.0/24")), code: CodeInvalidParameterValue, msg: "The same permission must not appear multiple times"},
		{name: "same peer other description still the same permission", op: ingress(IpPermission{IpProtocol: "tcp", FromPort: i32(1), ToPort: i32(1), IpRanges: []IpRange{{CidrIp: "10.0.0.0/8", Description: str("a")}, {CidrIp: "10.0.0.0/8", Description: str("b")}}}), code: CodeInvalidParameterValue},
		{name: "same peer other ports in one request ok", op: ingress(perm("tcp", 1, 1, "10.0.0.0/8"), perm("tcp", 2, 2, "10.0.0.0/8"))},
		{name: "duplicate ipv6 twin", op: ingress(perm("tcp", 22, 22, "2001:db8:ffff::/32")), code: CodeInvalidPermissionDuplicate},
		{name: "same peer other ports ok", op: ingress(perm("tcp", 23, 23, "203.0.113.0/24"))},

		// Peers.
		{name: "no peer", op: ingress(perm("tcp", 1, 1)), code: CodeMissingParameter},
		{name: "unknown group peer", op: ingress(perm("tcp", 1, 1, "sg-0123456789abcdef0")), code: CodeInvalidGroupNotFound},
		{name: "malformed group peer", op: ingress(perm("tcp", 1, 1, "sg-xyz")), code: CodeInvalidGroupIdMalformed},
		{name: "group peer in another VPC", op: ingress(IpPermission{IpProtocol: "tcp", FromPort: i32(1), ToPort: i32(1), UserIdGroupPairs: []UserIdGroupPair{{GroupId: "sg-0123456789abcdef0", VpcId: "vpc-other"}}}), code: CodeInvalidGroupNotFound},
		{name: "unknown prefix list", op: ingress(perm("tcp", 1, 1, "pl-0123456789abcdef0")), code: CodeInvalidPrefixListIDNotFound},
		{name: "malformed prefix list", op: ingress(perm("tcp", 1, 1, "pl-zz")), code: CodeInvalidPrefixListIDMalformed, msg: "The prefix list ID 'pl-zz' is malformed"},
		{name: "malformed prefix list modify", op: modify(SecurityGroupRuleRequest{IpProtocol: str("tcp"), FromPort: i32(1), ToPort: i32(1), PrefixListId: str("pl-zz")}), code: CodeInvalidPrefixListIDMalformed},
		{name: "unknown prefix list modify", op: modify(SecurityGroupRuleRequest{IpProtocol: str("tcp"), FromPort: i32(1), ToPort: i32(1), PrefixListId: str("pl-0123456789abcdef0")}), code: CodeInvalidPrefixListIDNotFound},
		{name: "malformed prefix list egress", op: func(f *fixture) error {
			_, err := f.st.AuthorizeSecurityGroupEgress(f.web, []IpPermission{perm("tcp", 1, 1, "pl-zz")}, nil)
			return err
		}, code: CodeInvalidPrefixListIDMalformed},
		{name: "malformed prefix list revoke", op: func(f *fixture) error {
			_, _, err := f.st.RevokeSecurityGroupIngress(f.web, []IpPermission{perm("tcp", 1, 1, "pl-zz")}, nil)
			return err
		}, code: CodeInvalidPrefixListIDMalformed},
		{name: "unknown prefix list revoke", op: func(f *fixture) error {
			_, _, err := f.st.RevokeSecurityGroupEgress(f.web, []IpPermission{perm("tcp", 1, 1, "pl-0123456789abcdef0")}, nil)
			return err
		}, code: CodeInvalidPrefixListIDNotFound},
		{name: "prefix list name com.amazonaws", op: func(f *fixture) error {
			_, err := f.st.CreateManagedPrefixList("com.amazonaws.office", 1, nil)
			return err
		}, code: CodeInvalidParameterValue},
		{name: "prefix list name pl- ok", op: func(f *fixture) error {
			_, err := f.st.CreateManagedPrefixList("pl-office", 1, nil)
			return err
		}},
		{name: "group peer by name ok", op: ingress(IpPermission{IpProtocol: "tcp", FromPort: i32(1), ToPort: i32(1), UserIdGroupPairs: []UserIdGroupPair{{GroupName: "db"}}})},

		// Rule descriptions ('&' only in IpRange/Ipv6Range).
		{name: "ip range description with &", op: ingress(IpPermission{IpProtocol: "tcp", FromPort: i32(1), ToPort: i32(1), IpRanges: []IpRange{{CidrIp: "10.0.0.0/8", Description: str("a&b")}}})},
		{name: "group pair description with &", op: ingress(IpPermission{IpProtocol: "tcp", FromPort: i32(1), ToPort: i32(1), UserIdGroupPairs: []UserIdGroupPair{{GroupName: "db", Description: str("a&b")}}}), code: CodeInvalidParameterValue},
		{name: "prefix list description with &", op: func(f *fixture) error {
			_, err := f.st.AuthorizeSecurityGroupIngress(f.web, []IpPermission{{IpProtocol: "tcp", FromPort: i32(1), ToPort: i32(1), PrefixListIds: []PrefixListId{{PrefixListId: f.pl, Description: str("a&b")}}}}, nil)
			return err
		}, code: CodeInvalidParameterValue},
		{name: "rule description too long", op: ingress(IpPermission{IpProtocol: "tcp", FromPort: i32(1), ToPort: i32(1), IpRanges: []IpRange{{CidrIp: "10.0.0.0/8", Description: str(long)}}}), code: CodeInvalidParameterValue},

		// Quotas (spec 4.8): 60 per direction, per family; prefix lists at max entries.
		{name: "60 ipv4 rules ok", op: ingress(cidrPerms(59, false)...)},
		{name: "61 ipv4 rules", op: ingress(cidrPerms(60, false)...), code: CodeRulesPerSecurityGroupLimitExceeded, msg: "The maximum number of rules per security group has been reached."},
		{name: "ipv6 counted separately", op: func(f *fixture) error {
			if _, err := f.st.AuthorizeSecurityGroupIngress(f.web, cidrPerms(59, false), nil); err != nil {
				return err
			}
			_, err := f.st.AuthorizeSecurityGroupIngress(f.web, cidrPerms(59, true), nil)
			return err
		}},
		{name: "prefix list counts max entries", setup: func(f *fixture) error {
			_, err := f.st.AuthorizeSecurityGroupIngress(f.web, cidrPerms(40, false), nil)
			return err
		}, op: func(f *fixture) error {
			_, err := f.st.AuthorizeSecurityGroupIngress(f.web, []IpPermission{perm("tcp", 1, 1, f.pl)}, nil)
			return err
		}, code: CodeRulesPerSecurityGroupLimitExceeded},
		{name: "egress quota 60 ok", op: func(f *fixture) error {
			_, err := f.st.AuthorizeSecurityGroupEgress(f.web, cidrPerms(59, false), nil) // + the default rule
			return err
		}},
		{name: "egress quota 61", op: func(f *fixture) error {
			_, err := f.st.AuthorizeSecurityGroupEgress(f.web, cidrPerms(60, false), nil)
			return err
		}, code: CodeRulesPerSecurityGroupLimitExceeded},
		{name: "groups per interface", setup: func(f *fixture) error {
			for _, n := range []string{"a", "b", "c", "d", "e", "f"} {
				if _, err := f.st.CreateSecurityGroup(n, "d", nil); err != nil {
					return err
				}
			}
			return nil
		}, op: func(f *fixture) error {
			return f.st.ModifyNetworkInterfaceAttribute(f.eni, []string{"a", "b", "c", "d", "e", "f"}, nil)
		}, code: CodeSecurityGroupsPerInterfaceLimitExceeded},
		{name: "groups per interface 16", cfg: func(c *VPCConfig) { c.GroupsPerInterface, c.RulesPerGroup = 16, 62 }, op: func(f *fixture) error {
			gs := []string{f.web, f.db}
			for i := range 14 {
				g, err := f.st.CreateSecurityGroup(string(rune('a'+i)), "d", nil)
				if err != nil {
					return err
				}
				gs = append(gs, g.GroupId)
			}
			return f.st.ModifyNetworkInterfaceAttribute(f.eni, gs, nil)
		}},

		// Delete blockers (spec 4.6).
		{name: "delete default", op: func(f *fixture) error { _, err := f.st.DeleteSecurityGroup("default"); return err }, code: CodeCannotDelete},
		{name: "delete group in use", op: func(f *fixture) error { _, err := f.st.DeleteSecurityGroup(f.web); return err }, code: CodeDependencyViolation},
		{name: "delete referenced group", setup: func(f *fixture) error {
			_, err := f.st.AuthorizeSecurityGroupIngress(f.web, []IpPermission{perm("tcp", 5432, 5432, f.db)}, nil)
			return err
		}, op: func(f *fixture) error {
			_, err := f.st.DeleteSecurityGroup(f.db)
			return err
		}, code: CodeDependencyViolation},
		{name: "delete self-referencing group ok", op: func(f *fixture) error {
			if _, err := f.st.AuthorizeSecurityGroupIngress(f.db, []IpPermission{perm("-1", noPort, 0, f.db)}, nil); err != nil {
				return err
			}
			_, err := f.st.DeleteSecurityGroup(f.db)
			return err
		}},
		{name: "delete unknown name", op: func(f *fixture) error { _, err := f.st.DeleteSecurityGroup("nope"); return err }, code: CodeInvalidGroupNotFound},
		{name: "delete malformed id", op: func(f *fixture) error { _, err := f.st.DeleteSecurityGroup("sg-foo"); return err }, code: CodeInvalidGroupIdMalformed},

		// Revoke (spec 4.4).
		{name: "revoke unknown permission, nothing revoked", op: func(f *fixture) error {
			_, _, err := f.st.RevokeSecurityGroupIngress(f.web, []IpPermission{perm("tcp", 22, 22, "203.0.113.0/24"), perm("tcp", 23, 23, "203.0.113.0/24")}, nil)
			return err
		}, code: CodeInvalidPermissionNotFound},
		{name: "revoke unknown rule id", op: func(f *fixture) error {
			_, _, err := f.st.RevokeSecurityGroupIngress(f.web, nil, []string{f.webRule, "sgr-0123456789abcdef0"})
			return err
		}, code: CodeInvalidSecurityGroupRuleIdNotFound},
		{name: "revoke egress rule id on ingress", op: func(f *fixture) error {
			_, _, err := f.st.RevokeSecurityGroupEgress(f.web, nil, []string{f.webRule})
			return err
		}, code: CodeInvalidSecurityGroupRuleIdNotFound},

		// ModifySecurityGroupRules (spec 4.4 messages).
		{name: "modify unknown group", op: func(f *fixture) error {
			return f.st.ModifySecurityGroupRules("sg-00000000", []SecurityGroupRuleUpdate{{SecurityGroupRuleId: f.webRule, SecurityGroupRule: &SecurityGroupRuleRequest{}}})
		}, code: CodeInvalidGroupNotFound, msg: "The security group 'sg-00000000' does not exist"},
		{name: "modify unknown rule", op: func(f *fixture) error {
			return f.st.ModifySecurityGroupRules(f.web, []SecurityGroupRuleUpdate{{SecurityGroupRuleId: "sgr-00000000", SecurityGroupRule: &SecurityGroupRuleRequest{}}})
		}, code: CodeInvalidSecurityGroupRuleIdNotFound, msg: "The security group rule ID 'sgr-00000000' does not exist"},
		{name: "modify no protocol", op: modify(SecurityGroupRuleRequest{CidrIpv4: str("10.0.0.0/8")}), code: CodeInvalidParameterValue, msg: "Invalid value 'null' for protocol."},
		{name: "modify one port", op: modify(SecurityGroupRuleRequest{IpProtocol: str("tcp"), FromPort: i32(1), CidrIpv4: str("10.0.0.0/8")}), code: CodeInvalidParameterValue, msg: "Must specify both from and to ports with TCP/UDP."},
		{name: "modify no peer", op: modify(SecurityGroupRuleRequest{IpProtocol: str("tcp"), FromPort: i32(1), ToPort: i32(1)}), code: CodeMissingParameter, msg: "The request must contain exactly one of: cidrIp, cidrIpv6, prefixListId, or referencedGroupId"},
		{name: "modify two peers", op: modify(SecurityGroupRuleRequest{IpProtocol: str("tcp"), FromPort: i32(1), ToPort: i32(1), CidrIpv4: str("10.0.0.0/8"), ReferencedGroupId: str("sg-00000000")}), code: CodeInvalidParameterCombination},
		{name: "modify ipv4 rule to ipv6", op: modify(SecurityGroupRuleRequest{IpProtocol: str("tcp"), FromPort: i32(1), ToPort: i32(1), CidrIpv6: str("::/0")}), code: CodeInvalidParameterValue, msg: "You may not specify CidrIpv6 for an existing IPv4 CIDR rule."},
		{name: "modify into a duplicate", setup: func(f *fixture) error {
			rs, err := f.st.AuthorizeSecurityGroupIngress(f.web, []IpPermission{perm("tcp", 23, 23, "10.0.0.0/8")}, nil)
			if err == nil {
				f.extra = rs[0].SecurityGroupRuleId
			}
			return err
		}, op: func(f *fixture) error {
			return f.st.ModifySecurityGroupRules(f.web, []SecurityGroupRuleUpdate{{SecurityGroupRuleId: f.extra, SecurityGroupRule: &SecurityGroupRuleRequest{IpProtocol: str("tcp"), FromPort: i32(22), ToPort: i32(22), CidrIpv4: str("203.0.113.0/24")}}})
		}, code: CodeInvalidPermissionDuplicate},
		{name: "modify ok", op: modify(SecurityGroupRuleRequest{IpProtocol: str("udp"), FromPort: i32(53), ToPort: i32(53), CidrIpv4: str("10.9.0.0/16"), Description: str("dns")})},
		{name: "modify to unknown group", op: modify(SecurityGroupRuleRequest{IpProtocol: str("udp"), FromPort: i32(53), ToPort: i32(53), ReferencedGroupId: str("sg-00000000")}), code: CodeInvalidGroupNotFound},

		// Describe.
		{name: "describe rules malformed group filter", op: func(f *fixture) error {
			_, err := f.st.DescribeSecurityGroupRules(nil, []Filter{{Name: "group-id", Values: []string{"foobar"}}})
			return err
		}, code: CodeInvalidGroupIdMalformed, msg: "The security group ID 'foobar' is malformed"},
		{name: "describe unknown rule id", op: func(f *fixture) error {
			_, err := f.st.DescribeSecurityGroupRules([]string{"sgr-0123456789abcdef0"}, nil)
			return err
		}, code: CodeInvalidSecurityGroupRuleIdNotFound},
		{name: "describe unknown group", op: func(f *fixture) error {
			_, err := f.st.DescribeSecurityGroups([]string{"sg-0123456789abcdef0"}, nil, nil)
			return err
		}, code: CodeInvalidGroupNotFound},
		{name: "describe bad filter", op: func(f *fixture) error {
			_, err := f.st.DescribeSecurityGroups(nil, nil, []Filter{{Name: "ip-permission.colour", Values: []string{"x"}}})
			return err
		}, code: CodeInvalidParameterValue},

		// Interfaces and connection tracking.
		{name: "conntrack tcp 59", op: func(f *fixture) error {
			return f.st.ModifyNetworkInterfaceAttribute(f.eni, nil, &ConntrackSpec{TcpEstablishedTimeout: 59})
		}, code: CodeInvalidParameterValue},
		{name: "conntrack tcp 432001", op: func(f *fixture) error {
			return f.st.ModifyNetworkInterfaceAttribute(f.eni, nil, &ConntrackSpec{TcpEstablishedTimeout: 432001})
		}, code: CodeInvalidParameterValue},
		{name: "conntrack udp stream 181", op: func(f *fixture) error {
			return f.st.ModifyNetworkInterfaceAttribute(f.eni, nil, &ConntrackSpec{UdpStreamTimeout: 181})
		}, code: CodeInvalidParameterValue},
		{name: "conntrack udp 29", op: func(f *fixture) error {
			return f.st.ModifyNetworkInterfaceAttribute(f.eni, nil, &ConntrackSpec{UdpTimeout: 29})
		}, code: CodeInvalidParameterValue},
		{name: "conntrack bounds ok", op: func(f *fixture) error {
			return f.st.ModifyNetworkInterfaceAttribute(f.eni, nil, &ConntrackSpec{TcpEstablishedTimeout: 60, UdpStreamTimeout: 180, UdpTimeout: 30})
		}},
		{name: "interface groups by name refused", op: func(f *fixture) error {
			return f.st.ModifyNetworkInterfaceAttribute(f.eni, []string{"db"}, nil)
		}, code: CodeInvalidGroupIdMalformed},
		{name: "interface needs a group", op: func(f *fixture) error {
			return f.st.ModifyNetworkInterfaceAttribute(f.eni, []string{}, nil)
		}, code: CodeMissingParameter},
		{name: "interface address outside subnet", op: func(f *fixture) error {
			_, err := f.st.CreateNetworkInterface(ENISpec{IPv4: []netip.Addr{netip.MustParseAddr("10.0.0.1")}})
			return err
		}, code: CodeInvalidParameterValue},
		{name: "interface address in use", op: func(f *fixture) error {
			_, err := f.st.CreateNetworkInterface(ENISpec{IPv4: []netip.Addr{netip.MustParseAddr("198.18.0.11")}})
			return err
		}, code: CodeInvalidIPAddressInUse},
		{name: "unknown interface", op: func(f *fixture) error {
			return f.st.ModifyNetworkInterfaceAttribute("eni-0123456789abcdef0", []string{f.db}, nil)
		}, code: CodeInvalidNetworkInterfaceIDNotFound},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, c.cfg)
			if c.setup != nil {
				if err := c.setup(f); err != nil {
					t.Fatal(err)
				}
			}
			before := f.st.Spec()
			err := c.op(f)
			if c.code == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			wantCode(t, err, c.code)
			if !strings.Contains(err.Error(), c.msg) {
				t.Errorf("message %q does not contain %q", err.Error(), c.msg)
			}
			if !reflect.DeepEqual(before, f.st.Spec()) {
				t.Errorf("failing call changed the state")
			}
		})
	}
}

func TestQuotaConfig(t *testing.T) {
	_, err := NewState(VPCConfig{CIDR: netip.MustParsePrefix("198.18.0.0/24"), GroupsPerInterface: 16, RulesPerGroup: 63})
	wantCode(t, err, CodeInvalidParameterValue)
	_, err = NewState(VPCConfig{CIDR: netip.MustParsePrefix("198.18.0.0/24"), GroupsPerInterface: 17})
	wantCode(t, err, CodeInvalidParameterValue)
	if _, err := NewState(VPCConfig{CIDR: netip.MustParsePrefix("198.18.0.0/24"), GroupsPerInterface: 16, RulesPerGroup: 62}); err != nil {
		t.Fatal(err)
	}
}
