package flowtable

import (
	"fmt"
	"time"
)

// Class is a timeout class: every entry is in exactly one, derived from its
// protocol and state. All idle timeouts live in one table, defaultTimeouts.
type Class uint8

// Timeout classes. The TCP classes follow the TCP states one to one.
const (
	ClassTCPSynSent Class = iota
	ClassTCPSynRecv
	ClassTCPEstablished
	ClassTCPFinWait
	ClassTCPCloseWait
	ClassTCPLastAck
	ClassTCPTimeWait
	ClassTCPClose
	ClassUDP       // UDP, one direction or a single request/response
	ClassUDPStream // UDP, more than one request/response transaction
	ClassICMP      // ICMP and ICMPv6 queries
	ClassOther     // any other IP protocol: address pair + protocol
	numClasses
)

var classNames = [numClasses]string{
	"tcp-syn-sent", "tcp-syn-recv", "tcp-established", "tcp-fin-wait",
	"tcp-close-wait", "tcp-last-ack", "tcp-time-wait", "tcp-close",
	"udp", "udp-stream", "icmp", "other",
}

func (c Class) String() string {
	if c < numClasses {
		return classNames[c]
	}
	return fmt.Sprintf("class(%d)", uint8(c))
}

// defaultTimeouts is the one table of idle timeouts. EC2 publishes the
// three configurable ones (TCP established, UDP stream, UDP) and the 600 s
// window for other protocols; it publishes nothing for the TCP handshake and
// closing states or for ICMP (spec 2.5, UNCONFIRMED), so those are the Linux
// nf_conntrack defaults, which is what people compare a lab with.
var defaultTimeouts = [numClasses]time.Duration{
	ClassTCPSynSent:     120 * time.Second,
	ClassTCPSynRecv:     60 * time.Second,
	ClassTCPEstablished: 432000 * time.Second,
	ClassTCPFinWait:     120 * time.Second,
	ClassTCPCloseWait:   60 * time.Second,
	ClassTCPLastAck:     30 * time.Second,
	ClassTCPTimeWait:    120 * time.Second,
	ClassTCPClose:       10 * time.Second,
	ClassUDP:            30 * time.Second,
	ClassUDPStream:      180 * time.Second,
	ClassICMP:           30 * time.Second,
	ClassOther:          600 * time.Second,
}

// DefaultTimeout returns the built-in idle timeout of class c.
func DefaultTimeout(c Class) time.Duration { return defaultTimeouts[c] }

// Timeouts are the per-interface configurable idle timeouts, in seconds, with
// EC2's names (ConnectionTrackingSpecification). Zero means the default.
type Timeouts struct {
	TcpEstablishedTimeout int32 // 60..432000, default 432000
	UdpStreamTimeout      int32 // 60..180, default 180
	UdpTimeout            int32 // 30..60, default 30
}

// Error is an EC2 API error (same shape as ruleset.Error): Code is EC2's
// error code, e.g. InvalidParameterValue.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Validate checks the EC2 ranges and returns an *Error with code
// InvalidParameterValue for the first value out of range.
func (t Timeouts) Validate() error {
	checks := []struct {
		name     string
		v        int32
		min, max int32
	}{
		{"TcpEstablishedTimeout", t.TcpEstablishedTimeout, 60, 432000},
		{"UdpStreamTimeout", t.UdpStreamTimeout, 60, 180},
		{"UdpTimeout", t.UdpTimeout, 30, 60},
	}
	for _, c := range checks {
		if c.v != 0 && (c.v < c.min || c.v > c.max) {
			return &Error{Code: "InvalidParameterValue", Message: fmt.Sprintf(
				"Invalid value '%d' for %s. The value must be between %d and %d seconds.",
				c.v, c.name, c.min, c.max)}
		}
	}
	return nil
}

// table resolves t into a full class table in nanoseconds.
func (t Timeouts) table() [numClasses]int64 {
	var out [numClasses]int64
	for c, d := range defaultTimeouts {
		out[c] = int64(d)
	}
	if t.TcpEstablishedTimeout != 0 {
		out[ClassTCPEstablished] = int64(t.TcpEstablishedTimeout) * int64(time.Second)
	}
	if t.UdpStreamTimeout != 0 {
		out[ClassUDPStream] = int64(t.UdpStreamTimeout) * int64(time.Second)
	}
	if t.UdpTimeout != 0 {
		out[ClassUDP] = int64(t.UdpTimeout) * int64(time.Second)
	}
	return out
}
