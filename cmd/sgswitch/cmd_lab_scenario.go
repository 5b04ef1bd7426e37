package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"sgswitch/admin"
	"sgswitch/daemon"
	"sgswitch/ec2api"
	"sgswitch/testbed"
)

// scenarioEnv gives `lab check`'s scenarios (testbed.RunScenarios) the
// daemon: its clock and connection tracking over the admin socket, its
// security groups over its EC2 endpoint with its own credentials.
type scenarioEnv struct {
	adm *admin.Client
	ec2 *ec2api.Client
	lab string
	vpc string // the lab's VPC, where its groups are found by name
}

func newScenarioEnv(c *cli.Context, adm *admin.Client, lab *testbed.Lab) (*scenarioEnv, error) {
	st, err := adm.Status(c.Context)
	if err != nil {
		return nil, err
	}
	ls, err := adm.Lab(c.Context, lab.Name)
	if err != nil {
		return nil, err
	}
	creds, err := ec2Credentials(c)
	if err != nil {
		return nil, err
	}
	env := &scenarioEnv{adm: adm, lab: lab.Name, vpc: ls.VpcId}
	if st.EC2Listen != "" {
		env.ec2 = &ec2api.Client{Endpoint: "http://" + st.EC2Listen, Credentials: creds}
	}
	return env, nil
}

func (e *scenarioEnv) Advance(ctx context.Context, d time.Duration) error {
	var st daemon.ClockStatus
	return e.adm.Do(ctx, http.MethodPost, daemon.ClockPath, daemon.ClockAdvance{By: d.String()}, &st)
}

// Tracked looks for the connection from local to remote among node's
// entries, as the switch keeps them (the originating direction).
func (e *scenarioEnv) Tracked(ctx context.Context, node string, local, remote netip.AddrPort) (bool, error) {
	entries, err := e.adm.Conntrack(ctx, e.lab+"/"+node)
	if err != nil {
		return false, err
	}
	for _, en := range entries {
		if en.Proto == "tcp" && en.Tracked && en.Src == local.Addr().String() && en.SrcPort == local.Port() &&
			en.Dst == remote.Addr().String() && en.DstPort == remote.Port() {
			return true, nil
		}
	}
	return false, nil
}

func (e *scenarioEnv) ChangeRule(ctx context.Context, kind, group string, egress bool, r testbed.Rule) error {
	if e.ec2 == nil {
		return fmt.Errorf("the daemon serves no EC2 API (sgswitch run --ec2-listen): rules cannot change")
	}
	id, err := e.groupID(ctx, group)
	if err != nil {
		return err
	}
	p := ec2api.IpPermission{IpProtocol: r.IpProtocol, FromPort: r.FromPort, ToPort: r.ToPort}
	if r.CidrIp != "" {
		p.IpRanges.Items = []ec2api.IpRange{{CidrIp: r.CidrIp}}
	} else {
		p.Ipv6Ranges.Items = []ec2api.Ipv6Range{{CidrIpv6: r.CidrIpv6}}
	}
	perms := []ec2api.IpPermission{p}
	action := map[bool]string{false: "SecurityGroupIngress", true: "SecurityGroupEgress"}[egress]
	if kind == testbed.StepAuthorize {
		return e.ec2.Call(ctx, "Authorize"+action, &ec2api.AuthorizeSecurityGroupInput{GroupId: id, IpPermissions: perms}, &ec2api.AuthorizeSecurityGroupOutput{})
	}
	return e.ec2.Call(ctx, "Revoke"+action, &ec2api.RevokeSecurityGroupInput{GroupId: id, IpPermissions: perms}, &ec2api.RevokeSecurityGroupOutput{})
}

// groupID finds the lab's group named name in the lab's VPC.
func (e *scenarioEnv) groupID(ctx context.Context, name string) (string, error) {
	var out ec2api.DescribeSecurityGroupsOutput
	in := &ec2api.DescribeSecurityGroupsInput{Filters: []ec2api.Filter{
		{Name: "vpc-id", Values: []string{e.vpc}}, {Name: "group-name", Values: []string{name}}}}
	if err := e.ec2.Call(ctx, "DescribeSecurityGroups", in, &out); err != nil {
		return "", err
	}
	if len(out.SecurityGroups.Items) != 1 {
		return "", fmt.Errorf("lab %s: %d groups named %s in %s", e.lab, len(out.SecurityGroups.Items), name, e.vpc)
	}
	return out.SecurityGroups.Items[0].GroupId, nil
}

// writeScenarios prints one row per step.
func writeScenarios(w io.Writer, rs []testbed.StepResult) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SCENARIO\tSTEP\tWHAT\tEXPECTED\tOBSERVED\tRESULT")
	for _, r := range rs {
		res := "PASS"
		if !r.Pass {
			res = "FAIL"
			if r.Error != "" {
				res += " (" + r.Error + ")"
			}
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\n", r.Scenario, r.Step, r.What, dash(r.Expected), dash(r.Observed), res)
	}
	return tw.Flush()
}
