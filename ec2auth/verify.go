package ec2auth

import (
	"crypto/hmac"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// EC2's authentication error codes.
const (
	CodeMissingAuthenticationToken = "MissingAuthenticationToken"
	CodeIncompleteSignature        = "IncompleteSignature"
	CodeAuthFailure                = "AuthFailure"
	CodeSignatureDoesNotMatch      = "SignatureDoesNotMatch"
	CodeRequestExpired             = "RequestExpired"
)

// MaxSkew is how far a request's X-Amz-Date may be from now, either way.
const MaxSkew = 15 * time.Minute

// maxExpires is the longest X-Amz-Expires SigV4 allows (7 days).
const maxExpires = 7 * 24 * 3600

// Error is an authentication failure with EC2's code.
type Error struct{ Code, Message string }

func (e *Error) Error() string        { return e.Code + ": " + e.Message }
func (e *Error) ErrorCode() string    { return e.Code }
func (e *Error) ErrorMessage() string { return e.Message }

func fail(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Verifier checks SigV4 signatures made with one set of credentials.
type Verifier struct {
	Credentials Credentials
	// Service is the credential scope's service ("" = "ec2").
	Service string
	// Now is the clock (nil = time.Now).
	Now func() time.Time
}

// signature is what a request says about its own signature.
type signature struct {
	accessKey, date, region, service string // from the credential scope
	amzDate                          string
	signed                           []string // lower-case header names
	sig                              string   // hex
	skipQuery                        string   // "X-Amz-Signature" when presigned
	expires                          int      // seconds; 0 = none
}

// Verify checks r's signature over body (the whole request body, already
// read). It returns nil or an *Error.
func (v *Verifier) Verify(r *http.Request, body []byte) error {
	s, err := parseSignature(r)
	if err != nil {
		return err
	}
	if err := v.checkScope(s); err != nil {
		return err
	}
	if err := v.checkDate(s); err != nil {
		return err
	}
	canonical := canonicalRequest(r, s.signed, s.skipQuery, body)
	scope := strings.Join([]string{s.date, s.region, s.service, terminator}, "/")
	key := signingKey(v.Credentials.SecretAccessKey, s.date, s.region, s.service)
	want := hmacSHA256(key, stringToSign(s.amzDate, scope, canonical))
	got, err := hex.DecodeString(s.sig)
	if err != nil || !hmac.Equal(got, want) {
		return fail(CodeSignatureDoesNotMatch, "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.")
	}
	return nil
}

// parseSignature reads the Authorization header or, failing that, the
// presigned query parameters.
func parseSignature(r *http.Request) (*signature, error) {
	if auth := r.Header.Get("Authorization"); auth != "" {
		return parseHeader(r, auth)
	}
	q := r.URL.Query()
	if q.Get("X-Amz-Signature") != "" || q.Get("X-Amz-Credential") != "" {
		return parseQuery(q)
	}
	return nil, fail(CodeMissingAuthenticationToken, "Request is missing Authentication Token: sign it with SigV4 (credentials: `sgswitch ec2 credentials`).")
}

// parseHeader reads "AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…".
func parseHeader(r *http.Request, auth string) (*signature, error) {
	alg, rest, _ := strings.Cut(auth, " ")
	if alg != algorithm {
		return nil, fail(CodeIncompleteSignature, "Unsupported authorization %q: only %s (SigV4) is accepted.", alg, algorithm)
	}
	fields := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		k, val, _ := strings.Cut(strings.TrimSpace(part), "=")
		fields[k] = val
	}
	s := &signature{amzDate: r.Header.Get("X-Amz-Date"), sig: fields["Signature"]}
	return s.fill(fields["Credential"], fields["SignedHeaders"])
}

// parseQuery reads a presigned request's X-Amz-* parameters.
func parseQuery(q map[string][]string) (*signature, error) {
	get := func(k string) string {
		if v := q[k]; len(v) == 1 {
			return v[0]
		}
		return ""
	}
	if alg := get("X-Amz-Algorithm"); alg != algorithm {
		return nil, fail(CodeIncompleteSignature, "Unsupported X-Amz-Algorithm %q: only %s is accepted.", alg, algorithm)
	}
	s := &signature{amzDate: get("X-Amz-Date"), sig: get("X-Amz-Signature"), skipQuery: "X-Amz-Signature"}
	if e := get("X-Amz-Expires"); e != "" {
		n, err := strconv.Atoi(e)
		if err != nil || n <= 0 || n > maxExpires {
			return nil, fail(CodeIncompleteSignature, "X-Amz-Expires %q must be 1..%d seconds.", e, maxExpires)
		}
		s.expires = n
	}
	return s.fill(get("X-Amz-Credential"), get("X-Amz-SignedHeaders"))
}

// fill splits the credential (KEY/DATE/REGION/SERVICE/aws4_request) and
// the signed header list, and checks that nothing is missing.
func (s *signature) fill(credential, signedHeaders string) (*signature, error) {
	parts := strings.Split(credential, "/")
	if len(parts) != 5 || parts[4] != terminator || s.sig == "" || signedHeaders == "" || s.amzDate == "" {
		return nil, fail(CodeIncompleteSignature, "The signature must hold Credential=KEY/DATE/REGION/SERVICE/aws4_request, SignedHeaders, Signature and an X-Amz-Date.")
	}
	s.accessKey, s.date, s.region, s.service = parts[0], parts[1], parts[2], parts[3]
	s.signed = strings.Split(signedHeaders, ";")
	if !slices.Contains(s.signed, "host") || !slices.IsSorted(s.signed) {
		return nil, fail(CodeIncompleteSignature, "SignedHeaders must be sorted, lower case, and include host.")
	}
	return s, nil
}

// checkScope: a known key, the scope's date the X-Amz-Date's day, this
// service. The region may be any (the lab answers for every region).
func (v *Verifier) checkScope(s *signature) error {
	if !hmac.Equal([]byte(s.accessKey), []byte(v.Credentials.AccessKeyID)) {
		return fail(CodeAuthFailure, "AWS was not able to validate the provided access credentials (unknown access key %s).", s.accessKey)
	}
	service := v.Service
	if service == "" {
		service = "ec2"
	}
	if s.service != service {
		return fail(CodeSignatureDoesNotMatch, "Credential should be scoped to correct service: '%s'.", service)
	}
	if s.region == "" || !strings.HasPrefix(s.amzDate, s.date) || len(s.date) != 8 {
		return fail(CodeSignatureDoesNotMatch, "Credential should be scoped to a valid region and to the date of X-Amz-Date.")
	}
	return nil
}

// checkDate: X-Amz-Date within MaxSkew of now and, when presigned with
// X-Amz-Expires, not past its expiry.
func (v *Verifier) checkDate(s *signature) error {
	t, err := time.Parse(amzDateFormat, s.amzDate)
	if err != nil {
		return fail(CodeIncompleteSignature, "X-Amz-Date %q is not of the form 20060102T150405Z.", s.amzDate)
	}
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	if s.expires > 0 {
		if now.Before(t.Add(-MaxSkew)) || now.After(t.Add(time.Duration(s.expires)*time.Second)) {
			return fail(CodeRequestExpired, "Request has expired (signed %s, valid %d s).", s.amzDate, s.expires)
		}
		return nil
	}
	if d := now.Sub(t); d > MaxSkew || d < -MaxSkew {
		return fail(CodeRequestExpired, "Request has expired: X-Amz-Date %s is more than 15 minutes from the server's time %s.", s.amzDate, now.UTC().Format(amzDateFormat))
	}
	return nil
}
