package ec2api

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"sgswitch/ec2auth"
)

// DefaultListen is the address `sgswitch run` serves the EC2 API on by
// default (loopback; SigV4-authenticated unless --ec2-auth none).
const DefaultListen = "127.0.0.1:8775"

// DefaultEndpoint is the URL of the EC2 API at DefaultListen.
const DefaultEndpoint = "http://" + DefaultListen

// EndpointEnv names the environment variable that points `sgswitch ec2`
// at another endpoint; a daemon `sgswitch lab up` starts serves the EC2 API
// there too (ListenAddr), so the two meet.
const EndpointEnv = "SGSWITCH_EC2_ENDPOINT"

// ListenAddr is the host:port of an endpoint URL, the address a daemon
// must listen on to serve it; "" when endpoint is not such a URL.
func ListenAddr(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil {
		return ""
	}
	return u.Host
}

// Client is a small EC2 Query API client over the messages of this
// package; `sgswitch ec2` uses it. It signs its requests with SigV4 when
// given Credentials (the daemon's, ec2auth.Load), else sends them
// unsigned (for an endpoint run with --ec2-auth none).
type Client struct {
	Endpoint    string               // e.g. DefaultEndpoint
	HTTPClient  *http.Client         // nil: http.DefaultClient
	Credentials *ec2auth.Credentials // nil: unsigned
	Region      string               // the signature's region ("" = DefaultRegion)
}

// DefaultRegion is the region the client signs for; the endpoint
// accepts any.
const DefaultRegion = "us-east-1"

// Call sends action with the parameters of in (an …Input message) and
// decodes the response into out (the matching …Output, or nil). An EC2
// error comes back as *APIError.
func (c *Client) Call(ctx context.Context, action string, in, out any) error {
	vals := url.Values{}
	if in != nil {
		encodeQuery(in, vals)
	}
	vals.Set("Action", action)
	vals.Set("Version", APIVersion)
	endpoint := c.Endpoint
	if endpoint == "" {
		endpoint = DefaultEndpoint
	}
	payload := vals.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(payload))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	if c.Credentials != nil {
		region := c.Region
		if region == "" {
			region = DefaultRegion
		}
		ec2auth.Sign(req, []byte(payload), *c.Credentials, region, time.Now())
	}
	hc := c.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("calling %s at %s: %w", action, endpoint, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("reading the %s response: %w", action, err)
	}
	if resp.StatusCode/100 != 2 {
		var env errorEnvelope
		if xerr := xml.Unmarshal(body, &env); xerr != nil || len(env.Errors) == 0 {
			return &APIError{Code: http.StatusText(resp.StatusCode), Message: strings.TrimSpace(string(body)), StatusCode: resp.StatusCode}
		}
		return &APIError{Code: env.Errors[0].Code, Message: env.Errors[0].Message, RequestID: env.RequestID, StatusCode: resp.StatusCode}
	}
	if out == nil {
		return nil
	}
	if err := xml.Unmarshal(body, out); err != nil {
		return fmt.Errorf("decoding the %s response: %w", action, err)
	}
	return nil
}
