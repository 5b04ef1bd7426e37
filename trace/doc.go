// Package trace answers "why is this blocked?" without sending a packet:
// Path walks one flow through an account's model the way the switch
// (package vswitch, switch/doc.go) judges its packets, and says at each
// hop what decided and why.
//
// # Design
//
// Path compiles the account (account.Compilers) and asks the compiled
// objects the switch itself asks: the vpc.Topology for placement, route
// lookups and network ACL verdicts (with the deciding rule number), the
// ruleset.Classifier for each side's groups (with the deciding sgr- rule
// and the tracked bit), ruleset.State.ReverseOpenRule for the rule that
// pairs with an open rule to make a flow untracked. It evaluates nothing
// itself, so trace and the switch cannot disagree on a rule's meaning.
//
// Hops come in the switch's order: the sender's source check, the route
// (and the receiver's destination check), the network ACLs between two
// subnets (sender's egress, receiver's ingress), the sender's egress
// groups, the receiver's ingress groups; then the reply, which must pass
// the network ACLs the other way (they are stateless) and is routed back.
// Every hop is evaluated even after a denial, so a user sees each layer
// they would have to fix; the verdict is the first denying hop, named
// with the layer names `lab check` attributes drops to (testbed).
//
// The reply's security groups are not a hop: a tracked flow's reply
// passes by its entry, and an untracked one by the all-ports rule that
// made it untracked. Allowances (packets per second, bandwidth, conntrack
// entries, new connections) cannot be judged without traffic: they are
// listed with their limits as what could still drop the flow.
//
// # Choices
//
//   - A query without a source port judges the reply's network ACLs over
//     the Linux default ephemeral range (EphemeralLow-EphemeralHigh),
//     which is what the lab nodes' kernels pick from: the reply passes
//     only if it passes for every port of the range.
//   - ICMP and ICMPv6 are traced as echo requests (type 8 / 128) with
//     their echo replies, as `lab check` probes them.
//   - An instance takes a packet for any of its addresses on any of its
//     interfaces (Linux's weak host model), and one routed to it for an
//     address it does not own is assumed forwarded (its source/dest check
//     is off for that): out of its interface whose subnet holds the
//     destination, else the one it came in by; each crossing is a leg
//     with its own hops, at most four (a routing loop). Whether the
//     instance really forwards is not in the account.
//   - A bare lab node (no .ethN, no from-ip) sends from the interface
//     whose subnet holds the destination, as its kernel would (Sender).
//   - Traffic to the link-local services (DNS, metadata, time) is not
//     filtered by EC2 and not traced: Path refuses it.
package trace
