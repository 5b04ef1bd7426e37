package ec2auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// The worked example of the SigV4 documentation ("Create a signed AWS API
// request"): IAM ListUsers, GET, signed at 2015-08-30T12:36:00Z with the
// documentation's example key. Each step is checked on its own, then the
// whole request through Verify.
var docCreds = Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}

const docAmzDate = "20150830T123600Z"

func docRequest(t *testing.T) *http.Request {
	t.Helper()
	r, err := http.NewRequest("GET", "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08", nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Host = "iam.amazonaws.com"
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	r.Header.Set("X-Amz-Date", docAmzDate)
	return r
}

func TestDocumentationExample(t *testing.T) {
	r := docRequest(t)
	signed := []string{"content-type", "host", "x-amz-date"}
	canonical := canonicalRequest(r, signed, "", nil)
	wantCanonical := "GET\n/\nAction=ListUsers&Version=2010-05-08\n" +
		"content-type:application/x-www-form-urlencoded; charset=utf-8\nhost:iam.amazonaws.com\nx-amz-date:20150830T123600Z\n\n" +
		"content-type;host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	if canonical != wantCanonical {
		t.Fatalf("canonical request:\n%s\nwant\n%s", canonical, wantCanonical)
	}
	if h := hexSHA256([]byte(canonical)); h != "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59" {
		t.Errorf("canonical request hash %s", h)
	}
	key := signingKey(docCreds.SecretAccessKey, "20150830", "us-east-1", "iam")
	if k := hex.EncodeToString(key); k != "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9" {
		t.Errorf("signing key %s", k)
	}
	sts := stringToSign(docAmzDate, "20150830/us-east-1/iam/aws4_request", canonical)
	sig := hex.EncodeToString(hmacSHA256(key, sts))
	const wantSig = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
	if sig != wantSig {
		t.Fatalf("signature %s, want %s", sig, wantSig)
	}
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature="+wantSig)
	v := &Verifier{Credentials: docCreds, Service: "iam", Now: func() time.Time { return time.Date(2015, 8, 30, 12, 40, 0, 0, time.UTC) }}
	if err := v.Verify(r, nil); err != nil {
		t.Fatalf("Verify: %v", err)
	}
}

func code(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return "not an *Error: " + err.Error()
}

var now = time.Date(2026, 12, 5, 18, 0, 0, 0, time.UTC)

func ec2Request(t *testing.T, body string) *http.Request {
	t.Helper()
	r, err := http.NewRequest("POST", "http://127.0.0.1:8775/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	return r
}

// Sign and Verify agree, and each way of getting it wrong has its code.
func TestVerifyCodes(t *testing.T) {
	creds, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	v := &Verifier{Credentials: creds, Now: func() time.Time { return now }}
	body := "Action=DescribeVpcs&Version=2016-11-15"
	cases := []struct {
		name  string
		build func() (*http.Request, string)
		want  string
	}{
		{"signed", func() (*http.Request, string) {
			r := ec2Request(t, body)
			Sign(r, []byte(body), creds, "eu-west-1", now)
			return r, body
		}, ""},
		{"unsigned", func() (*http.Request, string) { return ec2Request(t, body), body }, CodeMissingAuthenticationToken},
		{"wrong secret", func() (*http.Request, string) {
			r := ec2Request(t, body)
			Sign(r, []byte(body), Credentials{creds.AccessKeyID, otherFirst(creds.SecretAccessKey)}, "us-east-1", now)
			return r, body
		}, CodeSignatureDoesNotMatch},
		{"unknown key", func() (*http.Request, string) {
			r := ec2Request(t, body)
			Sign(r, []byte(body), Credentials{"AKIAOTHEROTHEROTHER0", creds.SecretAccessKey}, "us-east-1", now)
			return r, body
		}, CodeAuthFailure},
		{"body changed after signing", func() (*http.Request, string) {
			r := ec2Request(t, body)
			Sign(r, []byte(body), creds, "us-east-1", now)
			return r, body + "&DryRun=true"
		}, CodeSignatureDoesNotMatch},
		{"other host", func() (*http.Request, string) {
			r := ec2Request(t, body)
			Sign(r, []byte(body), creds, "us-east-1", now)
			r.Host = "localhost:8775"
			return r, body
		}, CodeSignatureDoesNotMatch},
		{"16 minutes old", func() (*http.Request, string) {
			r := ec2Request(t, body)
			Sign(r, []byte(body), creds, "us-east-1", now.Add(-16*time.Minute))
			return r, body
		}, CodeRequestExpired},
		{"14 minutes ahead", func() (*http.Request, string) {
			r := ec2Request(t, body)
			Sign(r, []byte(body), creds, "us-east-1", now.Add(14*time.Minute))
			return r, body
		}, ""},
		{"not SigV4", func() (*http.Request, string) {
			r := ec2Request(t, body)
			r.Header.Set("Authorization", "AWS AKIA:abc")
			return r, body
		}, CodeIncompleteSignature},
		{"host not signed", func() (*http.Request, string) {
			r := ec2Request(t, body)
			Sign(r, []byte(body), creds, "us-east-1", now)
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "host;", "", 1))
			return r, body
		}, CodeIncompleteSignature},
	}
	for _, c := range cases {
		r, sent := c.build()
		if got := code(v.Verify(r, []byte(sent))); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

// Requests signed by aws-sdk-go-v2's own signer, an implementation
// independent of this one: the header form and the presigned query form.
func TestVerifySDKSignatures(t *testing.T) {
	creds := Credentials{AccessKeyID: "AKIAABCDEFGHIJKLMNOP", SecretAccessKey: strings.Repeat("s", 40)}
	v := &Verifier{Credentials: creds, Now: func() time.Time { return now }}
	signer := v4.NewSigner()
	acreds := aws.Credentials{AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey}
	body := "Action=DescribeSecurityGroups&Version=2016-11-15&GroupId.1=sg-1%202"
	sum := sha256.Sum256([]byte(body))
	r := ec2Request(t, body)
	if err := signer.SignHTTP(context.Background(), acreds, r, hex.EncodeToString(sum[:]), "ec2", "us-east-1", now); err != nil {
		t.Fatal(err)
	}
	if err := v.Verify(r, []byte(body)); err != nil {
		t.Errorf("SDK header signature: %v", err)
	}

	g, _ := http.NewRequest("GET", "http://127.0.0.1:8775/?Action=DescribeVpcs&Version=2016-11-15&Filter.1.Name=vpc-id&Filter.1.Value.1=a%2Fb", nil)
	q := g.URL.Query()
	q.Set("X-Amz-Expires", "300")
	g.URL.RawQuery = q.Encode()
	empty := sha256.Sum256(nil)
	u, _, err := signer.PresignHTTP(context.Background(), acreds, g, hex.EncodeToString(empty[:]), "ec2", "us-east-1", now)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := http.NewRequest("GET", u, nil)
	p.Host = p.URL.Host
	if err := v.Verify(p, nil); err != nil {
		t.Errorf("SDK presigned URL: %v\n%s", err, u)
	}
	late := &Verifier{Credentials: creds, Now: func() time.Time { return now.Add(6 * time.Minute) }}
	if got := code(late.Verify(p, nil)); got != CodeRequestExpired {
		t.Errorf("presigned URL past X-Amz-Expires: %q", got)
	}
	p2, _ := http.NewRequest("GET", strings.Replace(u, "vpc-id", "vpc-ix", 1), nil)
	p2.Host = p2.URL.Host
	if got := code(v.Verify(p2, nil)); got != CodeSignatureDoesNotMatch {
		t.Errorf("presigned URL with a changed parameter: %q", got)
	}
}

func TestCredentialsFile(t *testing.T) {
	dir := t.TempDir()
	if _, err := Load(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Load of nothing: %v", err)
	}
	c, err := LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^AKIA[A-Z0-9]{16}$`).MatchString(c.AccessKeyID) || len(c.SecretAccessKey) != 40 {
		t.Errorf("credentials %+v", c)
	}
	fi, err := os.Stat(filepath.Join(dir, FileName))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("file mode %v, %v", fi.Mode(), err)
	}
	again, err := LoadOrCreate(dir)
	if err != nil || again != c {
		t.Errorf("restart made new credentials: %+v, %v", again, err)
	}
	other, _ := Generate()
	if other == c {
		t.Error("two generations gave the same credentials")
	}
}

// otherFirst is secret with its first character changed: "x", or "y" when
// the generated secret already starts with "x" (a random secret does, one
// time in 62, and then "x"+secret[1:] is the same secret).
func otherFirst(secret string) string {
	if secret[0] == 'x' {
		return "y" + secret[1:]
	}
	return "x" + secret[1:]
}
