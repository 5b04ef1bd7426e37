package ec2api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
)

// Every answer carries x-amzn-RequestId, the same id as its body, and
// the SDK reads it on success (response metadata) and on error.
func TestRequestIDHeaderOnEveryAnswer(t *testing.T) {
	h := NewHandler(newTestBackend(t))
	for _, body := range []string{
		"Action=DescribeVpcs&Version=2016-11-15",
		"Action=RunInstances&Version=2016-11-15",
		"Version=2016-11-15",
	} {
		rec := post(t, h, body)
		id := rec.Header().Get(requestIDHeader)
		if id == "" {
			t.Errorf("%s: %d without %s", body, rec.Code, requestIDHeader)
			continue
		}
		tag := "<requestId>" + id + "</requestId>"
		if rec.Code != http.StatusOK {
			tag = "<RequestID>" + id + "</RequestID>"
		}
		if !strings.Contains(rec.Body.String(), tag) {
			t.Errorf("%s: body does not hold %s: %s", body, tag, rec.Body)
		}
	}

	lab := newSDKLab(t, false)
	ctx := context.Background()
	out, err := lab.client.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if id, ok := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata); !ok || id == "" {
		t.Errorf("SDK success metadata has no request id")
	}
	_, err = lab.client.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: strPtr("sg-00000000000000000")})
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.ServiceRequestID() == "" {
		t.Errorf("SDK error without a request id: %v", err)
	}
}

func strPtr(s string) *string { return &s }
