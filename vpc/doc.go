// Package vpc models the Amazon VPCs of one sgswitch daemon — VPCs,
// subnets, route tables, network ACLs, their tags, and where each network
// interface sits — and compiles them into an immutable Topology the
// switch reads on a new flow.
//
// # What
//
// A State holds every VPC of a daemon (they may overlap; they never see
// each other). Its methods carry EC2's names and semantics — CreateVpc,
// DeleteVpc, DescribeVpcs, ModifyVpcAttribute, DescribeVpcAttribute,
// CreateSubnet, DeleteSubnet, DescribeSubnets, CreateRouteTable,
// DeleteRouteTable, CreateRoute, ReplaceRoute, DeleteRoute,
// AssociateRouteTable, DisassociateRouteTable,
// ReplaceRouteTableAssociation, DescribeRouteTables, CreateNetworkAcl,
// DeleteNetworkAcl, CreateNetworkAclEntry, ReplaceNetworkAclEntry,
// DeleteNetworkAclEntry, ReplaceNetworkAclAssociation,
// DescribeNetworkAcls, CreateTags, DeleteTags, DescribeTags — and fail
// with *Error holding EC2's error code. A failing call changes nothing.
// Describe results have the AWS CLI's JSON field names (types.go).
//
// Creating a VPC creates, as EC2 does, its default network ACL (rule 100
// allows all IPv4 both ways, rule 101 all IPv6 when the VPC has IPv6) and
// its main route table (a local route per CIDR). Each subnet is associated
// with exactly one ACL (the default one until ReplaceNetworkAclAssociation)
// and uses the main route table until explicitly associated.
//
// Division of concerns: security groups, and the security side of an
// interface (groups, MAC, conntrack, allowances), are package ruleset's,
// one ruleset.State per VPC. This package only places interfaces:
// PlaceInterface (new or moved), RemoveInterface, SetInterfaceAddresses,
// SetSourceDestCheck, Interface, FreeIPv4 — the subnet, the addresses held
// there (checked against the subnet and its reserved addresses, and
// counted in AvailableIpAddressCount) and the source/destination check.
// DeleteVpc refuses while subnets, custom ACLs or custom route tables
// remain; the caller refuses first while non-default security groups
// remain, which only it knows. Nothing here knows ports, packet buffers,
// sockets or goroutines.
//
// How the daemon, the switch and the EC2 API come to use it is planned
// step by step in integration.md (issue 15).
//
// # Design
//
// State holds a Spec (plain JSON data: Config with the quotas, VpcSpec,
// SubnetSpec, RouteTableSpec, NetworkAclSpec, InterfaceSpec) plus id
// indexes. ACL entries are stored canonical (AclEntry: protocol number,
// ports only for TCP/UDP, ICMP type/code only where EC2 uses them), the
// `*` entries implicit. Ids are prefix + 17 hex digits drawn from
// Config.IDSeed and a counter, so a seeded State is reproducible. Spec and
// Clone deep-copy; StateFromSpec and DecodeSpec rebuild a State from
// untrusted data, refusing whatever EC2 would refuse with an
// InvalidParameterValue *Error naming the fault (FuzzDecodeSpec, corpus in
// testdata/fuzz).
//
// A Compiler turns a State into a Topology: per VPC its CompiledVPC and
// CompiledSubnets (IPv4/IPv6 CIDR, Router = base+1, DNS = base+2, the
// subnet's ACL as one *ACL per direction and its route table as *Routes),
// and per placed interface a CompiledInterface (subnet, source/dest
// check, addresses). ACLs and route tables are compiled once and shared by
// every subnet that uses them.
//
// # Lookup
//
// ACL.Evaluate(Packet) scans the direction's entries of the packet's
// family in rule number order, each entry a masked pair of 64-bit words,
// a protocol and a port or ICMP range; the first match decides and its
// rule number is reported (32767 for the IPv4 `*`, 32768 for the IPv6
// one). Packet.Remote is the far end (source when evaluating Ingress,
// destination for Egress) and Packet.Port the destination port in both
// directions, as EC2 documents port ranges. With at most 40 entries per
// direction a linear scan over 48-byte entries beats any index.
//
// Routes.Lookup(destination) scans the family's routes longest prefix
// first and returns RouteLocal, RouteInterface (with the
// *CompiledInterface), RouteBlackhole (the target interface is no longer
// placed in the VPC) or RouteNone. A route more specific than the local
// route wins over it (middlebox routing).
//
// CompiledVPC.SubnetFor(address) finds the subnet holding an address by
// binary search over the VPC's subnets (they do not overlap).
//
// None of these allocates. State.ReferenceEvaluate and State.ReferenceRoute are
// naive evaluators written literally from the VPC User Guide; the
// compiled forms are checked against them with rapid over random ACLs,
// route tables, packets and mutations (differential_test.go).
// BenchmarkACLEvaluate, BenchmarkRouteLookup, BenchmarkSubnetFor and
// BenchmarkNewFlowVPCPart (ACL out + route + ACL in) measure the cost;
// figures in perf/results/2026-12-05-vpc-model.md.
//
// # Updates and versioning
//
// Compile never changes a published Topology; each one is built whole
// from the State, with Generation one more than the previous Compile of
// the same Compiler. The switch publishes the new Topology atomically and
// compares generations to invalidate NACL verdicts cached in flow entries,
// so an ACL change is seen by the next packet.
//
// # Thread-safety
//
// State is not safe for concurrent use: callers serialise (mutate a Clone
// and swap it in). Compiler.Compile may be called concurrently (the
// generation counter is locked) but reads its State, which must not change
// meanwhile. A Topology and everything reachable from it are immutable
// and safe for any number of concurrent readers; publish with
// atomic.Pointer.
//
// # Choices where the spec is ambiguous (each is tested)
//
//   - The `*` entries are shown as rule 32767 (0.0.0.0/0) and, when the
//     VPC has IPv6, 32768 (::/0), as EC2's describe output lists them;
//     Evaluate reports 32768 for an IPv6 packet that no entry matched, also
//     in a VPC without IPv6. (TestCreateVpcDefaults, TestTopology)
//   - NetworkAclEntryLimitExceeded counts a direction's numbered entries,
//     IPv4 and IPv6 together, not the `*` entries: 20 by default,
//     Config.NetworkAclEntriesPerAclDir up to 40. ("entry limit",
//     TestNetworkAclLifecycle)
//   - Entry protocols are accepted as numbers, -1 or "all", and as the
//     names tcp, udp, icmp, icmpv6 the AWS CLI examples use; they are
//     stored and shown as numbers. Ports given for a protocol other than
//     6/17, and an ICMP type/code given for 58 with an IPv4 CIDR, are
//     dropped (the API reference: such entries cover all ports, types and
//     codes). An ICMP type of -1 covers every code. (TestNetworkAclLifecycle)
//   - A TCP/UDP entry without a port range, or an ICMP entry without a
//     type/code, is MissingParameter; ports outside 0..65535 or reversed,
//     and types/codes outside -1..255, are InvalidParameterValue.
//     (TestValidationErrors)
//   - DeleteNetworkAclEntry checks the rule number range too
//     (InvalidParameterValue), so the `*` entries cannot be deleted.
//   - Local routes can be neither replaced nor deleted
//     (InvalidParameterValue), although EC2 now lets a local route's
//     target be replaced: this model keeps the local route fixed. A route
//     to exactly a local destination is RouteAlreadyExists; a more
//     specific one is allowed.
//   - Routes take one destination string, IPv4 or IPv6; the ec2api layer
//     passes DestinationCidrBlock or DestinationIpv6CidrBlock. The only
//     targets are network interfaces placed in a subnet of the table's VPC
//     (another VPC: InvalidParameterValue "belong to different networks").
//     A route whose interface is later removed or moved to another VPC stays,
//     shown and looked up as blackhole (the lookup still matches it, so the
//     traffic is dropped rather than falling back to a shorter route);
//     placing the interface again makes it active. (TestRouteTableLifecycle)
//   - RouteLimitExceeded counts routes besides the local ones
//     (Config.RoutesPerTable, 50); RouteTableLimitExceeded and
//     NetworkAclLimitExceeded count the main table and the default ACL.
//   - Deleting the main route table is DependencyViolation, with the same
//     message as a table that has subnet associations.
//   - Deleting the default ACL is InvalidParameterValue ("cannot delete
//     default network ACL"); an associated custom ACL is
//     DependencyViolation.
//   - A VPC's IPv6 block is given by the caller (a lab names it, as with
//     an IPAM or BYOIP pool): /44 to /60, else InvalidParameterValue.
//     A subnet's IPv6 block must be a /64 inside it; in a VPC without IPv6
//     that is InvalidSubnet.Range (there is no block to lie in).
//   - Availability zones are the region followed by one letter a–f; the
//     default is region + "a" and the region defaults to us-east-1.
//   - IPv6: the first four and the last address of a subnet's IPv6 block
//     are refused as interface addresses, as for IPv4 (the VPC User Guide
//     reserves them too).
//   - An address may be held once per subnet; the same address in another
//     VPC is fine (VPCs overlap). (TestInterfacePlacement)
//   - Unknown or malformed ids are reported with the resource's NotFound
//     code (InvalidVpcID.NotFound, …); there are no .Malformed codes here.
//   - VpcLimitExceeded at Config.VpcsPerRegion, EC2's default 5 unless
//     the daemon raises it.
//   - DescribeNetworkAcls lists entries egress first, each direction by
//     rule number; association.main matches neither true nor false for a
//     table without associations. (TestAssociationMainFilter)
//   - FreeIPv4 picks the lowest free address (EC2 does not document its
//     choice; lowest-first keeps labs reproducible).
package vpc
