package ec2api

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/ec2query"

	"sgswitch/internal/bounded"
)

func TestErrorEnvelopeDecodesWithSDKParser(t *testing.T) {
	rec := httptest.NewRecorder()
	writeError(rec, errorf("InvalidPermission.Duplicate", `the specified rule "peer: 0.0.0.0/0, TCP, from port: 22, to port: 22, ALLOW" already exists`), "req-1")
	if rec.Code != http.StatusBadRequest {
		t.Fatalf("status %d", rec.Code)
	}
	got, err := ec2query.GetErrorResponseComponents(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if got.Code != "InvalidPermission.Duplicate" || got.RequestID != "req-1" || !strings.Contains(got.Message, "already exists") {
		t.Fatalf("decoded %+v from %s", got, rec.Body)
	}
	if !strings.Contains(rec.Body.String(), "<Response><Errors><Error><Code>") {
		t.Fatalf("envelope shape: %s", rec.Body)
	}
}

func TestStatusFor(t *testing.T) {
	for code, want := range map[string]int{
		"InvalidGroup.NotFound": 400, "DependencyViolation": 400, codeInvalidAction: 400,
		codeDryRunOperation: 412, codeInternalError: 500, "Unavailable": 503, codeRequestEntityTooLarge: 413,
	} {
		if got := statusFor(code); got != want {
			t.Errorf("%s: %d, want %d", code, got, want)
		}
	}
}

func TestAsAPIError(t *testing.T) {
	if e := asAPIError(errors.New("boom")); e.Code != codeInternalError {
		t.Fatalf("plain error: %+v", e)
	}
	wrapped := errors.Join(errors.New("context"), errorf("X.Y", "m"))
	if e := asAPIError(wrapped); e.Code != "X.Y" || e.Message != "m" {
		t.Fatalf("wrapped: %+v", e)
	}
	// A change the store refuses as too large is the client's limit, not a fault.
	big := fmt.Errorf("saving state: store: %w", fmt.Errorf("ruleset spec: %w", bounded.ErrTooLarge))
	if e := asAPIError(big); e.Code != codeResourceLimitExceeded || statusFor(e.Code) != http.StatusBadRequest ||
		e.Message != "saving state: store: ruleset spec: larger than the 4 MiB limit" {
		t.Fatalf("too large: %+v", e)
	}
}

// Members are written in the model's order (TestOutputFieldsInModelOrder),
// as EC2 writes them.
func TestEncodeResponseShape(t *testing.T) {
	out := &DescribeSecurityGroupsOutput{SecurityGroups: ListOf(SecurityGroup{
		GroupId: "sg-1", GroupName: "web", Description: "web tier",
		IpPermissionsEgress: ListOf(IpPermission{IpProtocol: "-1", IpRanges: ListOf(IpRange{CidrIp: "0.0.0.0/0"})}),
	})}
	out.setRequestID("rid")
	body, err := encodeResponse("DescribeSecurityGroups", out)
	if err != nil {
		t.Fatal(err)
	}
	s := string(body)
	for _, want := range []string{
		`<DescribeSecurityGroupsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">`,
		`<requestId>rid</requestId>`,
		`<securityGroupInfo><item>`,
		`<groupDescription>web tier</groupDescription>`,
		`<ipPermissions></ipPermissions>`,
		`<ipPermissionsEgress><item><ipProtocol>-1</ipProtocol><ipRanges><item><cidrIp>0.0.0.0/0</cidrIp></item></ipRanges><ipv6Ranges></ipv6Ranges><prefixListIds></prefixListIds><groups></groups></item></ipPermissionsEgress>`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("missing %s in\n%s", want, s)
		}
	}
	if strings.Contains(s, "tagSet") || strings.Contains(s, "fromPort") || strings.Contains(s, "nextToken") {
		t.Errorf("absent optional members must be left out:\n%s", s)
	}
	// The client decodes the same document back.
	var back DescribeSecurityGroupsOutput
	if err := xml.Unmarshal(body, &back); err != nil {
		t.Fatal(err)
	}
	if back.RequestId != "rid" || back.SecurityGroups.Items[0].IpPermissionsEgress.Items[0].IpRanges.Items[0].CidrIp != "0.0.0.0/0" {
		t.Fatalf("decoded back: %+v", back)
	}
}

// The JSON of a response is what the AWS CLI prints (spec §5.3): empty
// lists as [], absent optional members left out, no request ID.
func TestJSONIsAWSCLIShape(t *testing.T) {
	out := DescribeSecurityGroupsOutput{SecurityGroups: ListOf(SecurityGroup{
		GroupId: "sg-1", IpPermissionsEgress: ListOf(IpPermission{IpProtocol: "-1", IpRanges: ListOf(IpRange{CidrIp: "0.0.0.0/0"})}),
	})}
	out.setRequestID("rid")
	b, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{
		`"SecurityGroups":[{`, `"IpPermissions":[]`,
		`"IpPermissionsEgress":[{"IpProtocol":"-1","IpRanges":[{"CidrIp":"0.0.0.0/0"}],"Ipv6Ranges":[],"PrefixListIds":[],"UserIdGroupPairs":[]}]`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("missing %s in %s", want, s)
		}
	}
	if strings.Contains(s, "rid") || strings.Contains(s, "Tags") || strings.Contains(s, "NextToken") {
		t.Errorf("unexpected member in %s", s)
	}
	var perms []IpPermission
	if err := json.Unmarshal([]byte(`[{"IpProtocol":"tcp","FromPort":22,"ToPort":22,"IpRanges":[{"CidrIp":"10.0.0.0/8"}]}]`), &perms); err != nil {
		t.Fatal(err)
	}
	if perms[0].IpRanges.Items[0].CidrIp != "10.0.0.0/8" || *perms[0].ToPort != 22 {
		t.Fatalf("unmarshal: %+v", perms)
	}
}

func TestPage(t *testing.T) {
	lo, hi, next, err := page(12, PageParams{MaxResults: ptr[int32](5)})
	if err != nil || lo != 0 || hi != 5 || next == "" {
		t.Fatalf("first page: %d %d %q %v", lo, hi, next, err)
	}
	lo, hi, next2, err := page(12, PageParams{MaxResults: ptr[int32](5), NextToken: next})
	if err != nil || lo != 5 || hi != 10 || next2 == "" {
		t.Fatalf("second page: %d %d %q %v", lo, hi, next2, err)
	}
	lo, hi, last, err := page(12, PageParams{MaxResults: ptr[int32](5), NextToken: next2})
	if err != nil || lo != 10 || hi != 12 || last != "" {
		t.Fatalf("last page: %d %d %q %v", lo, hi, last, err)
	}
	if lo, hi, _, err := page(12, PageParams{}); err != nil || lo != 0 || hi != 12 {
		t.Fatalf("unpaginated: %d %d %v", lo, hi, err)
	}
	for _, bad := range []PageParams{{MaxResults: ptr[int32](4)}, {MaxResults: ptr[int32](1001)}, {NextToken: "garbage!"}, {NextToken: "b2Zmc2V0Ojk5"}} {
		if _, _, _, err := page(12, bad); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

func TestSplitEnvelope(t *testing.T) {
	vals := mustParse(t, "Action=DescribeVpcs&Version=2016-11-15&X-Amz-Date=1&AWSAccessKeyId=k&VpcId.1=vpc-1")
	action, err := splitEnvelope(vals)
	if err != nil || action != "DescribeVpcs" || len(vals) != 1 {
		t.Fatalf("%q %v %v", action, err, vals)
	}
	for q, code := range map[string]string{
		"Version=2016-11-15":                     codeMissingAction,
		"Action=DescribeVpcs":                    codeMissingParameter,
		"Action=DescribeVpcs&Version=2014-01-01": codeNoSuchVersion,
	} {
		_, err := splitEnvelope(mustParse(t, q))
		var ae *APIError
		if !errors.As(err, &ae) || ae.Code != code {
			t.Errorf("%s: %v, want %s", q, err, code)
		}
	}
}
