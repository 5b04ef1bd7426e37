package agent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"

	"sgswitch/exchange"
)

// handle runs one validated request other than hello.
func (ss *session) handle(ctx context.Context, req request) reply {
	switch req.Op {
	case opPing:
		return reply{}
	case opStart:
		return errReply(ss.startResponder(req.Proto, req.Port))
	case opStop:
		ss.stopResponder(req.Proto, req.Port)
		return reply{}
	case opProbe:
		return ss.probe(req)
	}
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	switch req.Op {
	case opResolve:
		addrs, err := resolve(ctx, req.Name)
		return reply{Addrs: addrs, Error: errString(err)}
	case opMetadata:
		data, err := ss.metadata(ctx, req.Path)
		return reply{Data: data, Error: errString(err)}
	case opAddrs:
		ifs, err := ss.addrs()
		return reply{Interfaces: ifs, Error: errString(err)}
	}
	return reply{Error: errUnknownOp} // validate lets none through
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func errReply(err error) reply { return reply{Error: errString(err)} }

// startResponder starts the session's responder for proto/port; one that
// runs already is kept (starting is idempotent).
func (ss *session) startResponder(proto string, port uint16) error {
	k := respKey{proto, port}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.ctx.Err() != nil {
		return errors.New("agent stopping") // close ran: nobody would stop it
	}
	if ss.responders[k] != nil {
		return nil
	}
	if len(ss.responders) >= MaxResponders {
		return fmt.Errorf("responder %s/%d: %d responders run already", proto, port, MaxResponders)
	}
	r, err := exchange.Listen(ss.srv.Where, proto, port)
	if err != nil {
		return fmt.Errorf("responder %s/%d: %w", proto, port, err)
	}
	ss.responders[k] = r
	return nil
}

func (ss *session) stopResponder(proto string, port uint16) {
	k := respKey{proto, port}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if r := ss.responders[k]; r != nil {
		r.Close()
		delete(ss.responders, k)
	}
}

// probe runs one exchange; its outcome is the reply, never an error.
func (ss *session) probe(req request) reply {
	timeout := time.Duration(req.TimeoutMS) * time.Millisecond
	if timeout == 0 {
		timeout = DefaultProbeTimeout
	}
	dst := netip.AddrPortFrom(req.Dst, req.Port)
	return reply{Observed: exchange.Run(ss.srv.Where, req.Proto, req.Src, dst, timeout)}
}

// DefaultProbeTimeout is a probe's timeout when the request gives none
// (the lab file's default check timeout).
const DefaultProbeTimeout = time.Second

// resolve asks the guest's resolver (/etc/resolv.conf and /etc/hosts)
// with Go's own resolver: the static agent has no libc to ask.
func resolve(ctx context.Context, name string) ([]netip.Addr, error) {
	r := &net.Resolver{PreferGo: true}
	addrs, err := r.LookupNetIP(ctx, "ip", name)
	if err != nil {
		return nil, err
	}
	for i, a := range addrs {
		addrs[i] = a.Unmap()
	}
	slices.SortFunc(addrs, netip.Addr.Compare)
	return slices.Compact(addrs), nil
}

// metadata reads one instance metadata path with IMDSv2 only: without a
// session token the read fails rather than fall back to IMDSv1, so a lab
// can prove http-tokens: required.
func (ss *session) metadata(ctx context.Context, path string) (string, error) {
	content, err := readMetadata(ctx, imds.New(imds.Options{Endpoint: ss.srv.IMDSEndpoint, EnableFallback: aws.FalseTernary}), path)
	if err != nil {
		return "", fmt.Errorf("metadata %s: %w", path, err)
	}
	defer content.Close()
	b, err := io.ReadAll(io.LimitReader(content, maxMetadata+1))
	if err != nil {
		return "", fmt.Errorf("metadata %s: %w", path, err)
	}
	if len(b) > maxMetadata {
		return "", fmt.Errorf("metadata %s: longer than %d bytes", path, maxMetadata)
	}
	return string(b), nil
}

// readMetadata reads path, relative to /latest/ as in EC2's documentation
// ("meta-data/instance-id", "user-data", "dynamic/instance-identity/document"),
// through the SDK call for its tree; a path in none of them is taken as
// under meta-data/ ("instance-id").
func readMetadata(ctx context.Context, c *imds.Client, path string) (io.ReadCloser, error) {
	switch {
	case path == "user-data":
		out, err := c.GetUserData(ctx, &imds.GetUserDataInput{})
		if err != nil {
			return nil, err
		}
		return out.Content, nil
	case strings.HasPrefix(path, "dynamic/"):
		out, err := c.GetDynamicData(ctx, &imds.GetDynamicDataInput{Path: strings.TrimPrefix(path, "dynamic/")})
		if err != nil {
			return nil, err
		}
		return out.Content, nil
	}
	out, err := c.GetMetadata(ctx, &imds.GetMetadataInput{Path: strings.TrimPrefix(path, "meta-data/")})
	if err != nil {
		return nil, err
	}
	return out.Content, nil
}

// addrs lists every address of every interface, loopback included.
func (ss *session) addrs() ([]InterfaceAddr, error) {
	var out []InterfaceAddr
	err := ss.srv.Where(func() error {
		ifs, err := net.Interfaces()
		if err != nil {
			return err
		}
		for _, ifc := range ifs {
			as, err := ifc.Addrs()
			if err != nil {
				return fmt.Errorf("addresses of %s: %w", ifc.Name, err)
			}
			for _, a := range as {
				if p, ok := prefixOf(a); ok {
					out = append(out, InterfaceAddr{Interface: ifc.Name, Prefix: p})
				}
			}
		}
		return nil
	})
	return out, err
}

func prefixOf(a net.Addr) (netip.Prefix, bool) {
	n, ok := a.(*net.IPNet)
	if !ok {
		return netip.Prefix{}, false
	}
	ip, ok := netip.AddrFromSlice(n.IP)
	if !ok {
		return netip.Prefix{}, false
	}
	bits, _ := n.Mask.Size()
	return netip.PrefixFrom(ip.Unmap(), bits), true
}
