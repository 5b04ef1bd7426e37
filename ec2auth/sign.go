package ec2auth

import (
	"encoding/hex"
	"net/http"
	"sort"
	"strings"
	"time"
)

// Sign adds a SigV4 Authorization header (and X-Amz-Date) to r for body,
// scoped to region and ec2, signing host, x-amz-date and content-type.
// It is the client side of Verify, for `sgswitch ec2`.
func Sign(r *http.Request, body []byte, c Credentials, region string, now time.Time) {
	if r.Host == "" {
		r.Host = r.URL.Host
	}
	amzDate := now.UTC().Format(amzDateFormat)
	r.Header.Set("X-Amz-Date", amzDate)
	signed := []string{"host", "x-amz-date"}
	if r.Header.Get("Content-Type") != "" {
		signed = append(signed, "content-type")
	}
	sort.Strings(signed)
	date := amzDate[:8]
	scope := strings.Join([]string{date, region, "ec2", terminator}, "/")
	canonical := canonicalRequest(r, signed, "", body)
	sig := hmacSHA256(signingKey(c.SecretAccessKey, date, region, "ec2"), stringToSign(amzDate, scope, canonical))
	r.Header.Set("Authorization", algorithm+" Credential="+c.AccessKeyID+"/"+scope+
		", SignedHeaders="+strings.Join(signed, ";")+", Signature="+hex.EncodeToString(sig))
}
