package vswitch

import (
	"testing"

	"sgswitch/iface/memport"
)

// BenchmarkNetwork: one established TCP flow, batches of 64 frames, within
// a subnet (bridged, no ACL) and across two subnets (routed: route lookup,
// both network ACLs of one allow entry per direction, TTL decrement). The
// receiver's port only counts frames. Each batch first restores its frames
// (routing rewrites TTL and MACs in place), in both cases alike.
func BenchmarkNetwork(b *testing.B) {
	for _, c := range []struct {
		name   string
		routed bool
	}{{"same-subnet", false}, {"cross-subnet-nacl", true}} {
		b.Run(c.name, func(b *testing.B) {
			nl := newNetLab(b)
			a := nl.host("a", "a", "10.0.1.10", true)
			nl.portCfg = memport.Config{Sink: true, Queue: 1}
			to := nl.host("a2", "a", "10.0.1.11", true)
			if c.routed {
				to = nl.host("b", "b", "10.0.2.10", true)
			}
			acl := nl.acl("b")
			nl.allowTCP(acl, 100, false, "10.0.1.0/24", 0, 65535)
			nl.allowTCP(acl, 100, true, "10.0.1.0/24", 0, 65535)
			nl.publish()
			frame := func(from, dst *node, sport, dport uint16, flags uint8) []byte {
				f := tcpFrame(from, dst, sport, dport, flags)
				if c.routed {
					return via(nl.lab, f)
				}
				return f.Bytes()
			}
			nl.send(a, frame(a, to, 40000, 80, syn))
			nl.send(to, frame(to, a, 80, 40000, synAck))
			nl.got(a)
			ackF := frame(a, to, 40000, 80, ack)
			acks := make([][]byte, 64)
			for i := range acks {
				acks[i] = ackF
			}
			bf := newBenchFrames(acks)
			w := nl.sw.ports[a.eni].worker
			before, _ := nl.sw.Stats(to.eni)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				for i, buf := range bf.bufs {
					copy(buf[off:], acks[i])
				}
				bf.run(w, 64)
			}
			b.StopTimer()
			after, _ := nl.sw.Stats(to.eni)
			if got := after.TxFrames - before.TxFrames; got != uint64(b.N*64) {
				b.Fatalf("delivered %d of %d frames (drops %v)", got, b.N*64, nl.dropList(a))
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*64), "ns/frame")
		})
	}
}
