// Package account is the state of every VPC of a daemon: the VPC layer
// of all of them (package vpc: VPCs, subnets, route tables, network ACLs,
// where each interface sits) and, for each VPC, its security groups and the
// security side of its interfaces (package ruleset, one State per VPC,
// which keeps meaning "one VPC"). It is step 1 of vpc/integration.md; the
// EC2 API serves it (package ec2api), the daemon and the store move onto
// it next.
//
// # What
//
// The actions that span both models live here, each all-or-nothing:
// CreateVpc (the VPC, its default network ACL and main route table, and
// its security-group State with the default group), DeleteVpc (refused
// with DependencyViolation while security groups other than the default
// remain, then while subnets, custom ACLs or tables remain),
// CreateNetworkInterface in a subnet (created in the VPC's ruleset State,
// placed in the subnet; the primary address is the subnet's lowest free
// one when none is given), DeleteNetworkInterface, and the secondary
// addresses (Assign/UnassignPrivateIpAddresses,
// Assign/UnassignIpv6Addresses; by count, the lowest free ones of the
// interface's subnet), which change both models; Attach/
// DetachNetworkInterface (attach.go: instances are what interfaces are
// attached to, found by Instance; EC2's checks need the VPC layer's zones). Everything else goes to the model that owns it:
// Network() for the VPC layer, Groups(vpcID) for a VPC's security groups.
//
// # Design
//
// Both models keep an interface's addresses: ruleset for group references
// and the switch's address tables, vpc for the subnet checks and counts.
// The account keeps them equal (Consistent checks it; FromSpec refuses a
// spec where they differ). The ruleset State of a VPC has the VPC's id,
// its CIDRs and no subnet of its own; an interface's subnet is the vpc
// model's. Ids are unique across VPCs: each ruleset State draws from its
// own seed, and the account refuses a collision.
//
// A composite action changes the two models in an order that lets it undo
// the first change when the second fails (a ruleset interface is created,
// then placed; if the placement fails it is deleted again), so a failing
// call changes nothing, as in both models.
//
// # Thread-safety
//
// An Account is not safe for concurrent use; callers serialise (mutate a
// Clone and swap it in, as the daemon does).
package account
