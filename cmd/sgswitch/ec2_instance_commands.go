package main

import (
	"github.com/urfave/cli/v2"

	"sgswitch/ec2api"
)

// The `sgswitch ec2` instance subcommands (read-only: the instances are
// the lab nodes). Instance and image ids are taken as given; the lab
// names the other subcommands resolve do not apply to them.

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
	}
}
