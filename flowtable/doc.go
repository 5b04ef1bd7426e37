// Package flowtable is sgswitch's flow table and EC2-style connection
// tracking: a lock-free 5-tuple table whose entries carry conntrack state,
// with per-interface idle timeouts and allowances (token buckets and the
// tracked-connection maximum) counted under the ENA metric names.
//
// # What
//
// Each interface (ENI) is a conntrack zone, numbered by the switch
// (dense, below its MaxInterfaces). A flow is keyed by zone and the
// canonical 5-tuple ([Key], [KeyOf]): protocol, the two addresses (IPv4 in
// the first 4 bytes of a [16]byte) and the two ports, ordered so that both
// directions of a connection give the same key and one lookup finds it. For
// ICMP and ICMPv6 queries (echo, timestamp, information, address mask, node
// information) the "ports" are the query id and the request type; for any
// other IP protocol only the address pair and the protocol (EC2, spec 2.1).
//
// An [Entry] holds the protocol [State] (from which its timeout [Class]
// follows), the last-seen time, which side opened the flow, whether it is
// tracked, the ruleset generation and rule that admitted it, and packet and
// byte counters per direction.
//
// # How the switch uses it
//
// For each packet the switch fills a [PacketInfo] (zone, family, protocol,
// addresses, ports or ICMP type/code/id, TCP flags, length) and, with the
// time read once per batch:
//
//	f, ok := t.Lookup(&pi)                 // or t.LookupBatch(batch, flows)
//	if ok {
//	    switch t.Update(f, &pi, gen, now) { // gen: generation of the published ruleset
//	    case flowtable.Accept:  forward (f.Reply says the packet is a reply)
//	    case flowtable.Invalid: drop (tracked TCP packet that fits no state)
//	    case flowtable.Expired: treat as a miss (entry gone)
//	    case flowtable.Recheck: untracked flow, ruleset changed: classify the
//	        flow's opening packet; still allowed and untracked ->
//	        t.Readmit(f, decision), then Update again; otherwise classify
//	        this packet in its own direction: allowed -> t.Pass(f, &pi, now),
//	        denied -> drop (the flow stays untracked, entry kept)
//	    }
//	}
//	miss: if pi.Stateless() { classify and forward or drop; no entry }
//	      else classify; allowed -> f, err := t.Insert(&pi, Admission{Tracked, Generation, Rule}, now)
//	      err maps to a drop reason: ErrInvalid, ErrConntrackFull
//	      (conntrack_allowance_exceeded), ErrNewConnThrottled, ErrZoneFull, ErrTableFull
//	every packet: t.Allow(zone, Ingress|Egress, bytes, linkLocal, now) returns a
//	      [Limit] whose String is the ENA counter (pps, bw in/out, link-local)
//
// Zones are configured with [Table.ConfigureZone] (timeouts and allowances);
// counters are read with [Table.ZoneStats]; [Table.Entries] iterates live
// entries and [FormatConntrack] prints one as a `conntrack -L` line.
//
// # Design
//
// All memory is allocated by [New]: one slab of 128-byte entries (two cache
// lines; the first holds everything a lookup reads) and an array of 8-byte
// bucket heads. The slab starts with the buckets: each bucket is 4
// consecutive home slots, and there are enough buckets for 1.25 times
// Config.Capacity entries; after them comes an overflow pool of a quarter
// of Capacity. A key hashes to one bucket: xxhash64 of its canonical
// 5-tuple without the zone (for IPv6 the 48 bytes of [Key] with the zone
// bits zeroed; for IPv4 a 16-byte packing of the same tuple, hashIPv4)
// XORed with the zone id times 2^64/phi, so a packet looked up in two zones
// is hashed once. Its entry sits in one of the bucket's home slots, or,
// when all four are taken, in a pool entry chained from the bucket (about
// one entry in ten at full load).
//
// A bucket's head (bucketHead) holds a one-byte tag per home slot (seven
// bits of the hash, 0 when free; tags.go) and the head of its overflow
// chain. The heads are kept out of the slab on purpose: at 2 bytes per
// entry they stay in the caches while the slab (a million flows is 190 MB)
// does not, so a lookup reads its bucket's head from cache and then the
// one slab line whose tag matches: one cache miss at a million flows (two
// for the one flow in ten that sits in a chain). Memory is fixed: 1.5 x
// 128 + 2 = 194 bytes per entry at full capacity (ReportMetric bytes/entry
// in the benchmarks). Entries never move, so a [Flow] stays valid until its
// entry is deleted.
//
// Writers (Insert, Delete, Readmit, Expire) lock one of Config.Shards
// stripes, chosen by the bucket's low bits; each stripe keeps a list of
// free pool entries (it borrows from other stripes with TryLock when empty).
// There is no global lock. Capacity is enforced by an atomic count, and per
// zone by MaxPerZone.
//
// # Lookup
//
// A lookup takes no lock and allocates nothing. Every entry field is an
// atomic word, and each entry has a seqlock sequence number: even while the
// entry is free or being written, odd while live, bumped on every reuse
// (so that zeroed memory is a table of free entries: see New). A home slot is
// read as sequence, key, state, sequence; if the sequence changed, the slot
// cannot hold the key looked for (an entry's slot only changes when the
// entry is deleted), so it just does not match. In an overflow chain a
// changed sequence means the chain may have changed under the reader: the
// walk restarts (after 8 restarts it walks under the stripe lock). Insert
// initialises an entry completely before making it live (and, for a pool
// entry, before linking it at the head of its chain); Delete unlinks a pool
// entry but leaves its link, so a reader standing on it still reaches the
// rest of the chain, then marks it free. Each entry also records its
// bucket: a reader that followed a link to a pool entry that was deleted
// and already reused on another chain sees the wrong bucket and restarts,
// instead of walking the wrong chain and missing a live flow (a false miss
// would let the current rules judge a tracked flow). [Flow] remembers the
// sequence Lookup saw, so Update, Readmit and Delete notice an entry
// deleted and reused meanwhile (Update then reports Expired).
//
// LookupBatch hashes a batch of up to 16 packets, then, in a loop of
// loads alone (so that all of them are in flight at once), touches every
// packet's candidate line (the slot whose tag matches, else the chain's
// first entry), and only then compares keys: the cache
// misses of a batch overlap instead of queueing. LookupBatchPair
// does the same for packets that cross two zones (the switch's sender and
// receiver sides), with one key and one hash per packet for both; once
// both entries of a packet are found, the first keeps a link to the second
// (link.go), and later lookups of the pair read the linked entry directly,
// checking it like a bucket slot (a stale link costs a bucket lookup,
// never a wrong flow).
//
// # Connection tracking (EC2 semantics, spec section 2)
//
// Tracked flows: a packet in either direction is admitted by the entry,
// whatever the rules say now, until the entry idles out. Untracked flows
// (the classifier's decision, spec 2.2) keep an entry only as a cache of
// "both directions allowed at generation G": Update returns Recheck when the
// switch's generation differs, so a removed rule cuts an untracked flow at
// once while tracked flows live on (spec 2.4). An untracked flow never
// becomes tracked: when the rules no longer make it untracked, the switch
// judges each of its packets by the rules of its own direction and applies
// it with Pass. Untracked entries do not use the conntrack allowance, and
// their protocol state only picks timeouts: they never return Invalid.
//
// ICMP queries are keyed with the requester as side A, so only the
// answering side's replies match a request's entry; the other side's
// requests are flows of their own, and a reply that finds no entry opens
// none ([PacketInfo.ICMPReply]).
//
// TCP follows Linux nf_conntrack's state table (tcp.go): SYN_SENT,
// SYN_RECV, ESTABLISHED, FIN_WAIT, CLOSE_WAIT, LAST_ACK, TIME_WAIT, CLOSE,
// without sequence-window checks and without the simultaneous-open state (a
// SYN from the answering side during SYN_SENT is accepted without change).
// An RST in any state moves to CLOSE. Packets that fit no state of a tracked
// flow are Invalid and dropped, and do not refresh the entry. A bare SYN on
// a TIME_WAIT or CLOSE entry, from either side, deletes it and reports
// Expired, so the new connection is judged by the current rules.
//
// No-entry policy (Insert on a miss): a SYN opens SYN_SENT; a bare ACK
// (mid-stream, e.g. after the entry idled out or the switch restarted) is
// picked up as ESTABLISHED with the sender as origin, like nf_conntrack with
// tcp_loose: the packet was already allowed by the rules in its own
// direction, which is what EC2 does once a tracked connection has expired.
// SYN-ACK, FIN, RST or no flags without an entry are ErrInvalid (dropped).
//
// UDP: UNREPLIED until a reply, then REPLIED (one transaction); a request
// after a reply is REQUEST_AGAIN, and a reply to that makes the flow a
// STREAM (more than one transaction), whose timeout is UdpStreamTimeout;
// all other UDP states use UdpTimeout.
//
// ICMP/ICMPv6 queries are tracked by (addresses, id, query pair); any
// query or reply of the pair refreshes the entry. ICMP errors and other
// non-query messages are [PacketInfo.Stateless]: never "related" to a flow,
// they pass only by an explicit rule (EC2, spec MTU note). Other protocols:
// address pair + protocol, 600 s from the last packet either way.
//
// # Timeouts
//
// One table, defaultTimeouts, of idle timeouts per [Class]. Per zone and
// configurable with EC2's names and ranges ([Timeouts.Validate] returns an
// *[Error] with Code InvalidParameterValue): TCP established 60..432000 s
// (default 432000), UDP stream 60..180 (default 180), UDP 30..60 (default
// 30). EC2 publishes no timeouts for the TCP handshake and closing states
// or ICMP (spec 2.5); sgswitch uses the Linux nf_conntrack values: SYN_SENT
// 120 s, SYN_RECV 60 s, FIN_WAIT 120 s, CLOSE_WAIT 60 s, LAST_ACK 30 s,
// TIME_WAIT 120 s, CLOSE 10 s, ICMP 30 s; other protocols 600 s (EC2).
// An entry admits packets while now-lastSeen < timeout and stops at exactly
// lastSeen+timeout. A packet refreshes lastSeen only when it is at least
// 1/1024 of the timeout old (update.go): a refresh is a locked write on a
// line both directions share, and with the real clock every batch reads a
// new time. So a busy flow may idle out up to 0.1% of its timeout early
// (29 ms of UDP's 30 s), never late.
// A zone's new timeouts apply to its existing entries.
//
// Time is never read by the table: every call takes now (nanoseconds on the
// caller's [Clock]; [SystemClock] in production, [ManualClock] in tests).
// [Table.Expire] reclaims idle entries with bounded work per call (a clock
// hand over the slab, budget entries per call); correctness does not wait
// for it, because Update checks the timeout on every packet.
//
// # Allowances
//
// Per zone ([Allowances], zero = unlimited): ConntrackMax (tracked entries;
// a packet that needs a new tracked entry beyond it gets ErrConntrackFull and
// counts conntrack_allowance_exceeded; conntrack_allowance_available is the
// gauge), NewConnectionsPerSecond (the tracking throttle), PPS (both
// directions), BandwidthInMbps / BandwidthOutMbps, and LinkLocalPPS (zero
// means EC2's 1024). Each rate is a token bucket in GCRA form: one atomic
// word, one CAS per packet, holding one second of its rate (a full bucket
// admits exactly rate units at once).
//
// # Updates and versioning
//
// The table does not hold rules; the switch passes the generation of the
// ruleset it is using into Update and Insert. Entries record the generation
// and rule that admitted them; only untracked entries are re-judged when it
// changes.
//
// # Restarts
//
// [Table.Save] copies the live entries into a [Snapshot] (zones and rules
// by the caller's names, each entry with the idle time it has left) and
// [Table.Restore] puts them into a new table, less the wall-clock time
// between the two; the file format, versioned, checksummed and bounded,
// is in snapshot.go. Restored entries carry generation 0, so untracked
// ones are judged again at their next packet and tracked ones live on.
//
// # Thread-safety
//
// Every method may be called concurrently with every other. Lookup,
// LookupBatch, Update (except when it deletes an expired entry) and Allow
// take no lock and allocate nothing. Insert, Delete, Readmit and Expire lock
// one stripe at a time. Entries and ZoneStats return consistent copies of
// single entries and counters, not a snapshot of the whole table. Per-
// direction counters of an entry are exact if each direction of a flow is
// updated by one goroutine at a time (the switch's one goroutine per port);
// they are atomic adds, so they stay correct with more. A direction's
// packets and bytes share one word, so a packet costs one locked add there
// (counters.go); reads are exact.
package flowtable
