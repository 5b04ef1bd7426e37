package main

import (
	"github.com/urfave/cli/v2"

	"sgswitch/ec2api"
)

// The managed prefix-list subcommands of `sgswitch ec2`, with the AWS
// CLI's names and flags.

func prefixListCommands() []ec2Command {
	return []ec2Command{
		{
			name: "create-managed-prefix-list", action: "CreateManagedPrefixList", usage: "create a managed prefix list (in the default VPC)",
			flags: []cli.Flag{
				&cli.StringFlag{Name: "prefix-list-name", Required: true},
				&cli.StringFlag{Name: "address-family", Required: true, Usage: "IPv4 or IPv6"},
				&cli.IntFlag{Name: "max-entries", Required: true},
				repeatedFlag("entries", "JSON or Cidr=CIDR,Description=D (repeatable)"),
				&cli.StringFlag{Name: "tag-specifications", Usage: "JSON or ResourceType=prefix-list,Tags=[{Key=k,Value=v}]"},
			},
			input: func(c *cli.Context, _ *ec2Resolver) (any, error) {
				in := &ec2api.CreateManagedPrefixListInput{PrefixListName: c.String("prefix-list-name"),
					AddressFamily: c.String("address-family"), MaxEntries: int32Flag(c, "max-entries")}
				var err error
				if in.Entries, err = entriesFlag(c, "entries"); err != nil {
					return nil, err
				}
				if s := c.String("tag-specifications"); s != "" {
					in.TagSpecifications, err = ec2api.ParseTagSpecifications(s)
				}
				return in, err
			},
			output: func() any { return &ec2api.PrefixListOutput{} },
		},
		{
			name: "describe-managed-prefix-lists", action: "DescribeManagedPrefixLists", usage: "describe managed prefix lists (yours and AWS's)",
			flags: append([]cli.Flag{repeatedFlag("prefix-list-ids", "pl- ids")}, describeFlags()...),
			input: func(c *cli.Context, _ *ec2Resolver) (any, error) {
				fs, err := filters(c)
				return &ec2api.DescribeManagedPrefixListsInput{PrefixListIds: idList(c, "prefix-list-ids"), Filters: fs, PageParams: pageParams(c)}, err
			},
			output: func() any { return &ec2api.DescribeManagedPrefixListsOutput{} },
		},
		{
			name: "get-managed-prefix-list-entries", action: "GetManagedPrefixListEntries", usage: "list a prefix list's entries (at --target-version)",
			flags: []cli.Flag{
				&cli.StringFlag{Name: "prefix-list-id", Required: true},
				&cli.Int64Flag{Name: "target-version"},
				&cli.IntFlag{Name: "max-results", Usage: "page size (1..100); prints NextToken"},
				&cli.StringFlag{Name: "next-token"},
			},
			input: func(c *cli.Context, _ *ec2Resolver) (any, error) {
				in := &ec2api.GetManagedPrefixListEntriesInput{PrefixListId: c.String("prefix-list-id"), PageParams: pageParams(c)}
				if c.IsSet("target-version") {
					in.TargetVersion = ptr(c.Int64("target-version"))
				}
				return in, nil
			},
			output: func() any { return &ec2api.GetManagedPrefixListEntriesOutput{} },
		},
		{
			name: "modify-managed-prefix-list", action: "ModifyManagedPrefixList", usage: "rename, add or remove entries, or resize a prefix list",
			flags: []cli.Flag{
				&cli.StringFlag{Name: "prefix-list-id", Required: true},
				&cli.Int64Flag{Name: "current-version"},
				&cli.StringFlag{Name: "prefix-list-name"},
				repeatedFlag("add-entries", "JSON or Cidr=CIDR,Description=D (repeatable)"),
				repeatedFlag("remove-entries", "JSON or Cidr=CIDR (repeatable)"),
				&cli.IntFlag{Name: "max-entries"},
			},
			input:  modifyPrefixListInput,
			output: func() any { return &ec2api.PrefixListOutput{} },
		},
		{
			name: "delete-managed-prefix-list", action: "DeleteManagedPrefixList", usage: "delete a prefix list no rule references",
			flags: []cli.Flag{&cli.StringFlag{Name: "prefix-list-id", Required: true}},
			input: func(c *cli.Context, _ *ec2Resolver) (any, error) {
				return &ec2api.DeleteManagedPrefixListInput{PrefixListId: c.String("prefix-list-id")}, nil
			},
			output: func() any { return &ec2api.PrefixListOutput{} },
		},
	}
}

func modifyPrefixListInput(c *cli.Context, _ *ec2Resolver) (any, error) {
	in := &ec2api.ModifyManagedPrefixListInput{PrefixListId: c.String("prefix-list-id")}
	if c.IsSet("current-version") {
		in.CurrentVersion = ptr(c.Int64("current-version"))
	}
	if c.IsSet("prefix-list-name") {
		in.PrefixListName = ptr(c.String("prefix-list-name"))
	}
	if c.IsSet("max-entries") {
		in.MaxEntries = int32Flag(c, "max-entries")
	}
	var err error
	if in.AddEntries, err = entriesFlag(c, "add-entries"); err != nil {
		return nil, err
	}
	remove, err := entriesFlag(c, "remove-entries")
	for _, e := range remove {
		in.RemoveEntries = append(in.RemoveEntries, ec2api.RemovePrefixListEntry{Cidr: e.Cidr})
	}
	return in, err
}

// entriesFlag parses every value of a repeated entries flag.
func entriesFlag(c *cli.Context, name string) ([]ec2api.PrefixListEntryParam, error) {
	var out []ec2api.PrefixListEntryParam
	for _, v := range repeated(c, name) {
		es, err := ec2api.ParsePrefixListEntries(v)
		if err != nil {
			return nil, err
		}
		out = append(out, es...)
	}
	return out, nil
}
