// Package agent lets the host run a lab check's exchanges inside a VM
// guest: `sgswitch agent` serves this protocol in the guest over the VM's
// virtio-serial port sgswitch.agent, and the host reaches it through the
// unix socket QEMU makes of that port (Dial).
//
// What: a client on the host asks the guest to start and stop echo
// responders, to run probes (TCP, UDP, ICMP; optional source address)
// and to report diagnostics: resolve a name with the guest's resolver,
// read instance metadata with IMDSv2, list the guest's addresses, ping.
// Responders and probes are package exchange's, the code the namespace
// path of testbed runs too, so a VM check observes the same strings.
//
// Design: the port is one byte stream, not a listener, so there is one
// session and requests are multiplexed on it by ID. Each message is one
// line of JSON (a request: {"id":7,"op":"probe",…}; its reply:
// {"id":7,"observed":"allow"}), which makes resynchronisation simple: a
// newline ends any garbage (what the port held before the host came, a
// line cut short by a host that died), and lines that do not parse or
// answer nobody are skipped. A client starts every attempt of its
// handshake with a newline and a hello carrying the version and a fresh
// nonce, resent every half second until a reply carries the nonce: the
// guest may open its port before or after the host connects, and bytes
// written before it did may be lost. A hello also resets the session (its
// responders are closed), so a host that reconnects after a crash starts
// clean.
//
// Limits: a request line is at most MaxRequest bytes, a reply line
// MaxReply; the server runs at most MaxInFlight requests at once and
// answers more with a "busy" error (the client queues beyond that, so it
// never sees one); a session keeps at most MaxResponders responders; a
// probe lasts at most MaxProbeTimeout, the other operations are bounded
// by a fixed timeout. Bad input of any kind gets an error reply carrying
// the request's ID when one could be read (ID 0 otherwise), never a
// panic. Replies still being computed when Serve returns are dropped.
//
// Thread-safety: a Client's methods may be called concurrently. Serve
// serves one stream; Server's fields must not change while it runs.
package agent
