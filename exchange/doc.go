// Package exchange runs the exchanges a lab check is made of: an echo
// responder on a TCP or UDP port, and a TCP, UDP or ICMP exchange with
// it, each reported as one of the Observed* outcomes.
//
// Design: the package never chooses a network namespace. Every function
// that opens sockets takes a Where, which runs the opening inside the
// namespace the exchange belongs to; sockets keep their namespace once
// open, so the rest runs on any goroutine. testbed passes one that enters
// a lab node's namespace (netns.Do); the guest agent (package agent)
// passes Here, the namespace it runs in. One implementation thus serves
// both paths, and a VM check observes exactly what a namespace check
// would.
//
// Outcomes: allow is the whole exchange (TCP: handshake and a few bytes
// echoed; UDP: a datagram echoed; ICMP: an echo reply); timeout is
// silence, which is what a security group does; refused is a RST or an
// ICMP error; unreachable is no route or neighbour; no-echo is a TCP
// connection whose bytes did not come back; error is a check that could
// not run.
//
// Thread-safety: every function may be called concurrently; a Flow is
// used by one goroutine at a time.
package exchange
