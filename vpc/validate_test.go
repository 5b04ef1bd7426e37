package vpc

import (
	"reflect"
	"testing"
)

// Every EC2 validation rule of the package, with its error code. After a
// failing call the State must be exactly as before (all or nothing).
func TestValidationErrors(t *testing.T) {
	tcp := func(rule int32, egress bool) NetworkAclEntry {
		return NetworkAclEntry{RuleNumber: rule, Egress: egress, Protocol: "6", RuleAction: "allow", CidrBlock: "0.0.0.0/0", PortRange: &PortRange{22, 22}}
	}
	cases := []struct {
		name string
		prep func(f *fixture)
		call func(f *fixture) error
		code string
	}{
		// CreateVpc / DeleteVpc / attributes
		{"vpc /15", nil, func(f *fixture) error { _, err := f.st.CreateVpc("10.0.0.0/15", "", nil); return err }, CodeInvalidVpcRange},
		{"vpc /29", nil, func(f *fixture) error { _, err := f.st.CreateVpc("10.0.0.0/29", "", nil); return err }, CodeInvalidVpcRange},
		{"vpc cidr malformed", nil, func(f *fixture) error { _, err := f.st.CreateVpc("10.0.0/16", "", nil); return err }, CodeInvalidParameterValue},
		{"vpc cidr is IPv6", nil, func(f *fixture) error { _, err := f.st.CreateVpc("fd00::/56", "", nil); return err }, CodeInvalidParameterValue},
		{"vpc ipv6 /64", nil, func(f *fixture) error { _, err := f.st.CreateVpc("10.0.0.0/16", "fd00::/64", nil); return err }, CodeInvalidParameterValue},
		{"vpc ipv6 /40", nil, func(f *fixture) error { _, err := f.st.CreateVpc("10.0.0.0/16", "fd00::/40", nil); return err }, CodeInvalidParameterValue},
		{"vpc ipv6 is IPv4", nil, func(f *fixture) error { _, err := f.st.CreateVpc("10.0.0.0/16", "10.1.0.0/16", nil); return err }, CodeInvalidParameterValue},
		{"vpc aws: tag", nil, func(f *fixture) error { _, err := f.st.CreateVpc("10.0.0.0/16", "", []Tag{{"AWS:x", "y"}}); return err }, CodeInvalidParameterValue},
		{"vpc limit", func(f *fixture) {
			for range 3 {
				must(t, errOnly(f.st.CreateVpc("10.9.0.0/16", "", nil)))
			}
		}, func(f *fixture) error { _, err := f.st.CreateVpc("10.0.0.0/16", "", nil); return err }, CodeVpcLimitExceeded},
		{"delete vpc unknown", nil, func(f *fixture) error { return f.st.DeleteVpc("vpc-00000000") }, CodeInvalidVpcIDNotFound},
		{"delete vpc with subnets", nil, func(f *fixture) error { return f.st.DeleteVpc(f.v1) }, CodeDependencyViolation},
		{"delete vpc with custom acl", func(f *fixture) {
			v, _ := f.st.CreateVpc("10.5.0.0/16", "", nil)
			f.extra = v.VpcId
			must(t, errOnly(f.st.CreateNetworkAcl(v.VpcId, nil)))
		}, func(f *fixture) error { return f.st.DeleteVpc(f.extra) }, CodeDependencyViolation},
		{"delete vpc with custom route table", func(f *fixture) {
			v, _ := f.st.CreateVpc("10.5.0.0/16", "", nil)
			f.extra = v.VpcId
			must(t, errOnly(f.st.CreateRouteTable(v.VpcId, nil)))
		}, func(f *fixture) error { return f.st.DeleteVpc(f.extra) }, CodeDependencyViolation},
		{"modify unknown attribute", nil, func(f *fixture) error {
			return f.st.ModifyVpcAttribute(f.v1, "enableNetworkAddressUsageMetrics2", true)
		}, CodeInvalidParameterValue},
		{"modify attribute unknown vpc", nil, func(f *fixture) error { return f.st.ModifyVpcAttribute("vpc-1", AttrEnableDnsSupport, true) }, CodeInvalidVpcIDNotFound},
		{"describe unknown attribute", nil, func(f *fixture) error { _, err := f.st.DescribeVpcAttribute(f.v1, "x"); return err }, CodeInvalidParameterValue},
		{"describe vpcs unknown id", nil, func(f *fixture) error { _, err := f.st.DescribeVpcs([]string{"vpc-1"}, nil); return err }, CodeInvalidVpcIDNotFound},
		{"describe vpcs bad filter", nil, func(f *fixture) error {
			_, err := f.st.DescribeVpcs(nil, []Filter{{Name: "colour", Values: []string{"x"}}})
			return err
		}, CodeInvalidParameterValue},

		// CreateSubnet / DeleteSubnet
		{"subnet outside vpc", nil, func(f *fixture) error { _, err := f.st.CreateSubnet(f.v1, "10.1.0.0/24", "", "", nil); return err }, CodeInvalidSubnetRange},
		{"subnet /15", nil, func(f *fixture) error { _, err := f.st.CreateSubnet(f.v1, "10.0.0.0/15", "", "", nil); return err }, CodeInvalidSubnetRange},
		{"subnet /29", nil, func(f *fixture) error { _, err := f.st.CreateSubnet(f.v1, "10.0.3.0/29", "", "", nil); return err }, CodeInvalidSubnetRange},
		{"subnet malformed", nil, func(f *fixture) error { _, err := f.st.CreateSubnet(f.v1, "10.0.3.0", "", "", nil); return err }, CodeInvalidParameterValue},
		{"subnet overlaps", nil, func(f *fixture) error { _, err := f.st.CreateSubnet(f.v1, "10.0.1.128/25", "", "", nil); return err }, CodeInvalidSubnetConflict},
		{"subnet contains another", nil, func(f *fixture) error { _, err := f.st.CreateSubnet(f.v1, "10.0.0.0/16", "", "", nil); return err }, CodeInvalidSubnetConflict},
		{"subnet ipv6 /63", nil, func(f *fixture) error {
			_, err := f.st.CreateSubnet(f.v1, "10.0.3.0/24", "fd00:5e5e:0:2::/63", "", nil)
			return err
		}, CodeInvalidSubnetRange},
		{"subnet ipv6 outside", nil, func(f *fixture) error {
			_, err := f.st.CreateSubnet(f.v1, "10.0.3.0/24", "fd00:5e5f::/64", "", nil)
			return err
		}, CodeInvalidSubnetRange},
		{"subnet ipv6 in vpc without ipv6", nil, func(f *fixture) error {
			_, err := f.st.CreateSubnet(f.v2, "10.0.3.0/24", "fd00:5e5e:0:2::/64", "", nil)
			return err
		}, CodeInvalidSubnetRange},
		{"subnet ipv6 conflict", nil, func(f *fixture) error {
			_, err := f.st.CreateSubnet(f.v1, "10.0.3.0/24", "fd00:5e5e:0:1::/64", "", nil)
			return err
		}, CodeInvalidSubnetConflict},
		{"subnet az of another region", nil, func(f *fixture) error {
			_, err := f.st.CreateSubnet(f.v1, "10.0.3.0/24", "", "us-west-2a", nil)
			return err
		}, CodeInvalidParameterValue},
		{"subnet unknown vpc", nil, func(f *fixture) error { _, err := f.st.CreateSubnet("vpc-1", "10.0.3.0/24", "", "", nil); return err }, CodeInvalidVpcIDNotFound},
		{"subnet limit", func(f *fixture) { f.st.s.Config.SubnetsPerVpc = 2 }, func(f *fixture) error {
			_, err := f.st.CreateSubnet(f.v1, "10.0.3.0/24", "", "", nil)
			return err
		}, CodeSubnetLimitExceeded},
		{"delete subnet with interface", nil, func(f *fixture) error { return f.st.DeleteSubnet(f.a) }, CodeDependencyViolation},
		{"delete subnet unknown", nil, func(f *fixture) error { return f.st.DeleteSubnet("subnet-1") }, CodeInvalidSubnetIDNotFound},
		{"describe subnets bad filter", nil, func(f *fixture) error {
			_, err := f.st.DescribeSubnets(nil, []Filter{{Name: "cidr-blocks"}})
			return err
		}, CodeInvalidParameterValue},

		// route tables and routes
		{"route table unknown vpc", nil, func(f *fixture) error { _, err := f.st.CreateRouteTable("vpc-1", nil); return err }, CodeInvalidVpcIDNotFound},
		{"route table limit", func(f *fixture) { f.st.s.Config.RouteTablesPerVpc = 2 }, func(f *fixture) error {
			_, err := f.st.CreateRouteTable(f.v1, nil)
			return err
		}, CodeRouteTableLimitExceeded},
		{"delete main route table", nil, func(f *fixture) error { return f.st.DeleteRouteTable(f.mainRtb) }, CodeDependencyViolation},
		{"delete associated route table", nil, func(f *fixture) error { return f.st.DeleteRouteTable(f.rtb) }, CodeDependencyViolation},
		{"delete route table unknown", nil, func(f *fixture) error { return f.st.DeleteRouteTable("rtb-1") }, CodeInvalidRouteTableIDNotFound},
		{"route to the local destination", nil, func(f *fixture) error { return f.st.CreateRoute(f.rtb, "10.0.0.0/16", eniA) }, CodeRouteAlreadyExists},
		{"route twice", func(f *fixture) { must(t, f.st.CreateRoute(f.rtb, "0.0.0.0/0", eniA)) }, func(f *fixture) error {
			return f.st.CreateRoute(f.rtb, "0.0.0.0/0", eniA)
		}, CodeRouteAlreadyExists},
		{"route twice, host bits set", func(f *fixture) { must(t, f.st.CreateRoute(f.rtb, "192.168.0.0/16", eniA)) }, func(f *fixture) error {
			return f.st.CreateRoute(f.rtb, "192.168.1.1/16", eniA)
		}, CodeRouteAlreadyExists},
		{"route unknown eni", nil, func(f *fixture) error { return f.st.CreateRoute(f.rtb, "0.0.0.0/0", "eni-1") }, CodeInvalidNetworkInterfaceIDNotFound},
		{"route eni of another vpc", nil, func(f *fixture) error { return f.st.CreateRoute(f.rtb, "0.0.0.0/0", eniC) }, CodeInvalidParameterValue},
		{"route no target", nil, func(f *fixture) error { return f.st.CreateRoute(f.rtb, "0.0.0.0/0", "") }, CodeMissingParameter},
		{"route no destination", nil, func(f *fixture) error { return f.st.CreateRoute(f.rtb, "", eniA) }, CodeMissingParameter},
		{"route bad destination", nil, func(f *fixture) error { return f.st.CreateRoute(f.rtb, "0.0.0.0", eniA) }, CodeInvalidParameterValue},
		{"route unknown table", nil, func(f *fixture) error { return f.st.CreateRoute("rtb-1", "0.0.0.0/0", eniA) }, CodeInvalidRouteTableIDNotFound},
		{"route limit", func(f *fixture) {
			f.st.s.Config.RoutesPerTable = 1
			must(t, f.st.CreateRoute(f.rtb, "0.0.0.0/0", eniA))
		}, func(f *fixture) error { return f.st.CreateRoute(f.rtb, "::/0", eniA) }, CodeRouteLimitExceeded},
		{"replace missing route", nil, func(f *fixture) error { return f.st.ReplaceRoute(f.rtb, "0.0.0.0/0", eniA) }, CodeInvalidRouteNotFound},
		{"replace local route", nil, func(f *fixture) error { return f.st.ReplaceRoute(f.rtb, "10.0.0.0/16", eniA) }, CodeInvalidParameterValue},
		{"replace route to eni of another vpc", func(f *fixture) { must(t, f.st.CreateRoute(f.rtb, "0.0.0.0/0", eniA)) }, func(f *fixture) error {
			return f.st.ReplaceRoute(f.rtb, "0.0.0.0/0", eniC)
		}, CodeInvalidParameterValue},
		{"delete missing route", nil, func(f *fixture) error { return f.st.DeleteRoute(f.rtb, "0.0.0.0/0") }, CodeInvalidRouteNotFound},
		{"delete local route", nil, func(f *fixture) error { return f.st.DeleteRoute(f.rtb, "10.0.0.0/16") }, CodeInvalidParameterValue},
		{"delete local ipv6 route", nil, func(f *fixture) error { return f.st.DeleteRoute(f.mainRtb, "fd00:5e5e::/56") }, CodeInvalidParameterValue},
		{"associate twice", nil, func(f *fixture) error { _, err := f.st.AssociateRouteTable(f.mainRtb, f.b); return err }, CodeResourceAlreadyAssociated},
		{"associate across vpcs", nil, func(f *fixture) error { _, err := f.st.AssociateRouteTable(f.rtb, f.c); return err }, CodeInvalidParameterValue},
		{"associate unknown subnet", nil, func(f *fixture) error { _, err := f.st.AssociateRouteTable(f.rtb, "subnet-1"); return err }, CodeInvalidSubnetIDNotFound},
		{"disassociate main", nil, func(f *fixture) error { return f.st.DisassociateRouteTable(f.mainAssoc) }, CodeInvalidParameterValue},
		{"disassociate unknown", nil, func(f *fixture) error { return f.st.DisassociateRouteTable("rtbassoc-1") }, CodeInvalidAssociationIDNotFound},
		{"replace association unknown", nil, func(f *fixture) error { _, err := f.st.ReplaceRouteTableAssociation("rtbassoc-1", f.rtb); return err }, CodeInvalidAssociationIDNotFound},
		{"replace association across vpcs", nil, func(f *fixture) error { _, err := f.st.ReplaceRouteTableAssociation(f.mainAssoc, f.v2Rtb); return err }, CodeInvalidParameterValue},
		{"describe route tables bad filter", nil, func(f *fixture) error {
			_, err := f.st.DescribeRouteTables(nil, []Filter{{Name: "route.target"}})
			return err
		}, CodeInvalidParameterValue},

		// network ACLs
		{"acl unknown vpc", nil, func(f *fixture) error { _, err := f.st.CreateNetworkAcl("vpc-1", nil); return err }, CodeInvalidVpcIDNotFound},
		{"acl limit", func(f *fixture) { f.st.s.Config.NetworkAclsPerVpc = 2 }, func(f *fixture) error { _, err := f.st.CreateNetworkAcl(f.v1, nil); return err }, CodeNetworkAclLimitExceeded},
		{"delete default acl", nil, func(f *fixture) error { return f.st.DeleteNetworkAcl(f.defAcl) }, CodeInvalidParameterValue},
		{"delete associated acl", nil, func(f *fixture) error { return f.st.DeleteNetworkAcl(f.acl) }, CodeDependencyViolation},
		{"delete unknown acl", nil, func(f *fixture) error { return f.st.DeleteNetworkAcl("acl-1") }, CodeInvalidNetworkAclIDNotFound},
		{"entry unknown acl", nil, func(f *fixture) error { return f.st.CreateNetworkAclEntry("acl-1", tcp(100, false)) }, CodeInvalidNetworkAclIDNotFound},
		{"entry rule 0", nil, func(f *fixture) error { return f.st.CreateNetworkAclEntry(f.acl, tcp(0, false)) }, CodeInvalidParameterValue},
		{"entry rule 32767", nil, func(f *fixture) error { return f.st.CreateNetworkAclEntry(f.acl, tcp(32767, false)) }, CodeInvalidParameterValue},
		{"entry rule negative", nil, func(f *fixture) error { return f.st.CreateNetworkAclEntry(f.acl, tcp(-5, true)) }, CodeInvalidParameterValue},
		{"entry protocol name unknown", nil, func(f *fixture) error {
			e := tcp(100, false)
			e.Protocol = "sctp"
			return f.st.CreateNetworkAclEntry(f.acl, e)
		}, CodeInvalidParameterValue},
		{"entry protocol 256", nil, func(f *fixture) error {
			e := tcp(100, false)
			e.Protocol = "256"
			return f.st.CreateNetworkAclEntry(f.acl, e)
		}, CodeInvalidParameterValue},
		{"entry no protocol", nil, func(f *fixture) error {
			e := tcp(100, false)
			e.Protocol = ""
			return f.st.CreateNetworkAclEntry(f.acl, e)
		}, CodeMissingParameter},
		{"entry action permit", nil, func(f *fixture) error {
			e := tcp(100, false)
			e.RuleAction = "permit"
			return f.st.CreateNetworkAclEntry(f.acl, e)
		}, CodeInvalidParameterValue},
		{"entry both cidrs", nil, func(f *fixture) error {
			e := tcp(100, false)
			e.Ipv6CidrBlock = "::/0"
			return f.st.CreateNetworkAclEntry(f.acl, e)
		}, CodeInvalidParameterCombination},
		{"entry no cidr", nil, func(f *fixture) error {
			e := tcp(100, false)
			e.CidrBlock = ""
			return f.st.CreateNetworkAclEntry(f.acl, e)
		}, CodeMissingParameter},
		{"entry ipv6 in cidrBlock", nil, func(f *fixture) error {
			e := tcp(100, false)
			e.CidrBlock = "::/0"
			return f.st.CreateNetworkAclEntry(f.acl, e)
		}, CodeInvalidParameterValue},
		{"entry tcp without ports", nil, func(f *fixture) error {
			e := tcp(100, false)
			e.PortRange = nil
			return f.st.CreateNetworkAclEntry(f.acl, e)
		}, CodeMissingParameter},
		{"entry udp ports reversed", nil, func(f *fixture) error {
			e := tcp(100, false)
			e.Protocol, e.PortRange = "udp", &PortRange{10, 5}
			return f.st.CreateNetworkAclEntry(f.acl, e)
		}, CodeInvalidParameterValue},
		{"entry port 65536", nil, func(f *fixture) error {
			e := tcp(100, false)
			e.PortRange = &PortRange{1, 65536}
			return f.st.CreateNetworkAclEntry(f.acl, e)
		}, CodeInvalidParameterValue},
		{"entry icmp without type", nil, func(f *fixture) error {
			e := tcp(100, false)
			e.Protocol, e.PortRange = "1", nil
			return f.st.CreateNetworkAclEntry(f.acl, e)
		}, CodeMissingParameter},
		{"entry icmp type 256", nil, func(f *fixture) error {
			e := tcp(100, false)
			e.Protocol, e.PortRange, e.IcmpTypeCode = "icmp", nil, &IcmpTypeCode{Type: 256, Code: -1}
			return f.st.CreateNetworkAclEntry(f.acl, e)
		}, CodeInvalidParameterValue},
		{"entry icmp code -2", nil, func(f *fixture) error {
			e := tcp(100, false)
			e.Protocol, e.PortRange, e.IcmpTypeCode = "1", nil, &IcmpTypeCode{Type: 8, Code: -2}
			return f.st.CreateNetworkAclEntry(f.acl, e)
		}, CodeInvalidParameterValue},
		{"entry icmpv6 ipv6 without type", nil, func(f *fixture) error {
			e := tcp(100, false)
			e.Protocol, e.PortRange, e.CidrBlock, e.Ipv6CidrBlock = "58", nil, "", "::/0"
			return f.st.CreateNetworkAclEntry(f.acl, e)
		}, CodeMissingParameter},
		{"entry exists", nil, func(f *fixture) error { return f.st.CreateNetworkAclEntry(f.defAcl, tcp(100, false)) }, CodeNetworkAclEntryAlreadyExists},
		{"entry limit", func(f *fixture) {
			for i := range int32(20) {
				must(t, f.st.CreateNetworkAclEntry(f.acl, tcp(10+i, false)))
			}
			must(t, f.st.CreateNetworkAclEntry(f.acl, tcp(100, true))) // the other direction has room
		}, func(f *fixture) error { return f.st.CreateNetworkAclEntry(f.acl, tcp(200, false)) }, CodeNetworkAclEntryLimitExceeded},
		{"replace missing entry", nil, func(f *fixture) error { return f.st.ReplaceNetworkAclEntry(f.acl, tcp(100, false)) }, CodeInvalidNetworkAclEntryNotFound},
		{"replace entry (succeeds)", nil, func(f *fixture) error { return f.st.ReplaceNetworkAclEntry(f.defAcl, tcp(101, false)) }, ""},
		{"replace entry invalid", nil, func(f *fixture) error {
			return f.st.ReplaceNetworkAclEntry(f.defAcl, tcp(100, false).withPorts(0, 70000))
		}, CodeInvalidParameterValue},
		{"delete existing entry (succeeds)", nil, func(f *fixture) error { return f.st.DeleteNetworkAclEntry(f.defAcl, 100, false) }, ""},
		{"delete missing entry", nil, func(f *fixture) error { return f.st.DeleteNetworkAclEntry(f.acl, 100, false) }, CodeInvalidNetworkAclEntryNotFound},
		{"delete entry 32767", nil, func(f *fixture) error { return f.st.DeleteNetworkAclEntry(f.defAcl, 32767, false) }, CodeInvalidParameterValue},
		{"acl association unknown", nil, func(f *fixture) error { _, err := f.st.ReplaceNetworkAclAssociation("aclassoc-1", f.acl); return err }, CodeInvalidAssociationIDNotFound},
		{"acl association across vpcs", nil, func(f *fixture) error { _, err := f.st.ReplaceNetworkAclAssociation(f.aAclAssoc, f.v2Acl); return err }, CodeInvalidParameterValue},
		{"acl association unknown acl", nil, func(f *fixture) error { _, err := f.st.ReplaceNetworkAclAssociation(f.aAclAssoc, "acl-1"); return err }, CodeInvalidNetworkAclIDNotFound},
		{"describe acls bad filter", nil, func(f *fixture) error {
			_, err := f.st.DescribeNetworkAcls(nil, []Filter{{Name: "entry.port"}})
			return err
		}, CodeInvalidParameterValue},

		// interface placement
		{"eni outside subnet", nil, func(f *fixture) error { return f.place("eni-1", f.a, "10.0.2.10") }, CodeInvalidParameterValue},
		{"eni network address", nil, func(f *fixture) error { return f.place("eni-1", f.a, "10.0.1.0") }, CodeInvalidParameterValue},
		{"eni router address", nil, func(f *fixture) error { return f.place("eni-1", f.a, "10.0.1.1") }, CodeInvalidParameterValue},
		{"eni dns address", nil, func(f *fixture) error { return f.place("eni-1", f.a, "10.0.1.2") }, CodeInvalidParameterValue},
		{"eni reserved +3", nil, func(f *fixture) error { return f.place("eni-1", f.a, "10.0.1.3") }, CodeInvalidParameterValue},
		{"eni last address", nil, func(f *fixture) error { return f.place("eni-1", f.a, "10.0.1.255") }, CodeInvalidParameterValue},
		{"eni address in use", nil, func(f *fixture) error { return f.place("eni-1", f.a, "10.0.1.10") }, CodeInvalidIPAddressInUse},
		{"eni address twice", nil, func(f *fixture) error { return f.place("eni-1", f.a, "10.0.1.20", "10.0.1.20") }, CodeInvalidIPAddressInUse},
		{"eni no address", nil, func(f *fixture) error { return f.place("eni-1", f.a) }, CodeMissingParameter},
		{"eni ipv6 given as ipv4", nil, func(f *fixture) error { return f.place("eni-1", f.a, "fd00:5e5e:0:1::20") }, CodeInvalidParameterValue},
		{"eni unknown subnet", nil, func(f *fixture) error { return f.place("eni-1", "subnet-1", "10.0.1.20") }, CodeInvalidSubnetIDNotFound},
		{"eni bad id", nil, func(f *fixture) error { return f.place("sg-1", f.a, "10.0.1.20") }, CodeInvalidParameterValue},
		{"eni ipv6 in subnet without ipv6", nil, func(f *fixture) error {
			return f.st.PlaceInterface(Placement{InterfaceID: "eni-1", SubnetID: f.b, IPv4: addrs("10.0.2.20"), IPv6: addrs("fd00:5e5e:0:2::20")})
		}, CodeInvalidParameterValue},
		{"eni ipv6 outside subnet", nil, func(f *fixture) error {
			return f.st.PlaceInterface(Placement{InterfaceID: "eni-1", SubnetID: f.a, IPv4: addrs("10.0.1.20"), IPv6: addrs("fd00:5e5e:0:2::20")})
		}, CodeInvalidParameterValue},
		{"eni ipv6 reserved", nil, func(f *fixture) error {
			return f.st.PlaceInterface(Placement{InterfaceID: "eni-1", SubnetID: f.a, IPv4: addrs("10.0.1.20"), IPv6: addrs("fd00:5e5e:0:1::3")})
		}, CodeInvalidParameterValue},
		{"eni ipv6 last reserved", nil, func(f *fixture) error {
			return f.st.PlaceInterface(Placement{InterfaceID: "eni-1", SubnetID: f.a, IPv4: addrs("10.0.1.20"), IPv6: addrs("fd00:5e5e:0:1:ffff:ffff:ffff:ffff")})
		}, CodeInvalidParameterValue},
		{"eni ipv6 in use", nil, func(f *fixture) error {
			return f.st.PlaceInterface(Placement{InterfaceID: "eni-1", SubnetID: f.a, IPv4: addrs("10.0.1.20"), IPv6: addrs("fd00:5e5e:0:1::10")})
		}, CodeInvalidIPAddressInUse},
		{"set addresses reserved", nil, func(f *fixture) error { return f.st.SetInterfaceAddresses(eniA, addrs("10.0.1.10", "10.0.1.1"), nil) }, CodeInvalidParameterValue},
		{"set addresses unknown eni", nil, func(f *fixture) error { return f.st.SetInterfaceAddresses("eni-1", addrs("10.0.1.20"), nil) }, CodeInvalidNetworkInterfaceIDNotFound},
		{"source/dest check unknown eni", nil, func(f *fixture) error { return f.st.SetSourceDestCheck("eni-1", false) }, CodeInvalidNetworkInterfaceIDNotFound},
		{"remove unknown eni", nil, func(f *fixture) error { return f.st.RemoveInterface("eni-1") }, CodeInvalidNetworkInterfaceIDNotFound},

		// tags
		{"tag unknown vpc", nil, func(f *fixture) error { return f.st.CreateTags([]string{f.a, "vpc-1"}, []Tag{{"k", "v"}}) }, CodeInvalidVpcIDNotFound},
		{"tag unknown subnet", nil, func(f *fixture) error { return f.st.CreateTags([]string{"subnet-1"}, []Tag{{"k", "v"}}) }, CodeInvalidSubnetIDNotFound},
		{"tag unknown rtb", nil, func(f *fixture) error { return f.st.CreateTags([]string{"rtb-1"}, []Tag{{"k", "v"}}) }, CodeInvalidRouteTableIDNotFound},
		{"tag unknown acl", nil, func(f *fixture) error { return f.st.CreateTags([]string{"acl-1"}, []Tag{{"k", "v"}}) }, CodeInvalidNetworkAclIDNotFound},
		{"tag unknown kind", nil, func(f *fixture) error { return f.st.CreateTags([]string{"igw-1"}, []Tag{{"k", "v"}}) }, CodeInvalidID},
		{"tag aws: key", nil, func(f *fixture) error { return f.st.CreateTags([]string{f.a}, []Tag{{"aws:k", "v"}}) }, CodeInvalidParameterValue},
		{"tag empty key", nil, func(f *fixture) error { return f.st.CreateTags([]string{f.a}, []Tag{{"", "v"}}) }, CodeInvalidParameterValue},
		{"describe subnets unknown id", nil, func(f *fixture) error { _, err := f.st.DescribeSubnets([]string{f.a, "subnet-1"}, nil); return err }, CodeInvalidSubnetIDNotFound},
		{"describe route tables unknown id", nil, func(f *fixture) error { _, err := f.st.DescribeRouteTables([]string{"rtb-1"}, nil); return err }, CodeInvalidRouteTableIDNotFound},
		{"describe acls unknown id", nil, func(f *fixture) error { _, err := f.st.DescribeNetworkAcls([]string{"acl-1"}, nil); return err }, CodeInvalidNetworkAclIDNotFound},
		{"describe tags bad filter", nil, func(f *fixture) error { _, err := f.st.DescribeTags([]Filter{{Name: "resource"}}); return err }, CodeInvalidParameterValue},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			if c.prep != nil {
				c.prep(f)
			}
			before := f.st.Spec()
			err := c.call(f)
			if got := codeOf(err); got != c.code {
				t.Fatalf("code %q (%v), want %q", got, err, c.code)
			}
			if c.code != "" && !reflect.DeepEqual(before, f.st.Spec()) {
				t.Fatalf("failing call changed the state")
			}
		})
	}
}

func (e NetworkAclEntry) withPorts(from, to int32) NetworkAclEntry {
	e.PortRange = &PortRange{from, to}
	return e
}

func (f *fixture) place(id, subnet string, ips ...string) error {
	return f.st.PlaceInterface(Placement{InterfaceID: id, SubnetID: subnet, IPv4: addrs(ips...)})
}

func errOnly[T any](_ T, err error) error { return err }
