// Package ruleset models Amazon EC2 (VPC) security groups for one VPC and
// compiles them into immutable per-interface classifiers.
//
// # What
//
// A State is one VPC: an IPv4 subnet and an optional IPv6 subnet ("the VPC
// has IPv6"), its security groups (sg-), their rules (sgr-, one per peer),
// customer-managed prefix lists (pl-) and network interfaces (eni-: MAC,
// private IPv4/IPv6 addresses, 1..N groups, connection-tracking
// specification, allowances). Its methods carry EC2's names and semantics
// (CreateSecurityGroup, AuthorizeSecurityGroupIngress, RevokeSecurityGroupEgress,
// ModifySecurityGroupRules, DescribeSecurityGroups, …) and fail with *Error
// holding EC2's error code and message form (spec 4.4/4.5). A failing call
// changes nothing. ImportJSON/ExportJSON read and write the JSON that
// `aws ec2 describe-security-groups` prints (prefix lists it references must
// already exist; references to other VPCs are refused).
//
// A Compiler turns a State into a Snapshot: for every interface a
// CompiledInterface with one Classifier per direction, built from the union
// of all its groups' rules. Classify answers allowed or not, tracked or
// untracked, and a rule that allowed the packet.
//
// # API notes (refinements of the agreed contract)
//
//   - Methods that take a group accept its id ("sg-…") or its name: names
//     cannot start with "sg-", so there is no ambiguity. EC2 only accepts
//     names in a default VPC; the ec2api layer may restrict this.
//   - AuthorizeSecurityGroupIngress/Egress(group, perms, tags) return the
//     created rules; Revoke*(group, perms, ruleIDs) return (revoked, unknown,
//     err); ModifySecurityGroupRules(group, updates); Update…Descriptions…(group,
//     perms, descs); DescribeSecurityGroups(ids, names, filters);
//     DescribeSecurityGroupRules(ids, filters); DeleteSecurityGroup(group)
//     returns the deleted id; CopySecurityGroup(source, name, description).
//   - CreateNetworkInterface(ENISpec) accepts group names too (a lab
//     convenience); ModifyNetworkInterfaceAttribute takes ids only, as EC2.
//     SetInterfaceAddresses and SetInterfaceAllowances are lab operations.
//   - ResolveGroup, ResolveInterface, ResolvePrefixList map lab names (group
//     name, ENI Name tag, prefix-list name) to ids.
//   - VPCConfig.IDSeed makes every id deterministic (tests); quotas are in
//     VPCConfig (GroupsPerInterface 5 up to 16, RulesPerGroup 60,
//     GroupsPerVPC 2500, their product rule ≤ 1000; LiftQuotas for benchmarks).
//   - ValidateConntrackSpec checks EC2's timeout ranges; ConntrackSpec.WithDefaults
//     fills EC2's defaults (432000, 180, 30 s).
//   - CreateTags/DeleteTags work on sg-, sgr-, eni- and pl- ids (an
//     interface's Name tag is its lab name).
//   - Prefix lists (prefixlist.go, prefixlist_modify.go): ModifyPrefixList
//     renames, adds and removes entries (a new version; CurrentVersion is
//     checked) or resizes (every referencing group's quota checked again,
//     since a rule weighs the list's MaxEntries);
//     RestoreManagedPrefixListVersion; DeleteManagedPrefixList refused while
//     a rule references the list; the last MaxPrefixListHistory versions
//     stay readable (PrefixListEntriesAt). A group's compiled rules hash the
//     entries of the lists they reference, so the next Compile after a
//     change to a list applies it to traffic. AWS-managed lists
//     (prefixlist_aws.go: com.amazonaws.<region>.s3 and .dynamodb, owner
//     AWS, no entries) are in every State without being in its Spec: rules
//     may reference them, nothing may change them (UnsupportedOperation).
//   - Snapshot also offers InterfaceByAddr (private address → interface) and
//     RuleGroup (RuleRef → sg- id); Query.SetRemote fills Family and Remote
//     from a netip.Addr; CompiledInterface.Bytes reports memory.
//   - State.ReferenceClassify is the naive evaluator that defines the
//     semantics; the compiled Classifier is tested against it.
//
// # Choices where the spec is ambiguous (each is tested)
//
//   - Untracked flows (spec 2.2) are read literally. A TCP or UDP packet is
//     untracked when a rule that allows it has the peer 0.0.0.0/0 (IPv4) or
//     ::/0 (IPv6) given as a CIDR, and the interface has, in the other
//     direction, a rule with the same literal peer that covers all ports:
//     protocol -1, or the packet's own protocol with ports 0-65535. Prefix
//     lists or group references never count as "all addresses", even when
//     they cover everything. The initiating rule need not cover all ports.
//     Each address family is judged on its own.
//   - ICMP and ICMPv6 are always tracked; so are all other protocols
//     (spec 2.2 speaks of TCP and UDP only; other protocols are tracked by
//     address pair and protocol, spec 2.1).
//   - '&' in rule descriptions: accepted for IpRange and Ipv6Range
//     descriptions, rejected for PrefixListId and UserIdGroupPair
//     descriptions, following each API shape's own documentation. Group
//     names and descriptions accept '&'.
//   - A group's references to itself do not block its deletion (the current
//     API wording: "referenced by another security group"); references from
//     other groups do (DependencyViolation), as does use by an interface.
//   - Quota counting: IPv4 CIDRs count toward the IPv4 quota, IPv6 CIDRs
//     toward IPv6, a prefix list counts its max entries toward its family,
//     and a group reference counts 1 toward IPv4.
//   - Protocol numbers 6, 17, 1, 58 are stored and shown as tcp, udp, icmp,
//     icmpv6. Protocol -1 and protocols without ports store FromPort and
//     ToPort as -1 and show no ports in DescribeSecurityGroups.
//   - Copying a group maps its self references to the copy.
//   - The VPC is a non-default VPC unless VPCConfig.DefaultVPC: revoking a
//     rule that does not exist fails with InvalidPermission.NotFound.
//   - ICMP type/code: the Query's ICMPType/ICMPCode are matched against a
//     rule's FromPort (type) and ToPort (code), -1 matching anything.
//   - Group references match the private IPv4 and IPv6 addresses of the
//     member interfaces, in both families.
//
// # Design
//
// State holds a Spec (plain data) plus id indexes; Spec deep-copies.
// Rules are stored canonical (RuleSpec), so duplicate detection, revocation
// by properties and export compare canonical forms.
//
// Copy-on-write: Clone copies the three top-level lists (groups, prefix
// lists, interfaces: their elements, not what those point to) and the
// indexes, and shares everything below them: a group's tags and rule
// lists, each rule's tags and description, a prefix list's entries and
// tags, an interface's addresses, groups and tags. Those are never
// written once a State holds them; a mutation builds a new list (never
// an append into an old one's spare capacity, which a Clone shares) and
// stores it in its own top-level element. So a Clone costs the number of
// groups, prefix lists and interfaces, not of rules, changing a clone
// never shows in its source nor the reverse, and Clone only reads its
// source (concurrent readers may clone). Compiled Snapshots keep no
// reference into a State (they copy addresses and group lists).
//
// Change journal (journal.go): every mutating method records, when it
// commits, the ids of the objects it created, changed or deleted (groups'
// headers, rules with their list, prefix lists, interfaces, and the VPC
// record whenever the id counter moves). ChangesSince(base) gives them
// for a State cloned from base, while base is unchanged since the Clone
// (each State version has a stamp); the daemon's store writes exactly
// those records instead of comparing the models. A failing call records
// nothing. store's TestSaveChangesMatchesFullSave checks the journal
// against a comparison of whole models over random mutation sequences.
//
// # Lookup
//
// A Classifier holds, per address family, a protocol table for every
// protocol some rule names (plus TCP and UDP always) and one for "protocol
// -1 only". Each protocol table is a bit-vector classifier: bit i is rule i
// (rules to 0.0.0.0/0 or ::/0 first). The key dimension (TCP/UDP destination
// port, or ICMP type<<8|code) and the address dimension (CIDRs and
// prefix-list entries) are each partitioned into elementary intervals whose
// rule sets are interned as classes; a query does two binary searches, one
// hash lookup of the remote address in the snapshot's address → groups table
// (only when the table has group references), then ANDs the key bitset with
// the address bitset ORed with the bitsets of the referenced groups the
// remote belongs to. The lowest set bit is the rule reported; it is "open"
// exactly when some open rule matches, which with the table's precomputed
// reverse-direction flag gives tracked/untracked. No allocation per query.
//
// Cost: BenchmarkClassify measures a query (16 groups × 60 rules on one
// interface, and 10,000 rules; random realistic packets) and the memory of
// a compiled interface; recorded figures live in perf/results.
//
// # Updates and versioning
//
// Compile never changes a published Snapshot. Tables are keyed by their
// inputs (the interface's groups in order and both directions' rule
// fingerprints, prefix-list contents included) and reused across versions
// and shared between interfaces with the same groups. Tables that must be
// built are built in parallel, one goroutine per CPU. Group references go
// through the snapshot's address → groups table, so an interface joining or
// leaving a group or changing addresses rebuilds that table only (plus the
// changed interface's own tables when no other interface has its new set of
// groups); tables whose rules reference the group are untouched. RuleRefs
// are interned per Compiler and stable across versions. Every Snapshot has a
// Generation, one more than the previous Compile of the same Compiler.
//
// # Thread-safety
//
// State is not safe for concurrent use (callers serialise, e.g. mutate a
// Clone and swap). Compile may be called concurrently (serialised inside).
// Snapshots, CompiledInterfaces and Classifiers are immutable and safe for
// any number of concurrent readers; publish Snapshots with atomic.Pointer.
package ruleset
