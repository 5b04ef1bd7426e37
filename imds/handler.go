package imds

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"sgswitch/vpcsvc"
)

// Header names as EC2 spells them (net/http canonicalises on lookup).
const (
	headerToken    = "X-aws-ec2-metadata-token"
	headerTokenTTL = "X-aws-ec2-metadata-token-ttl-seconds"
)

// Handler answers instance metadata requests over a Directory. One
// Handler serves every interface; For binds it to the interface the
// requests arrive on, which is what says which instance is asking. Safe
// for concurrent use.
type Handler struct {
	dir vpcsvc.Directory
	now func() time.Time
	key *tokenKey
}

// NewHandler returns a Handler reading dir; now is the clock for token
// expiry (time.Now when nil).
func NewHandler(dir vpcsvc.Directory, now func() time.Time) *Handler {
	if now == nil {
		now = time.Now
	}
	return &Handler{dir: dir, now: now, key: newTokenKey()}
}

// For returns the http.Handler for requests arriving on interface eniID.
func (h *Handler) For(eniID string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.serve(w, r, eniID)
	})
}

// hopLimiter is what the transport puts in a request's context so that the
// token response can be sent with the instance's hop limit (see the
// package comment, Tokens and hop limit).
type hopLimiter interface{ setHopLimit(n int) }

type hopLimiterKey struct{}

func withHopLimiter(ctx context.Context, l hopLimiter) context.Context {
	return context.WithValue(ctx, hopLimiterKey{}, l)
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request, eniID string) {
	w.Header().Set("Server", "EC2ws")
	v, ok := loadView(h.dir, eniID)
	if !ok { // an interface with no instance has no metadata
		httpError(w, http.StatusNotFound)
		return
	}
	// EC2 answers 403 Forbidden when the endpoint is turned off (the EC2
	// User Guide's IMDS error codes; see the package comment); the AWS
	// SDKs read a 403 on the token PUT as "no IMDSv2 here".
	if !v.inst.Metadata.HttpEndpoint {
		httpError(w, http.StatusForbidden)
		return
	}
	if r.URL.Path == tokenPath {
		h.issueToken(w, r, v)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		httpError(w, http.StatusMethodNotAllowed)
		return
	}
	// A token that is present must be valid even when tokens are
	// optional: EC2 answers 401 to a stale token rather than falling back
	// to IMDSv1, which is what makes clients fetch a new one.
	if tok := r.Header.Get(headerToken); tok != "" {
		if !h.key.valid(tok, v.inst.ID, h.now()) {
			httpError(w, http.StatusUnauthorized)
			return
		}
	} else if v.inst.Metadata.HttpTokens == "required" {
		httpError(w, http.StatusUnauthorized)
		return
	}
	n := lookup(v, r.URL.Path)
	if n == nil {
		httpError(w, http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	body := n.body()
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method == http.MethodGet {
		_, _ = w.Write([]byte(body)) // the client went away: nothing to do
	}
}

// lookup finds the item at path: / lists the versions, /<version>/… is
// the tree.
func lookup(v instanceView, path string) *node {
	segs, ok := splitPath(path)
	if !ok {
		return nil
	}
	if len(segs) == 0 {
		root := newDir()
		for _, ver := range versions {
			root.add(ver, leaf(""))
		}
		return root
	}
	if !knownVersion(segs[0]) {
		return nil
	}
	return versionTree(v).walk(segs[1:])
}

// issueToken answers PUT /latest/api/token.
func (h *Handler) issueToken(w http.ResponseWriter, r *http.Request, v instanceView) {
	if r.Method != http.MethodPut {
		w.Header().Set("Allow", http.MethodPut)
		httpError(w, http.StatusMethodNotAllowed)
		return
	}
	// A PUT that went through a proxy is refused, so that a guest's
	// forwarding proxy (the usual SSRF path) cannot fetch a token.
	if _, ok := r.Header["X-Forwarded-For"]; ok {
		httpError(w, http.StatusForbidden)
		return
	}
	ttl, ok := parseTTL(r.Header.Get(headerTokenTTL))
	if !ok {
		httpError(w, http.StatusBadRequest)
		return
	}
	tok := h.key.issue(v.inst.ID, h.now().Add(time.Duration(ttl)*time.Second))
	if l, ok := r.Context().Value(hopLimiterKey{}).(hopLimiter); ok {
		l.setHopLimit(hopLimit(v.inst.Metadata))
		// The connection keeps the hop limit for what it sends after
		// this: closing it keeps later responses at the normal TTL.
		w.Header().Set("Connection", "close")
	}
	w.Header().Set(headerTokenTTL, strconv.Itoa(ttl))
	w.Header().Set("Content-Type", "text/plain")
	w.Header().Set("Content-Length", strconv.Itoa(len(tok)))
	_, _ = w.Write([]byte(tok))
}

// parseTTL reads X-aws-ec2-metadata-token-ttl-seconds: a decimal number
// of seconds from MinTokenTTL to MaxTokenTTL.
func parseTTL(s string) (int, bool) {
	if s == "" || len(s) > 5 || strings.TrimLeft(s, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < MinTokenTTL || n > MaxTokenTTL {
		return 0, false
	}
	return n, true
}

// hopLimit is the IP TTL of the token response: the instance's
// HttpPutResponseHopLimit, 1 when unset, at most 64.
func hopLimit(o vpcsvc.MetadataOptions) int {
	return min(max(o.HttpPutResponseHopLimit, 1), 64)
}

// httpError writes status with EC2's short plain body.
func httpError(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(http.StatusText(status)))
}
