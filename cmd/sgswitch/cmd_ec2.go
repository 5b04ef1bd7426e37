package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"sgswitch/daemon"
	"sgswitch/ec2api"
	"sgswitch/ec2auth"
)

// sgswitch ec2 COMMAND: the AWS CLI's security-group and network-interface
// commands, as a client of the daemon's EC2 Query API (one control plane).
// Output is what the AWS CLI prints, in its formats (--output, --query:
// ec2_output*.go); an EC2 error prints the AWS CLI's
// "An error occurred (Code) when calling the X operation: message" and
// exits 254, as AWS CLI v2 does for service errors. The commands and
// their inputs are in ec2_commands.go.

func init() {
	subs := []*cli.Command{credentialsCommand()}
	for _, ec := range slices.Concat(ec2Commands(), eniCommands(), tagCommands(), netCommands(), netChangeCommands(), prefixListCommands(), instanceCommands()) {
		subs = append(subs, ec.command())
	}
	register(&cli.Command{
		Name:  "ec2",
		Usage: "AWS CLI-compatible security group commands (client of the EC2 API)",
		Description: "The AWS CLI's command and flag names. Group and interface arguments also take lab names\n" +
			"(a group name; an interface's Name tag). List flags take repeated flags or comma/space\n" +
			"separated values; --filters takes JSON or Name=N,Values=V1,V2 and may be repeated.\n" +
			"Requests are signed (SigV4) with the daemon's credentials from STATE-DIR/" + ec2auth.FileName + ";\n" +
			"`sgswitch ec2 credentials` prints them for the AWS CLI and SDKs:\n" +
			"  eval \"$(sudo sgswitch ec2 credentials)\"\n" +
			"  aws --endpoint-url " + ec2api.DefaultEndpoint + " ec2 describe-security-groups",
		Flags:       append([]cli.Flag{endpointFlag(), ec2StateDirFlag()}, outputFlags()...),
		Subcommands: subs,
	})
}

func ec2StateDirFlag() cli.Flag {
	return &cli.StringFlag{Name: "state-dir", Value: daemon.DefaultStateDir, EnvVars: []string{daemon.StateDirEnv},
		Usage: "the daemon's state directory, which holds its EC2 credentials"}
}

// ec2StateDir is the subcommand's --state-dir when set, else the ec2 command's.
func ec2StateDir(c *cli.Context) string {
	for _, ctx := range c.Lineage() {
		if ctx.IsSet("state-dir") {
			return ctx.String("state-dir")
		}
	}
	return c.String("state-dir")
}

// ec2Credentials loads the daemon's EC2 credentials; nil when it has
// none (a daemon run with --ec2-auth none), so requests go unsigned.
func ec2Credentials(c *cli.Context) (*ec2auth.Credentials, error) {
	creds, err := ec2auth.Load(ec2StateDir(c))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if errors.Is(err, fs.ErrPermission) {
		return nil, fmt.Errorf("%w: the daemon's EC2 credentials are readable by root only: run as root", err)
	}
	if err != nil {
		return nil, err
	}
	return &creds, nil
}

// credentialsCommand prints the daemon's credentials as shell exports.
func credentialsCommand() *cli.Command {
	return &cli.Command{
		Name:  "credentials",
		Usage: "print the daemon's EC2 credentials as export lines for the AWS CLI and SDKs",
		Flags: []cli.Flag{endpointFlag(), ec2StateDirFlag()},
		Action: func(c *cli.Context) error {
			creds, err := ec2auth.Load(ec2StateDir(c))
			if err != nil {
				return cli.Exit(fmt.Sprintf("reading the daemon's EC2 credentials: %v", err), 1)
			}
			endpoint := ec2Endpoint(c)
			fmt.Fprintf(c.App.Writer, "export AWS_ACCESS_KEY_ID=%s\nexport AWS_SECRET_ACCESS_KEY=%s\nexport AWS_DEFAULT_REGION=%s\n",
				creds.AccessKeyID, creds.SecretAccessKey, ec2api.DefaultRegion)
			fmt.Fprintf(c.App.Writer, "export AWS_ENDPOINT_URL_EC2=%s\n# aws --endpoint-url %s ec2 describe-security-groups\n", endpoint, endpoint)
			return nil
		},
	}
}

func endpointFlag() cli.Flag {
	return &cli.StringFlag{Name: "endpoint-url", Value: ec2api.DefaultEndpoint, EnvVars: []string{ec2api.EndpointEnv},
		Usage: "the EC2 API of the sgswitch daemon"}
}

// ec2Command is one `sgswitch ec2` subcommand: the EC2 action it calls,
// its flags, how it builds the action's input, and its output message
// (nil: the command prints nothing, like the AWS CLI).
type ec2Command struct {
	name, usage, action string
	flags               []cli.Flag
	input               func(c *cli.Context, r *ec2Resolver) (any, error)
	output              func() any
}

func (ec ec2Command) command() *cli.Command {
	flags := append([]cli.Flag{endpointFlag(), ec2StateDirFlag(), &cli.BoolFlag{Name: "dry-run", Usage: "check the request without making it"}}, outputFlags()...)
	flags = append(flags, ec.flags...)
	return &cli.Command{
		Name:      ec.name,
		Usage:     ec.usage,
		Flags:     flags,
		ArgsUsage: " ",
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return fmt.Errorf("%s: unexpected argument %q", ec.name, c.Args().First())
			}
			opts, err := parseOutputOptions(c)
			if err != nil {
				return cli.Exit("\n"+err.Error(), 255)
			}
			creds, err := ec2Credentials(c)
			if err != nil {
				return ec2Failure(ec.action, err)
			}
			client := &ec2api.Client{Endpoint: ec2Endpoint(c), Credentials: creds}
			r := &ec2Resolver{ctx: c.Context, client: client}
			in, err := ec.input(c, r)
			if err != nil {
				return ec2Failure(ec.action, err)
			}
			if c.Bool("dry-run") {
				setDryRun(in)
			}
			var out any
			if ec.output != nil {
				out = ec.output()
			}
			if err := client.Call(c.Context, ec.action, in, out); err != nil {
				return ec2Failure(ec.action, err)
			}
			if out == nil {
				return nil
			}
			if err := printOutput(c.App.Writer, opts, ec.action, out); err != nil {
				return cli.Exit("\n"+err.Error(), 255)
			}
			return nil
		},
	}
}

// ec2Endpoint is the subcommand's --endpoint-url when set, else the ec2
// command's (so both `ec2 --endpoint-url U cmd` and `ec2 cmd --endpoint-url U` work).
func ec2Endpoint(c *cli.Context) string {
	for _, ctx := range c.Lineage() {
		if ctx.IsSet("endpoint-url") {
			return ctx.String("endpoint-url")
		}
	}
	return c.String("endpoint-url")
}

func setDryRun(in any) {
	if p, ok := in.(interface{ SetDryRun(bool) }); ok {
		p.SetDryRun(true)
	}
}

// ec2Failure turns an error into the AWS CLI's message and exit status:
// 254 for an EC2 (service) error, 255 for anything else (bad arguments,
// no daemon), as AWS CLI v2 does.
func ec2Failure(action string, err error) error {
	var ae *ec2api.APIError
	if errors.As(err, &ae) {
		return cli.Exit(fmt.Sprintf("\nAn error occurred (%s) when calling the %s operation: %s", ae.Code, action, ae.Message), 254)
	}
	return cli.Exit(fmt.Sprintf("\n%v", err), 255)
}

// ec2Resolver turns lab names into ids through the API itself:
// a group name by DescribeSecurityGroups (group-name filter), an
// interface name by DescribeNetworkInterfaces (tag:Name filter).
type ec2Resolver struct {
	ctx    context.Context
	client *ec2api.Client
}

func (r *ec2Resolver) group(ref string) (string, error) {
	if ref == "" || strings.HasPrefix(ref, "sg-") {
		return ref, nil
	}
	var out ec2api.DescribeSecurityGroupsOutput
	in := ec2api.DescribeSecurityGroupsInput{Filters: []ec2api.Filter{{Name: "group-name", Values: []string{ref}}}}
	if err := r.client.Call(r.ctx, "DescribeSecurityGroups", &in, &out); err != nil {
		return "", err
	}
	if out.SecurityGroups.Len() != 1 {
		return "", &ec2api.APIError{Code: "InvalidGroup.NotFound", Message: fmt.Sprintf("The security group '%s' does not exist", ref)}
	}
	return out.SecurityGroups.Items[0].GroupId, nil
}

func (r *ec2Resolver) groups(refs []string) ([]string, error) {
	out := make([]string, 0, len(refs))
	for _, ref := range refs {
		id, err := r.group(ref)
		if err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, nil
}

func (r *ec2Resolver) iface(ref string) (string, error) {
	if ref == "" || strings.HasPrefix(ref, "eni-") {
		return ref, nil
	}
	var out ec2api.DescribeNetworkInterfacesOutput
	in := ec2api.DescribeNetworkInterfacesInput{Filters: []ec2api.Filter{{Name: "tag:Name", Values: []string{ref}}}}
	if err := r.client.Call(r.ctx, "DescribeNetworkInterfaces", &in, &out); err != nil {
		return "", err
	}
	if out.NetworkInterfaces.Len() != 1 {
		return "", &ec2api.APIError{Code: "InvalidNetworkInterfaceID.NotFound", Message: fmt.Sprintf("The networkInterface ID '%s' does not exist", ref)}
	}
	return out.NetworkInterfaces.Items[0].NetworkInterfaceId, nil
}

func (r *ec2Resolver) ifaces(refs []string) ([]string, error) {
	out := make([]string, 0, len(refs))
	for _, ref := range refs {
		id, err := r.iface(ref)
		if err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, nil
}

// listValue is a repeatable flag whose values are not split on commas by
// urfave/cli (a --filters shorthand holds commas); listFlag splits them
// where the value is a plain list of ids.
type listValue []string

func (l *listValue) Set(s string) error { *l = append(*l, s); return nil }
func (l *listValue) String() string     { return strings.Join(*l, " ") }

func repeatedFlag(name, usage string) cli.Flag {
	return &cli.GenericFlag{Name: name, Usage: usage, Value: &listValue{}}
}

// repeated returns every value given for a repeatedFlag.
func repeated(c *cli.Context, name string) []string {
	if v, ok := c.Generic(name).(*listValue); ok && v != nil {
		return *v
	}
	return nil
}

// idList returns a list flag's values, split on commas and spaces.
func idList(c *cli.Context, name string) []string {
	var out []string
	for _, v := range repeated(c, name) {
		out = append(out, strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' })...)
	}
	return out
}

func filters(c *cli.Context) ([]ec2api.Filter, error) {
	var out []ec2api.Filter
	for _, v := range repeated(c, "filters") {
		fs, err := ec2api.ParseFilter(v)
		if err != nil {
			return nil, err
		}
		out = append(out, fs...)
	}
	return out, nil
}

// jsonFlag decodes a flag holding JSON (the AWS CLI's --ip-permissions,
// --security-group-rules, …) into dst; an unset flag leaves dst alone.
func jsonFlag(c *cli.Context, name string, dst any) error {
	if s := c.String(name); s != "" {
		return ec2api.DecodeJSONArg(name, s, dst)
	}
	return nil
}
