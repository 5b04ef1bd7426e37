package trace

import (
	"errors"
	"net/netip"
)

// Layers a hop belongs to; the values are testbed's (Result.DroppedBy), so
// a prediction and an observation compare as strings.
const (
	LayerSecurityGroup = "security group"
	LayerSourceCheck   = "source/dest check"
	LayerNetworkACL    = "network ACL"
	LayerRoute         = "route"
)

// Steps of a path, in the order the switch takes them.
const (
	StepSourceCheck   = "source check"
	StepRoute         = "route"
	StepDestCheck     = "dest check"
	StepACLOut        = "network ACL out"
	StepACLIn         = "network ACL in"
	StepEgressGroups  = "egress groups"
	StepIngressGroups = "ingress groups"
	StepReplyACLOut   = "reply network ACL out"
	StepReplyACLIn    = "reply network ACL in"
	StepReplyRoute    = "reply route"
)

// The ephemeral source ports a reply is judged over when the query names
// none: Linux's default ip_local_port_range.
const (
	EphemeralLow  = 32768
	EphemeralHigh = 60999
)

// ErrNoInterface: an endpoint names no interface of the account, or no
// interface owns its address.
var ErrNoInterface = errors.New("no such interface")

// Endpoint is one end of a flow: an interface (eni- id), an address, or
// both (an address the interface sends from or is sent to without owning
// it). Without an address the interface's primary one of the family is
// used; without an interface the source's owner is looked up, and the
// destination's receiver is whatever routing finds.
type Endpoint struct {
	Interface string     `json:"interface,omitempty"`
	Addr      netip.Addr `json:"addr,omitzero"`
}

// Query is one flow: its ends, protocol ("tcp", "udp", "icmp", "icmpv6"
// or a number), destination port (TCP, UDP), source port (0: any
// ephemeral port) and family (4 or 6; 0: the addresses', else 4).
type Query struct {
	From, To   Endpoint
	Proto      string
	Port       uint16
	SourcePort uint16
	Family     int
}

// Hop is one decision on the path. The fields after Reason say which
// object decided: a group and its rule, an ACL and its rule number, a
// route table with the route's destination and target.
type Hop struct {
	Step        string `json:"step"`
	Layer       string `json:"layer"`
	Allow       bool   `json:"allow"`
	Reason      string `json:"reason"`
	Interface   string `json:"interface,omitempty"`
	Group       string `json:"group,omitempty"`
	Rule        string `json:"rule,omitempty"`
	ACL         string `json:"acl,omitempty"`
	RuleNumber  int32  `json:"rule_number,omitempty"`
	RouteTable  string `json:"route_table,omitempty"`
	Destination string `json:"destination,omitempty"`
	Target      string `json:"target,omitempty"`
}

// Tracking is how one side (its own conntrack zone) would keep the flow:
// tracked or not, the rule pair that makes it untracked, and the idle
// timeout of its class, in seconds.
type Tracking struct {
	Interface   string `json:"interface"`
	Direction   string `json:"direction"` // egress (sender) or ingress (receiver)
	Tracked     bool   `json:"tracked"`
	Reason      string `json:"reason"`
	Rule        string `json:"rule,omitempty"`         // the open rule that allowed it
	ReverseRule string `json:"reverse_rule,omitempty"` // the other direction's all-ports rule
	Class       string `json:"class"`
	Timeout     int64  `json:"timeout_seconds"`
}

// Allowance is a per-interface limit that could still drop the flow.
type Allowance struct {
	Interface string `json:"interface"`
	Name      string `json:"name"`
	Limit     uint64 `json:"limit"`
	Unit      string `json:"unit"`
}

// Result is a traced flow: the resolved ends, the hops there and back,
// each side's tracking, the allowances, and the verdict (DeniedBy is the
// layer of the first denying hop).
type Result struct {
	From        string      `json:"from"`
	To          string      `json:"to,omitempty"` // the receiver routing found
	Source      netip.Addr  `json:"source"`
	Destination netip.Addr  `json:"destination"`
	Proto       uint8       `json:"proto"`
	Port        uint16      `json:"port,omitempty"`
	SourcePort  string      `json:"source_port"` // a number or "any"
	Family      int         `json:"family"`
	Notes       []string    `json:"notes,omitempty"`
	Hops        []Hop       `json:"hops"`
	Reply       []Hop       `json:"reply,omitempty"`
	Tracking    []Tracking  `json:"tracking,omitempty"`
	Allowances  []Allowance `json:"allowances,omitempty"`
	Allow       bool        `json:"allow"`
	DeniedBy    string      `json:"denied_by,omitempty"`
	DeniedAt    string      `json:"denied_at,omitempty"` // the step
}
