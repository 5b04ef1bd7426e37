package ec2auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// The pieces of SigV4 both sides compute: canonical request, string to
// sign, signing key.

const (
	algorithm  = "AWS4-HMAC-SHA256"
	terminator = "aws4_request"
	// amzDateFormat is X-Amz-Date's form, e.g. 20150830T123600Z.
	amzDateFormat = "20060102T150405Z"
)

// canonicalRequest is the request as SigV4 signs it; signed lists the
// lower-case header names in order, skipQuery names a query parameter
// left out (X-Amz-Signature of a presigned request).
func canonicalRequest(r *http.Request, signed []string, skipQuery string, body []byte) string {
	var b strings.Builder
	b.WriteString(r.Method + "\n")
	b.WriteString(canonicalPath(r.URL) + "\n")
	b.WriteString(canonicalQuery(r.URL.RawQuery, skipQuery) + "\n")
	for _, h := range signed {
		b.WriteString(h + ":" + headerValue(r, h) + "\n")
	}
	b.WriteString("\n" + strings.Join(signed, ";") + "\n")
	b.WriteString(hexSHA256(body))
	return b.String()
}

// canonicalPath is the URI-encoded path, "/" when empty. Each segment is
// decoded and encoded again with encode, as the SDKs do for services
// other than S3.
func canonicalPath(u *url.URL) string {
	p := u.EscapedPath()
	if p == "" {
		return "/"
	}
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if dec, err := url.PathUnescape(s); err == nil {
			s = dec
		}
		segs[i] = encode(s)
	}
	return strings.Join(segs, "/")
}

// canonicalQuery sorts the parameters by name then value, each encoded.
func canonicalQuery(raw, skip string) string {
	type kv struct{ k, v string }
	var pairs []kv
	for _, part := range strings.Split(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		k, _ = url.QueryUnescape(k)
		v, _ = url.QueryUnescape(v)
		if k == skip {
			continue
		}
		pairs = append(pairs, kv{encode(k), encode(v)})
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	out := make([]string, len(pairs))
	for i, p := range pairs {
		out[i] = p.k + "=" + p.v
	}
	return strings.Join(out, "&")
}

// encode is SigV4's URI encoding: unreserved characters (A-Z a-z 0-9
// - _ . ~) as they are, every other byte %XX in upper case.
func encode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteString("%" + strings.ToUpper(hex.EncodeToString([]byte{c})))
	}
	return b.String()
}

// headerValue is a signed header's canonical value: the Host the request
// came with for host, else every value joined with commas, each trimmed
// and its runs of spaces collapsed to one.
func headerValue(r *http.Request, name string) string {
	if name == "host" {
		return r.Host
	}
	vals := r.Header.Values(name)
	if name == "content-length" && len(vals) == 0 && r.ContentLength > 0 {
		// A client-side request keeps its length outside the header map.
		return strconv.FormatInt(r.ContentLength, 10)
	}
	for i, v := range vals {
		vals[i] = strings.Join(strings.Fields(v), " ")
	}
	return strings.Join(vals, ",")
}

// stringToSign binds the canonical request to its date and scope.
func stringToSign(amzDate, scope, canonical string) string {
	return algorithm + "\n" + amzDate + "\n" + scope + "\n" + hexSHA256([]byte(canonical))
}

// signingKey derives the key for one date, region and service.
func signingKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, terminator)
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

func hexSHA256(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
