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
			name: "modify-network-interface-attribute", action: "ModifyNetworkInterfaceAttribute", usage: "replace an ENI's groups or set its connection tracking timeouts",
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
			name: "describe-vpcs", action: "DescribeVpcs", usage: "describe the lab VPC",
			flags: append([]cli.Flag{repeatedFlag("vpc-ids", "vpc- ids")}, describeFlags()...),
			input: func(c *cli.Context, _ *ec2Resolver) (any, error) {
				fs, err := filters(c)
				return &ec2api.DescribeVpcsInput{VpcIds: idList(c, "vpc-ids"), Filters: fs, PageParams: pageParams(c)}, err
			},
			output: func() any { return &ec2api.DescribeVpcsOutput{} },
		},
	}
}

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
