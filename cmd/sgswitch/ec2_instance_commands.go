package main

import (
	"github.com/urfave/cli/v2"

	"sgswitch/ec2api"
)

// The `sgswitch ec2` instance subcommands (the instances are the lab
// nodes). Instance and image ids are taken as given; the lab names the
// other subcommands resolve do not apply to them.

func instanceCommands() []ec2Command {
	return []ec2Command{
		{
			name: "describe-instances", action: "DescribeInstances", usage: "describe instances (the lab nodes), by reservation",
			flags: append([]cli.Flag{repeatedFlag("instance-ids", "i- ids")}, describeFlags()...),
			input: func(c *cli.Context, _ *ec2Resolver) (any, error) {
				fs, err := filters(c)
				return &ec2api.DescribeInstancesInput{InstanceIds: idList(c, "instance-ids"), Filters: fs, PageParams: pageParams(c)}, err
			},
			output: func() any { return &ec2api.DescribeInstancesOutput{} },
		},
		{
			name: "describe-instance-status", action: "DescribeInstanceStatus", usage: "describe the instances' status checks",
			flags: append([]cli.Flag{repeatedFlag("instance-ids", "i- ids"), &cli.BoolFlag{Name: "include-all-instances"}}, describeFlags()...),
			input: func(c *cli.Context, _ *ec2Resolver) (any, error) {
				fs, err := filters(c)
				in := &ec2api.DescribeInstanceStatusInput{InstanceIds: idList(c, "instance-ids"), Filters: fs, PageParams: pageParams(c)}
				if c.IsSet("include-all-instances") {
					all := c.Bool("include-all-instances")
					in.IncludeAllInstances = &all
				}
				return in, err
			},
			output: func() any { return &ec2api.DescribeInstanceStatusOutput{} },
		},
		{
			name: "describe-images", action: "DescribeImages", usage: "describe the images instances run (one per lab image, and netns)",
			flags: append([]cli.Flag{repeatedFlag("image-ids", "ami- ids"), repeatedFlag("owners", "self or the account id")}, describeFlags()...),
			input: func(c *cli.Context, _ *ec2Resolver) (any, error) {
				fs, err := filters(c)
				return &ec2api.DescribeImagesInput{ImageIds: idList(c, "image-ids"), Owners: idList(c, "owners"), Filters: fs, PageParams: pageParams(c)}, err
			},
			output: func() any { return &ec2api.DescribeImagesOutput{} },
		},
		{
			name: "modify-instance-metadata-options", action: "ModifyInstanceMetadataOptions", usage: "change an instance's metadata options (the next IMDS request sees them)",
			flags: []cli.Flag{
				&cli.StringFlag{Name: "instance-id", Required: true},
				&cli.StringFlag{Name: "http-tokens", Usage: "optional or required"},
				&cli.IntFlag{Name: "http-put-response-hop-limit", Usage: "1..64"},
				&cli.StringFlag{Name: "http-endpoint", Usage: "enabled or disabled"},
				&cli.StringFlag{Name: "http-protocol-ipv6", Usage: "enabled or disabled"},
				&cli.StringFlag{Name: "instance-metadata-tags", Usage: "enabled or disabled"},
			},
			input: func(c *cli.Context, _ *ec2Resolver) (any, error) {
				in := &ec2api.ModifyInstanceMetadataOptionsInput{InstanceId: c.String("instance-id"), HttpTokens: c.String("http-tokens"),
					HttpEndpoint: c.String("http-endpoint"), HttpProtocolIpv6: c.String("http-protocol-ipv6"), InstanceMetadataTags: c.String("instance-metadata-tags")}
				if c.IsSet("http-put-response-hop-limit") {
					h := int32(c.Int("http-put-response-hop-limit"))
					in.HttpPutResponseHopLimit = &h
				}
				return in, nil
			},
			output: func() any { return &ec2api.ModifyInstanceMetadataOptionsOutput{} },
		},
		stateCommand("terminate-instances", "TerminateInstances", func() any { return &ec2api.TerminateInstancesOutput{} }),
		stateCommand("stop-instances", "StopInstances", func() any { return &ec2api.StopInstancesOutput{} }),
		stateCommand("start-instances", "StartInstances", func() any { return &ec2api.StartInstancesOutput{} }),
	}
}

// stateCommand is terminate-, stop- or start-instances (a lab's
// instances refuse all three: its lab owns them).
func stateCommand(name, action string, output func() any) ec2Command {
	return ec2Command{
		name: name, action: action, usage: action + " (a lab's instances: OperationNotPermitted, use lab down)",
		flags: []cli.Flag{repeatedFlag("instance-ids", "i- ids"), &cli.BoolFlag{Name: "force"}},
		input: func(c *cli.Context, _ *ec2Resolver) (any, error) {
			in := &ec2api.InstanceIdsInput{InstanceIds: idList(c, "instance-ids")}
			if c.IsSet("force") {
				f := c.Bool("force")
				in.Force = &f
			}
			return in, nil
		},
		output: output,
	}
}
