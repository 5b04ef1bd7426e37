package ec2api

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/ec2query"

	"sgswitch/account"
	"sgswitch/ruleset"
)

func post(t *testing.T, h http.Handler, body string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func errorCode(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	c, err := ec2query.GetErrorResponseComponents(strings.NewReader(rec.Body.String()))
	if err != nil {
		t.Fatalf("not an error envelope: %v\n%s", err, rec.Body)
	}
	if c.RequestID == "" {
		t.Errorf("error without RequestID: %s", rec.Body)
	}
	return c.Code
}

func TestHandlerProtocolErrors(t *testing.T) {
	h := NewHandler(newTestBackend(t))
	cases := []struct {
		body   string
		status int
		code   string
	}{
		{"Action=RunInstances&Version=2016-11-15", 400, codeInvalidAction},
		{"Version=2016-11-15", 400, codeMissingAction},
		{"Action=DescribeVpcs", 400, codeMissingParameter},
		{"Action=DescribeVpcs&Version=2012-01-01", 400, codeNoSuchVersion},
		{"Action=DescribeVpcs&Version=2016-11-15&Bogus=1", 400, codeUnknownParameter},
		{"Action=CreateSecurityGroup&Version=2016-11-15&GroupName=web", 400, codeMissingParameter},
		{"Action=DeleteSecurityGroup&Version=2016-11-15", 400, codeMissingParameter},
		{"Action=DeleteSecurityGroup&Version=2016-11-15&GroupId=web", 400, "InvalidGroupId.Malformed"},
		{"Action=AuthorizeSecurityGroupEgress&Version=2016-11-15&GroupName=default&IpPermissions.1.IpProtocol=-1", 400, codeUnknownParameter},
		{"Action=AuthorizeSecurityGroupIngress&Version=2016-11-15&GroupName=default", 400, codeMissingParameter},
		{"Action=DescribeVpcs&Version=2016-11-15&DryRun=true", 412, codeDryRunOperation},
		{"Action=DescribeVpcs&Version=2016-11-15&%zz", 400, codeInvalidParameterValue},
		{"Action=DescribeSecurityGroups&Version=2016-11-15&GroupId.1=sg-1&GroupId.1=sg-2", 400, codeInvalidParameterValue},
		{"Action=DescribeVpcs&Version=2016-11-15&Action=DeleteSecurityGroup", 400, codeInvalidParameterValue},
		{"Action=DescribeVpcs&Version=2016-11-15&Version=2016-11-15", 400, codeInvalidParameterValue},
		{"Action=DescribeVpcs&Version=2016-11-15&Bogus.1=x", 400, codeUnknownParameter},
		{"Action=AuthorizeSecurityGroupIngress&Version=2016-11-15&GroupName=default&IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=1&IpPermissions.1.ToPort=1&IpPermissions.1.PrefixListIds.1.PrefixListId=pl-zz", 400, "InvalidPrefixListId.Malformed"},
		{"Action=AuthorizeSecurityGroupIngress&Version=2016-11-15&GroupName=default&IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=1&IpPermissions.1.ToPort=1&IpPermissions.1.PrefixListIds.1.PrefixListId=pl-0123456789abcdef0", 400, "InvalidPrefixListID.NotFound"},
		{"Action=AuthorizeSecurityGroupIngress&Version=2016-11-15&GroupName=default&IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=1&IpPermissions.1.ToPort=1&IpPermissions.1.IpRanges.1.CidrIp=10.0.0.0/8&IpPermissions.1.IpRanges.2.CidrIp=10.0.0.0/8", 400, codeInvalidParameterValue},
		{"Action=CreateSecurityGroup&Version=2016-11-15&GroupName=t&GroupDescription=t&TagSpecification.1.ResourceType=security-group&TagSpecification.1.Tag.1.Key=aWs:x", 400, codeInvalidParameterValue},
	}
	for _, c := range cases {
		rec := post(t, h, c.body)
		if rec.Code != c.status || errorCode(t, rec) != c.code {
			t.Errorf("%s: %d %s, want %d %s", c.body, rec.Code, errorCode(t, rec), c.status, c.code)
		}
	}
}

func TestHandlerGETAndLegacyIngress(t *testing.T) {
	h := NewHandler(newTestBackend(t))
	// GET with the query string, SigV2-style parameters ignored.
	req := httptest.NewRequest(http.MethodGet, "/?Action=DescribeSecurityGroups&Version=2016-11-15&AWSAccessKeyId=x&Signature=y&SignatureVersion=2&SignatureMethod=HmacSHA256&Timestamp=now", nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "<groupName>default</groupName>") {
		t.Fatalf("GET: %d %s", rec.Code, rec.Body)
	}
	// A source group without a protocol grants ICMP, TCP and UDP (legacy form).
	rec = post(t, h, "Action=AuthorizeSecurityGroupIngress&Version=2016-11-15&GroupName=default&SourceSecurityGroupName=default&CidrIp=")
	if rec.Code != 200 || strings.Count(rec.Body.String(), "<securityGroupRuleId>") != 3 {
		t.Fatalf("legacy source group: %d %s", rec.Code, rec.Body)
	}
	req = httptest.NewRequest(http.MethodPut, "/", nil)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 400 || errorCode(t, rec) != codeInvalidAction {
		t.Fatalf("PUT: %d %s", rec.Code, rec.Body)
	}
	rec = httptest.NewRecorder()
	req = httptest.NewRequest(http.MethodPost, "/", strings.NewReader("{}"))
	req.Header.Set("Content-Type", "application/json")
	h.ServeHTTP(rec, req)
	if rec.Code != 400 || errorCode(t, rec) != codeInvalidParameterValue {
		t.Fatalf("JSON body: %d %s", rec.Code, rec.Body)
	}
}

// failingBackend fails every call with a plain (non-EC2) error.
type failingBackend struct{}

func (failingBackend) ReadAccount(func(*account.Account) error) error {
	return errors.New("disk on fire")
}
func (failingBackend) WriteAccount(func(*account.Account) error) error {
	return errors.New("disk on fire")
}

func TestHandlerServerFaultIs5xx(t *testing.T) {
	rec := post(t, NewHandler(failingBackend{}), "Action=DescribeVpcs&Version=2016-11-15")
	if rec.Code != 500 || errorCode(t, rec) != codeInternalError {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
}

// A failed write leaves the state as it was (clone-on-write).
func TestMemAccountBackendDiscardsFailedWrites(t *testing.T) {
	b := newTestBackend(t)
	h := NewHandler(b)
	// Two permissions; the second is invalid, so neither may be added.
	rec := post(t, h, "Action=AuthorizeSecurityGroupIngress&Version=2016-11-15&GroupName=default"+
		"&IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=80&IpPermissions.1.ToPort=80&IpPermissions.1.IpRanges.1.CidrIp=10.0.0.0/8"+
		"&IpPermissions.2.IpProtocol=tcp&IpPermissions.2.FromPort=81&IpPermissions.2.ToPort=81&IpPermissions.2.IpRanges.1.CidrIp=bogus")
	if rec.Code != 400 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	_ = b.readGroups(func(st *ruleset.State) error {
		rules, err := st.DescribeSecurityGroupRules(nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rules {
			if r.FromPort == 80 {
				t.Errorf("rule of a failed request was kept: %+v", r)
			}
		}
		return nil
	})
}

// Concurrent writers and readers through one handler (run with -race):
// every create succeeds once and every group is then visible.
func TestHandlerConcurrentRequests(t *testing.T) {
	h := NewHandler(newTestBackend(t))
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			rec := post(t, h, "Action=CreateSecurityGroup&Version=2016-11-15&GroupName=g"+fmt.Sprint(i)+"&GroupDescription=d")
			if rec.Code != 200 {
				t.Errorf("create g%d: %d %s", i, rec.Code, rec.Body)
			}
		}()
		go func() {
			defer wg.Done()
			if rec := post(t, h, "Action=DescribeSecurityGroups&Version=2016-11-15"); rec.Code != 200 {
				t.Errorf("describe: %d", rec.Code)
			}
		}()
	}
	wg.Wait()
	rec := post(t, h, "Action=DescribeSecurityGroups&Version=2016-11-15&MaxResults=1000")
	if n := strings.Count(rec.Body.String(), "<groupName>"); n != 9 {
		t.Fatalf("%d groups, want 9", n)
	}
}

func TestClientAgainstHandler(t *testing.T) {
	srv := httptest.NewServer(NewHandler(newTestBackend(t)))
	defer srv.Close()
	c := &Client{Endpoint: srv.URL}
	var out CreateSecurityGroupOutput
	in := CreateSecurityGroupInput{GroupName: "web", Description: "web tier"}
	if err := c.Call(t.Context(), "CreateSecurityGroup", &in, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.GroupId, "sg-") || out.RequestId == "" {
		t.Fatalf("%+v", out)
	}
	err := c.Call(t.Context(), "CreateSecurityGroup", &in, &out)
	var ae *APIError
	if !errors.As(err, &ae) || ae.Code != "InvalidGroup.Duplicate" || ae.StatusCode != 400 || ae.RequestID == "" {
		t.Fatalf("duplicate: %#v", err)
	}
	var vals = url.Values{}
	encodeQuery(&in, vals)
	if vals.Get("GroupDescription") != "web tier" {
		t.Fatalf("wire name of Description: %v", vals)
	}
}

// TestHandlerBodyLimit is the regression test for the EC2 API's request
// body bound: a body over the limit (4 MiB, the same bound as every other
// input) is answered 413 with the EC2 error envelope, and one below it
// reaches the action.
func TestHandlerBodyLimit(t *testing.T) {
	h := NewHandler(newTestBackend(t))
	body := func(n int) string {
		return "Action=CreateSecurityGroup&Version=2016-11-15&GroupName=big&GroupDescription=" + strings.Repeat("x", n)
	}
	rec := post(t, h, body(4<<20))
	if rec.Code != http.StatusRequestEntityTooLarge || errorCode(t, rec) != "RequestEntityTooLarge" ||
		!strings.Contains(rec.Body.String(), "request body: larger than the 4 MiB limit") {
		t.Errorf("a body over the limit: %d %s", rec.Code, rec.Body)
	}
	rec = post(t, h, body(2<<20))
	if rec.Code != http.StatusBadRequest || errorCode(t, rec) != codeInvalidParameterValue ||
		strings.Contains(rec.Body.String(), "larger than") {
		t.Errorf("a 2 MiB body must reach the action (which refuses the description): %d %.300s", rec.Code, rec.Body)
	}
}
