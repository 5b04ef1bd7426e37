// Package ec2api serves the Amazon EC2 Query API (version 2016-11-15) for
// the security-group and network-interface actions of one sgswitch VPC,
// so the real AWS CLI and SDKs work against the lab unchanged, and holds
// the small client the `sgswitch ec2` command uses.
//
// # What
//
// Actions: CreateSecurityGroup, DeleteSecurityGroup, DescribeSecurityGroups,
// DescribeSecurityGroupRules, AuthorizeSecurityGroupIngress/Egress,
// RevokeSecurityGroupIngress/Egress, ModifySecurityGroupRules,
// UpdateSecurityGroupRuleDescriptionsIngress/Egress,
// DescribeNetworkInterfaces, ModifyNetworkInterfaceAttribute
// (SecurityGroupId.N, ConnectionTrackingSpecification), DescribeVpcs,
// DescribeSubnets (the VPC's one subnet), CreateNetworkInterface and
// DeleteNetworkInterface (an API-made interface is "available"; a lab
// node's is "in-use" and cannot be deleted), Assign/UnassignPrivateIpAddresses,
// Assign/UnassignIpv6Addresses (single addresses; prefix delegation is
// UnsupportedOperation), CreateTags, DeleteTags and DescribeTags. Anything
// else is InvalidAction.
//
// Over an account (a Backend that also implements AccountBackend: every
// VPC of package account), the VPC model's actions too:
// CreateVpc, DeleteVpc, DescribeVpcs, ModifyVpcAttribute,
// DescribeVpcAttribute (enableDnsSupport, enableDnsHostnames);
// CreateSubnet, DeleteSubnet, DescribeSubnets; CreateNetworkAcl,
// DeleteNetworkAcl, Create/Replace/DeleteNetworkAclEntry,
// ReplaceNetworkAclAssociation, DescribeNetworkAcls; CreateRouteTable,
// DeleteRouteTable, Create/Replace/DeleteRoute (DestinationCidrBlock or
// DestinationIpv6CidrBlock to a NetworkInterfaceId; every other target is
// UnsupportedOperation), AssociateRouteTable, DisassociateRouteTable,
// ReplaceRouteTableAssociation and DescribeRouteTables. Every Create takes
// TagSpecification.N, every Describe Filter.N (passed to the model, which
// refuses unknown names), MaxResults and NextToken. A one-VPC backend
// (MemBackend, today's daemon) answers these actions UnsupportedOperation
// ("this sgswitch daemon serves one VPC; …") rather than InvalidAction:
// the action is EC2's and known, this daemon just does not hold the model.
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
//   - Actions (actions_*.go): each maps an input to ruleset.State calls
//     inside Backend.Read or Backend.Write and converts the result. The
//     VPC model's actions (actions_net_*.go, table accountActions) map to
//     account.Account calls inside AccountBackend.ReadAccount or
//     WriteAccount (wrappers readAccount/writeAccount,
//     account_backend.go): VPCs are created and deleted through the
//     Account, so each gets its default security group; the rest goes to
//     Account.Network(). AccountBackend is optional and found by type
//     assertion, so the daemon's Backend keeps compiling unchanged until
//     it moves onto package account; over an account these actions are
//     looked up first (their DescribeVpcs and DescribeSubnets replace the
//     one-VPC ones). The model's *vpc.Error carries EC2's code (codeOf).
//     MemAccountBackend (in memory, clone-on-write) serves tests and
//     tools; its one-VPC Read/Write refuse with UnsupportedOperation, so
//     the security-group actions are not served over it yet.
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
// Mutating actions run in Backend.Write, which hands the function a
// clone of the state and commits it only when the function succeeds; the
// daemon's Backend persists and publishes the new ruleset to the switch
// before Write returns, so a change applies to live traffic by the time
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
// messages' `json` tags make its output the AWS CLI's JSON.
//
// # Pagination
//
// Describe actions honour MaxResults (5..1000) and NextToken; the token is
// the offset of the next item, valid for the same request parameters.
//
// # Thread-safety
//
// The handler is safe for concurrent use; the Backend serialises access
// to the state (MemBackend and MemAccountBackend with a mutex).
package ec2api
