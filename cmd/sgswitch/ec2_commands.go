package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"sgswitch/ec2api"
)

// The `sgswitch ec2` subcommands: AWS CLI names → EC2 actions and inputs.

func ec2Commands() []ec2Command {
	return []ec2Command{
		{
			name: "create-security-group", action: "CreateSecurityGroup", usage: "create a security group",
			flags: []cli.Flag{
				&cli.StringFlag{Name: "group-name", Required: true},
				&cli.StringFlag{Name: "description", Required: true},
				&cli.StringFlag{Name: "vpc-id"},
				&cli.StringFlag{Name: "tag-specifications", Usage: "JSON or ResourceType=security-group,Tags=[{Key=k,Value=v}]"},
			},
			input: func(c *cli.Context, _ *ec2Resolver) (any, error) {
				in := &ec2api.CreateSecurityGroupInput{GroupName: c.String("group-name"), Description: c.String("description"), VpcId: c.String("vpc-id")}
				var err error
				if s := c.String("tag-specifications"); s != "" {
					in.TagSpecifications, err = ec2api.ParseTagSpecifications(s)
				}
				return in, err
			},
			output: func() any { return &ec2api.CreateSecurityGroupOutput{} },
		},
		{
			name: "delete-security-group", action: "DeleteSecurityGroup", usage: "delete a security group",
			flags: []cli.Flag{&cli.StringFlag{Name: "group-id", Usage: "id or lab name"}, &cli.StringFlag{Name: "group-name"}},
			input: func(c *cli.Context, r *ec2Resolver) (any, error) {
				id, err := r.group(c.String("group-id"))
				return &ec2api.DeleteSecurityGroupInput{GroupId: id, GroupName: c.String("group-name")}, err
			},
			output: func() any { return &ec2api.DeleteSecurityGroupOutput{} },
		},
		{
			name: "describe-security-groups", action: "DescribeSecurityGroups", usage: "describe security groups",
			flags: append([]cli.Flag{
				repeatedFlag("group-ids", "ids or lab names"), repeatedFlag("group-names", "names"),
			}, describeFlags()...),
			input: func(c *cli.Context, r *ec2Resolver) (any, error) {
				ids, err := r.groups(idList(c, "group-ids"))
				if err != nil {
					return nil, err
				}
				fs, err := filters(c)
				return &ec2api.DescribeSecurityGroupsInput{GroupIds: ids, GroupNames: idList(c, "group-names"), Filters: fs, PageParams: pageParams(c)}, err
			},
			output: func() any { return &ec2api.DescribeSecurityGroupsOutput{} },
		},
		{
			name: "describe-security-group-rules", action: "DescribeSecurityGroupRules", usage: "describe security group rules (one per peer)",
			flags: append([]cli.Flag{repeatedFlag("security-group-rule-ids", "sgr- ids")}, describeFlags()...),
			input: func(c *cli.Context, _ *ec2Resolver) (any, error) {
				fs, err := filters(c)
				return &ec2api.DescribeSecurityGroupRulesInput{SecurityGroupRuleIds: idList(c, "security-group-rule-ids"), Filters: fs, PageParams: pageParams(c)}, err
			},
			output: func() any { return &ec2api.DescribeSecurityGroupRulesOutput{} },
		},
		authorizeCommand("authorize-security-group-ingress", "AuthorizeSecurityGroupIngress"),
		authorizeCommand("authorize-security-group-egress", "AuthorizeSecurityGroupEgress"),
		revokeCommand("revoke-security-group-ingress", "RevokeSecurityGroupIngress"),
		revokeCommand("revoke-security-group-egress", "RevokeSecurityGroupEgress"),
		{
			name: "modify-security-group-rules", action: "ModifySecurityGroupRules", usage: "change rules in place (same rule ids)",
			flags: []cli.Flag{
				&cli.StringFlag{Name: "group-id", Required: true, Usage: "id or lab name"},
				&cli.StringFlag{Name: "security-group-rules", Required: true, Usage: `JSON: [{"SecurityGroupRuleId":"sgr-…","SecurityGroupRule":{"IpProtocol":"tcp","FromPort":22,"ToPort":22,"CidrIpv4":"…"}}]`},
			},
			input: func(c *cli.Context, r *ec2Resolver) (any, error) {
				id, err := r.group(c.String("group-id"))
				if err != nil {
					return nil, err
				}
				in := &ec2api.ModifySecurityGroupRulesInput{GroupId: id}
				return in, jsonFlag(c, "security-group-rules", &in.SecurityGroupRules)
			},
			output: func() any { return &ec2api.ReturnOutput{} },
		},
		updateDescriptionsCommand("update-security-group-rule-descriptions-ingress", "UpdateSecurityGroupRuleDescriptionsIngress"),
		updateDescriptionsCommand("update-security-group-rule-descriptions-egress", "UpdateSecurityGroupRuleDescriptionsEgress"),
		{
			name: "describe-network-interfaces", action: "DescribeNetworkInterfaces", usage: "describe network interfaces (ENIs)",
			flags: append([]cli.Flag{repeatedFlag("network-interface-ids", "ids or lab node names")}, describeFlags()...),
			input: func(c *cli.Context, r *ec2Resolver) (any, error) {
				ids, err := r.ifaces(idList(c, "network-interface-ids"))
				if err != nil {
					return nil, err
				}
				fs, err := filters(c)
				return &ec2api.DescribeNetworkInterfacesInput{NetworkInterfaceIds: ids, Filters: fs, PageParams: pageParams(c)}, err
			},
			output: func() any { return &ec2api.DescribeNetworkInterfacesOutput{} },
		},
		{
			name: "modify-network-interface-attribute", action: "ModifyNetworkInterfaceAttribute", usage: "replace an ENI's groups, set its connection tracking timeouts or its source/dest check",
			flags: []cli.Flag{
				&cli.StringFlag{Name: "network-interface-id", Required: true, Usage: "id or lab node name"},
				repeatedFlag("groups", "group ids or lab names (replace the set)"),
				&cli.StringFlag{Name: "connection-tracking-specification", Usage: "JSON or TcpEstablishedTimeout=N,UdpStreamTimeout=N,UdpTimeout=N"},
				&cli.BoolFlag{Name: "source-dest-check"},
				&cli.BoolFlag{Name: "no-source-dest-check"},
				&cli.StringFlag{Name: "description"},
			},
			input: modifyInterfaceInput,
		},
		{
			name: "describe-vpcs", action: "DescribeVpcs", usage: "describe VPCs",
			flags: append([]cli.Flag{repeatedFlag("vpc-ids", "vpc- ids")}, describeFlags()...),
			input: func(c *cli.Context, _ *ec2Resolver) (any, error) {
				fs, err := filters(c)
				return &ec2api.DescribeVpcsInput{VpcIds: idList(c, "vpc-ids"), Filters: fs, PageParams: pageParams(c)}, err
			},
			output: func() any { return &ec2api.DescribeVpcsOutput{} },
		},
	}
}

// eniCommands: interfaces made through the API, their secondary private
// IPv4 and IPv6 addresses, and the subnet they go in.
func eniCommands() []ec2Command {
	eniFlag := func() cli.Flag {
		return &cli.StringFlag{Name: "network-interface-id", Required: true, Usage: "id or lab node name"}
	}
	return []ec2Command{
		{
			name: "describe-subnets", action: "DescribeSubnets", usage: "describe subnets",
			flags: append([]cli.Flag{repeatedFlag("subnet-ids", "subnet- ids")}, describeFlags()...),
			input: func(c *cli.Context, _ *ec2Resolver) (any, error) {
				fs, err := filters(c)
				return &ec2api.DescribeSubnetsInput{SubnetIds: idList(c, "subnet-ids"), Filters: fs, PageParams: pageParams(c)}, err
			},
			output: func() any { return &ec2api.DescribeSubnetsOutput{} },
		},
		{
			name: "create-network-interface", action: "CreateNetworkInterface", usage: "create an (available) ENI",
			flags: []cli.Flag{
				&cli.StringFlag{Name: "subnet-id", Required: true},
				&cli.StringFlag{Name: "description"},
				&cli.StringFlag{Name: "private-ip-address", Usage: "the primary address (default: the lowest free one)"},
				&cli.IntFlag{Name: "secondary-private-ip-address-count"},
				&cli.IntFlag{Name: "ipv6-address-count"},
				repeatedFlag("groups", "group ids or lab names"),
				&cli.StringFlag{Name: "tag-specifications", Usage: "JSON or ResourceType=network-interface,Tags=[{Key=k,Value=v}]"},
			},
			input: func(c *cli.Context, r *ec2Resolver) (any, error) {
				groups, err := r.groups(idList(c, "groups"))
				if err != nil {
					return nil, err
				}
				in := &ec2api.CreateNetworkInterfaceInput{SubnetId: c.String("subnet-id"), Description: c.String("description"),
					PrivateIpAddress: c.String("private-ip-address"), Groups: groups,
					SecondaryPrivateIpAddressCount: int32Flag(c, "secondary-private-ip-address-count"),
					Ipv6AddressCount:               int32Flag(c, "ipv6-address-count")}
				if s := c.String("tag-specifications"); s != "" {
					in.TagSpecifications, err = ec2api.ParseTagSpecifications(s)
				}
				return in, err
			},
			output: func() any { return &ec2api.CreateNetworkInterfaceOutput{} },
		},
		{
			name: "delete-network-interface", action: "DeleteNetworkInterface", usage: "delete an available ENI",
			flags: []cli.Flag{eniFlag()},
			input: func(c *cli.Context, r *ec2Resolver) (any, error) {
				id, err := r.iface(c.String("network-interface-id"))
				return &ec2api.DeleteNetworkInterfaceInput{NetworkInterfaceId: id}, err
			},
		},
		{
			name: "assign-private-ip-addresses", action: "AssignPrivateIpAddresses", usage: "add secondary private IPv4 addresses to an ENI",
			flags: []cli.Flag{eniFlag(), repeatedFlag("private-ip-addresses", "addresses"),
				&cli.IntFlag{Name: "secondary-private-ip-address-count", Usage: "or: this many free addresses"},
				&cli.BoolFlag{Name: "allow-reassignment", Usage: "take addresses that are another ENI's secondaries"}},
			input: func(c *cli.Context, r *ec2Resolver) (any, error) {
				id, err := r.iface(c.String("network-interface-id"))
				in := &ec2api.AssignPrivateIpAddressesInput{NetworkInterfaceId: id, PrivateIpAddresses: idList(c, "private-ip-addresses"),
					SecondaryPrivateIpAddressCount: int32Flag(c, "secondary-private-ip-address-count")}
				if c.Bool("allow-reassignment") {
					in.AllowReassignment = ptr(true)
				}
				return in, err
			},
			output: func() any { return &ec2api.AssignPrivateIpAddressesOutput{} },
		},
		{
			name: "unassign-private-ip-addresses", action: "UnassignPrivateIpAddresses", usage: "remove secondary private IPv4 addresses from an ENI",
			flags: []cli.Flag{eniFlag(), repeatedFlag("private-ip-addresses", "addresses")},
			input: func(c *cli.Context, r *ec2Resolver) (any, error) {
				id, err := r.iface(c.String("network-interface-id"))
				return &ec2api.UnassignPrivateIpAddressesInput{NetworkInterfaceId: id, PrivateIpAddresses: idList(c, "private-ip-addresses")}, err
			},
		},
		{
			name: "assign-ipv6-addresses", action: "AssignIpv6Addresses", usage: "add IPv6 addresses to an ENI",
			flags: []cli.Flag{eniFlag(), repeatedFlag("ipv6-addresses", "addresses"),
				&cli.IntFlag{Name: "ipv6-address-count", Usage: "or: this many free addresses"}},
			input: func(c *cli.Context, r *ec2Resolver) (any, error) {
				id, err := r.iface(c.String("network-interface-id"))
				return &ec2api.AssignIpv6AddressesInput{NetworkInterfaceId: id, Ipv6Addresses: idList(c, "ipv6-addresses"),
					Ipv6AddressCount: int32Flag(c, "ipv6-address-count")}, err
			},
			output: func() any { return &ec2api.AssignIpv6AddressesOutput{} },
		},
		{
			name: "unassign-ipv6-addresses", action: "UnassignIpv6Addresses", usage: "remove IPv6 addresses from an ENI",
			flags: []cli.Flag{eniFlag(), repeatedFlag("ipv6-addresses", "addresses")},
			input: func(c *cli.Context, r *ec2Resolver) (any, error) {
				id, err := r.iface(c.String("network-interface-id"))
				return &ec2api.UnassignIpv6AddressesInput{NetworkInterfaceId: id, Ipv6Addresses: idList(c, "ipv6-addresses")}, err
			},
			output: func() any { return &ec2api.UnassignIpv6AddressesOutput{} },
		},
	}
}

// tagCommands: tags on groups, rules, ENIs and prefix lists.
func tagCommands() []ec2Command {
	// New flag values per command: a repeated flag keeps its values in itself.
	resources := func() cli.Flag { return repeatedFlag("resources", "ids (sg-, sgr-, eni-, pl-)") }
	tags := func() cli.Flag {
		return repeatedFlag("tags", `Key=K,Value=V (repeatable) or JSON [{"Key":"K","Value":"V"}]`)
	}
	return []ec2Command{
		{
			name: "create-tags", action: "CreateTags", usage: "add or overwrite tags",
			flags: []cli.Flag{resources(), tags()},
			input: func(c *cli.Context, _ *ec2Resolver) (any, error) {
				ts, err := tagFlags(c)
				return &ec2api.CreateTagsInput{Resources: idList(c, "resources"), Tags: ts}, err
			},
		},
		{
			name: "delete-tags", action: "DeleteTags", usage: "remove tags (a Key without Value: whatever its value; no --tags: all)",
			flags: []cli.Flag{resources(), tags()},
			input: func(c *cli.Context, _ *ec2Resolver) (any, error) {
				ts, err := tagFlags(c)
				return &ec2api.DeleteTagsInput{Resources: idList(c, "resources"), Tags: ts}, err
			},
		},
		{
			name: "describe-tags", action: "DescribeTags", usage: "describe tags (filters: key, value, resource-id, resource-type)",
			flags: describeFlags(),
			input: func(c *cli.Context, _ *ec2Resolver) (any, error) {
				fs, err := filters(c)
				return &ec2api.DescribeTagsInput{Filters: fs, PageParams: pageParams(c)}, err
			},
			output: func() any { return &ec2api.DescribeTagsOutput{} },
		},
	}
}

func tagFlags(c *cli.Context) ([]ec2api.Tag, error) {
	var out []ec2api.Tag
	for _, v := range repeated(c, "tags") {
		ts, err := ec2api.ParseTags(v)
		if err != nil {
			return nil, err
		}
		out = append(out, ts...)
	}
	return out, nil
}

// int32Flag is an int flag as *int32: nil when not given.
func int32Flag(c *cli.Context, name string) *int32 {
	if !c.IsSet(name) {
		return nil
	}
	return ptr(int32(c.Int(name)))
}

func ptr[T any](v T) *T { return &v }

func describeFlags() []cli.Flag {
	return []cli.Flag{
		repeatedFlag("filters", "JSON or Name=NAME,Values=V1,V2 (repeatable)"),
		&cli.IntFlag{Name: "max-results", Usage: "page size (5..1000); prints NextToken"},
		&cli.StringFlag{Name: "next-token"},
	}
}

func pageParams(c *cli.Context) ec2api.PageParams {
	p := ec2api.PageParams{NextToken: c.String("next-token")}
	if c.IsSet("max-results") {
		m := int32(c.Int("max-results"))
		p.MaxResults = &m
	}
	return p
}

// permissionFlags are the AWS CLI's two ways to give rules: the simple
// --protocol/--port/--cidr/--source-group form, or --ip-permissions JSON.
func permissionFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "group-id", Usage: "id or lab name"},
		&cli.StringFlag{Name: "protocol", Usage: "tcp, udp, icmp, icmpv6, all (-1) or a number"},
		&cli.StringFlag{Name: "port", Usage: "N, N-M, or -1 (ICMP: type)"},
		&cli.StringFlag{Name: "cidr", Usage: "IPv4 or IPv6 CIDR"},
		&cli.StringFlag{Name: "source-group", Usage: "group id or lab name"},
		&cli.StringFlag{Name: "ip-permissions", Usage: `JSON: [{"IpProtocol":"tcp","FromPort":22,"ToPort":22,"IpRanges":[{"CidrIp":"…"}]}]`},
	}
}

// permissions resolves --group-id and builds the permissions of a rule command.
func permissions(c *cli.Context, r *ec2Resolver) (string, []ec2api.IpPermission, error) {
	group, err := r.group(c.String("group-id"))
	if err != nil {
		return "", nil, err
	}
	var perms []ec2api.IpPermission
	if err := jsonFlag(c, "ip-permissions", &perms); err != nil {
		return "", nil, err
	}
	if c.IsSet("protocol") || c.IsSet("port") || c.IsSet("cidr") || c.IsSet("source-group") {
		if len(perms) > 0 {
			return "", nil, fmt.Errorf("give either --ip-permissions or --protocol/--port/--cidr/--source-group, not both")
		}
		src, err := r.group(c.String("source-group"))
		if err != nil {
			return "", nil, err
		}
		p, err := ec2api.SimplePermission(c.String("protocol"), c.String("port"), c.String("cidr"), src)
		if err != nil {
			return "", nil, err
		}
		perms = []ec2api.IpPermission{p}
	}
	// Lab names also work as the GroupId of a peer in --ip-permissions.
	for i := range perms {
		pairs := perms[i].UserIdGroupPairs.Items
		for j := range pairs {
			if pairs[j].GroupId, err = r.group(pairs[j].GroupId); err != nil {
				return "", nil, err
			}
		}
	}
	return group, perms, nil
}

func authorizeCommand(name, action string) ec2Command {
	return ec2Command{
		name: name, action: action, usage: "add rules to a security group",
		flags: append(permissionFlags(), &cli.StringFlag{Name: "tag-specifications", Usage: "JSON or ResourceType=security-group-rule,Tags=[{Key=k,Value=v}]"}),
		input: func(c *cli.Context, r *ec2Resolver) (any, error) {
			group, perms, err := permissions(c, r)
			if err != nil {
				return nil, err
			}
			in := &ec2api.AuthorizeSecurityGroupInput{GroupId: group, IpPermissions: perms}
			if s := c.String("tag-specifications"); s != "" {
				in.TagSpecifications, err = ec2api.ParseTagSpecifications(s)
			}
			return in, err
		},
		output: func() any { return &ec2api.AuthorizeSecurityGroupOutput{} },
	}
}

func revokeCommand(name, action string) ec2Command {
	return ec2Command{
		name: name, action: action, usage: "remove rules (by properties or by rule id)",
		flags: append(permissionFlags(), repeatedFlag("security-group-rule-ids", "sgr- ids")),
		input: func(c *cli.Context, r *ec2Resolver) (any, error) {
			group, perms, err := permissions(c, r)
			return &ec2api.RevokeSecurityGroupInput{GroupId: group, IpPermissions: perms, SecurityGroupRuleIds: idList(c, "security-group-rule-ids")}, err
		},
		output: func() any { return &ec2api.RevokeSecurityGroupOutput{} },
	}
}

func updateDescriptionsCommand(name, action string) ec2Command {
	return ec2Command{
		name: name, action: action, usage: "set rule descriptions (by rule id or by properties)",
		flags: []cli.Flag{
			&cli.StringFlag{Name: "group-id", Usage: "id or lab name"},
			&cli.StringFlag{Name: "group-name"},
			&cli.StringFlag{Name: "ip-permissions", Usage: "JSON, with the new descriptions"},
			&cli.StringFlag{Name: "security-group-rule-descriptions", Usage: `JSON: [{"SecurityGroupRuleId":"sgr-…","Description":"…"}]`},
		},
		input: func(c *cli.Context, r *ec2Resolver) (any, error) {
			group, err := r.group(c.String("group-id"))
			if err != nil {
				return nil, err
			}
			in := &ec2api.UpdateSecurityGroupRuleDescriptionsInput{GroupId: group, GroupName: c.String("group-name")}
			if err := jsonFlag(c, "ip-permissions", &in.IpPermissions); err != nil {
				return nil, err
			}
			return in, jsonFlag(c, "security-group-rule-descriptions", &in.SecurityGroupRuleDescriptions)
		},
		output: func() any { return &ec2api.ReturnOutput{} },
	}
}

func modifyInterfaceInput(c *cli.Context, r *ec2Resolver) (any, error) {
	eni, err := r.iface(c.String("network-interface-id"))
	if err != nil {
		return nil, err
	}
	groups, err := r.groups(idList(c, "groups"))
	if err != nil {
		return nil, err
	}
	in := &ec2api.ModifyNetworkInterfaceAttributeInput{NetworkInterfaceId: eni, Groups: groups}
	if s := c.String("connection-tracking-specification"); s != "" {
		if in.ConnectionTrackingSpecification, err = ec2api.ParseConntrackSpec(s); err != nil {
			return nil, err
		}
	}
	if c.IsSet("source-dest-check") || c.IsSet("no-source-dest-check") {
		v := c.Bool("source-dest-check") && !c.Bool("no-source-dest-check")
		in.SourceDestCheck = &ec2api.AttributeBooleanValue{Value: &v}
	}
	if c.IsSet("description") {
		d := c.String("description")
		in.Description = &ec2api.AttributeValue{Value: &d}
	}
	return in, nil
}
