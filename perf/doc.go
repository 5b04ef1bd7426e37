// Package perf is `sgswitch bench`: traffic generators, baselines against
// the Linux kernel and Open vSwitch measured in the same run, a report
// (Markdown), the raw results (JSON) and charts (PNG).
//
// # What
//
// RunSuite measures three sections and Write renders them:
//
//   - inmemory: the switch's whole pipeline through replay ports
//     (switchbench.go: established frames on 1 and 2 cores, CPU ns/frame,
//     new flows with 10/1,000/10,000 rules, Publish latency under load with
//     lost frames counted), and flowtable/ruleset on their own (lookup +
//     update, classify, conntrack setups/s, bytes/entry and lookups at 1 M
//     flows, compile + swap). Keys in random order.
//   - e2e: between two namespaces the bench creates, the same security
//     groups enforced by each Path: KernelPath (Linux bridge + br_netfilter +
//     an nftables inet table from nftexport), SgswitchPath (the switch in its
//     own process, `sgswitch bench-switch`, with TAP or AF_XDP ports made by
//     testbed.OpenPort), OVSPath (ovs-vswitchd userspace datapath with ct flows;
//     skipped with the reason when not installed). Metrics: TCP Gb/s with 1
//     and 4 streams (iperf3), 64-byte UDP pps (an AF_PACKET sendmmsg
//     generator, measured alone too), new TCP connections/s (Go workers,
//     RST close), round-trip p50/p99 (one-byte ping-pong), and CPU seconds
//     per GB and per million frames — of the switch process, and of the whole
//     path (endpoints + switch), since the kernel path has no process.
//   - scaling: TCP Gb/s and connections/s at 10, 1,000 and 10,000 server
//     ingress rules for nftables (set and linear-chain forms) and sgswitch.
//
// # Design
//
// The security groups are one ruleset.State (BenchState): sgswitch compiles
// it, nftexport.FromSpec renders it for nftables and OVSFlows for OVS, so
// every path enforces the same rules. Filler rules (a TCP port from a /32 in
// 198.19.0.0/16, never matched) come before the live ones, so a linear chain
// walks them all.
//
// Runs are interleaved (every path once per repetition, A B A B), each
// figure is the median of its repetitions (3, or 1 with --quick), and
// fillRatios divides each figure by the kernel path's figure of the same
// run. Results.Plan records what was asked for, so Check (and `sgswitch
// bench check`, run by scripts/integration.d/40-bench-quick.sh) can tell a
// missing figure from one never planned; every gap must carry a reason.
//
// # Network safety and cleanup
//
// A netns.Scope owns everything a run creates: namespaces named with a
// per-run prefix ("sgb<pid>-") and recorded for the owner "bench/<pid>"
// (each section a sub-scope, "bench/<pid>/e", …), the processes started in
// them (iperf3, ovsdb-server, ovs-vswitchd, the switch), and temporary
// directories. Package netns alone creates and deletes namespaces and
// enters them (netns.Do, netns.Go, netns.Command); perf only configures
// links inside its own namespaces. Scope.Close stops processes (SIGTERM,
// then SIGKILL after netns.Grace) and deletes the namespaces it recorded,
// which removes their veths, TAPs and bridges; RunSuite defers it, and the
// CLI cancels the run on SIGINT/SIGTERM (signal.NotifyContext), so Ctrl-C
// cleans up too. The switch process also stops when its stdin closes, i.e.
// if the bench dies, and deletes the veths it made. Leftovers (`sgswitch
// bench check`) lists whatever is still recorded for the run's owners or
// still carries its prefix. Traffic uses 198.18.0.0/24 and fd00:5e5e::/64 between
// the bench's own namespaces only; every generator is bounded in time and
// every dial by a timeout.
//
// # Reading the figures on a shared machine
//
// Wall-clock figures count time a process waited for a core; when other
// work shares the machine (the load average is recorded), prefer the ratios
// and the CPU-time figures.
package perf
