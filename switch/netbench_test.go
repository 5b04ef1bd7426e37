package vswitch

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"sgswitch/iface/memport"
	"sgswitch/internal/cputime"
	"sgswitch/ruleset"
	"sgswitch/vpc"
)

// BenchmarkNetwork compares a subnet's bridged path with the routed one
// between two subnets, in one run: hosts a (10.0.1.10) and a2 (10.0.1.11)
// in subnet a, b (10.0.2.10) in subnet b; the receiver is a2 (same-subnet)
// or b (cross-subnet). Subnets a and b each have a network ACL of 20
// entries per direction (benchACL), the traffic's allow entry among the
// last, so a packet the cache did not cover walks most of both ACLs.
//
//   - established-*: 10,000 established TCP flows a→receiver, their ACKs
//     in random order, batches of 64;
//   - established-interleaved: the two established cases in one lab,
//     alternating every 16 batches, each timed on its own (thread CPU
//     time): on a shared machine the load drifts between two runs, less
//     between two halves of one; reports both and their ratio;
//   - new-flow-*: every frame a SYN of a new connection, classified on
//     both sides; the receiver has 1,008 inbound rules in 16 groups.
//
// Routing rewrites TTL and MACs in place, so each batch first restores its
// 64 frames, in both cases alike. The receiver's port only counts frames.
func BenchmarkNetwork(b *testing.B) {
	for _, routed := range []bool{false, true} {
		name := map[bool]string{false: "same-subnet", true: "cross-subnet-nacl"}[routed]
		b.Run("established-"+name, func(b *testing.B) { benchNetEstablished(b, routed, 10000) })
	}
	b.Run("established-interleaved", benchNetInterleaved)
	for _, routed := range []bool{false, true} {
		name := map[bool]string{false: "same-subnet", true: "cross-subnet-nacl"}[routed]
		b.Run("new-flow-1000-rules-"+name, func(b *testing.B) { benchNetNewFlow(b, routed) })
	}
}

// benchNet builds the benchmark's VPC; it returns the sender and the
// receiver and the lab.
func benchNet(b *testing.B, routed bool, capacity int, conntrackMax uint64) (*netLab, *node, *node) {
	nl := newNetLabConfig(b, capacity, true)
	nl.allowances = ruleset.Allowances{ConntrackMax: conntrackMax}
	a := nl.host("a", "a", "10.0.1.10", true)
	nl.portCfg = memport.Config{Sink: true, Queue: 1}
	to := nl.host("a2", "a", "10.0.1.11", true)
	if routed {
		to = nl.host("b", "b", "10.0.2.10", true)
	}
	for _, s := range []string{"a", "b"} {
		benchACL(nl, nl.acl(s))
	}
	return nl, a, to
}

// benchACL fills acl with 20 entries per direction, as a production ACL
// at EC2's default quota might read: three denied ranges, ten service
// ports from a corporate range, four UDP services and ICMP from the VPC,
// then HTTP and the ephemeral ports from the VPC (rules 190 and 200: the
// benchmark's traffic).
func benchACL(nl *netLab, acl string) {
	for _, egress := range []bool{false, true} {
		add := func(rule int32, proto, action, cidr string, lo, hi int32) {
			e := vpc.NetworkAclEntry{RuleNumber: rule, Egress: egress, Protocol: proto, RuleAction: action, CidrBlock: cidr}
			switch proto {
			case "6", "17":
				e.PortRange = &vpc.PortRange{From: lo, To: hi}
			case "1":
				e.IcmpTypeCode = &vpc.IcmpTypeCode{Type: -1, Code: -1}
			}
			nl.must(nl.net.CreateNetworkAclEntry(acl, e))
		}
		for i, cidr := range []string{"192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"} {
			add(int32(10+10*i), "-1", "deny", cidr, 0, 0)
		}
		for i, port := range []int32{22, 443, 3306, 5432, 6379, 8080, 8443, 9090, 9200, 11211} {
			add(int32(40+10*i), "6", "allow", "172.16.0.0/12", port, port)
		}
		for i, port := range []int32{53, 123, 514, 4789} {
			add(int32(140+10*i), "17", "allow", "10.0.0.0/16", port, port)
		}
		add(180, "1", "allow", "10.0.0.0/16", 0, 0)
		add(190, "6", "allow", "10.0.0.0/16", 80, 80)
		add(200, "6", "allow", "10.0.0.0/16", 1024, 65535)
	}
}

// runRestored runs frames through w in batches of 64, copying each batch
// into bf's buffers first (routing rewrote the previous pass's).
func runRestored(w *worker, bf *benchFrames, frames [][]byte, start, n int) {
	for done := 0; done < n; done += 64 {
		for i := range 64 {
			f := frames[(start+done+i)%len(frames)]
			copy(bf.bufs[i][off:], f)
			bf.sizes[i] = len(f)
		}
		bf.run(w, min(64, n-done))
	}
}

func benchNetEstablished(b *testing.B, routed bool, flows int) {
	nl, a, to := benchNet(b, routed, 1<<17, 1<<14)
	nl.publish()
	bf := newBenchFrames(make([][]byte, 64))
	w := nl.sw.ports[a.eni].worker
	acks := establishFlows(nl, bf, a, to, routed, flows)
	before, _ := nl.sw.Stats(to.eni)
	var cpu cputime.Meter
	b.ReportAllocs()
	b.ResetTimer()
	cpu.Start()
	runRestored(w, bf, acks, 0, b.N)
	cpu.Stop()
	b.StopTimer()
	cpu.Report(b)
	after, _ := nl.sw.Stats(to.eni)
	if got := after.TxFrames - before.TxFrames; got != uint64(b.N) {
		b.Fatalf("delivered %d of %d frames (drops %v %v)", got, b.N, nl.dropList(a), nl.dropList(to))
	}
}

// establishFlows opens flows TCP connections from→to:80 (SYN, SYN-ACK,
// ACK, through bf) and returns their ACK frames in random order.
func establishFlows(nl *netLab, bf *benchFrames, from, to *node, routed bool, flows int) [][]byte {
	frame := func(src, dst *node, sport, dport uint16, flags uint8) []byte {
		if routed {
			return via(nl.lab, tcpFrame(src, dst, sport, dport, flags))
		}
		return tcpFrame(src, dst, sport, dport, flags).Bytes()
	}
	syns, synAcks, acks := make([][]byte, flows), make([][]byte, flows), make([][]byte, flows)
	for i := range flows {
		sport := uint16(10000 + i)
		syns[i], synAcks[i], acks[i] = frame(from, to, sport, 80, syn), frame(to, from, 80, sport, synAck), frame(from, to, sport, 80, ack)
	}
	for i := range bf.bufs {
		bf.bufs[i] = make([]byte, off+len(acks[0]))
	}
	w := nl.sw.ports[from.eni].worker
	runRestored(w, bf, syns, 0, flows/64*64)
	runRestored(nl.sw.ports[to.eni].worker, bf, synAcks, 0, flows/64*64)
	rand.Shuffle(len(acks), func(i, j int) { acks[i], acks[j] = acks[j], acks[i] })
	runRestored(w, bf, acks, 0, flows/64*64) // both sides ESTABLISHED
	return acks
}

func benchNetNewFlow(b *testing.B, routed bool) {
	nl, a, to := benchNet(b, routed, 1<<18, 1<<15)
	rng := rand.New(rand.NewPCG(1, 2))
	var groups []string
	for g := range 16 {
		id := nl.lab.group(fmt.Sprintf("rules%d", g))
		groups = append(groups, id)
		var perms []ruleset.IpPermission
		for r := range 63 {
			port := int32(2000 + g*63 + r)
			cidr := netip.PrefixFrom(netip.AddrFrom4([4]byte{172, byte(16 + rng.IntN(16)), byte(rng.IntN(256)), 0}), 24).String()
			if r%4 == 0 {
				cidr = "10.0.1.0/24"
			}
			perms = append(perms, permCIDR("tcp", port, port+int32(rng.IntN(3)), cidr))
		}
		nl.ingress(id, perms...)
	}
	nl.must(nl.st.ModifyNetworkInterfaceAttribute(to.eni, groups, nil))
	nl.publish()
	if n := countRules(nl.st, groups); n < 1000 {
		b.Fatalf("%d rules", n)
	}
	// SYNs to the allowed ports (every 4th rule admits subnet a).
	const distinct = 1 << 16
	frames := make([][]byte, distinct)
	for i := range frames {
		g, r := rng.IntN(16), rng.IntN(16)*4
		f := tcpFrame(a, to, uint16(1024+i%60000), uint16(2000+g*63+r), syn)
		if routed {
			frames[i] = via(nl.lab, f)
		} else {
			frames[i] = f.Bytes()
		}
	}
	bf := newBenchFrames(make([][]byte, 64))
	for i := range bf.bufs {
		bf.bufs[i] = make([]byte, off+len(frames[0]))
	}
	w := nl.sw.ports[a.eni].worker
	var cpu cputime.Meter
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; done += distinct / 4 {
		n := min(distinct/4, b.N-done)
		cpu.Start()
		runRestored(w, bf, frames, done%distinct, n)
		cpu.Stop()
		b.StopTimer()
		// Let every entry go idle and sweep it, so each frame is new again.
		nl.clock.Advance(time.Hour)
		nl.sw.flows.Expire(nl.clock.Now(), nl.sw.flows.Capacity())
		b.StartTimer()
	}
	b.StopTimer()
	cpu.Report(b)
	st, _ := nl.sw.Stats(to.eni)
	if st.Accepts[Ingress] < uint64(b.N)*9/10 {
		b.Fatalf("only %d of %d new flows accepted (drops %v %v) %+v", st.Accepts[Ingress], b.N, nl.dropList(a), nl.dropList(to), st)
	}
}

func benchNetInterleaved(b *testing.B) {
	const flows = 10000
	nl := newNetLabConfig(b, 1<<18, true)
	nl.allowances = ruleset.Allowances{ConntrackMax: 1 << 15}
	a := nl.host("a", "a", "10.0.1.10", true)
	nl.portCfg = memport.Config{Sink: true, Queue: 1}
	a2 := nl.host("a2", "a", "10.0.1.11", true)
	bb := nl.host("b", "b", "10.0.2.10", true)
	for _, s := range []string{"a", "b"} {
		benchACL(nl, nl.acl(s))
	}
	nl.publish()
	w := nl.sw.ports[a.eni].worker
	bf := newBenchFrames(make([][]byte, 64))
	same, cross := establishFlows(nl, bf, a, a2, false, flows), establishFlows(nl, bf, a, bb, true, flows)
	beforeSame, _ := nl.sw.Stats(a2.eni)
	beforeCross, _ := nl.sw.Stats(bb.eni)
	var cpuSame, cpuCross cputime.Meter
	const chunk = 16 * 64
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; done += chunk {
		n := min(chunk, b.N-done)
		cpuSame.Start()
		runRestored(w, bf, same, done, n)
		cpuSame.Stop()
		cpuCross.Start()
		runRestored(w, bf, cross, done, n)
		cpuCross.Stop()
	}
	b.StopTimer()
	b.ReportMetric(float64(cpuSame.Total())/float64(b.N), "same-cpu-ns/frame")
	b.ReportMetric(float64(cpuCross.Total())/float64(b.N), "cross-cpu-ns/frame")
	b.ReportMetric(float64(cpuCross.Total())/float64(cpuSame.Total()), "cross/same")
	afterSame, _ := nl.sw.Stats(a2.eni)
	afterCross, _ := nl.sw.Stats(bb.eni)
	if s, c := afterSame.TxFrames-beforeSame.TxFrames, afterCross.TxFrames-beforeCross.TxFrames; s != uint64(b.N) || c != uint64(b.N) {
		b.Fatalf("delivered %d and %d of %d frames (drops %v)", s, c, b.N, nl.dropList(a))
	}
}
