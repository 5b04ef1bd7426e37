package main

import (
	"github.com/urfave/cli/v2"

	"sgswitch/ec2api"
)

// netChangeCommands: the VPC model's commands that change or delete, and
// attach/detach-network-interface. Like the AWS CLI, those whose action
// answers only a request id print nothing (no output).
func netChangeCommands() []ec2Command {
	str := func(name string) cli.Flag { return &cli.StringFlag{Name: name, Required: true} }
	return []ec2Command{
		{
			name: "delete-vpc", action: "DeleteVpc", usage: "delete a VPC (its subnets, custom ACLs, tables and groups first)",
			flags: []cli.Flag{str("vpc-id")},
			input: func(c *cli.Context, _ *ec2Resolver) (any, error) {
				return &ec2api.DeleteVpcInput{VpcId: c.String("vpc-id")}, nil
			},
		},
		{
			name: "modify-vpc-attribute", action: "ModifyVpcAttribute", usage: "turn DNS support or DNS hostnames on or off (one per call)",
			flags: []cli.Flag{str("vpc-id"),
				&cli.BoolFlag{Name: "enable-dns-support"}, &cli.BoolFlag{Name: "no-enable-dns-support"},
				&cli.BoolFlag{Name: "enable-dns-hostnames"}, &cli.BoolFlag{Name: "no-enable-dns-hostnames"}},
			input: func(c *cli.Context, _ *ec2Resolver) (any, error) {
				return &ec2api.ModifyVpcAttributeInput{VpcId: c.String("vpc-id"),
					EnableDnsSupport: onOff(c, "enable-dns-support"), EnableDnsHostnames: onOff(c, "enable-dns-hostnames")}, nil
			},
		},
		{
			name: "delete-subnet", action: "DeleteSubnet", usage: "delete a subnet",
			flags: []cli.Flag{str("subnet-id")},
			input: func(c *cli.Context, _ *ec2Resolver) (any, error) {
				return &ec2api.DeleteSubnetInput{SubnetId: c.String("subnet-id")}, nil
			},
		},
		{
			name: "delete-route-table", action: "DeleteRouteTable", usage: "delete a route table (not the main one, nor an associated one)",
			flags: []cli.Flag{str("route-table-id")},
			input: func(c *cli.Context, _ *ec2Resolver) (any, error) {
				return &ec2api.DeleteRouteTableInput{RouteTableId: c.String("route-table-id")}, nil
			},
		},
		{
			name: "replace-route", action: "ReplaceRoute", usage: "point an existing route at another network interface",
			flags: []cli.Flag{str("route-table-id"), &cli.StringFlag{Name: "destination-cidr-block"},
				&cli.StringFlag{Name: "destination-ipv6-cidr-block"}, &cli.StringFlag{Name: "network-interface-id"}},
			input: func(c *cli.Context, _ *ec2Resolver) (any, error) {
				return &ec2api.RouteInput{RouteTableId: c.String("route-table-id"), DestinationCidrBlock: c.String("destination-cidr-block"),
					DestinationIpv6CidrBlock: c.String("destination-ipv6-cidr-block"), NetworkInterfaceId: c.String("network-interface-id")}, nil
			},
		},
		{
			name: "delete-route", action: "DeleteRoute", usage: "delete a route",
			flags: []cli.Flag{str("route-table-id"), &cli.StringFlag{Name: "destination-cidr-block"}, &cli.StringFlag{Name: "destination-ipv6-cidr-block"}},
			input: func(c *cli.Context, _ *ec2Resolver) (any, error) {
				return &ec2api.DeleteRouteInput{RouteTableId: c.String("route-table-id"), DestinationCidrBlock: c.String("destination-cidr-block"),
					DestinationIpv6CidrBlock: c.String("destination-ipv6-cidr-block")}, nil
			},
		},
		{
			name: "associate-route-table", action: "AssociateRouteTable", usage: "associate a route table with a subnet",
			flags: []cli.Flag{str("route-table-id"), str("subnet-id")},
			input: func(c *cli.Context, _ *ec2Resolver) (any, error) {
				return &ec2api.AssociateRouteTableInput{RouteTableId: c.String("route-table-id"), SubnetId: c.String("subnet-id")}, nil
			},
			output: func() any { return &ec2api.AssociateRouteTableOutput{} },
		},
		{
			name: "disassociate-route-table", action: "DisassociateRouteTable", usage: "return a subnet to the main route table",
			flags: []cli.Flag{str("association-id")},
			input: func(c *cli.Context, _ *ec2Resolver) (any, error) {
				return &ec2api.DisassociateRouteTableInput{AssociationId: c.String("association-id")}, nil
			},
		},
		{
			name: "replace-network-acl-entry", action: "ReplaceNetworkAclEntry", usage: "replace an entry of a network ACL",
			flags: aclEntryFlags(),
			input: func(c *cli.Context, _ *ec2Resolver) (any, error) { return aclEntryInput(c) },
		},
		{
			name: "delete-network-acl-entry", action: "DeleteNetworkAclEntry", usage: "delete an entry of a network ACL",
			flags: []cli.Flag{str("network-acl-id"), &cli.IntFlag{Name: "rule-number", Required: true},
				&cli.BoolFlag{Name: "egress"}, &cli.BoolFlag{Name: "ingress", Usage: "the default"}},
			input: func(c *cli.Context, _ *ec2Resolver) (any, error) {
				rule, egress := int32(c.Int("rule-number")), c.Bool("egress")
				return &ec2api.DeleteNetworkAclEntryInput{NetworkAclId: c.String("network-acl-id"), RuleNumber: &rule, Egress: &egress}, nil
			},
		},
		{
			name: "delete-network-acl", action: "DeleteNetworkAcl", usage: "delete a network ACL (not the default one, nor an associated one)",
			flags: []cli.Flag{str("network-acl-id")},
			input: func(c *cli.Context, _ *ec2Resolver) (any, error) {
				return &ec2api.DeleteNetworkAclInput{NetworkAclId: c.String("network-acl-id")}, nil
			},
		},
		{
			name: "replace-network-acl-association", action: "ReplaceNetworkAclAssociation", usage: "give a subnet another network ACL",
			flags: []cli.Flag{str("association-id"), str("network-acl-id")},
			input: func(c *cli.Context, _ *ec2Resolver) (any, error) {
				return &ec2api.ReplaceNetworkAclAssociationInput{AssociationId: c.String("association-id"), NetworkAclId: c.String("network-acl-id")}, nil
			},
			output: func() any { return &ec2api.ReplaceNetworkAclAssociationOutput{} },
		},
		{
			name: "attach-network-interface", action: "AttachNetworkInterface", usage: "attach an available interface to a lab node (its instance id: describe-network-interfaces, Attachment.InstanceId)",
			flags: []cli.Flag{&cli.StringFlag{Name: "network-interface-id", Required: true, Usage: "id or lab node name"},
				str("instance-id"), &cli.IntFlag{Name: "device-index", Required: true}},
			input: func(c *cli.Context, r *ec2Resolver) (any, error) {
				eni, err := r.iface(c.String("network-interface-id"))
				idx := int32(c.Int("device-index"))
				return &ec2api.AttachNetworkInterfaceInput{NetworkInterfaceId: eni, InstanceId: c.String("instance-id"), DeviceIndex: &idx}, err
			},
			output: func() any { return &ec2api.AttachNetworkInterfaceOutput{} },
		},
		{
			name: "detach-network-interface", action: "DetachNetworkInterface", usage: "detach an interface (a lab node's primary one is refused)",
			flags: []cli.Flag{str("attachment-id"), &cli.BoolFlag{Name: "force"}},
			input: func(c *cli.Context, _ *ec2Resolver) (any, error) {
				in := &ec2api.DetachNetworkInterfaceInput{AttachmentId: c.String("attachment-id")}
				if c.IsSet("force") {
					f := c.Bool("force")
					in.Force = &f
				}
				return in, nil
			},
		},
	}
}

// onOff is the AWS CLI's --name / --no-name pair as EC2's boolean
// attribute: nil when neither is given.
func onOff(c *cli.Context, name string) *ec2api.AttributeBooleanValue {
	if !c.IsSet(name) && !c.IsSet("no-"+name) {
		return nil
	}
	v := c.Bool(name) && !c.Bool("no-"+name)
	return &ec2api.AttributeBooleanValue{Value: &v}
}
