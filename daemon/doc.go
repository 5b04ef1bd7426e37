// Package daemon is `sgswitch run`: it holds the model (an account of
// VPCs), the state store, the switch and the APIs, and keeps them
// consistent.
//
// What: a Daemon composes
//
//	store (bbolt, durable) -> account.Account (the model: every VPC's
//	topology and security groups) -> Dataplane (compile + publish to the
//	switch) -> ports (one per ENI, wired by a Wirer)
//
// and serves the admin API (package admin, unix socket), the EC2 Query API
// (any http.Handler built on the daemon as its Backend, normally
// ec2api.NewHandler) and Prometheus metrics.
//
// Design: the live Account is never mutated. WriteAccount clones it
// (copy-on-write below each VPC's lists: the cost of the number of groups,
// not of rules), runs the change on the clone, saves what changed
// (store.Tx.SaveAccount: the VPC layer when it differs, and per VPC what
// its security groups' journal says changed) and any
// lab records in one store transaction (fsync), publishes the compiled clone to the switch and
// only then swaps it in; if any step before the swap fails, nothing changed,
// on disk or in memory. So a change the API reported as done survives kill
// -9, and a packet never sees a half-applied change.
//
// Labs: each lab is its own VPC. ApplyLab runs testbed.Apply on a clone
// (creating the lab's VPC with its subnets, route tables and network
// ACLs, then its prefix lists, groups and ENIs, then its routes), wires
// every node (netns "<lab>-<node>" with a TAP as eth0
// by default, a veth with an AF_XDP port for `port: afxdp`, an existing host
// interface for `kind: vm`), and commits the account plus a
// store.LabRecord that names the lab's VPC and says how each ENI is wired.
// If wiring fails, the wired nodes are unwired and nothing is committed.
// On start, Open restores the account from
// the store and re-wires every lab node. RemoveLab
// removes the lab's VPC with everything in it (account.RemoveVpc), its
// ports and namespaces; a lab recorded before labs had VPCs lives in the
// default VPC and loses its ENIs, groups and prefix lists there (and rules
// elsewhere that refer to them). RemoveLabOffline makes the
// same change to the store when no daemon runs (`lab down` then), so that
// the next daemon does not bring the lab back.
//
// Attachments: an EC2 write that attaches an interface to a lab node
// (AttachNetworkInterface: the model's InterfaceSpec.AttachedTo and
// DeviceIndex change) is compared by WriteAccount with the live model
// (attachments.go): the interface is wired into the node's namespace as
// eth<DeviceIndex> (on-link addresses only, its own switch port, wired as
// the node's eth0) before the commit, and its NodeWiring (Attached) joins
// the lab's record in the same store transaction as the model, so Open
// re-wires it. If the wiring fails, the write is refused and nothing
// changes: the model never says attached where no port exists (a port
// the switch then refuses shows its error in Status, as any port's).
// Detaching removes the port and that interface's host link
// (Wirer.Unwire of its Host) after the commit. Only namespace nodes take
// interfaces, and an interface the lab file made is not detached. `lab
// down` detaches an attached interface (it stays, available) when the
// lab joined a VPC or lives in the default VPC, and removes it with the
// lab's own VPC (account.RemoveVpc); a changed lab re-applied over the
// old one is down then up, so it loses its attached interfaces.
//
// Restarts: a node's TAP eth0 is persistent and recorded as the lab's
// port in its namespace, so it outlives the daemon (stopped or killed) and
// the next start re-attaches the same device (testbed.HostWirer): the
// instance keeps its ifindex, MAC, MTU, addresses and routes, and only
// sees the time no process held the TAP. A graceful stop (Close, after Run
// ended) saves the switch's conntrack entries to ConntrackFile in the
// state directory; Open restores them after publishing the ruleset and
// before attaching any port, less the time the daemon was down, and
// removes the file. So a tracked flow survives a graceful restart even if
// the rule that admitted it was revoked (as in EC2). After kill -9 there
// is no file: flows are judged again by the current rules (a mid-stream
// TCP ACK is picked up as established when they allow it). The dataplane
// announces each added port's neighbours (ARP), so an instance whose ARP
// requests went nowhere while its TAP had no reader does not wait out its
// 1 s retransmit timer.
//
// Serving (Run): the admin API on a unix socket (mode 0600, directory
// 0700; admin.Server.Listen replaces only a stale socket there); the EC2
// Query API on ec2api.DefaultListen (127.0.0.1:8775) by default, SigV4-verified
// with credentials kept in the state directory (ec2auth). Run refuses an
// EC2 address that is not loopback unless Listen.EC2Any (`--ec2-listen-any`)
// says so explicitly, and always when Listen.EC2Unauthenticated (`--ec2-auth
// none`). The EC2 and metrics servers are bounded by httplimit (timeouts, a
// connection cap); the admin socket is not, and keeps answering.
// Listen.Metrics serves Prometheus /metrics; `sgswitch run` passes
// DefaultMetricsListen (127.0.0.1:9775) unless --metrics moves it or turns
// it off, so the daemon EnsureRunning starts serves it too. A metrics
// address that cannot be bound is a warning, not a failure: another program
// on 9775 must not keep `lab up` from starting its daemon, so Run serves the
// rest and Status says why metrics are off (MetricsError). /metrics has the gatherers given in Listen (sgswitch run passes
// observe's registry: switch counters, compile/publish latency, Go runtime;
// default: prometheus.DefaultGatherer) plus the daemon's own gauges (sgswitch_ruleset_
// generation, sgswitch_labs, sgswitch_ports_attached, sgswitch_ports_failed).
//
// On demand: EnsureRunning (`sgswitch lab up`) returns a client of the
// daemon at a socket, starting `sgswitch run` detached when admin.Dial
// says no daemon is there, and only then (not on permission denied).
//
// Wiring: testbed.HostWirer makes each node's host side (through package
// netns, owned by the lab); a Wirer is an interface so tests wire
// in-memory ports. Removing a lab ends in Wirer.RemoveHosts, the same
// call `lab down` makes itself when no daemon runs (TakeDownLab). Dataplane is an interface for
// the same reason; SwitchDataplane (ruleset.Compiler + vswitch.Switch) is
// the real one. The dataplane owns an attached port and closes it on
// RemovePort.
//
// Names: `eni stats` and `conntrack list` take an eni- id, a node name
// (the ENI's Name tag) or lab/node.
//
// VPCs: a fresh daemon has one VPC, Config.VPC, with one subnet of the
// same block: the account's default VPC, which EC2 calls that name no VPC
// use (as a region's default VPC). A store from before accounts (one
// ruleset model) becomes that default VPC with every id kept. Each lab
// adds its own VPC; VPCs may overlap and never see each other's packets.
// The switch's flow budget is shared by every VPC (account.SetFlowBudget).
//
// Thread-safety: every exported method may be called from any goroutine.
// One mutex serialises access to the model (an Account is not safe for
// concurrent use); the switch reads only published snapshots.
package daemon
