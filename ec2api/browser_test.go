package ec2api

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/ec2query"

	"sgswitch/ruleset"
)

const authorizeBody = "Action=AuthorizeSecurityGroupIngress&Version=2016-11-15&GroupName=default" +
	"&IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=22&IpPermissions.1.ToPort=22&IpPermissions.1.IpRanges.1.CidrIp=203.0.113.0%2F24"

// send makes one request to the server at base with the given Host and
// headers, and returns the status and the error code ("" on success).
func send(t *testing.T, base, method, host, body string, hdr map[string]string) (int, string) {
	t.Helper()
	target := base + "/"
	var rd io.Reader
	if method == http.MethodGet {
		target += "?" + body
	} else {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, target, rd)
	if err != nil {
		t.Fatal(err)
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if host != "" {
		req.Host = host
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusOK {
		return resp.StatusCode, ""
	}
	c, err := ec2query.GetErrorResponseComponents(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatalf("not an error envelope: %v\n%s", err, raw)
	}
	return resp.StatusCode, c.Code
}

// A web page must not be able to drive the endpoint through the user's
// browser: wrong Host (DNS rebinding), a cross-site Origin or
// Sec-Fetch-Site, a state-changing GET. The AWS CLI's and SDKs' form of
// request (Host = the endpoint, no Origin) still works.
func TestHandlerRefusesBrowserRequests(t *testing.T) {
	b := newTestBackend(t)
	srv := httptest.NewServer(NewHandler(b))
	defer srv.Close()
	port := strings.TrimPrefix(srv.URL, "http://127.0.0.1:")
	rules := func() int {
		n := 0
		b.readGroups(func(st *ruleset.State) error { n = len(st.Spec().Groups[0].Ingress); return nil })
		return n
	}
	before := rules()
	describe := "Action=DescribeSecurityGroups&Version=2016-11-15"
	refused := []struct {
		name, method, host, body string
		hdr                      map[string]string
	}{
		{"rebinding name", "POST", "attacker.example:" + port, authorizeBody, nil},
		{"rebinding name on a read", "GET", "attacker.example:" + port, describe, nil},
		{"loopback name, other port", "POST", "localhost:1", authorizeBody, nil},
		{"no port", "POST", "localhost", authorizeBody, nil},
		{"cross-origin form", "POST", "", authorizeBody, map[string]string{"Origin": "https://attacker.example"}},
		{"null origin", "POST", "", authorizeBody, map[string]string{"Origin": "null"}},
		{"other localhost port", "POST", "", authorizeBody, map[string]string{"Origin": "http://127.0.0.1:1"}},
		{"cross-site fetch", "GET", "", describe, map[string]string{"Sec-Fetch-Site": "cross-site"}},
		{"same-site fetch", "POST", "", authorizeBody, map[string]string{"Sec-Fetch-Site": "same-site"}},
		{"mutating GET", "GET", "", authorizeBody, nil},
	}
	for _, c := range refused {
		status, code := send(t, srv.URL, c.method, c.host, c.body, c.hdr)
		if status != http.StatusForbidden || code != codeUnauthorizedOperation {
			t.Errorf("%s: %d %s, want 403 %s", c.name, status, code, codeUnauthorizedOperation)
		}
	}
	if n := rules(); n != before {
		t.Fatalf("refused requests changed the state: %d ingress rules, had %d", n, before)
	}
	accepted := []struct {
		name, method, host, body string
		hdr                      map[string]string
	}{
		{"listen address", "POST", "", describe, nil},
		{"localhost", "POST", "localhost:" + port, describe, nil},
		{"::1", "POST", "[::1]:" + port, describe, nil},
		{"read GET", "GET", "", describe, nil},
		{"same origin", "POST", "", describe, map[string]string{"Origin": srv.URL, "Sec-Fetch-Site": "same-origin"}},
		{"typed by the user", "GET", "", describe, map[string]string{"Sec-Fetch-Site": "none"}},
		{"CLI-style write", "POST", "", authorizeBody, nil},
	}
	for _, c := range accepted {
		if status, code := send(t, srv.URL, c.method, c.host, c.body, c.hdr); status != http.StatusOK {
			t.Errorf("%s: %d %s, want 200", c.name, status, code)
		}
	}
	if n := rules(); n != before+1 {
		t.Fatalf("the accepted write did not apply: %d ingress rules, had %d", n, before)
	}
}

func TestSameOrigin(t *testing.T) {
	for _, c := range []struct {
		origin []string
		host   string
		want   bool
	}{
		{[]string{"http://127.0.0.1:8775"}, "127.0.0.1:8775", true},
		{[]string{"http://LOCALHOST:8775"}, "localhost:8775", true},
		{[]string{"https://127.0.0.1:8775"}, "127.0.0.1:8775", false},
		{[]string{"http://127.0.0.1:8775/x"}, "127.0.0.1:8775", false},
		{[]string{"http://127.0.0.1:8775", "http://127.0.0.1:8775"}, "127.0.0.1:8775", false},
		{[]string{"null"}, "127.0.0.1:8775", false},
		{[]string{""}, "127.0.0.1:8775", false},
	} {
		if got := sameOrigin(c.origin, c.host); got != c.want {
			t.Errorf("sameOrigin(%q, %q) = %v", c.origin, c.host, got)
		}
	}
}
