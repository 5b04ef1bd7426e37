package imds

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"sgswitch/vpcsvc"
)

type handlerEnv struct {
	dir   *fakeDir
	clock *manualClock
	h     *Handler
}

func newHandlerEnv() *handlerEnv {
	c := &manualClock{t: launch.Add(time.Hour)}
	d := newFakeDir()
	return &handlerEnv{dir: d, clock: c, h: NewHandler(d, c.Now)}
}

func (e *handlerEnv) do(t *testing.T, eni, method, path string, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, "http://169.254.169.254"+path, nil)
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	e.h.For(eni).ServeHTTP(w, r)
	return w
}

func (e *handlerEnv) token(t *testing.T, eni string, ttl string) string {
	t.Helper()
	w := e.do(t, eni, http.MethodPut, tokenPath, map[string]string{headerTokenTTL: ttl})
	if w.Code != http.StatusOK {
		t.Fatalf("token: %d %s", w.Code, w.Body)
	}
	if got := w.Header().Get(headerTokenTTL); got != ttl {
		t.Fatalf("token TTL header %q, want %q", got, ttl)
	}
	return w.Body.String()
}

func TestHandlerPaths(t *testing.T) {
	e := newHandlerEnv()
	mac := "0a:11:22:33:44:55/"
	cases := []struct {
		path, want string
		status     int
	}{
		{"/latest/meta-data/instance-id", testInst, 200},
		{"/2021-03-23/meta-data/instance-id", testInst, 200},
		{"/2009-04-04/meta-data/instance-id", testInst, 200},
		{"/2099-01-01/meta-data/instance-id", "", 404},
		{"/latest", "dynamic/\nmeta-data/\nuser-data", 200},
		{"/latest/meta-data/ami-id", "ami-0abc", 200},
		{"/latest/meta-data/instance-type", "t4g.micro", 200},
		{"/latest/meta-data/local-ipv4", "10.0.1.5", 200},
		{"/latest/meta-data/local-hostname", "ip-10-0-1-5.eu-west-1.compute.internal", 200},
		{"/latest/meta-data/hostname", "ip-10-0-1-5.eu-west-1.compute.internal", 200},
		{"/latest/meta-data/mac", "0a:11:22:33:44:55", 200},
		{"/latest/meta-data/reservation-id", "r-0123", 200},
		{"/latest/meta-data/security-groups", "default\nweb", 200},
		{"/latest/meta-data/placement/", "availability-zone\navailability-zone-id\nregion", 200},
		{"/latest/meta-data/placement/availability-zone", "eu-west-1b", 200},
		{"/latest/meta-data/placement/availability-zone-id", "euw1-az2", 200},
		{"/latest/meta-data/placement/region", "eu-west-1", 200},
		{"/latest/meta-data/services/domain", "amazonaws.com", 200},
		{"/latest/meta-data/services/partition", "aws", 200},
		{"/latest/meta-data/network/interfaces/macs/", mac + "\n0a:11:22:33:44:66/", 200},
		{"/latest/meta-data/network/interfaces/macs/" + mac, "device-number\ninterface-id\nipv6s\nlocal-hostname\nlocal-ipv4s\nmac\nnetwork-card-index\nowner-id\nsecurity-group-ids\nsecurity-groups\nsubnet-id\nsubnet-ipv4-cidr-block\nsubnet-ipv6-cidr-blocks\nvpc-id\nvpc-ipv4-cidr-block\nvpc-ipv4-cidr-blocks\nvpc-ipv6-cidr-blocks", 200},
		{"/latest/meta-data/network/interfaces/macs/" + mac + "device-number", "0", 200},
		{"/latest/meta-data/network/interfaces/macs/" + mac + "interface-id", testENI, 200},
		{"/latest/meta-data/network/interfaces/macs/" + mac + "local-ipv4s", "10.0.1.5\n10.0.1.6", 200},
		{"/latest/meta-data/network/interfaces/macs/" + mac + "ipv6s", "2600:1f18::5", 200},
		{"/latest/meta-data/network/interfaces/macs/" + mac + "owner-id", "123456789012", 200},
		{"/latest/meta-data/network/interfaces/macs/" + mac + "security-group-ids", "sg-0001\nsg-0002", 200},
		{"/latest/meta-data/network/interfaces/macs/" + mac + "subnet-ipv4-cidr-block", "10.0.1.0/24", 200},
		{"/latest/meta-data/network/interfaces/macs/" + mac + "vpc-ipv4-cidr-block", "10.0.0.0/16", 200},
		{"/latest/meta-data/network/interfaces/macs/" + mac + "vpc-ipv4-cidr-blocks", "10.0.0.0/16\n10.1.0.0/16", 200},
		{"/latest/meta-data/network/interfaces/macs/" + mac + "vpc-ipv6-cidr-blocks", "2600:1f18::/56", 200},
		{"/latest/meta-data/network/interfaces/macs/" + mac + "ipv4-associations/", "", 404},
		{"/latest/meta-data/network/interfaces/macs/0a:11:22:33:44:66/device-number", "1", 200},
		{"/latest/meta-data/network/interfaces/macs/0a:11:22:33:44:66/local-hostname", "ip-10-0-2-9.eu-west-1.compute.internal", 200},
		{"/latest/meta-data/network/interfaces/macs/0a:11:22:33:44:66/ipv6s", "", 404},
		{"/latest/meta-data/network/interfaces/macs/0A:11:22:33:44:55/mac", "", 404},
		{"/latest/meta-data/public-keys/", "0=lab\n1=extra", 200},
		{"/latest/meta-data/public-keys/0", "openssh-key", 200},
		{"/latest/meta-data/public-keys/0/openssh-key", "ssh-ed25519 AAAAC3Nz lab", 200},
		{"/latest/meta-data/public-keys/1/openssh-key", "ssh-rsa AAAAB3 extra", 200},
		{"/latest/meta-data/tags/instance", "", 404},
		{"/latest/user-data", "#cloud-config\n", 200},
		{"/latest/dynamic/instance-identity/", "document", 200},
		{"/latest/dynamic/instance-identity/signature", "", 404},
		{"/latest/dynamic/instance-identity/pkcs7", "", 404},
		{"/latest/meta-data/nope", "", 404},
		{"/latest/meta-data/instance-id/x", "", 404},
		{"/latest//meta-data", "", 404},
		{"/latest/../latest/meta-data", "", 404},
	}
	for _, c := range cases {
		w := e.do(t, testENI, http.MethodGet, c.path, nil)
		if w.Code != c.status || (c.status == 200 && w.Body.String() != c.want) {
			t.Errorf("GET %s: %d %q, want %d %q", c.path, w.Code, w.Body, c.status, c.want)
		}
	}
}

func TestHandlerListings(t *testing.T) {
	e := newHandlerEnv()
	w := e.do(t, testENI, http.MethodGet, "/", nil)
	if !strings.HasPrefix(w.Body.String(), "1.0\n2007-01-19\n") || !strings.HasSuffix(w.Body.String(), "2021-03-23\n2021-07-15\n2022-09-24\n2024-04-11\nlatest") {
		t.Errorf("versions: %q", w.Body)
	}
	want := "ami-id\nami-launch-index\nhostname\ninstance-id\ninstance-type\nlocal-hostname\nlocal-ipv4\nmac\nnetwork/\nplacement/\npublic-keys/\nreservation-id\nsecurity-groups\nservices/"
	for _, p := range []string{"/latest/meta-data/", "/latest/meta-data", "/2021-03-23/meta-data/"} {
		if w := e.do(t, testENI, http.MethodGet, p, nil); w.Body.String() != want {
			t.Errorf("GET %s:\n%s\nwant\n%s", p, w.Body, want)
		}
	}
	// Every name a listing gives must be fetchable, as cloud-init's
	// crawler fetches them.
	var crawl func(p string)
	crawl = func(p string) {
		w := e.do(t, testENI, http.MethodGet, p, nil)
		if w.Code != 200 {
			t.Errorf("crawl GET %s: %d", p, w.Code)
			return
		}
		if !strings.HasSuffix(p, "/") {
			return
		}
		for _, line := range strings.Split(w.Body.String(), "\n") {
			name, _, _ := strings.Cut(line, "=")
			if strings.HasSuffix(line, "/") || strings.Contains(line, "=") {
				crawl(p + strings.TrimSuffix(name, "/") + "/")
			} else {
				crawl(p + name)
			}
		}
	}
	crawl("/2021-03-23/meta-data/")
	crawl("/2021-03-23/dynamic/")
}

func TestHandlerUserDataAndTags(t *testing.T) {
	e := newHandlerEnv()
	e.dir.editInstance(testInst, func(i *vpcsvc.Instance) {
		i.UserData = nil
		i.Metadata.InstanceMetadataTags = true
	})
	if w := e.do(t, testENI, http.MethodGet, "/latest/user-data", nil); w.Code != 404 {
		t.Errorf("user-data without any: %d", w.Code)
	}
	if w := e.do(t, testENI, http.MethodGet, "/latest", nil); w.Body.String() != "dynamic/\nmeta-data/" {
		t.Errorf("version listing without user-data: %q", w.Body)
	}
	if w := e.do(t, testENI, http.MethodGet, "/latest/meta-data/tags/", nil); w.Body.String() != "instance/" {
		t.Errorf("tags/: %q", w.Body)
	}
	if w := e.do(t, testENI, http.MethodGet, "/latest/meta-data/tags/instance", nil); w.Body.String() != "Name\nenv" {
		t.Errorf("tags/instance: %q", w.Body)
	}
	if w := e.do(t, testENI, http.MethodGet, "/latest/meta-data/tags/instance/env", nil); w.Body.String() != "lab" {
		t.Errorf("tags/instance/env: %q", w.Body)
	}
}

func TestHandlerIdentityDocument(t *testing.T) {
	e := newHandlerEnv()
	w := e.do(t, testENI, http.MethodGet, "/latest/dynamic/instance-identity/document", nil)
	var doc map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
		t.Fatalf("document: %v\n%s", err, w.Body)
	}
	want := map[string]any{
		"accountId": "123456789012", "architecture": "arm64", "availabilityZone": "eu-west-1b",
		"imageId": "ami-0abc", "instanceId": testInst, "instanceType": "t4g.micro",
		"pendingTime": "2026-12-01T10:00:00Z", "privateIp": "10.0.1.5", "region": "eu-west-1",
		"version": "2017-09-30", "kernelId": nil, "billingProducts": nil,
	}
	for k, v := range want {
		if got, ok := doc[k]; !ok || got != v {
			t.Errorf("document %s = %v (present %v), want %v", k, got, ok, v)
		}
	}
}

func TestHandlerLiveGroups(t *testing.T) {
	e := newHandlerEnv()
	p := "/latest/meta-data/network/interfaces/macs/0a:11:22:33:44:55/security-group-ids"
	e.dir.editInterface(testENI, func(i *vpcsvc.Interface) {
		i.Groups = append(append([]vpcsvc.Group(nil), i.Groups...), vpcsvc.Group{ID: "sg-0009", Name: "new"})
	})
	if w := e.do(t, testENI, http.MethodGet, p, nil); w.Body.String() != "sg-0001\nsg-0002\nsg-0009" {
		t.Errorf("after adding a group: %q", w.Body)
	}
	if w := e.do(t, testENI, http.MethodGet, "/latest/meta-data/security-groups", nil); w.Body.String() != "default\nweb\nnew" {
		t.Errorf("security-groups after adding a group: %q", w.Body)
	}
}

func TestHandlerTokens(t *testing.T) {
	e := newHandlerEnv()
	get := func(eni string, hdr map[string]string) int {
		return e.do(t, eni, http.MethodGet, "/latest/meta-data/instance-id", hdr).Code
	}
	tok := e.token(t, testENI, "60")
	if c := get(testENI, map[string]string{headerToken: tok}); c != 200 {
		t.Errorf("v2 with a fresh token: %d", c)
	}
	if c := get(testENI2, map[string]string{headerToken: tok}); c != 200 {
		t.Errorf("token on the instance's other interface: %d", c)
	}
	if c := get(otherENI, map[string]string{headerToken: tok}); c != 401 {
		t.Errorf("token on another instance: %d, want 401", c)
	}
	if c := get(testENI, map[string]string{headerToken: "garbage"}); c != 401 {
		t.Errorf("invalid token: %d, want 401", c)
	}
	if c := get(testENI, nil); c != 200 {
		t.Errorf("v1 while optional: %d", c)
	}
	e.clock.Advance(59 * time.Second)
	if c := get(testENI, map[string]string{headerToken: tok}); c != 200 {
		t.Errorf("token 1 s before expiry: %d", c)
	}
	e.clock.Advance(time.Second)
	if c := get(testENI, map[string]string{headerToken: tok}); c != 401 {
		t.Errorf("expired token: %d, want 401", c)
	}
	e.dir.editInstance(testInst, func(i *vpcsvc.Instance) { i.Metadata.HttpTokens = "required" })
	if c := get(testENI, nil); c != 401 {
		t.Errorf("v1 while required: %d, want 401", c)
	}
	if c := get(testENI, map[string]string{headerToken: e.token(t, testENI, "21600")}); c != 200 {
		t.Errorf("v2 while required: %d", c)
	}
}

func TestHandlerTokenRequests(t *testing.T) {
	e := newHandlerEnv()
	cases := []struct {
		method, path string
		hdr          map[string]string
		status       int
	}{
		{"PUT", tokenPath, map[string]string{headerTokenTTL: "1"}, 200},
		{"PUT", tokenPath, map[string]string{headerTokenTTL: "21600"}, 200},
		{"PUT", tokenPath, map[string]string{headerTokenTTL: "0"}, 400},
		{"PUT", tokenPath, map[string]string{headerTokenTTL: "21601"}, 400},
		{"PUT", tokenPath, map[string]string{headerTokenTTL: "-5"}, 400},
		{"PUT", tokenPath, map[string]string{headerTokenTTL: "ten"}, 400},
		{"PUT", tokenPath, nil, 400},
		{"PUT", tokenPath, map[string]string{headerTokenTTL: "60", "X-Forwarded-For": "10.9.9.9"}, 403},
		{"GET", tokenPath, map[string]string{headerTokenTTL: "60"}, 405},
		{"PUT", "/2021-03-23/api/token", map[string]string{headerTokenTTL: "60"}, 405},
		{"POST", "/latest/meta-data/", nil, 405},
		{"HEAD", "/latest/meta-data/instance-id", nil, 200},
	}
	for _, c := range cases {
		if w := e.do(t, testENI, c.method, c.path, c.hdr); w.Code != c.status {
			t.Errorf("%s %s %v: %d, want %d", c.method, c.path, c.hdr, w.Code, c.status)
		}
	}
}

func TestHandlerDisabledAndDetached(t *testing.T) {
	e := newHandlerEnv()
	e.dir.editInstance(testInst, func(i *vpcsvc.Instance) { i.Metadata.HttpEndpoint = false })
	for _, r := range []struct{ method, path string }{{"GET", "/latest/meta-data/"}, {"PUT", tokenPath}} {
		if w := e.do(t, testENI, r.method, r.path, map[string]string{headerTokenTTL: "60"}); w.Code != 403 {
			t.Errorf("%s %s with the endpoint disabled: %d, want 403", r.method, r.path, w.Code)
		}
	}
	for _, eni := range []string{"eni-detached", "eni-unknown"} {
		if w := e.do(t, eni, "GET", "/latest/meta-data/", nil); w.Code != 404 {
			t.Errorf("%s: %d, want 404", eni, w.Code)
		}
	}
}

func TestZoneIDAndArchitecture(t *testing.T) {
	for _, c := range [][3]string{
		{"us-east-1", "us-east-1a", "use1-az1"}, {"ap-southeast-2", "ap-southeast-2c", "apse2-az3"},
		{"us-gov-west-1", "us-gov-west-1a", "usgw1-az1"}, {"eu-west-1", "eu-west-1", ""}, {"", "x", ""},
	} {
		if got := zoneID(c[0], c[1]); got != c[2] {
			t.Errorf("zoneID(%q, %q) = %q, want %q", c[0], c[1], got, c[2])
		}
	}
	for typ, want := range map[string]string{"t4g.micro": "arm64", "m6gd.large": "arm64", "a1.large": "arm64",
		"g4dn.xlarge": "x86_64", "t3.micro": "x86_64", "": "x86_64"} {
		if got := architecture(typ); got != want {
			t.Errorf("architecture(%q) = %q, want %q", typ, got, want)
		}
	}
}
