// Package testbed turns lab files into running labs and proves them.
//
// What: a lab file (examples/shop.yaml shows and comments every key)
// describes one virtual subnet: security groups in the CloudFormation
// entry shape, instances (network namespaces or VMs) and the reachability
// the author expects. This package
//
//   - parses it (Parse) into a Lab: plain data that round-trips through
//     JSON, which is how the CLI hands it to the daemon;
//   - applies it to a ruleset.State (Apply): prefix lists, groups, rules
//     and one ENI per node. Validate is Apply on a scratch State, so an
//     invalid lab is refused with EC2's error code before anything exists;
//   - runs its checks with real sockets inside the namespaces
//     (RunChecks), and holds long-lived probe connections (OpenProbe);
//   - makes each node's host side and switch ports (HostsOf, HostWirer: the
//     daemon calls it, never the other way round) and removes everything
//     a lab made on the host, with or without a daemon (RemoveHosts). The
//     host objects themselves (namespaces, links, claims on a VM's
//     interface) are made through package netns and owned by
//     netns.LabOwner(lab): a lab never uses or removes what another lab or
//     tool made, and removing a namespace ends the processes inside it.
//     A node's TAP interfaces are persistent (ports_persist.go): they
//     outlive the daemon, and wiring the node again re-attaches the same
//     devices.
//
// VPC labs (lab-file.md, "VPC labs"; vpclab.go, vpcparse.go,
// vpcvalidate.go): a file with vpc: describes a VPC of several subnets,
// route tables and network ACLs, and a node may have several interfaces
// (the long form). Lab.Network gives every lab as a VPC (a file with
// subnet: is one subnet named "main") and Node.ENIs every node as a list
// of interfaces, so consumers handle one shape. Parse checks their
// structure and cross-references (subnets inside the VPC and disjoint,
// tables and ACLs that exist, route targets and check endpoints that name
// an existing node.ethN, each address in its own subnet); EC2's rules for
// ACL entries, routes and placements belong to the VPC model: Apply
// builds the lab's own VPC in an account (vpcapply.go: the VPC, its ACLs,
// route tables and subnets) and one ENI per node interface in its subnet,
// then the routes, so each EC2 error comes back at its entry's position.
// The JSON of a file without these keys is unchanged. A `subnet:` lab
// with `vpc-id:` joins an existing VPC instead (vpcBuilder.joinVPC: its
// subnet of the lab's CIDR is the lab's "main"); Validate checks it
// against a stand-in VPC of that subnet (Scratch), the daemon against the
// real one.
//
// Nodes with several interfaces (hosts.go, wire.go): HostsOf gives one
// Host per (node, interface), Hosts the eth0 of each node as before. A
// netns node's interfaces eth0, eth1, … share its namespace, each with
// its own switch port, host link (HostIfNameOf) and port record, so each
// is wired, re-attached after a restart and unwired on its own; the
// namespace goes with the last one (or RemoveHosts). As on an EC2
// instance, eth0 holds the default routes via its subnet's router
// (base+1, IPv4 and IPv6) and eth1… only their subnet's on-link route;
// AddrsFor gives each interface its own subnet's prefix length, which
// decides both. A node with forwarding: true forwards IPv4 and IPv6
// inside its namespace (netns.SetForwarding; any other node is set not
// to, whatever the host's setting); the host's own setting is never
// touched. A VM node that attaches an existing interface keeps that one.
//
// VMs that sgswitch boots (vm.go, vmparse.go): a `kind: vm` node with
// image: ({kernel, initrd, append}, {disk}, or a kernel with a disk beside
// it as its root: {kernel, initrd, disk, append: root=/dev/vda rw}),
// memory and cpus is booted by package instance; append follows
// instance.DefaultAppend on the kernel command line. Each of its interfaces gets a TAP that the lab makes
// and records (PortVMTAP, named as a netns node's host links are) and a
// switch port on the TAP's host side; once the ports are wired the daemon
// starts QEMU (VMSpec, HostWirer.StartVM) with the ENIs' MACs, an ec2…
// system UUID and SMBIOS serial, and its files (console log and socket,
// the agent's socket) in VMDir under the daemon's state directory. QEMU
// is the lab's process (netns.KindProc): wiring again keeps the TAPs
// and a running VM as they are, a daemon restart leaves it running, and
// RemoveHosts ends it before it removes its TAPs. user-data and metadata
// (any node) are not the guest's: instance metadata serves them, from
// Node.UserData (read by ResolveFiles, which the CLI calls before it
// sends the lab) and Node.MetadataOptions.
//
// Design: Parse walks yaml.v3 nodes instead of decoding into structs, so
// every problem carries the key path and line and unknown keys are refused
// by name; it reports up to 20 problems at once. Parse checks structure
// (names, subnets, addresses inside them and not reserved, references
// from checks to nodes); whether a rule is valid is EC2's question and is
// answered by the ruleset, through Apply. Errors are *PosError:
//
//	shop.yaml: security-groups.web.SecurityGroupIngress[2]: InvalidParameterValue: … (line 14)
//
// wrapping the *ruleset.Error (EC2Code extracts the code). Apply creates
// all groups before authorizing any rule, so groups may reference each
// other in any order; each CloudFormation entry is one IpPermission with
// exactly one peer, authorized on its own, so an error points at one
// entry. Names on the host are derived here and used by the daemon:
// namespace NetnsName = "<lab>-<node>" (node names have no '-', so a
// namespace name splits back into one lab and one node: labs never
// collide), host link HostIfName (14 bytes, prefix HostIfPrefix = "sg" +
// a hash of the lab name; HostIfNameOf for eth1…, unique whenever the
// eth0 names are), MAC NodeMAC (02:… from a hash). Ownership, not
// names, decides what `lab down` removes.
//
// Checks: allow means the whole exchange completed (TCP: handshake and a
// few bytes echoed; UDP: a datagram echoed; ICMP: an echo reply); deny
// means silence until the timeout (default 1 s). A RST or an ICMP error is
// reported as "refused" and fails a deny row, because security groups
// drop silently. Echo responders listen on the wildcard address
// (dual-stack) in the destination namespace for the duration of a run;
// checks run concurrently, at most CheckOptions.Parallel at once. Sockets
// are created inside a namespace by netns.Do (a locked OS thread) and used
// from any goroutine afterwards. The responders and exchanges are package
// exchange's; a VM node whose agent CheckOptions.Agents gives runs its
// side of a check (the probe when it is the source, the responder when it
// is the destination) through that agent (package agent) with the same
// code inside the guest, so its rows read as a namespace's do.
//
// Thread-safety: Parse, Validate, RunChecks, HostWirer and RemoveHosts may be called
// concurrently. Apply mutates the State it is given; the caller
// serialises access to it (ruleset.State is not safe for concurrent use).
package testbed
