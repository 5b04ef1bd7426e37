package ec2api

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"sgswitch/internal/bounded"
)

// APIVersion is the one EC2 API version served.
const APIVersion = "2016-11-15"

// xmlNamespace is the namespace of every success response.
const xmlNamespace = "http://ec2.amazonaws.com/doc/" + APIVersion + "/"

// readBody reads a POST's form-encoded body, of at most bounded.MaxBytes
// (nil for other methods): the signature covers it, and the parameters
// are parsed from it.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.Method != http.MethodPost || r.Body == nil {
		return nil, nil
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, _ := mime.ParseMediaType(ct); mt != "application/x-www-form-urlencoded" {
			return nil, errorf(codeInvalidParameterValue, "unsupported Content-Type %q: the EC2 Query API takes application/x-www-form-urlencoded", mt)
		}
	}
	body, err := bounded.RequestBody(w, r)
	if errors.Is(err, bounded.ErrTooLarge) {
		return nil, errorf(codeRequestEntityTooLarge, "%v", err)
	}
	if err != nil {
		return nil, errorf(codeInvalidParameterValue, "%v", err)
	}
	return body, nil
}

// parseParams returns the query string's parameters plus the body's.
func parseParams(r *http.Request, body []byte) (url.Values, error) {
	vals, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, errorf(codeInvalidParameterValue, "malformed query string: %v", err)
	}
	if body == nil {
		return vals, nil
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, errorf(codeInvalidParameterValue, "malformed request body: %v", err)
	}
	for k, v := range form {
		vals[k] = append(vals[k], v...)
	}
	return vals, nil
}

// splitEnvelope removes the parameters that are not the action's own
// (Action, Version, and SigV2/SigV4 signing parameters, which are
// accepted unchecked) and returns the action name.
func splitEnvelope(vals url.Values) (string, error) {
	if err := refuseRepeats(vals); err != nil {
		return "", err
	}
	action := vals.Get("Action")
	if action == "" {
		return "", errorf(codeMissingAction, "The request must contain the parameter Action")
	}
	version := vals.Get("Version")
	if version == "" {
		return "", missing("Version")
	}
	if stsActions[action] && version != STSVersion || !stsActions[action] && version != APIVersion {
		return "", errorf(codeNoSuchVersion, "The requested version (%s) of service %s does not exist", version, serviceOf(action))
	}
	for k := range vals {
		switch {
		case k == "Action", k == "Version",
			k == "AWSAccessKeyId", k == "Signature", k == "SignatureMethod", k == "SignatureVersion",
			k == "Timestamp", k == "Expires", k == "SecurityToken",
			strings.HasPrefix(k, "X-Amz-"):
			delete(vals, k)
		}
	}
	return action, nil
}

func serviceOf(action string) string {
	if stsActions[action] {
		return "AWSSecurityTokenService"
	}
	return "AmazonEC2"
}

func namespaceOf(action string) string {
	if stsActions[action] {
		return stsNamespace
	}
	return xmlNamespace
}

// encodeResponse renders out as <ActionResponse xmlns="…">.
func encodeResponse(action string, out any) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	start := xml.StartElement{
		Name: xml.Name{Local: action + "Response"},
		Attr: []xml.Attr{{Name: xml.Name{Local: "xmlns"}, Value: namespaceOf(action)}},
	}
	if err := enc.EncodeElement(out, start); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func writeXML(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeError writes EC2's error envelope with the status of e's code.
func writeError(w http.ResponseWriter, e *APIError, requestID string) {
	env := errorEnvelope{
		Errors:    []envelopeError{{Code: e.Code, Message: e.Message}},
		RequestID: requestID,
	}
	body, err := xml.Marshal(env)
	if err != nil { // cannot happen: the envelope holds only strings
		body = []byte("<Response><Errors><Error><Code>InternalError</Code></Error></Errors></Response>")
	}
	writeXML(w, statusFor(e.Code), append([]byte(xml.Header), body...))
}

// newRequestID returns a random UUID (version 4), EC2's request ID form.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// Pagination: NextToken is an opaque token holding the offset of the
// next item; it is only meaningful with the same request parameters.

// page returns the [lo, hi) window of n items that p asks for and the
// NextToken of the following page ("" on the last page). MaxResults
// must be 5..1000 as in EC2; without it every item is returned.
func page(n int, p PageParams) (lo, hi int, next string, err error) {
	return pageWithin(n, p, 5, 1000)
}

// pageWithin is page for an action whose MaxResults bounds are minResults..maxResults
// (EC2's differ per action: 1..100 for the prefix-list reads).
func pageWithin(n int, p PageParams, minResults, maxResults int) (lo, hi int, next string, err error) {
	if p.NextToken != "" {
		raw, derr := base64.RawURLEncoding.DecodeString(p.NextToken)
		off, perr := strconv.Atoi(strings.TrimPrefix(string(raw), "offset:"))
		if derr != nil || perr != nil || !strings.HasPrefix(string(raw), "offset:") || off < 0 || off > n {
			return 0, 0, "", errorf(codeInvalidPaginationToken, "Invalid pagination token: %s", p.NextToken)
		}
		lo = off
	}
	hi = n
	if p.MaxResults != nil {
		m := int(*p.MaxResults)
		if m < minResults || m > maxResults {
			return 0, 0, "", errorf(codeInvalidParameterValue, "Value ( %d ) for parameter maxResults is invalid. Expecting a value between %d and %d.", m, minResults, maxResults)
		}
		if lo+m < n {
			hi = lo + m
			next = base64.RawURLEncoding.EncodeToString([]byte("offset:" + strconv.Itoa(hi)))
		}
	}
	return lo, hi, next, nil
}
