package main

import (
	"flag"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"sgswitch/ec2api"
)

// awsCLI, when set (go test -run TestPlainJSONMatchesAWSCLI -awscli
// /usr/bin/aws), captures the goldens of TestPlainJSONMatchesAWSCLI from
// that AWS CLI v2 instead of comparing with them. Use /usr/bin/aws (2.9.19,
// Debian's), not whatever `aws` comes first on PATH.
var awsCLI = flag.String("awscli", "", "AWS CLI v2 to capture the plain --output json goldens from")

// plainJSONCommands are printed with --output json and no --query: the key
// order then comes from the response structs alone (ec2api keeps them in
// the EC2 model's member order, as the AWS CLI builds its objects).
var plainJSONCommands = []string{
	"describe-security-groups", "describe-vpcs", "describe-subnets", "describe-network-interfaces",
}

// newerThanCLI matches a field sgswitch prints that AWS CLI 2.9.19's model
// predates, so that CLI drops it: a group's ARN, an interface's idle
// timeouts (an object of numbers). ec2api puts them after every member
// that model knows, so each follows a comma.
var newerThanCLI = regexp.MustCompile(`,\n *"(SecurityGroupArn": "[^"]*"|ConnectionTrackingConfiguration": \{[^{}]*\})`)

// TestPlainJSONMatchesAWSCLI prints each command's response from the
// sgswitch ec2 client (XML decoded into the ec2api structs, as for a
// daemon) and compares it byte for byte with what AWS CLI 2.9.19 printed
// for the same response from the same handler (its goldens; -awscli
// captures them), less the fields that CLI's model lacks.
func TestPlainJSONMatchesAWSCLI(t *testing.T) {
	srv := httptest.NewServer(ec2api.NewHandler(oneVPCBackend(t)))
	t.Cleanup(srv.Close)
	url := srv.URL
	// Something of each kind, as scripts/integration.d/27-output.sh makes:
	// a second VPC, a subnet, a group with rules (one described), an
	// interface with tags.
	var vpc struct{ Vpc struct{ VpcId string } }
	okJSON(t, url, &vpc, "create-vpc", "--cidr-block", "10.9.0.0/16")
	var sub struct{ Subnet struct{ SubnetId string } }
	okJSON(t, url, &sub, "create-subnet", "--vpc-id", vpc.Vpc.VpcId, "--cidr-block", "10.9.1.0/24")
	var sg struct{ GroupId string }
	okJSON(t, url, &sg, "create-security-group", "--group-name", "web", "--description", "web servers", "--vpc-id", vpc.Vpc.VpcId)
	okJSON(t, url, nil, "authorize-security-group-ingress", "--group-id", sg.GroupId, "--ip-permissions",
		`[{"IpProtocol":"tcp","FromPort":22,"ToPort":22,"IpRanges":[{"CidrIp":"10.0.0.0/8","Description":"ssh"}]},`+
			`{"IpProtocol":"tcp","FromPort":443,"ToPort":443,"IpRanges":[{"CidrIp":"0.0.0.0/0"}]}]`)
	okJSON(t, url, nil, "create-network-interface", "--subnet-id", sub.Subnet.SubnetId, "--groups", sg.GroupId,
		"--description", "app nic", "--tag-specifications",
		"ResourceType=network-interface,Tags=[{Key=Name,Value=app},{Key=Env,Value=prod}]")

	dir := filepath.Join("testdata", "awscli-output")
	for _, command := range plainJSONCommands {
		golden := filepath.Join(dir, "plain-"+command+".out")
		if *awsCLI != "" {
			captureAWSCLI(t, url, command, golden)
			continue
		}
		t.Run(command, func(t *testing.T) {
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			out, code, msg := runEC2(t, url, command, "--output", "json")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, msg)
			}
			if got := newerThanCLI.ReplaceAllString(out, ""); got != string(want) {
				t.Errorf("--output json:\ngot:\n%s\nwant (AWS CLI):\n%s", got, want)
			}
		})
	}
}

// captureAWSCLI writes what the AWS CLI prints for `ec2 COMMAND --output
// json` against url to golden, with the CLI kept from the user's
// configuration (the handler checks no signature).
func captureAWSCLI(t *testing.T, url, command, golden string) {
	t.Helper()
	home := t.TempDir()
	cmd := exec.Command(*awsCLI, "--endpoint-url", url, "ec2", command, "--output", "json")
	cmd.Env = []string{
		"HOME=" + home, "PATH=/usr/bin:/bin",
		"AWS_ACCESS_KEY_ID=AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY=secret", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE=" + filepath.Join(home, "config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "credentials"),
		"AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=",
	}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v", *awsCLI, command, err)
	}
	if !strings.HasSuffix(string(out), "\n") {
		t.Fatalf("%s %s: unexpected output %q", *awsCLI, command, out)
	}
	if err := os.WriteFile(golden, out, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("captured %s", golden)
}
