package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"sgswitch/ec2api"
)

// netCommands: the VPC model's create and describe commands; the ones
// that change or delete are netChangeCommands. describe-vpcs and
// describe-subnets are in ec2Commands/eniCommands.
func netCommands() []ec2Command {
	tagsFlag := func(rt string) cli.Flag {
		return &cli.StringFlag{Name: "tag-specifications", Usage: "JSON or ResourceType=" + rt + ",Tags=[{Key=k,Value=v}]"}
	}
	tags := func(c *cli.Context) ([]ec2api.TagSpecification, error) {
		if s := c.String("tag-specifications"); s != "" {
			return ec2api.ParseTagSpecifications(s)
		}
		return nil, nil
	}
	return []ec2Command{
		{
			name: "create-vpc", action: "CreateVpc", usage: "create a VPC (with its default network ACL, main route table and default security group)",
			flags: []cli.Flag{&cli.StringFlag{Name: "cidr-block", Required: true}, &cli.StringFlag{Name: "ipv6-cidr-block"}, tagsFlag("vpc")},
			input: func(c *cli.Context, _ *ec2Resolver) (any, error) {
				ts, err := tags(c)
				return &ec2api.CreateVpcInput{CidrBlock: c.String("cidr-block"), Ipv6CidrBlock: c.String("ipv6-cidr-block"), TagSpecifications: ts}, err
			},
			output: func() any { return &ec2api.CreateVpcOutput{} },
		},
		{
			name: "describe-vpc-attribute", action: "DescribeVpcAttribute", usage: "show enableDnsSupport or enableDnsHostnames",
			flags: []cli.Flag{&cli.StringFlag{Name: "vpc-id", Required: true}, &cli.StringFlag{Name: "attribute", Required: true}},
			input: func(c *cli.Context, _ *ec2Resolver) (any, error) {
				return &ec2api.DescribeVpcAttributeInput{VpcId: c.String("vpc-id"), Attribute: c.String("attribute")}, nil
			},
			output: func() any { return &ec2api.DescribeVpcAttributeOutput{} },
		},
		{
			name: "create-subnet", action: "CreateSubnet", usage: "create a subnet",
			flags: []cli.Flag{
				&cli.StringFlag{Name: "vpc-id", Required: true}, &cli.StringFlag{Name: "cidr-block"},
				&cli.StringFlag{Name: "ipv6-cidr-block"}, &cli.StringFlag{Name: "availability-zone"}, tagsFlag("subnet"),
			},
			input: func(c *cli.Context, _ *ec2Resolver) (any, error) {
				ts, err := tags(c)
				return &ec2api.CreateSubnetInput{VpcId: c.String("vpc-id"), CidrBlock: c.String("cidr-block"), Ipv6CidrBlock: c.String("ipv6-cidr-block"),
					AvailabilityZone: c.String("availability-zone"), TagSpecifications: ts}, err
			},
			output: func() any { return &ec2api.CreateSubnetOutput{} },
		},
		{
			name: "create-network-acl", action: "CreateNetworkAcl", usage: "create a network ACL",
			flags: []cli.Flag{&cli.StringFlag{Name: "vpc-id", Required: true}, tagsFlag("network-acl")},
			input: func(c *cli.Context, _ *ec2Resolver) (any, error) {
				ts, err := tags(c)
				return &ec2api.CreateNetworkAclInput{VpcId: c.String("vpc-id"), TagSpecifications: ts}, err
			},
			output: func() any { return &ec2api.CreateNetworkAclOutput{} },
		},
		{
			name: "create-network-acl-entry", action: "CreateNetworkAclEntry", usage: "add an entry to a network ACL",
			flags:  aclEntryFlags(),
			input:  func(c *cli.Context, _ *ec2Resolver) (any, error) { return aclEntryInput(c) },
			output: func() any { return &ec2api.EmptyOutput{} },
		},
		{
			name: "describe-network-acls", action: "DescribeNetworkAcls", usage: "describe network ACLs",
			flags: append([]cli.Flag{repeatedFlag("network-acl-ids", "acl- ids")}, describeFlags()...),
			input: func(c *cli.Context, _ *ec2Resolver) (any, error) {
				fs, err := filters(c)
				return &ec2api.DescribeNetworkAclsInput{NetworkAclIds: idList(c, "network-acl-ids"), Filters: fs, PageParams: pageParams(c)}, err
			},
			output: func() any { return &ec2api.DescribeNetworkAclsOutput{} },
		},
		{
			name: "create-route-table", action: "CreateRouteTable", usage: "create a route table",
			flags: []cli.Flag{&cli.StringFlag{Name: "vpc-id", Required: true}, tagsFlag("route-table")},
			input: func(c *cli.Context, _ *ec2Resolver) (any, error) {
				ts, err := tags(c)
				return &ec2api.CreateRouteTableInput{VpcId: c.String("vpc-id"), TagSpecifications: ts}, err
			},
			output: func() any { return &ec2api.CreateRouteTableOutput{} },
		},
		{
			name: "create-route", action: "CreateRoute", usage: "add a route to a network interface",
			flags: []cli.Flag{
				&cli.StringFlag{Name: "route-table-id", Required: true}, &cli.StringFlag{Name: "destination-cidr-block"},
				&cli.StringFlag{Name: "destination-ipv6-cidr-block"}, &cli.StringFlag{Name: "network-interface-id"},
			},
			input: func(c *cli.Context, _ *ec2Resolver) (any, error) {
				return &ec2api.RouteInput{RouteTableId: c.String("route-table-id"), DestinationCidrBlock: c.String("destination-cidr-block"),
					DestinationIpv6CidrBlock: c.String("destination-ipv6-cidr-block"), NetworkInterfaceId: c.String("network-interface-id")}, nil
			},
			output: func() any { return &ec2api.ReturnOutput{} },
		},
		{
			name: "describe-route-tables", action: "DescribeRouteTables", usage: "describe route tables",
			flags: append([]cli.Flag{repeatedFlag("route-table-ids", "rtb- ids")}, describeFlags()...),
			input: func(c *cli.Context, _ *ec2Resolver) (any, error) {
				fs, err := filters(c)
				return &ec2api.DescribeRouteTablesInput{RouteTableIds: idList(c, "route-table-ids"), Filters: fs, PageParams: pageParams(c)}, err
			},
			output: func() any { return &ec2api.DescribeRouteTablesOutput{} },
		},
	}
}

func aclEntryFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "network-acl-id", Required: true}, &cli.IntFlag{Name: "rule-number", Required: true},
		&cli.StringFlag{Name: "protocol", Required: true, Usage: "number, -1, tcp, udp, icmp or icmpv6"},
		&cli.StringFlag{Name: "rule-action", Required: true, Usage: "allow or deny"},
		&cli.BoolFlag{Name: "egress"}, &cli.BoolFlag{Name: "ingress", Usage: "the default"},
		&cli.StringFlag{Name: "cidr-block"}, &cli.StringFlag{Name: "ipv6-cidr-block"},
		&cli.StringFlag{Name: "port-range", Usage: "From=80,To=80 or JSON"},
		&cli.StringFlag{Name: "icmp-type-code", Usage: "Type=8,Code=-1 or JSON"},
	}
}

// aclEntryInput is the request of create- and replace-network-acl-entry.
func aclEntryInput(c *cli.Context) (*ec2api.NetworkAclEntryInput, error) {
	rule, egress := int32(c.Int("rule-number")), c.Bool("egress")
	in := &ec2api.NetworkAclEntryInput{NetworkAclId: c.String("network-acl-id"), RuleNumber: &rule, Protocol: c.String("protocol"),
		RuleAction: c.String("rule-action"), Egress: &egress, CidrBlock: c.String("cidr-block"), Ipv6CidrBlock: c.String("ipv6-cidr-block")}
	if s := c.String("port-range"); s != "" {
		v, err := intPair(s, "From", "To")
		if err != nil {
			return nil, fmt.Errorf("--port-range: %w", err)
		}
		in.PortRange = &ec2api.PortRange{From: v[0], To: v[1]}
	}
	if s := c.String("icmp-type-code"); s != "" {
		v, err := intPair(s, "Type", "Code")
		if err != nil {
			return nil, fmt.Errorf("--icmp-type-code: %w", err)
		}
		in.Icmp = &ec2api.IcmpTypeCode{Type: v[0], Code: v[1]}
	}
	return in, nil
}

// intPair parses the AWS CLI's shorthand "A=1,B=2" or JSON {"A":1,"B":2}
// into the values of keys a and b (both required).
func intPair(s, a, b string) ([2]*int32, error) {
	var out [2]*int32
	vals := map[string]int32{}
	if strings.HasPrefix(strings.TrimSpace(s), "{") {
		if err := json.Unmarshal([]byte(s), &vals); err != nil {
			return out, err
		}
	} else {
		for _, kv := range strings.Split(s, ",") {
			k, v, ok := strings.Cut(kv, "=")
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 32)
			if !ok || err != nil {
				return out, fmt.Errorf("want %s=N,%s=N, got %q", a, b, s)
			}
			vals[strings.TrimSpace(k)] = int32(n)
		}
	}
	for i, k := range []string{a, b} {
		v, ok := vals[k]
		if !ok {
			return out, fmt.Errorf("missing %s", k)
		}
		out[i] = &v
	}
	return out, nil
}
