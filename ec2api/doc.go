// Package ec2api serves the Amazon EC2 Query API (version 2016-11-15) for
// the VPCs of an sgswitch account (package account: every VPC's model
// and security groups), so the real AWS CLI and SDKs work against the lab
// unchanged, and holds the small client the `sgswitch ec2` command uses.
//
// # What
//
// Security groups: CreateSecurityGroup, DeleteSecurityGroup,
// DescribeSecurityGroups, DescribeSecurityGroupRules,
// AuthorizeSecurityGroupIngress/Egress, RevokeSecurityGroupIngress/Egress,
// ModifySecurityGroupRules, UpdateSecurityGroupRuleDescriptionsIngress/Egress.
// Interfaces: CreateNetworkInterface (in a subnet), DeleteNetworkInterface
// (an API-made interface is "available"; a lab node's is "in-use" and
// cannot be deleted), DescribeNetworkInterfaces,
// ModifyNetworkInterfaceAttribute (SecurityGroupId.N,
// ConnectionTrackingSpecification, SourceDestCheck),
// Assign/UnassignPrivateIpAddresses, Assign/UnassignIpv6Addresses (single
// addresses; prefix delegation is UnsupportedOperation),
// AttachNetworkInterface and DetachNetworkInterface (below). Tags:
// CreateTags, DeleteTags, DescribeTags. The VPC model: CreateVpc,
// DeleteVpc, DescribeVpcs, ModifyVpcAttribute, DescribeVpcAttribute
// (enableDnsSupport, enableDnsHostnames); CreateSubnet, DeleteSubnet,
// DescribeSubnets; CreateNetworkAcl, DeleteNetworkAcl,
// Create/Replace/DeleteNetworkAclEntry, ReplaceNetworkAclAssociation,
// DescribeNetworkAcls; CreateRouteTable, DeleteRouteTable,
// Create/Replace/DeleteRoute (DestinationCidrBlock or
// DestinationIpv6CidrBlock to a NetworkInterfaceId; every other target is
// UnsupportedOperation), AssociateRouteTable, DisassociateRouteTable,
// ReplaceRouteTableAssociation and DescribeRouteTables. Managed prefix
// lists (actions_prefixlists.go): CreateManagedPrefixList,
// DescribeManagedPrefixLists (filters prefix-list-id, prefix-list-name,
// owner-id, tag:<key>, tag-key), GetManagedPrefixListEntries
// (TargetVersion: the last ruleset.MaxPrefixListHistory versions),
// GetManagedPrefixListAssociations (the groups whose rules reference the
// list), ModifyManagedPrefixList (CurrentVersion checked:
// PrefixListVersionMismatch; MaxEntries resized only alone, each
// referencing group's quota checked again), RestoreManagedPrefixListVersion and
// DeleteManagedPrefixList (DependencyViolation while referenced); the
// AWS-managed lists com.amazonaws.<region>.s3 and .dynamodb (owner AWS,
// read-only: UnsupportedOperation) and DescribePrefixLists over them. EC2
// keeps prefix lists per Region; here each VPC's State keeps its own, so a
// list is made in the default VPC and only that VPC's rules can reference
// it. The calls tools make before they start (actions_account.go,
// actions_group_refs.go): DescribeAccountAttributes (supported-platforms
// VPC, default-vpc or none, EC2's default quotas), DescribeRegions (the
// account's one Region), DescribeAvailabilityZones (<region>a…f, the
// zones the VPC layer accepts, with EC2-style zone ids),
// GetSecurityGroupsForVpc, and DescribeSecurityGroupReferences and
// DescribeStaleSecurityGroups, always empty: without peering no other VPC
// references a group, and a group still referenced cannot be deleted, so
// no rule goes stale. DescribeVpcClassicLink and
// DescribeVpcClassicLinkDnsSupport answer UnsupportedOperation as EC2 does
// in every Region since EC2-Classic's retirement (Ansible's ec2_vpc_net
// reads that as "off"); CreateVpc takes InstanceTenancy default only.
// Every Create takes
// TagSpecification.N; each Describe takes Filter.N, MaxResults and
// NextToken where EC2's does (DescribeAccountAttributes, for one, takes
// none of them). DryRun is handled once for every action (below).
// Instances (actions_instances.go): DescribeInstances (reservations;
// filters instance-id, instance-state-name, instance-state-code,
// subnet-id, vpc-id, private-ip-address, image-id, instance-type,
// availability-zone, reservation-id,
// network-interface.network-interface-id, tag:KEY), DescribeInstanceStatus
// and DescribeImages. The instances are the lab nodes, always "running"
// (one exists while its lab is up); image, reservation, metadata options
// and tags come from the Backend when it is an InstanceCatalog (the
// daemon, from its lab records). Each lab image is one AMI with a stable
// id, and every namespace node runs the image named "netns".
// ModifyInstanceMetadataOptions (actions_instance_metadata.go) when the
// Backend is an InstanceModifier (the daemon keeps the options in the lab
// record; the next IMDS request sees them), else UnsupportedOperation.
// TerminateInstances, StopInstances and StartInstances check the ids and
// refuse a lab's instance with OperationNotPermitted (its lab owns it:
// `sgswitch lab down`; actions_instance_state.go). No RunInstances yet:
// InvalidAction.
// STS's GetCallerIdentity (Version 2011-06-15, signed for the "sts"
// service, STS's response envelope; actions_sts.go) answers the
// account's root (Account and UserId the owner id, Arn
// arn:aws:iam::ID:root), for tools that check their credentials first.
// Anything else is InvalidAction.
//
// # Over several VPCs
//
// Ids are unique across VPCs, so a request's ids name its VPC (scope.go):
//   - A group id finds its VPC (account.VPCOfGroup); a group name, and a
//     CreateSecurityGroup without VpcId, mean the default VPC, as in EC2.
//     The model has no default VPC, so the only VPC stands for it when
//     there is exactly one (a one-lab daemon keeps today's behaviour);
//     otherwise VPCIdNotSpecified ("No default VPC for this user").
//   - A rule (authorize, ModifySecurityGroupRules) referencing a group of
//     another VPC, and an interface given a group of another VPC, are
//     refused as EC2 refuses them without peering: InvalidGroup.NotFound,
//     "You have specified two resources that belong to different
//     networks."
//   - DescribeSecurityGroups, DescribeSecurityGroupRules,
//     DescribeNetworkInterfaces and DescribeTags span every VPC (VPCs in
//     id order). The vpc-id filter is EC2's where EC2 has it
//     (DescribeSecurityGroups, DescribeNetworkInterfaces and the VPC
//     model's describes); DescribeSecurityGroupRules and DescribeTags have
//     none in the EC2 reference, so none here (InvalidParameterValue).
//   - An interface finds its VPC through its id or, on create, its subnet
//     (account.CreateNetworkInterface: the subnet checks the primary
//     address or picks its lowest free one). Its description joins the
//     security side (the VPC's ruleset State) and its placement (the VPC
//     model: subnet, Availability Zone, source/dest check), so the
//     subnet-id and availability-zone filters are applied after the join.
//   - Tags go by id prefix: vpc-, subnet-, rtb-, acl- to the VPC model;
//     sg-, sgr-, eni-, pl- to the State of the VPC that holds them.
//
// Attach and detach: the instances are the lab nodes. A node's instance
// id is ruleset.InstanceID of its attachment "lab/node" ("i-" and 17 hex
// digits of a hash: the same in every store and after every restart);
// DescribeNetworkInterfaces shows it as Attachment.InstanceId with the
// interface's DeviceIndex (a lab node's ethN has N) and its attachment id
// (ruleset.AttachmentID, from the interface id). AttachNetworkInterface
// attaches an available interface to a node that exists: else
// InvalidInstanceID.NotFound (Malformed for a bad id), and EC2's codes
// (account.AttachNetworkInterface) for an interface in use
// (InvalidNetworkInterface.InUse), in another VPC or Availability Zone
// than the node's primary interface (InvalidParameterCombination), a
// device index taken (InvalidParameterValue, "already has an interface
// attached at device index") or not below ruleset.MaxInterfacesPerInstance
// (AttachmentLimitExceeded), a NetworkCardIndex other than 0
// (InvalidParameterValue). The Backend makes it real: the daemon wires it
// into the node as eth<DeviceIndex> or refuses the write. Detach refuses
// device index 0 (OperationNotPermitted, EC2's primary interface); the
// daemon also refuses an interface the lab file made; any other
// attachment id is InvalidAttachmentID.NotFound. Force changes nothing.
//
// # Design
//
// Three layers, each in its own files:
//
//   - Protocol (protocol.go, query.go, list.go, errors.go): a request is
//     form parameters (POST body or query string). decodeQuery fills an
//     action's input struct from them by reflection over `query` tags
//     (Name, Name.Member, Name.N); unclaimed parameters are
//     UnknownParameter. Responses are <ActionResponse xmlns=…> documents
//     with a requestId, lists as <item> children, element names the EC2
//     model's locationNames (`xml` tags). Errors are EC2's envelope
//     <Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>
//     with HTTP 400 for client errors, 412 for DryRunOperation, 5xx for
//     server faults.
//   - Shapes (shapes.go, messages.go): one Go type per wire shape, tagged
//     with its query, XML and AWS-CLI JSON names, so the server, the
//     client and the CLI's JSON output share one description.
//   - Actions (actions_*.go, one table in handler.go): each maps an input
//     to account.Account calls inside Backend.ReadAccount or WriteAccount
//     (wrappers read/write, backend.go) and converts the result. What
//     spans both models goes through the Account (VPCs, so each gets its
//     default security group; interfaces and their addresses, so both
//     models stay equal); security groups to the VPC's ruleset State
//     (Account.Groups, found in scope.go); subnets, route tables, ACLs and
//     the source/dest check to Account.Network(). ruleset.Error and
//     vpc.Error carry EC2's code (codeOf). MemAccountBackend (in memory,
//     clone-on-write) serves tests and tools.
//
// The SDK's own deserialiser is the judge of the XML: sdk_test.go drives
// every action with aws-sdk-go-v2's ec2 client against an httptest server.
//
// # Authentication
//
// NewSigV4Handler (the daemon's default, --ec2-auth sigv4) answers only
// requests signed with SigV4 with the daemon's credentials; package
// ec2auth verifies them over the raw body, which the handler reads
// (bounded) before parsing it. NewHandler checks nothing (--ec2-auth
// none, loopback only, refused by the daemon on any other address):
// signing parameters are then accepted unchecked. Either way the
// signing parameters are removed before the action's own are decoded.
//
// # Browsers
//
// A loopback listener is still reachable from any web page the user
// opens, through the browser. browser.go refuses what only a browser
// sends (UnauthorizedOperation, 403): a Host that is not this endpoint's
// address or a loopback name with its port (DNS rebinding), an Origin
// other than the endpoint's own, Sec-Fetch-Site cross-site or same-site,
// and a GET of a state-changing action (only read actions may be GETs).
// The AWS CLI and the SDKs send none of these.
//
// # Updates and dry runs
//
// Mutating actions run in Backend.WriteAccount, which hands the function
// a clone of the account and commits it only when the function succeeds;
// the daemon's Backend persists and publishes the new state to the switch
// before WriteAccount returns, so a change applies to live traffic by the time
// the response is written (tracked flows survive a revoke, untracked ones
// are cut, as in EC2). DryRun=true runs the whole action on the clone and
// then fails it with DryRunOperation (HTTP 412), so nothing is committed
// and every validation error is still reported.
//
// # Client
//
// Client.Call encodes an …Input message with the same codec, POSTs it
// and decodes the …Output (or the error envelope into *APIError). The
// `sgswitch ec2` command (cmd/sgswitch/cmd_ec2.go) is built on it, with
// the AWS CLI's argument forms parsed by ParseFilter, ParsePort,
// SimplePermission, ParseConntrackSpec and ParseTagSpecifications; the
// messages' `json` tags make its output the AWS CLI's JSON, which the
// command then queries (--query) and renders as the CLI's text, table or
// yaml (cmd/sgswitch/ec2_output*.go). ParsePrefixListEntries reads the
// CLI's --entries, --add-entries and --remove-entries.
//
// # Pagination
//
// Describe actions honour MaxResults (5..1000, or the action's own bounds
// in EC2's reference: 1..100 for DescribeManagedPrefixLists and
// GetManagedPrefixListEntries, 5..255 for GetManagedPrefixListAssociations)
// and NextToken; the token is the offset of the next item, valid for the
// same request parameters.
//
// # Thread-safety
//
// The handler is safe for concurrent use; the Backend serialises access
// to the account (MemAccountBackend with a mutex).
package ec2api
