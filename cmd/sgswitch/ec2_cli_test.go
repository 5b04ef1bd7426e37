package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"sgswitch/account"
	"sgswitch/ec2api"
	"sgswitch/ruleset"
	"sgswitch/vpc"
)

// ec2Lab serves the EC2 API for the CLI tests over an in-memory account
// as a daemon with one lab holds it: one VPC of one subnet, and the lab
// node web1's interface.
func ec2Lab(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(ec2api.NewHandler(oneVPCBackend(t)))
	t.Cleanup(srv.Close)
	return srv.URL
}

func oneVPCBackend(t *testing.T) *ec2api.MemAccountBackend {
	t.Helper()
	a, err := account.New(account.Config{Network: vpc.Config{IDSeed: 7}})
	if err != nil {
		t.Fatal(err)
	}
	v, err := a.CreateVpc("198.18.0.0/24", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := a.Network().CreateSubnet(v.VpcId, "198.18.0.0/24", "", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	spec := ruleset.ENISpec{Name: "web1", IPv4: []netip.Addr{netip.MustParseAddr("198.18.0.10")}, AttachedTo: "lab/web1"}
	if _, err := a.CreateNetworkInterface(s.SubnetId, spec, nil); err != nil {
		t.Fatal(err)
	}
	return ec2api.NewMemAccountBackend(a)
}

// runEC2 runs `sgswitch ec2 --endpoint-url URL args…` and returns its
// stdout, and the exit status and message of a failure.
func runEC2(t *testing.T, url string, args ...string) (stdout string, code int, message string) {
	t.Helper()
	app := newApp()
	defer resetRepeatedFlags(app.Commands)
	var out bytes.Buffer
	app.Writer = &out
	app.ExitErrHandler = func(*cli.Context, error) {}
	err := app.Run(append([]string{"sgswitch", "ec2", "--endpoint-url", url}, args...))
	if err != nil {
		var ec cli.ExitCoder
		if !errors.As(err, &ec) {
			return out.String(), 1, err.Error()
		}
		return out.String(), ec.ExitCode(), ec.Error()
	}
	return out.String(), 0, ""
}

// resetRepeatedFlags empties the repeatable flags' values, which
// urfave/cli keeps in the flag itself: a real sgswitch runs one command
// per process, the tests run many.
func resetRepeatedFlags(cmds []*cli.Command) {
	for _, c := range cmds {
		for _, f := range c.Flags {
			if g, ok := f.(*cli.GenericFlag); ok {
				if l, ok := g.Value.(*listValue); ok {
					*l = nil
				}
			}
		}
		resetRepeatedFlags(c.Subcommands)
	}
}

func okJSON(t *testing.T, url string, dst any, args ...string) {
	t.Helper()
	out, code, msg := runEC2(t, url, args...)
	if code != 0 {
		t.Fatalf("%v: exit %d: %s", args, code, msg)
	}
	if dst != nil {
		if err := json.Unmarshal([]byte(out), dst); err != nil {
			t.Fatalf("%v: output is not JSON: %v\n%s", args, err, out)
		}
	}
}

func wantEC2Error(t *testing.T, url, code, operation string, args ...string) {
	t.Helper()
	_, exit, msg := runEC2(t, url, args...)
	want := "An error occurred (" + code + ") when calling the " + operation + " operation: "
	if exit != 254 || !strings.Contains(msg, want) {
		t.Fatalf("%v: exit %d %q, want 254 and %q", args, exit, msg, want)
	}
}

func TestEC2CLIWorkflow(t *testing.T) {
	url := ec2Lab(t)
	var created struct{ GroupId, SecurityGroupArn string }
	okJSON(t, url, &created, "create-security-group", "--group-name", "web", "--description", "web tier",
		"--tag-specifications", "ResourceType=security-group,Tags=[{Key=env,Value=lab}]")
	if !strings.HasPrefix(created.GroupId, "sg-") || created.SecurityGroupArn == "" {
		t.Fatalf("create: %+v", created)
	}
	wantEC2Error(t, url, "InvalidGroup.Duplicate", "CreateSecurityGroup", "create-security-group", "--group-name", "web", "--description", "x")
	wantEC2Error(t, url, "DryRunOperation", "CreateSecurityGroup", "create-security-group", "--group-name", "db", "--description", "x", "--dry-run")

	// Lab names stand for ids.
	var auth struct {
		Return             bool
		SecurityGroupRules []struct{ SecurityGroupRuleId, CidrIpv4 string }
	}
	okJSON(t, url, &auth, "authorize-security-group-ingress", "--group-id", "web", "--protocol", "tcp", "--port", "22", "--cidr", "203.0.113.0/24")
	if !auth.Return || len(auth.SecurityGroupRules) != 1 || auth.SecurityGroupRules[0].CidrIpv4 != "203.0.113.0/24" {
		t.Fatalf("authorize: %+v", auth)
	}
	wantEC2Error(t, url, "InvalidPermission.Duplicate", "AuthorizeSecurityGroupIngress",
		"authorize-security-group-ingress", "--group-id", created.GroupId, "--protocol", "tcp", "--port", "22", "--cidr", "203.0.113.0/24")
	okJSON(t, url, nil, "authorize-security-group-ingress", "--group-id", "web",
		"--ip-permissions", `[{"IpProtocol":"udp","FromPort":53,"ToPort":53,"IpRanges":[{"CidrIp":"198.18.0.0/24","Description":"dns"}]}]`)
	okJSON(t, url, nil, "authorize-security-group-ingress", "--group-id", "web", "--protocol", "all", "--source-group", "default")
	okJSON(t, url, nil, "authorize-security-group-egress", "--group-id", "web",
		"--ip-permissions", `[{"IpProtocol":"tcp","FromPort":5432,"ToPort":5432,"UserIdGroupPairs":[{"GroupId":"default","Description":"db"}]}]`)

	// describe-security-groups prints the AWS CLI's shape.
	out, code, msg := runEC2(t, url, "describe-security-groups", "--group-ids", "web")
	if code != 0 {
		t.Fatalf("describe: %d %s", code, msg)
	}
	for _, want := range []string{`"SecurityGroups": [`, `"GroupName": "web"`, `"CidrIp": "203.0.113.0/24"`, `"UserIdGroupPairs": []`, `"Description": "dns"`, `"Key": "env"`} {
		if !strings.Contains(out, want) {
			t.Errorf("describe output lacks %s:\n%s", want, out)
		}
	}
	var byFilter struct{ SecurityGroups []struct{ GroupId string } }
	okJSON(t, url, &byFilter, "describe-security-groups", "--filters", "Name=ip-permission.from-port,Values=53,54")
	if len(byFilter.SecurityGroups) != 1 || byFilter.SecurityGroups[0].GroupId != created.GroupId {
		t.Fatalf("filter: %+v", byFilter)
	}
	var rules struct {
		SecurityGroupRules []struct{ SecurityGroupRuleId string }
	}
	okJSON(t, url, &rules, "describe-security-group-rules", "--filters", "Name=group-id,Values="+created.GroupId)
	if len(rules.SecurityGroupRules) != 5 { // 3 ingress + the default egress + 5432 to default
		t.Fatalf("rules: %+v", rules)
	}

	// Rules change in place and get descriptions.
	sshID := auth.SecurityGroupRules[0].SecurityGroupRuleId
	okJSON(t, url, nil, "modify-security-group-rules", "--group-id", "web", "--security-group-rules",
		`[{"SecurityGroupRuleId":"`+sshID+`","SecurityGroupRule":{"IpProtocol":"tcp","FromPort":2222,"ToPort":2222,"CidrIpv4":"203.0.113.0/24"}}]`)
	okJSON(t, url, nil, "update-security-group-rule-descriptions-ingress", "--group-id", "web", "--security-group-rule-descriptions",
		`[{"SecurityGroupRuleId":"`+sshID+`","Description":"ssh"}]`)
	out, _, _ = runEC2(t, url, "describe-security-group-rules", "--security-group-rule-ids", sshID)
	if !strings.Contains(out, `"FromPort": 2222`) || !strings.Contains(out, `"Description": "ssh"`) {
		t.Fatalf("modified rule:\n%s", out)
	}

	// Interfaces by lab name; a group in use cannot be deleted.
	okJSON(t, url, nil, "modify-network-interface-attribute", "--network-interface-id", "web1", "--groups", "web")
	var enis struct {
		NetworkInterfaces []struct {
			NetworkInterfaceId string
			Groups             []struct{ GroupId, GroupName string }
		}
	}
	okJSON(t, url, &enis, "describe-network-interfaces", "--network-interface-ids", "web1")
	if len(enis.NetworkInterfaces) != 1 || enis.NetworkInterfaces[0].Groups[0].GroupName != "web" {
		t.Fatalf("interfaces: %+v", enis)
	}
	okJSON(t, url, nil, "modify-network-interface-attribute", "--network-interface-id", "web1", "--connection-tracking-specification", "TcpEstablishedTimeout=3600")
	out, _, _ = runEC2(t, url, "describe-network-interfaces")
	if !strings.Contains(out, `"TcpEstablishedTimeout": 3600`) {
		t.Fatalf("conntrack timeout not shown:\n%s", out)
	}
	wantEC2Error(t, url, "DependencyViolation", "DeleteSecurityGroup", "delete-security-group", "--group-id", "web")
	wantEC2Error(t, url, "InvalidNetworkInterfaceID.NotFound", "ModifyNetworkInterfaceAttribute", "modify-network-interface-attribute", "--network-interface-id", "nosuch", "--groups", "web")

	// Revoke by properties, then delete once nothing uses the group.
	var rev struct {
		Return                    bool
		RevokedSecurityGroupRules []struct{ IpProtocol string }
	}
	okJSON(t, url, &rev, "revoke-security-group-ingress", "--group-id", "web", "--protocol", "udp", "--port", "53", "--cidr", "198.18.0.0/24")
	if !rev.Return || len(rev.RevokedSecurityGroupRules) != 1 || rev.RevokedSecurityGroupRules[0].IpProtocol != "udp" {
		t.Fatalf("revoke: %+v", rev)
	}
	wantEC2Error(t, url, "InvalidPermission.NotFound", "RevokeSecurityGroupIngress", "revoke-security-group-ingress", "--group-id", "web", "--protocol", "udp", "--port", "53", "--cidr", "198.18.0.0/24")
	okJSON(t, url, nil, "modify-network-interface-attribute", "--network-interface-id", "web1", "--groups", "default")
	var del struct {
		Return  bool
		GroupId string
	}
	okJSON(t, url, &del, "delete-security-group", "--group-id", "web")
	if !del.Return || del.GroupId != created.GroupId {
		t.Fatalf("delete: %+v", del)
	}
	wantEC2Error(t, url, "InvalidGroup.NotFound", "DeleteSecurityGroup", "delete-security-group", "--group-id", "web")

	var vpcs struct{ Vpcs []struct{ CidrBlock string } }
	okJSON(t, url, &vpcs, "describe-vpcs")
	if len(vpcs.Vpcs) != 1 || vpcs.Vpcs[0].CidrBlock != "198.18.0.0/24" {
		t.Fatalf("vpcs: %+v", vpcs)
	}
}

func TestEC2CLIWithoutDaemon(t *testing.T) {
	_, code, msg := runEC2(t, "http://127.0.0.1:1", "describe-vpcs")
	if code != 255 || !strings.Contains(msg, "DescribeVpcs") {
		t.Fatalf("exit %d %q", code, msg)
	}
}

// TestEC2AddressAndTagCommands: the new AWS CLI commands, by lab name,
// printing what the AWS CLI prints.
func TestEC2AddressAndTagCommands(t *testing.T) {
	url := ec2Lab(t)
	out, code, msg := runEC2(t, url, "assign-private-ip-addresses", "--network-interface-id", "web1", "--private-ip-addresses", "198.18.0.20,198.18.0.21")
	if code != 0 || !strings.Contains(out, `"AssignedPrivateIpAddresses": [`) || !strings.Contains(out, `"PrivateIpAddress": "198.18.0.21"`) {
		t.Fatalf("assign: %d %s %s", code, out, msg)
	}
	if out, code, msg = runEC2(t, url, "unassign-private-ip-addresses", "--network-interface-id", "web1", "--private-ip-addresses", "198.18.0.20"); code != 0 || out != "" {
		t.Fatalf("unassign prints nothing: %d %q %s", code, out, msg)
	}
	out, _, _ = runEC2(t, url, "describe-network-interfaces", "--network-interface-ids", "web1")
	if strings.Contains(out, "198.18.0.20") || !strings.Contains(out, "198.18.0.21") {
		t.Fatalf("describe after unassign: %s", out)
	}
	_, code, msg = runEC2(t, url, "assign-private-ip-addresses", "--network-interface-id", "web1", "--private-ip-addresses", "198.18.0.1")
	if code != 254 || !strings.Contains(msg, "(InvalidParameterValue) when calling the AssignPrivateIpAddresses operation") {
		t.Fatalf("reserved address: %d %s", code, msg)
	}
	_, code, msg = runEC2(t, url, "assign-ipv6-addresses", "--network-interface-id", "web1", "--ipv6-address-count", "1")
	if code != 254 || !strings.Contains(msg, "InvalidParameterValue") {
		t.Fatalf("ipv6 in a VPC without IPv6: %d %s", code, msg)
	}
	out, _, _ = runEC2(t, url, "describe-network-interfaces", "--network-interface-ids", "web1")
	var d struct {
		NetworkInterfaces []struct{ NetworkInterfaceId string }
	}
	if err := json.Unmarshal([]byte(out), &d); err != nil || len(d.NetworkInterfaces) != 1 {
		t.Fatalf("%v %s", err, out)
	}
	eni := d.NetworkInterfaces[0].NetworkInterfaceId
	if out, code, msg = runEC2(t, url, "create-tags", "--resources", eni, "--tags", "Key=env,Value=lab", "--tags", "Key=team,Value=net"); code != 0 || out != "" {
		t.Fatalf("create-tags: %d %q %s", code, out, msg)
	}
	out, code, msg = runEC2(t, url, "describe-tags", "--filters", "Name=key,Values=env,team")
	if code != 0 || strings.Count(out, `"ResourceType": "network-interface"`) != 2 || !strings.Contains(out, `"Value": "net"`) {
		t.Fatalf("describe-tags: %d %s %s", code, out, msg)
	}
	if _, code, msg = runEC2(t, url, "delete-tags", "--resources", eni, "--tags", "Key=env"); code != 0 {
		t.Fatalf("delete-tags: %d %s", code, msg)
	}
	out, _, _ = runEC2(t, url, "describe-tags", "--filters", "Name=key,Values=env")
	if strings.Contains(out, `"env"`) {
		t.Fatalf("env still tagged: %s", out)
	}
	if _, code, msg = runEC2(t, url, "create-tags", "--resources", eni, "--tags", "Value=x"); code != 255 || !strings.Contains(msg, "no Key") {
		t.Fatalf("tag without key: %d %s", code, msg)
	}
}

func TestEC2CreateDeleteNetworkInterfaceCommands(t *testing.T) {
	url := ec2Lab(t)
	out, code, msg := runEC2(t, url, "describe-subnets")
	var subnets struct{ Subnets []struct{ SubnetId string } }
	if err := json.Unmarshal([]byte(out), &subnets); code != 0 || err != nil || len(subnets.Subnets) != 1 {
		t.Fatalf("describe-subnets: %d %v %s %s", code, err, out, msg)
	}
	out, code, msg = runEC2(t, url, "create-network-interface", "--subnet-id", subnets.Subnets[0].SubnetId,
		"--secondary-private-ip-address-count", "1", "--tag-specifications", "ResourceType=network-interface,Tags=[{Key=Name,Value=spare}]")
	if code != 0 || !strings.Contains(out, `"Status": "available"`) || !strings.Contains(out, `"PrivateIpAddress": "198.18.0.4"`) {
		t.Fatalf("create: %d %s %s", code, out, msg)
	}
	// By its Name tag, like a lab node.
	if out, code, msg = runEC2(t, url, "delete-network-interface", "--network-interface-id", "spare"); code != 0 || out != "" {
		t.Fatalf("delete: %d %q %s", code, out, msg)
	}
	_, code, msg = runEC2(t, url, "create-network-interface", "--subnet-id", "subnet-0123456789abcdef0")
	if code != 254 || !strings.Contains(msg, "InvalidSubnetID.NotFound") {
		t.Fatalf("unknown subnet: %d %s", code, msg)
	}
}
