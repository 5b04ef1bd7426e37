package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"

	"sgswitch/internal/bounded"
)

// SocketPath is the socket clients use: $SGSWITCH_SOCKET, else DefaultSocket.
func SocketPath() string {
	if p := os.Getenv(SocketEnv); p != "" {
		return p
	}
	return DefaultSocket
}

// Client talks to a daemon's admin socket.
type Client struct {
	socket string
	hc     *http.Client
}

// Dial returns a client for the daemon at socketPath ("" = SocketPath())
// after one connection to it. When that fails, the error says why:
// ErrNoDaemon when nothing answers there, a permission error (run as
// root) when the socket or its directory may not be reached.
func Dial(socketPath string) (*Client, error) {
	if socketPath == "" {
		socketPath = SocketPath()
	}
	if err := probe(socketPath); err != nil {
		return nil, err
	}
	return NewClient(socketPath), nil
}

// NewClient returns a client without checking that the daemon is there.
func NewClient(socketPath string) *Client {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", socketPath)
		},
	}
	return &Client{socket: socketPath, hc: &http.Client{Transport: tr}}
}

// Socket is the socket path the client uses.
func (c *Client) Socket() string { return c.socket }

// Close releases idle connections.
func (c *Client) Close() { c.hc.CloseIdleConnections() }

// Status asks for the daemon's status.
func (c *Client) Status(ctx context.Context) (*Status, error) {
	var s Status
	return &s, c.Do(ctx, http.MethodGet, "/v1/status", nil, &s)
}

// ApplyLab sends a lab (a testbed.Lab, or its JSON as json.RawMessage) and
// returns how it was wired.
func (c *Client) ApplyLab(ctx context.Context, lab any) (*LabStatus, error) {
	var s LabStatus
	return &s, c.Do(ctx, http.MethodPost, "/v1/labs", lab, &s)
}

// Lab returns one lab; errors.Is(err, ErrNotFound) when there is none.
func (c *Client) Lab(ctx context.Context, name string) (*LabStatus, error) {
	var s LabStatus
	return &s, c.Do(ctx, http.MethodGet, "/v1/labs/"+url.PathEscape(name), nil, &s)
}

// RemoveLab removes a lab; errors.Is(err, ErrNotFound) when there is none.
func (c *Client) RemoveLab(ctx context.Context, name string) error {
	return c.Do(ctx, http.MethodDelete, "/v1/labs/"+url.PathEscape(name), nil, nil)
}

// Conntrack lists tracked connections of one ENI (id or node name), or of
// all when eni is "".
func (c *Client) Conntrack(ctx context.Context, eni string) ([]ConntrackEntry, error) {
	var out []ConntrackEntry
	return out, c.Do(ctx, http.MethodGet, "/v1/conntrack?eni="+url.QueryEscape(eni), nil, &out)
}

// ENIStats returns counters of one ENI (id or node name), or of all.
func (c *Client) ENIStats(ctx context.Context, eni string) ([]ENIStats, error) {
	var out []ENIStats
	return out, c.Do(ctx, http.MethodGet, "/v1/eni/stats?eni="+url.QueryEscape(eni), nil, &out)
}

// Stream GETs a route that answers with a stream (flow logs, captures)
// and returns its body, which the caller closes. An answer other than
// 200 is an error carrying the daemon's message.
func (c *Client) Stream(ctx context.Context, path string) (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://sgswitch"+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("sgswitch daemon at %s: %w", c.socket, err)
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		msg, _ := bounded.Read("answer", resp.Body)
		return nil, &Error{Status: resp.StatusCode, Message: string(bytes.TrimSpace(msg))}
	}
	return resp.Body, nil
}

// Do sends one request to path (which may carry a query) with in as the
// JSON body (nil = none) and decodes the JSON answer into out (nil =
// ignore). Routes mounted with Server.Handle are reached through it.
func (c *Client) Do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encoding request: %w", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://sgswitch"+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("sgswitch daemon at %s: %w", c.socket, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		e := &Error{Status: resp.StatusCode}
		if json.Unmarshal(data, e) != nil || e.Message == "" {
			e.Message = fmt.Sprintf("%s %s: HTTP %d: %s", method, path, resp.StatusCode, bytes.TrimSpace(data))
		}
		return e
	}
	if out == nil || len(data) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("decoding answer of %s %s: %w", method, path, err)
	}
	return nil
}

// AccountPath is the route that answers with the live account as an
// account.Spec (JSON), read by `sgswitch trace` and `lab check`; the
// daemon mounts it (admin does not know the account's types).
const AccountPath = "/v1/account"

// AccountSpec returns the live account's Spec as JSON, for
// account.DecodeSpec.
func (c *Client) AccountSpec(ctx context.Context) (json.RawMessage, error) {
	var out json.RawMessage
	return out, c.Do(ctx, http.MethodGet, AccountPath, nil, &out)
}
