package main

import (
	"net/http/httptest"
	"strings"
	"testing"

	"sgswitch/ec2api"
	"sgswitch/ec2auth"
)

// `sgswitch ec2` signs with the credentials in the state directory, and
// `sgswitch ec2 credentials` prints them as export lines.
func TestEC2SignsWithDaemonCredentials(t *testing.T) {
	dir := t.TempDir()
	creds, err := ec2auth.LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(ec2api.NewSigV4Handler(oneVPCBackend(t), &ec2auth.Verifier{Credentials: creds}))
	defer srv.Close()

	t.Setenv("SGSWITCH_STATE_DIR", dir)
	if out, code, msg := runEC2(t, srv.URL, "describe-security-groups"); code != 0 || !strings.Contains(out, `"GroupName": "default"`) {
		t.Fatalf("signed describe: %d %s\n%s", code, msg, out)
	}
	out, code, msg := runEC2(t, srv.URL, "credentials")
	if code != 0 || !strings.Contains(out, "export AWS_ACCESS_KEY_ID="+creds.AccessKeyID+"\n") ||
		!strings.Contains(out, "export AWS_SECRET_ACCESS_KEY="+creds.SecretAccessKey+"\n") {
		t.Fatalf("credentials: %d %s\n%s", code, msg, out)
	}

	t.Setenv("SGSWITCH_STATE_DIR", t.TempDir()) // no credentials there: unsigned
	if _, code, msg := runEC2(t, srv.URL, "describe-security-groups"); code != 254 || !strings.Contains(msg, ec2auth.CodeMissingAuthenticationToken) {
		t.Fatalf("unsigned describe: %d %s", code, msg)
	}
}
