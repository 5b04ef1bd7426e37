package ec2api

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"sgswitch/ec2auth"
	"sgswitch/ruleset"
)

// aws-sdk-go-v2's STS client, signing for "sts" with the daemon's
// credentials, gets the account's root identity from the EC2 endpoint;
// the same credentials signed for "ec2" still reach EC2's actions, and a
// signature for the wrong service is refused.
func TestSDKGetCallerIdentity(t *testing.T) {
	creds := ec2auth.Credentials{AccessKeyID: "AKIDLAB", SecretAccessKey: "lab-secret"}
	srv := httptest.NewServer(NewSigV4Handler(newTestBackend(t), &ec2auth.Verifier{Credentials: creds}))
	t.Cleanup(srv.Close)
	cfg := aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider(creds.AccessKeyID, creds.SecretAccessKey, ""),
		RetryMaxAttempts: 1,
	}
	client := sts.NewFromConfig(cfg, func(o *sts.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	out, err := client.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	id := ruleset.DefaultOwnerID
	if aws.ToString(out.Account) != id || aws.ToString(out.UserId) != id || aws.ToString(out.Arn) != "arn:aws:iam::"+id+":root" {
		t.Errorf("identity = %s %s %s", aws.ToString(out.Account), aws.ToString(out.UserId), aws.ToString(out.Arn))
	}

	ec2c := ec2.NewFromConfig(cfg, func(o *ec2.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	if _, err := ec2c.DescribeSecurityGroups(context.Background(), &ec2.DescribeSecurityGroupsInput{}); err != nil {
		t.Fatalf("EC2 with the same credentials: %v", err)
	}
	// STS's action signed for ec2: the scope must be sts.
	_, err = client.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}, sts.WithSigV4SigningName("ec2"))
	wantCode(t, err, ec2auth.CodeSignatureDoesNotMatch)
}

// GetCallerIdentity is served in STS's version only, in STS's envelope.
func TestHandlerGetCallerIdentityVersion(t *testing.T) {
	h := NewHandler(newTestBackend(t))
	rec := post(t, h, "Action=GetCallerIdentity&Version=2016-11-15")
	if code := errorCode(t, rec); code != codeNoSuchVersion {
		t.Errorf("EC2's version: %s, want %s", code, codeNoSuchVersion)
	}
	rec = post(t, h, "Action=DescribeVpcs&Version=2011-06-15")
	if code := errorCode(t, rec); code != codeNoSuchVersion {
		t.Errorf("EC2 action in STS's version: %s, want %s", code, codeNoSuchVersion)
	}
	rec = post(t, h, "Action=GetCallerIdentity&Version=2011-06-15&Extra=1")
	if code := errorCode(t, rec); code != codeUnknownParameter {
		t.Errorf("unknown parameter: %s", code)
	}
	rec = post(t, h, "Action=GetCallerIdentity&Version=2011-06-15")
	body := rec.Body.String()
	for _, want := range []string{`<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">`,
		"<GetCallerIdentityResult><UserId>123456789012</UserId><Account>123456789012</Account><Arn>arn:aws:iam::123456789012:root</Arn></GetCallerIdentityResult>",
		"<ResponseMetadata><RequestId>"} {
		if !strings.Contains(body, want) {
			t.Errorf("response lacks %s:\n%s", want, body)
		}
	}
}
