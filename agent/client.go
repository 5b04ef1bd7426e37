package agent

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"time"
)

// ErrClosed is returned by calls on a client whose stream ended or that
// was closed.
var ErrClosed = errors.New("agent connection closed")

// ErrVersion is returned by Dial and NewClient when the agent speaks
// another protocol version.
var ErrVersion = errors.New("agent protocol version differs")

// DefaultHandshakeTimeout bounds the handshake when the context has no
// deadline.
const DefaultHandshakeTimeout = 30 * time.Second

// helloEvery is how often the handshake is resent: the guest may open its
// port after the host connected, and what the host wrote before may be
// lost.
const helloEvery = 500 * time.Millisecond

// Client is the host side of one agent's stream. Its methods may be
// called concurrently; at most MaxInFlight requests are outstanding (the
// rest wait for a slot), so the agent never answers busy.
type Client struct {
	rwc io.ReadWriteCloser
	wmu sync.Mutex // serialises lines on rwc
	sem chan struct{}

	mu      sync.Mutex
	pending map[uint64]chan reply
	nextID  uint64
	err     error         // why the stream ended
	done    chan struct{} // closed when the reader stops
}

// Dial connects to the agent behind the unix socket at path (the host end
// of a VM's sgswitch.agent port) and completes the handshake.
func Dial(ctx context.Context, path string) (*Client, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		return nil, fmt.Errorf("agent %s: %w", path, err)
	}
	c, err := NewClient(ctx, conn)
	if err != nil {
		return nil, fmt.Errorf("agent %s: %w", path, err)
	}
	return c, nil
}

// NewClient speaks to the agent at the other end of rwc: it resends the
// handshake until the agent answers it, then reads replies until rwc
// ends. The client owns rwc; Close closes it.
func NewClient(ctx context.Context, rwc io.ReadWriteCloser) (*Client, error) {
	c := &Client{rwc: rwc, sem: make(chan struct{}, MaxInFlight), pending: map[uint64]chan reply{}, done: make(chan struct{})}
	// IDs start at random: a reply an earlier session left on the stream
	// then answers none of ours.
	c.nextID = mrand.Uint64() >> 16
	go c.readReplies()
	if err := c.handshake(ctx); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// handshake sends a newline (ending whatever partial line the agent
// holds) and a hello with a fresh nonce, again every helloEvery, until a
// reply carries that nonce: replies to another client's hello or from
// before a reset never match.
func (c *Client) handshake(ctx context.Context) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultHandshakeTimeout)
		defer cancel()
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	nonce := hex.EncodeToString(b)
	got := make(chan reply, 1) // every attempt's reply comes here
	var ids []uint64
	defer func() {
		for _, id := range ids {
			c.forget(id)
		}
	}()
	t := time.NewTicker(helloEvery)
	defer t.Stop()
	for {
		id := c.registerOn(got)
		ids = append(ids, id)
		if err := c.write(append([]byte("\n"), mustLine(request{ID: id, Op: opHello, Version: Version, Nonce: nonce})...)); err != nil {
			return err
		}
		select {
		case r := <-got:
			switch {
			case r.Error != "":
				return fmt.Errorf("agent refused the handshake: %s", r.Error)
			case r.Nonce != nonce:
				continue // cannot happen: only our hellos' replies come here
			case r.Version != Version:
				return fmt.Errorf("%w: agent %d, host %d", ErrVersion, r.Version, Version)
			}
			return nil
		case <-t.C:
		case <-c.done:
			return c.err
		case <-ctx.Done():
			return fmt.Errorf("no answer to the handshake: %w", ctx.Err())
		}
	}
}

func mustLine(r request) []byte {
	b, err := encodeLine(r)
	if err != nil {
		panic(err) // a request of plain fields always encodes
	}
	return b
}

// registerOn reserves the next ID; its reply is sent on ch if ch has
// room (ch is buffered: the reader never waits for a caller).
func (c *Client) registerOn(ch chan reply) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.nextID++
	c.pending[c.nextID] = ch
	return c.nextID
}

func (c *Client) forget(id uint64) {
	c.mu.Lock()
	delete(c.pending, id)
	c.mu.Unlock()
}

func (c *Client) write(b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	select {
	case <-c.done:
		return c.err
	default:
	}
	if _, err := c.rwc.Write(b); err != nil {
		return fmt.Errorf("%w: %v", ErrClosed, err)
	}
	return nil
}

// readReplies hands each reply to the request waiting for it. Lines that
// are not replies, and replies nobody waits for (a call that gave up, the
// agent's answer to garbage), are skipped: that is the resynchronisation.
func (c *Client) readReplies() {
	r := bufio.NewReaderSize(c.rwc, 4096)
	var err error
	for {
		var line []byte
		line, err = readLine(r, MaxReply)
		if errors.Is(err, errLineTooLong) {
			continue
		}
		if err != nil {
			break
		}
		rep, ok := decodeReply(line)
		if !ok {
			continue
		}
		c.mu.Lock()
		ch := c.pending[rep.ID]
		delete(c.pending, rep.ID)
		c.mu.Unlock()
		select {
		case ch <- rep: // a nil ch (nobody waits) blocks: skipped
		default:
		}
	}
	c.mu.Lock()
	c.err = fmt.Errorf("%w: %v", ErrClosed, err)
	c.pending = map[uint64]chan reply{}
	c.mu.Unlock()
	close(c.done)
}

// Close closes the stream; calls in progress return ErrClosed.
func (c *Client) Close() error {
	err := c.rwc.Close()
	<-c.done
	return err
}

// call sends req (its ID is assigned here) and waits for the reply, for
// ctx, or for the stream to end. A reply with an error becomes the error.
func (c *Client) call(ctx context.Context, req request) (reply, error) {
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return reply{}, ctx.Err()
	case <-c.done:
		return reply{}, c.err
	}
	defer func() { <-c.sem }()
	ch := make(chan reply, 1)
	req.ID = c.registerOn(ch)
	defer c.forget(req.ID)
	b, err := encodeLine(req)
	if err != nil {
		return reply{}, err
	}
	if err := c.write(b); err != nil {
		return reply{}, err
	}
	select {
	case r := <-ch:
		if r.Error != "" {
			return r, fmt.Errorf("agent %s: %s", req.Op, r.Error)
		}
		return r, nil
	case <-ctx.Done():
		return reply{}, fmt.Errorf("agent %s: %w", req.Op, ctx.Err())
	case <-c.done:
		return reply{}, c.err
	}
}

// Ping checks that the agent answers.
func (c *Client) Ping(ctx context.Context) error {
	_, err := c.call(ctx, request{Op: opPing})
	return err
}

// StartResponder starts an echo responder (exchange.Responder) on the
// guest's wildcard address, both families; one that runs already is
// kept. Responders stop with StopResponder, with the next client's
// handshake, or when the agent's stream ends.
func (c *Client) StartResponder(ctx context.Context, proto string, port uint16) error {
	_, err := c.call(ctx, request{Op: opStart, Proto: proto, Port: port})
	return err
}

// StopResponder stops the responder on proto/port, if one runs.
func (c *Client) StopResponder(ctx context.Context, proto string, port uint16) error {
	_, err := c.call(ctx, request{Op: opStop, Proto: proto, Port: port})
	return err
}

// Probe is one exchange the guest runs (exchange.Run).
type Probe struct {
	Proto   string         // "tcp", "udp" or "icmp"
	Src     netip.Addr     // source address to bind; zero: the kernel picks
	Dst     netip.AddrPort // ICMP ignores the port
	Timeout time.Duration  // 0: DefaultProbeTimeout; at most MaxProbeTimeout
}

// Probe runs p inside the guest and returns the outcome, one of the
// exchange.Observed* values. The error is for a probe the agent did not
// run (refused, or no answer within the probe's timeout and a margin).
func (c *Client) Probe(ctx context.Context, p Probe) (string, error) {
	timeout := p.Timeout
	if timeout == 0 {
		timeout = DefaultProbeTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout+5*time.Second)
	defer cancel()
	r, err := c.call(ctx, request{Op: opProbe, Proto: p.Proto, Src: p.Src, Dst: p.Dst.Addr(), Port: p.Dst.Port(),
		TimeoutMS: (timeout + time.Millisecond - 1).Milliseconds()})
	return r.Observed, err
}

// Resolve looks name up with the guest's resolver (its /etc/hosts and
// /etc/resolv.conf), both families, sorted.
func (c *Client) Resolve(ctx context.Context, name string) ([]netip.Addr, error) {
	r, err := c.call(ctx, request{Op: opResolve, Name: name})
	return r.Addrs, err
}

// Metadata reads path from the instance metadata service with IMDSv2;
// path is relative to /latest/ ("meta-data/instance-id", "user-data",
// "dynamic/instance-identity/document"; a bare "instance-id" is under
// meta-data/).
func (c *Client) Metadata(ctx context.Context, path string) (string, error) {
	r, err := c.call(ctx, request{Op: opMetadata, Path: path})
	return r.Data, err
}

// Addrs lists the addresses of the guest's interfaces.
func (c *Client) Addrs(ctx context.Context) ([]InterfaceAddr, error) {
	r, err := c.call(ctx, request{Op: opAddrs})
	return r.Interfaces, err
}

// decodeReply parses a reply line, read from its last `{"id":` if garbage
// came first (as decodeRequest does); ok is false for anything else.
func decodeReply(line []byte) (reply, bool) {
	var rep reply
	if err := json.Unmarshal(line, &rep); err != nil {
		i := bytes.LastIndex(line, []byte(`{"id":`))
		if i <= 0 {
			return reply{}, false
		}
		rep = reply{}
		if json.Unmarshal(line[i:], &rep) != nil {
			return reply{}, false
		}
	}
	return rep, rep.ID != 0
}
