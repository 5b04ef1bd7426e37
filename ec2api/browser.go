package ec2api

import (
	"net"
	"net/http"
	"net/url"
	"strings"
)

// Browsers. The endpoint listens on loopback, but a web page the user
// visits can still reach it: the browser sends the page's requests to
// 127.0.0.1 for it (a cross-origin form POST, an <img src> GET), and a
// DNS-rebinding name makes them look same-origin to the browser while
// the Host header still carries the attacker's name. None of the
// endpoint's real clients (the AWS CLI, the SDKs, `sgswitch ec2`) is a
// browser: they send Host = the endpoint's host:port and no Origin or
// Sec-Fetch-* headers. So a request is refused when
//
//   - its Host is neither the address the connection arrived on nor a
//     loopback name (localhost, 127.0.0.1, [::1]) with that port
//     (DNS rebinding);
//   - a browser marked it as coming from another site: an Origin that
//     is not this endpoint's own, or Sec-Fetch-Site cross-site or
//     same-site (another port of localhost is same-site, not
//     same-origin);
//   - it is a GET of an action that changes state (a GET needs no
//     preflight and no form; only read actions may be GETs).
//
// The refusal is UnauthorizedOperation (403), EC2's "you are not
// authorized to perform this operation", rather than AuthFailure: the
// request may well carry valid credentials; what is refused is the way
// it was sent, and no SDK retries either code.

// codeUnauthorizedOperation refuses a request sent the way a browser
// sends one, whatever its credentials.
const codeUnauthorizedOperation = "UnauthorizedOperation"

// loopbackHosts are the names a local client may use for the endpoint,
// whatever loopback address it listens on.
var loopbackHosts = []string{"localhost", "127.0.0.1", "::1"}

// checkBrowser refuses a request whose headers show that a browser sent
// it on behalf of another site, or through a name that is not this
// endpoint's. It returns nil for the AWS CLI's and SDKs' requests.
func checkBrowser(r *http.Request) *APIError {
	if !hostAllowed(r) {
		return errorf(codeUnauthorizedOperation, "The Host %q is not this endpoint's address; use the address it listens on or localhost.", r.Host)
	}
	switch r.Header.Get("Sec-Fetch-Site") {
	case "cross-site", "same-site":
		return errorf(codeUnauthorizedOperation, "Requests from another site are refused (Sec-Fetch-Site: %s).", r.Header.Get("Sec-Fetch-Site"))
	}
	if origin, ok := r.Header["Origin"]; ok && !sameOrigin(origin, r.Host) {
		return errorf(codeUnauthorizedOperation, "Requests from another origin are refused (Origin: %s).", strings.Join(origin, ", "))
	}
	return nil
}

// checkGET refuses a GET of an action that changes state.
func checkGET(r *http.Request, name string, op operation) *APIError {
	if r.Method == http.MethodGet && op.mutates {
		return errorf(codeUnauthorizedOperation, "The action %s changes state and must be sent as a POST.", name)
	}
	return nil
}

// hostAllowed says whether r's Host names this endpoint: the local
// address the connection arrived on, or a loopback name with its port.
// A request that did not come through a listener (a handler called in
// process) has no local address and nothing to compare with: allowed.
func hostAllowed(r *http.Request) bool {
	local, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if !ok {
		return true
	}
	lhost, lport, err := net.SplitHostPort(local.String())
	if err != nil {
		return false
	}
	host, port, err := net.SplitHostPort(r.Host)
	if err != nil {
		// No port in Host: only valid for the scheme's default port.
		host, port = strings.Trim(r.Host, "[]"), "80"
	}
	if port != lport {
		return false
	}
	if strings.EqualFold(host, lhost) {
		return true
	}
	for _, h := range loopbackHosts {
		if strings.EqualFold(host, h) {
			return true
		}
	}
	return false
}

// sameOrigin says whether the Origin header values name this endpoint as
// reached through host: exactly one value, http://host. "null" (a
// sandboxed or file: page) is never same-origin.
func sameOrigin(origin []string, host string) bool {
	if len(origin) != 1 {
		return false
	}
	u, err := url.Parse(origin[0])
	if err != nil || u.Scheme != "http" || u.Path != "" || u.User != nil {
		return false
	}
	return strings.EqualFold(u.Host, host)
}
