// Package admin is the daemon's control API: HTTP+JSON over a unix socket,
// with the server side (Server, mounted by the daemon) and a Go client
// (Client, used by the CLI and the lab tooling).
//
// What: routes
//
//	GET    /v1/status              daemon status (Status)
//	POST   /v1/labs                apply a lab; body = testbed.Lab JSON (LabStatus)
//	GET    /v1/labs/{name}         one lab's nodes and wiring (LabStatus)
//	DELETE /v1/labs/{name}         remove a lab: ENIs, groups, ports, namespaces
//	GET    /v1/conntrack?eni=X     connection tracking entries ([]ConntrackEntry)
//	GET    /v1/eni/stats?eni=X     per-ENI counters in ethtool -S order ([]ENIStats)
//
// and Server.Handle mounts more (observability adds its own). X is an eni-
// id or a lab node name; empty means all.
//
// Design: the package knows nothing of rulesets or labs: lab bodies travel
// as raw JSON to the Backend, so admin has no dependency on the model and
// the lab format has one owner (testbed). Errors travel as
// {"error": message, "code": EC2-style code} with an HTTP status; the client
// turns them back into *Error, which matches ErrNotFound with errors.Is.
//
// Security: the socket is created with mode 0600 in a directory created
// with mode 0700; only its owner (root, for the daemon) can talk to it.
// Listen replaces only a stale socket (one nobody answers on) and leaves
// anything else at the path alone; Dial tells "no daemon" (ErrNoDaemon)
// from "permission denied: run as root". A request body larger than
// bounded.MaxBytes (4 MiB) is refused with 413 (code RequestEntityTooLarge).
//
// Thread-safety: Server and Client may be used from many goroutines.
package admin

import "time"

// DefaultSocket is where the daemon listens unless told otherwise.
const DefaultSocket = "/run/sgswitch/admin.sock"

// SocketEnv names the environment variable that overrides DefaultSocket for
// clients (and the daemon's default), so tests can run a private daemon.
const SocketEnv = "SGSWITCH_SOCKET"

// Status describes a running daemon.
type Status struct {
	Version       string       `json:"version"`
	PID           int          `json:"pid"`
	StartedAt     time.Time    `json:"started_at"`
	StateDir      string       `json:"state_dir"`
	Socket        string       `json:"socket"`
	EC2Listen     string       `json:"ec2_listen,omitempty"`
	MetricsListen string       `json:"metrics_listen,omitempty"`
	MetricsError  string       `json:"metrics_error,omitempty"` // why /metrics is not served
	Clock         string       `json:"clock,omitempty"`         // "virtual +351s" under a virtual clock
	Generation    uint64       `json:"generation"`              // ruleset generation published to the switch
	Groups        int          `json:"groups"`
	Interfaces    int          `json:"interfaces"`
	Labs          []string     `json:"labs"`
	Ports         []PortStatus `json:"ports"`
}

// PortStatus is one ENI's attachment to the switch.
type PortStatus struct {
	ENI      string `json:"eni"`
	Lab      string `json:"lab,omitempty"`
	Node     string `json:"node,omitempty"`
	Kind     string `json:"kind,omitempty"` // netns | vm
	Port     string `json:"port,omitempty"` // tap | afxdp | attach
	IfName   string `json:"ifname,omitempty"`
	Attached bool   `json:"attached"`
	Error    string `json:"error,omitempty"` // why it is not attached
}

// LabStatus is a lab as the daemon holds it.
type LabStatus struct {
	Name string `json:"name"`
	// VpcId is the lab's own VPC.
	VpcId string       `json:"vpc_id,omitempty"`
	Nodes []NodeStatus `json:"nodes"`
}

// NodeStatus is one lab node: its ENI and how it is wired.
type NodeStatus struct {
	Node     string   `json:"node"`
	ENI      string   `json:"eni"`
	Kind     string   `json:"kind"`
	Port     string   `json:"port"`
	Netns    string   `json:"netns,omitempty"`
	IfName   string   `json:"ifname,omitempty"`
	MAC      string   `json:"mac,omitempty"`
	IPv4     []string `json:"ipv4,omitempty"`
	IPv6     []string `json:"ipv6,omitempty"`
	Groups   []string `json:"groups,omitempty"`
	Attached bool     `json:"attached"`
	Error    string   `json:"error,omitempty"`
}

// ConntrackEntry is one tracked connection in one ENI's zone.
type ConntrackEntry struct {
	ENI  string `json:"eni"`
	Node string `json:"node,omitempty"`
	// Line is the entry in the `conntrack -L` line format.
	Line string `json:"line"`
	// Structured fields, for -o json.
	Proto        string `json:"proto"`
	State        string `json:"state,omitempty"`
	TimeoutSec   int64  `json:"timeout"`
	Src          string `json:"src"`
	Dst          string `json:"dst"`
	SrcPort      uint16 `json:"sport,omitempty"`
	DstPort      uint16 `json:"dport,omitempty"`
	Tracked      bool   `json:"tracked"`
	Rule         string `json:"rule,omitempty"` // the sgr- id of the rule that admitted the flow on this side
	OrigPackets  uint64 `json:"orig_packets"`
	OrigBytes    uint64 `json:"orig_bytes"`
	ReplyPackets uint64 `json:"reply_packets"`
	ReplyBytes   uint64 `json:"reply_bytes"`
}

// ENIStats are one ENI's counters in the order `sgswitch eni stats` prints
// them (the ethtool -S layout).
type ENIStats struct {
	ENI      string    `json:"eni"`
	Name     string    `json:"name,omitempty"` // lab/node, when the ENI belongs to a lab
	Counters []Counter `json:"counters"`
}

// Counter is one `name: value` line.
type Counter struct {
	Name  string `json:"name"`
	Value uint64 `json:"value"`
}
