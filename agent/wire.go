package agent

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// Version is the protocol version both sides announce in the handshake.
const Version = 1

// PortName is the name of a VM's virtio-serial port for the agent (QEMU's
// virtserialport name=…); GuestPort is where the guest finds it.
const (
	PortName  = "sgswitch.agent"
	GuestPort = "/dev/virtio-ports/" + PortName
)

// Limits of the protocol; a peer that exceeds one gets an error reply.
const (
	MaxRequest      = 4 << 10          // bytes of one request line
	MaxReply        = 256 << 10        // bytes of one reply line
	MaxInFlight     = 32               // requests the server runs at once
	MaxResponders   = 64               // responders one session keeps open
	MaxProbeTimeout = 30 * time.Second // longest probe the server runs
	maxMetadata     = 64 << 10         // bytes of one metadata document
	opTimeout       = 10 * time.Second // resolve, metadata, addrs
)

// Operations (request.Op).
const (
	opHello    = "hello"
	opPing     = "ping"
	opStart    = "responder-start"
	opStop     = "responder-stop"
	opProbe    = "probe"
	opResolve  = "resolve"
	opMetadata = "metadata"
	opAddrs    = "addrs"
)

// Error replies the server gives itself, before any operation runs.
const (
	errUnknownOp = "unknown operation"
	errTooLong   = "request too long"
	errBusy      = "busy: too many requests in flight"
	errGarbled   = "not a request"
)

// request is one line from the host. ID comes first so that a line
// garbled at its start can be resynchronised on `{"id":` (decodeRequest).
// Fields other than ID and Op belong to the operations noted.
type request struct {
	ID        uint64     `json:"id"`
	Op        string     `json:"op"`
	Version   int        `json:"version,omitempty"`    // hello
	Nonce     string     `json:"nonce,omitempty"`      // hello
	Proto     string     `json:"proto,omitempty"`      // responder-*, probe
	Src       netip.Addr `json:"src,omitzero"`         // probe
	Dst       netip.Addr `json:"dst,omitzero"`         // probe
	Port      uint16     `json:"port,omitempty"`       // responder-*, probe
	TimeoutMS int64      `json:"timeout_ms,omitempty"` // probe
	Name      string     `json:"name,omitempty"`       // resolve
	Path      string     `json:"path,omitempty"`       // metadata
}

// reply answers the request with the same ID; Error is set when it
// failed. ID 0 answers a line that carried no readable ID.
type reply struct {
	ID         uint64          `json:"id"`
	Error      string          `json:"error,omitempty"`
	Version    int             `json:"version,omitempty"`    // hello
	Nonce      string          `json:"nonce,omitempty"`      // hello
	Observed   string          `json:"observed,omitempty"`   // probe
	Addrs      []netip.Addr    `json:"addrs,omitempty"`      // resolve
	Interfaces []InterfaceAddr `json:"interfaces,omitempty"` // addrs
	Data       string          `json:"data,omitempty"`       // metadata
}

// InterfaceAddr is one address of one of the guest's interfaces.
type InterfaceAddr struct {
	Interface string       `json:"interface"`
	Prefix    netip.Prefix `json:"prefix"`
}

// decodeRequest parses and validates one request line. A line with
// garbage before the request (a partial line the stream held before the
// host connected) is read from its last `{"id":`. On error the returned
// ID is the line's, when one could be read, so the error reaches the
// request it answers.
func decodeRequest(line []byte) (uint64, request, error) {
	r, err := strictDecode(line)
	if err != nil {
		if i := bytes.LastIndex(line, []byte(`{"id":`)); i > 0 {
			if r2, err2 := strictDecode(line[i:]); err2 == nil {
				r, err = r2, nil
			}
		}
	}
	if err != nil {
		var id struct{ ID uint64 } // the first value's, whatever follows it
		_ = json.NewDecoder(bytes.NewReader(line)).Decode(&id)
		return id.ID, request{}, fmt.Errorf("%s: %v", errGarbled, err)
	}
	if err := r.validate(); err != nil {
		return r.ID, request{}, err
	}
	return r.ID, r, nil
}

// strictDecode reads exactly one JSON object with known keys only.
func strictDecode(line []byte) (request, error) {
	var r request
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return request{}, err
	}
	if dec.More() {
		return request{}, errors.New("data after the request")
	}
	return r, nil
}

// validate checks the fields of r's operation, so handlers only see
// requests they can run.
func (r *request) validate() error {
	if r.ID == 0 {
		return errors.New("request without id")
	}
	switch r.Op {
	case opPing, opAddrs:
		return nil
	case opHello:
		if r.Version <= 0 || len(r.Nonce) == 0 || len(r.Nonce) > 64 {
			return errors.New("hello needs a version and a nonce of 1..64 bytes")
		}
		return nil
	case opStart, opStop:
		if (r.Proto != "tcp" && r.Proto != "udp") || r.Port == 0 {
			return fmt.Errorf("%s needs proto tcp or udp and a port", r.Op)
		}
		return nil
	case opProbe:
		return r.validateProbe()
	case opResolve:
		if r.Name == "" || len(r.Name) > 253 || strings.ContainsAny(r.Name, " \t\r\n\x00") {
			return errors.New("resolve needs a host name of 1..253 bytes")
		}
		return nil
	case opMetadata:
		if len(r.Path) > 1024 || strings.Contains(r.Path, "..") || strings.ContainsFunc(r.Path, isControl) {
			return errors.New("metadata needs a path of up to 1024 bytes, without .. or control characters")
		}
		return nil
	}
	return fmt.Errorf("%s %q", errUnknownOp, r.Op)
}

func (r *request) validateProbe() error {
	switch {
	case r.Proto != "tcp" && r.Proto != "udp" && r.Proto != "icmp":
		return fmt.Errorf("probe protocol %q: want tcp, udp or icmp", r.Proto)
	case !r.Dst.IsValid() || r.Dst.Is4In6() || r.Dst.Zone() != "":
		return errors.New("probe needs a destination address (no zone, no IPv4-mapped IPv6)")
	case r.Proto != "icmp" && r.Port == 0:
		return fmt.Errorf("%s probe needs a port", r.Proto)
	case r.Src.IsValid() && (r.Src.Is4() != r.Dst.Is4() || r.Src.Zone() != ""):
		return errors.New("probe source and destination differ in family")
	case r.TimeoutMS < 0 || time.Duration(r.TimeoutMS)*time.Millisecond > MaxProbeTimeout:
		return fmt.Errorf("probe timeout must be within 0..%s", MaxProbeTimeout)
	}
	return nil
}

func isControl(c rune) bool { return c < 0x20 || c == 0x7f }

// errLineTooLong is a line longer than the reader's limit; the reader
// skipped it up to its newline and stays in step with the stream.
var errLineTooLong = errors.New("line too long")

// readLine returns the next line without its end ("\n" or "\r\n"). A line
// longer than max is skipped and reported as errLineTooLong; a partial
// line at the end of the stream is dropped.
func readLine(r *bufio.Reader, max int) ([]byte, error) {
	var line []byte
	tooLong := false
	for {
		frag, err := r.ReadSlice('\n')
		if !tooLong && len(line)+len(frag) > max+2 {
			tooLong, line = true, nil
		}
		if !tooLong {
			line = append(line, frag...)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			return nil, err
		}
		break
	}
	if tooLong {
		return nil, errLineTooLong
	}
	line = bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
	if len(line) > max {
		return nil, errLineTooLong
	}
	return line, nil
}

// encodeLine is v as one JSON line.
func encodeLine(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
