package ec2api

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"sgswitch/ec2auth"
)

// sigv4Lab serves the handler with SigV4 verification over fresh
// credentials.
func sigv4Lab(t *testing.T) (*httptest.Server, ec2auth.Credentials) {
	t.Helper()
	creds, err := ec2auth.Generate()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(NewSigV4Handler(newTestBackend(t), &ec2auth.Verifier{Credentials: creds}))
	t.Cleanup(srv.Close)
	return srv, creds
}

func sdkClient(url, key, secret string) *ec2.Client {
	return ec2.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(key, secret, ""), RetryMaxAttempts: 1},
		func(o *ec2.Options) { o.BaseEndpoint = aws.String(url) })
}

func TestSigV4WithSDKAndClient(t *testing.T) {
	srv, creds := sigv4Lab(t)
	ctx := context.Background()
	if _, err := sdkClient(srv.URL, creds.AccessKeyID, creds.SecretAccessKey).DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{}); err != nil {
		t.Fatalf("signed with the daemon's credentials: %v", err)
	}
	_, err := sdkClient(srv.URL, creds.AccessKeyID, "wrong"+creds.SecretAccessKey[5:]).DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{})
	wantCode(t, err, ec2auth.CodeSignatureDoesNotMatch)
	_, err = sdkClient(srv.URL, "AKIAOTHEROTHEROTHER0", creds.SecretAccessKey).DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{})
	wantCode(t, err, ec2auth.CodeAuthFailure)

	signed := &Client{Endpoint: srv.URL, Credentials: &creds}
	if err := signed.Call(ctx, "DescribeVpcs", nil, &DescribeVpcsOutput{}); err != nil {
		t.Errorf("sgswitch's client, signed: %v", err)
	}
	err = (&Client{Endpoint: srv.URL}).Call(ctx, "DescribeVpcs", nil, nil)
	if ae, ok := err.(*APIError); !ok || ae.Code != ec2auth.CodeMissingAuthenticationToken || ae.StatusCode != 403 {
		t.Errorf("unsigned: %v", err)
	}
}

// The AWS CLI signs with the credentials in its environment.
func TestSigV4WithAWSCLI(t *testing.T) {
	aws, err := exec.LookPath("aws")
	if err != nil {
		t.Skip("skip: no `aws` on PATH (install the AWS CLI to run this test)")
	}
	srv, creds := sigv4Lab(t)
	run := func(key, secret string) (string, error) {
		cmd := exec.Command(aws, "--endpoint-url", srv.URL, "ec2", "describe-security-groups")
		dir := t.TempDir()
		cmd.Env = append(cleanAWSEnv(), "AWS_ACCESS_KEY_ID="+key, "AWS_SECRET_ACCESS_KEY="+secret,
			"AWS_DEFAULT_REGION=us-east-1", "AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=",
			"AWS_CONFIG_FILE="+dir+"/config", "AWS_SHARED_CREDENTIALS_FILE="+dir+"/credentials",
			"AWS_MAX_ATTEMPTS=1")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := run(creds.AccessKeyID, creds.SecretAccessKey); err != nil || !strings.Contains(out, `"GroupName": "default"`) {
		t.Fatalf("aws with the daemon's credentials: %v\n%s", err, out)
	}
	if out, err := run(creds.AccessKeyID, strings.Repeat("x", 40)); err == nil || !strings.Contains(out, ec2auth.CodeSignatureDoesNotMatch) {
		t.Fatalf("aws with a wrong secret: %v\n%s", err, out)
	}
}

// cleanAWSEnv is this process's environment without any AWS_ variable,
// so the user's profile or session token cannot take part.
func cleanAWSEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	return env
}
