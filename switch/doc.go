// Package vswitch is the sgswitch packet pipeline: virtual VPCs — each one
// subnet, or with a published topology several subnets joined by the VPC
// router, and isolated from one another — whose ports are instance
// interfaces (ENIs), judging every frame as EC2 would. (The folder is switch/; the package is vswitch because switch is
// a Go keyword.)
//
// # What
//
// A Switch joins the compiled security groups (ruleset.Snapshot: one
// inbound and one outbound Classifier per interface) with the connection
// tracker (flowtable.Table: one conntrack zone per interface) and moves
// Ethernet frames between iface.Ports. PublishVPCs takes an account's
// compiled form (account.Compiled): one Snapshot per VPC id and the VPC
// layer of them all (vpc.Topology), which places each interface in a
// subnet (its router base+1, DNS base+2, network ACL, route table) and
// carries its source/dest check. Each VPC has its own address tables, so
// VPCs may use the same CIDRs and addresses: a frame is only ever looked
// up, bridged or routed within its sender's VPC. Without a topology, or
// for an interface it does not place, an interface is in one subnet, its
// VPC's CIDR, every check on. The resolver at base+2 is a link-local
// service at the VPC's base+2 and at each subnet's. The API:
//
//	sw := vswitch.New(vswitch.Config{...})
//	sw.PublishVPCs(topo, snapshots)     // every change: compile off-path, publish
//	sw.Publish(snap)                    // one VPC, no VPC layer
//	sw.PublishNetwork(snap, topo)       // one VPC with its VPC layer
//	sw.AddPort(eniID, port)             // any time, also while Run runs
//	go sw.Run(ctx)                      // one receive goroutine per port + flow expiry
//	sw.Stats(eniID)                     // counters, drops by reason and direction, ENA allowances
//	sw.Conntrack()                      // every flow entry with its interface id
//	sw.SetObserver(o)                   // flow logs, packet capture
//	sw.RemovePort(eniID)
//
// # Design: the packet's way
//
// A port's receive goroutine (receiveFrames) reads a batch (up to
// iface.BatchSize frames) into buffers it owns and processes it in two
// passes (worker.process):
//
// Pass 1 (worker.frames), per frame:
//  1. Parse by hand (package packet; plain IPv4 TCP/UDP takes its fast
//     path). Malformed frames are dropped, counted by the parser's reason.
//  2. Source check (EC2's source/destination check): the source MAC must be
//     the interface's, and the source IP one of its addresses
//     (spoofed-src-mac, spoofed-src-ip) unless the interface's source/dest
//     check is off (NAT instances, appliances: the MAC is still checked).
//  3. ARP requests and IPv6 Neighbor Solicitations are answered by the
//     switch itself for the addresses of interfaces in the sender's subnet,
//     the sender subnet's VPC router (base+1, ::1, fe80:ec2::1) and DNS
//     resolver (base+2); other subnets are behind the router. A Router
//     Solicitation from an interface with IPv6 goes to the Service like
//     step 5's traffic (after the link-local allowance); other ND
//     messages are consumed. Nothing is flooded.
//  4. Broadcast and multicast are dropped (broadcast, multicast) except
//     ARP, ND and DHCP.
//  5. Traffic EC2 does not filter (spec 1.6) — DHCP, DNS at base+2 (the VPC's and the sender subnet's) and
//     169.254.169.253 / fd00:ec2::253, metadata 169.254.169.254 /
//     fd00:ec2::254, time sync 169.254.169.123 / fd00:ec2::123 — bypasses
//     the security groups, is charged to the link-local allowance (1024
//     pps) and goes to Config.Service (no Service: no-service drop). The
//     check is a few word compares (linkLocal), so ordinary unicast pays
//     little for it.
//  6. Destination by IP address in the sender's VPC's tables, within the
//     sender's subnet
//     (no-destination, hairpin to itself; without a topology no-route
//     outside it). A frame addressed to the router's MAC is delivered as
//     the router would (destination MAC rewritten). Traffic within a
//     subnet is never routed.
//  7. With a topology, a destination outside the sender's subnet is routed
//     (route.go): the frame must be addressed to the router's MAC
//     (dst-mac-mismatch), the sender subnet's route table decides — local:
//     the interface owning the address (no-destination); an interface
//     target: that interface, which takes an address it does not own only
//     with its source/dest check off (dest-check); none or blackhole:
//     no-route (a target in another VPC: no-destination). A routed frame
//     leaves from the router's
//     MAC with TTL / hop limit one less (IPv4 checksum updated
//     incrementally; ttl-exceeded at 1): once per frame, so once for a GSO
//     super-frame (one IP header) and once per fragment.
//     The destination must have a port (port-down).
//
// Then the flow-table entries of all frames still held are looked up for
// the whole batch, in the sender's zone and in the receiver's
// (flowtable.LookupBatchPair: one canonical key and one xxhash of the
// 5-tuple per frame serve both zones, and the cache misses overlap).
//
// Pass 2, per held frame in arrival order. First, between two subnets,
// the network ACLs (nacl.go): the sender subnet's egress entries, then the
// receiver subnet's ingress entries, for every packet, replies too, each
// direction by its own entries (nacl-egress counted at the sender,
// nacl-ingress at the receiver). They come before the security groups, so
// a packet they deny makes no flow state; later fragments follow their
// first fragment. The sender's flow entry, already looked up, caches their
// verdict per direction for the view's publication generation
// (flowtable.Table.NACLConfirmed): an established flow's packet passes on
// one load, and since any publication may change an ACL, a route or a
// placement, the next packet after one is judged again — a change is seen
// at once. ICMP and stateless packets are judged every time. Then each
// side in turn — the sender's egress, then the receiver's ingress, each
// with its own zone, timeouts and allowances (architecture.md):
//  1. The per-packet allowances (pps, bandwidth in/out) of that side.
//  2. judge: a flow-table hit that Update accepts is established traffic
//     and never touches the classifier; a tracked entry keeps admitting
//     packets whatever the rules say now (spec 2.4). An untracked entry is
//     only a cache of the rules of the generation that made it: when the
//     generation changed (Update says Recheck) the flow's opening packet
//     is classified again — still allowed: re-admitted (tracked if the
//     rules now say so); not allowed: the entry goes and the packet is
//     judged as new, so revoking the rule of an untracked flow stops it at
//     once. On a miss the side's classifier decides (sg-egress-denied,
//     sg-ingress-denied) and the flow is inserted, charging conntrack and
//     new-connection allowances. ICMP errors (and other ICMP that is not a
//     query) are never "related": rules alone decide, no entry is made.
//     forward calls Update itself for a hit (the established case, one
//     call per side); judgeHit and judgeNew take the rest.
//  3. Accepted frames are grouped by destination port and written with one
//     Write per port per batch, under that port's transmit lock; answers
//     to the sender (ARP, ND, services) go back the same way.
//
// # Lookup: addresses
//
// The view maps interface addresses to interfaces in two open-addressing
// tables (addrTable4, addrTable6; ARP and ND answers use them too), not Go
// maps: a table is built per Publish with at least twice as many slots as
// addresses (a power of two), a lookup is one multiply (Fibonacci hashing
// of the IPv4 word, of both IPv6 halves mixed), a shift and usually one
// slot compare, and a miss ends at the first empty slot. Any address can
// be stored — any subnet EC2 allows (IPv4 /16 to /28, IPv6 /56 or /64),
// addresses outside it, any IPv6 address — so the tables need no subnet
// arithmetic; whether a missed address is in the subnet (no-destination)
// or not (no-route) is asked only on a miss. A rapid property test checks
// them against a Go map.
//
// # Fragments
//
// A first fragment is judged with its ports like any packet (one too short
// to hold its transport header is dropped by the parser: l4-truncated);
// its verdict is remembered per (source, destination, protocol, id) in a
// bounded per-port table (Config.FragEntries, 4-way, oldest evicted) for
// Config.FragTimeout. Later fragments follow that verdict (frag-denied
// when it was a drop), are charged to both sides' pps/bandwidth buckets,
// and are not counted in the conntrack entry. A later fragment with no
// remembered first fragment is dropped (frag-no-first): fragments that
// arrive before their first are not held (Linux sends them in order), so
// no fragment passes without the verdict of a first fragment that held its
// ports; the parser also refuses a TCP fragment at offset 8 (RFC 1858) and
// a first IPv6 fragment without its whole header chain.
//
// # Offloads (GSO)
//
// From a GSO port (iface.GSOPort with GSO on) a frame may be a super-frame
// with a virtio-net header in the buffer's headroom. It is one flow: parsed
// and judged once, counted as its segments (rx/tx frames, accepts, and
// bytes including each segment's headers; the conntrack entry and the pps
// bucket see one packet, the bandwidth buckets the segments' total IP
// bytes). A GSO destination receives it
// whole (header in place); a plain destination gets it cut into segments
// by iface/gso (or a partial checksum completed), gso-unsupported if that
// fails (e.g. more than iface.BatchSize segments).
//
// # Updates and versioning
//
// PublishVPCs (and Publish, PublishNetwork on top of it) takes Snapshots,
// and a Topology, compiled off the packet path, derives each VPC's
// address tables and per-interface subnets (a view), configures each
// interface's zone (timeouts, allowances) and stores the view with one
// atomic pointer swap. A worker loads the view once per batch, so every
// frame — both of its sides — is judged by exactly one publication
// (TestRuleSwapUnderLoad checks this under concurrent load, with tracked
// flows surviving and untracked flows stopping at once). An untracked
// flow is rechecked when its VPC's snapshot generation changed; cached
// network ACL verdicts when the switch's publication number changed.
//
// Zones (zones.go) are the switch's: an interface keeps its zone while it
// is published; a new one takes its ruleset Index when that zone is free
// (so one VPC numbers zones as before), else the lowest free zone below
// Config.MaxInterfaces. A zone whose interface is gone, or that goes to a
// new interface, is emptied by the publication. Zone(eniID) tells a
// flow-table key's zone.
//
// # Counters
//
// Per interface (Stats): rx/tx frames and bytes, accepts and rejects per
// direction, drops by direction and reason (DropReason; parse reasons
// first), ARP/ND answers, GSO counts, and the zone's flow-table counters
// with the six ENA allowance names (Stats.ENA: bw_in, bw_out, pps,
// conntrack and linklocal _allowance_exceeded, conntrack_allowance_available).
// The packet path adds per batch, not per frame, except drops.
//
// # Observer hook
//
// SetObserver installs an Observer whose Observe gets an *Event for every
// judged frame at each interface it touches: ENI, direction, ACCEPT /
// REJECT (security group) / DROP (anything else, with the reason; for a
// network ACL drop the denying entry number, Event.NACLRule), the
// 5-tuple, TCP flags, packets and bytes (segments of a super-frame), the
// generation and the admitting rule of a new flow, and the frame itself
// (valid only during the call). Flow logs aggregate the events; packet
// capture copies the frames. With no observer the packet path pays one
// atomic load per batch. Observe runs on the packet path of every port at
// once: it must be fast, non-blocking and safe for concurrent use.
//
// # Thread-safety
//
// PublishVPCs, Publish, PublishNetwork, AddPort, RemovePort, SetObserver,
// Stats, Zone and Conntrack may be
// called from any goroutine at any time, including while Run runs
// (control calls serialise on one mutex; the packet path takes no lock
// except a destination port's transmit lock per batch and the flow table's
// own writer locks on insert). AddPort hands the port to the switch:
// RemovePort and the end of Run close it. Each port's frames are handled by
// its own goroutine only, so a port's worker state needs no lock. The
// vpc.Topology in the view is immutable and read concurrently by every
// worker (route lookups and ACL evaluations allocate nothing).
//
// # Cost
//
// No allocation per frame (benchmarks report 0 allocs/op). Figures are in
// BenchmarkPipeline and BenchmarkRuleSwap, which also report thread CPU
// time per frame, because wall time on a shared machine mostly measures
// its scheduler; recorded figures live in perf/results, not here.
// BenchmarkPipeline/established (10,000 tracked TCP flows in random order,
// batches of 64) runs with the switch's production clock
// (flowtable.SystemClock: a new now per batch, so hits refresh their
// entries' last-seen time); established-frozen-clock is the same with the
// test harness's manual clock. `make bench` builds the benchmarks with the
// profile-guided-optimisation profile the sgswitch binary is built with
// (cmd/sgswitch/default.pgo), which lets Go inline the hot calls of the
// flow-table lookup that its inlining budget refuses otherwise.
//
// What the per-frame path avoids, and why: a Go map lookup per
// destination (the address tables); a composite-literal store of a
// parsed header (built on the stack and copied); 16-byte loads of fields
// just written with narrower stores (a failed store forward stalls the
// load: the first pass copies IPv4 addresses into the PacketInfo as the
// parser wrote them); a call per frame or per small step, because Go keeps
// no register across a call and every call spills what is live (frames
// loops over the batch itself, holds each frame and fills its PacketInfo
// inline; the IPv4 address lookup is inlined; forward calls Update
// directly and enqueues a plain frame without deliver; the parser's fast
// path is ParseInto's own body); copies of the virtio header (decoded in
// its held slot); pointers in the held frames (indices instead: no write
// barriers, nothing to clear).
package vswitch
