package flowlog

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Action is what the security groups did with the traffic of a record.
type Action uint8

const (
	Accept Action = iota + 1
	Reject
)

func (a Action) String() string {
	switch a {
	case Accept:
		return "ACCEPT"
	case Reject:
		return "REJECT"
	}
	return "-"
}

// LogStatus says whether a record carries data (OK), the window was empty
// (NODATA) or records were lost for capacity (SKIPDATA).
type LogStatus uint8

const (
	OK LogStatus = iota
	NoData
	SkipData
)

func (s LogStatus) String() string {
	switch s {
	case NoData:
		return "NODATA"
	case SkipData:
		return "SKIPDATA"
	}
	return "OK"
}

// Direction of the traffic relative to the interface.
type Direction uint8

const (
	Ingress Direction = iota + 1
	Egress
)

func (d Direction) String() string {
	switch d {
	case Ingress:
		return "ingress"
	case Egress:
		return "egress"
	}
	return "-"
}

// Record is one flow-log line.
type Record struct {
	Version     int
	AccountID   string
	InterfaceID string
	SrcAddr     netip.Addr
	DstAddr     netip.Addr
	SrcPort     uint16
	DstPort     uint16
	Protocol    uint8
	Packets     uint64
	Bytes       uint64
	Start       int64 // unix seconds
	End         int64 // unix seconds
	Action      Action
	LogStatus   LogStatus
	TCPFlags    uint8
	Direction   Direction
	hasPorts    bool
}

// Field names of the formats, in EC2's spelling.
const (
	FieldVersion       = "version"
	FieldAccountID     = "account-id"
	FieldInterfaceID   = "interface-id"
	FieldSrcAddr       = "srcaddr"
	FieldDstAddr       = "dstaddr"
	FieldSrcPort       = "srcport"
	FieldDstPort       = "dstport"
	FieldProtocol      = "protocol"
	FieldPackets       = "packets"
	FieldBytes         = "bytes"
	FieldStart         = "start"
	FieldEnd           = "end"
	FieldAction        = "action"
	FieldLogStatus     = "log-status"
	FieldTCPFlags      = "tcp-flags"
	FieldFlowDirection = "flow-direction"
	FieldPktSrcAddr    = "pkt-srcaddr"
	FieldPktDstAddr    = "pkt-dstaddr"
)

// DefaultFields is the version-2 default format, in order.
var DefaultFields = []string{
	FieldVersion, FieldAccountID, FieldInterfaceID, FieldSrcAddr, FieldDstAddr,
	FieldSrcPort, FieldDstPort, FieldProtocol, FieldPackets, FieldBytes,
	FieldStart, FieldEnd, FieldAction, FieldLogStatus,
}

var knownFields = map[string]bool{}

func init() {
	for _, f := range DefaultFields {
		knownFields[f] = true
	}
	for _, f := range []string{FieldTCPFlags, FieldFlowDirection, FieldPktSrcAddr, FieldPktDstAddr} {
		knownFields[f] = true
	}
}

// ParseFields parses a custom format: field names separated by spaces, each
// optionally written as ${name} as in EC2's LogFormat.
func ParseFields(format string) ([]string, error) {
	var out []string
	for _, f := range strings.Fields(format) {
		f = strings.TrimSuffix(strings.TrimPrefix(f, "${"), "}")
		if !knownFields[f] {
			return nil, fmt.Errorf("flowlog: unknown field %q", f)
		}
		out = append(out, f)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("flowlog: empty field list")
	}
	return out, nil
}

// Format prints r with the given fields, separated by single spaces.
func (r *Record) Format(fields []string) string {
	var b strings.Builder
	for i, f := range fields {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(r.field(f))
	}
	return b.String()
}

// String prints r in the default format.
func (r *Record) String() string { return r.Format(DefaultFields) }

func (r *Record) field(name string) string {
	data := r.LogStatus == OK
	switch name {
	case FieldVersion:
		return strconv.Itoa(r.Version)
	case FieldAccountID:
		return orDash(r.AccountID)
	case FieldInterfaceID:
		return orDash(r.InterfaceID)
	case FieldSrcAddr, FieldPktSrcAddr:
		return addrOrDash(data, r.SrcAddr)
	case FieldDstAddr, FieldPktDstAddr:
		return addrOrDash(data, r.DstAddr)
	case FieldSrcPort:
		return numOrDash(data && r.hasPorts, uint64(r.SrcPort))
	case FieldDstPort:
		return numOrDash(data && r.hasPorts, uint64(r.DstPort))
	case FieldProtocol:
		return numOrDash(data, uint64(r.Protocol))
	case FieldPackets:
		return numOrDash(data, r.Packets)
	case FieldBytes:
		return numOrDash(data, r.Bytes)
	case FieldStart:
		return strconv.FormatInt(r.Start, 10)
	case FieldEnd:
		return strconv.FormatInt(r.End, 10)
	case FieldAction:
		if !data {
			return "-"
		}
		return r.Action.String()
	case FieldLogStatus:
		return r.LogStatus.String()
	case FieldTCPFlags:
		return numOrDash(data && r.Protocol == 6, uint64(r.TCPFlags))
	case FieldFlowDirection:
		if !data {
			return "-"
		}
		return r.Direction.String()
	}
	return "-"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func addrOrDash(ok bool, a netip.Addr) string {
	if !ok || !a.IsValid() {
		return "-"
	}
	return a.String()
}

func numOrDash(ok bool, v uint64) string {
	if !ok {
		return "-"
	}
	return strconv.FormatUint(v, 10)
}
