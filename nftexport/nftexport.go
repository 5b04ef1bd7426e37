// Package nftexport turns security groups into an nftables ruleset, so the
// same groups sgswitch enforces can be applied by the Linux kernel (and
// measured against it by perf/).
//
// # What
//
// Generate renders a Ruleset — per interface, its addresses and the union of
// the rules of all its groups, with prefix lists and group references already
// expanded to CIDRs — as an `nft -f` script: one `inet` table holding a
// forward chain for bridged traffic (br_netfilter with
// net.bridge.bridge-nf-call-iptables=1: this kernel has no bridge-family
// conntrack) and, per interface, an egress and an ingress chain.
//
// FromSpec builds a Ruleset from a ruleset Spec. The CLI is `sgswitch
// export nftables --lab FILE | --spec FILE | --bench-rules N [--form
// linear] [--replace]`; load the output with `nft -f` in the namespace that
// holds the bridge, after `sysctl net.bridge.bridge-nf-call-iptables=1`
// (and ip6tables) there. Checked on this kernel (6.18): the
// bridge-nf-call sysctls are per namespace and br_netfilter is built in;
// `ct state` in a bridge-family table fails ("Protocol error") because
// CONFIG_NF_CONNTRACK_BRIDGE is off, hence the inet table.
//
// # Design
//
// The forward chain is laid out the way a security group behaves:
//
//	ct state established,related accept   # replies and tracked flows first
//	ct state invalid drop
//	<IPv6 neighbour discovery accept>      # EC2 does not filter ND
//	ip saddr vmap { <eni ip> : jump <eni>_out, ... }  # sender's egress: return or drop
//	ip daddr vmap { <eni ip> : jump <eni>_in, ... }   # receiver's ingress: accept or drop
//	(policy drop)
//
// A new flow must pass the sender's egress rules and the receiver's ingress
// rules, as in EC2. Packets are dispatched by address, not by bridge port:
// in the inet forward hook br_netfilter shows the bridge itself as iif/oif
// and nftables has no physdev match.
//
// Two forms: FormSets (the default) puts each chain's rules into interval
// sets keyed by `l4proto . port . address` (plus an address set for "all
// traffic" rules and a `type . code . address` set for ICMP), so a chain is a
// few set lookups whatever the rule count. FormLinear emits one nft rule per
// (protocol, port range, CIDR), the way hand-written firewalls grow; perf
// compares both.
//
// # Differences from EC2 (documented, deliberate)
//
//   - One conntrack entry per flow (the kernel's single zone), where EC2 keeps
//     one per interface; with both ends' rules checked at setup the verdicts
//     agree, but an entry admitted under rules since removed lives on until
//     it idles out in both cases.
//   - Everything is tracked. EC2 leaves a flow untracked when the rules
//     allow it in both directions from anywhere, and an untracked flow is cut
//     at once when its rule goes; a `notrack` raw chain could mimic that, but
//     the bench wants the conntrack path people would run, so it is not emitted.
//   - Idle timeouts, allowances, and the services EC2 never filters (DHCP,
//     the VPC resolver, metadata) are not expressed.
package nftexport

import "net/netip"

// Proto numbers used by rules; ProtoAll is EC2's "-1".
const (
	ProtoAll    = -1
	ProtoICMP   = 1
	ProtoTCP    = 6
	ProtoUDP    = 17
	ProtoICMPv6 = 58
)

// Ruleset is everything Generate needs: the interfaces and their rules.
type Ruleset struct {
	Interfaces []Interface
}

// Interface is one ENI: its addresses and the union of its groups' rules.
type Interface struct {
	ID      string // "eni-..." (used, sanitised, in chain names)
	Name    string // optional lab name, shown in comments
	IPv4    []netip.Addr
	IPv6    []netip.Addr
	Ingress []Rule // remote = source
	Egress  []Rule // remote = destination
}

// Rule allows Proto between the interface and any of Remote. For TCP/UDP
// From..To is the port range; for ICMP/ICMPv6 From is the type and To the
// code (-1 = any); for other protocols they are ignored.
type Rule struct {
	Proto    int
	From, To int
	Remote   []netip.Prefix
	Comment  string
}

// Form selects how rules are rendered.
type Form int

const (
	FormSets   Form = iota // interval sets: O(1) lookups per chain
	FormLinear             // one rule per (protocol, ports, CIDR)
)

// DefaultTable is the nftables table (family inet) a script fills unless
// Options.Table names another.
const DefaultTable = "sgswitch"

// Options control the generated script.
type Options struct {
	Table string // default DefaultTable
	Form  Form
	// Flush deletes the table first, so the script replaces an earlier one.
	Flush bool
}
