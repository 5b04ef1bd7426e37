package vswitch

import (
	"testing"

	"sgswitch/iface"
	"sgswitch/iface/memport"
	"sgswitch/packet"
	"sgswitch/packet/packettest"
)

func superFrame(from, to *node, payload int) ([]byte, iface.VirtioNetHdr) {
	f := packettest.Frame{SrcMAC: from.mac, DstMAC: to.mac, Src: from.v4, Dst: to.v4, Proto: packet.ProtoTCP,
		SrcPort: 40000, DstPort: 80, TCPFlags: ack | packet.TCPPsh, Payload: make([]byte, payload)}
	hdr := iface.VirtioNetHdr{Flags: iface.VirtioNetHdrFNeedsCsum, GSOType: iface.VirtioNetHdrGSOTCPv4,
		HdrLen: 54, GSOSize: 1000, CsumStart: 34, CsumOffset: 16}
	return f.Bytes(), hdr
}

// TestSuperFrames: a GSO super-frame is one flow, judged once, counted as
// its segments; a GSO destination takes it whole, a plain one gets the
// segments.
func TestSuperFrames(t *testing.T) {
	l := newLab(t)
	srv, cli := l.group("srv"), l.group("cli")
	l.ingress(srv, tcpCIDR(80, "0.0.0.0/0"))
	l.egress(cli, allCIDR("0.0.0.0/0"))
	l.portCfg = memport.Config{GSO: true}
	c, sg := l.node("client", cli), l.node("server-gso", srv)
	l.portCfg = memport.Config{}
	sp := l.node("server-plain", srv)
	l.publish()
	for _, s := range []*node{sg, sp} {
		l.handshake(c, s, 4, 40000, 80)
	}

	frame, hdr := superFrame(c, sg, 4000)
	c.port.InjectGSO(hdr, frame)
	l.step(c)
	got := sg.port.Drain()
	if len(got) != 1 || len(got[0].Data) != len(frame) || got[0].Hdr != hdr {
		t.Fatalf("GSO destination: %d frames", len(got))
	}
	st, _ := l.sw.Stats(sg.eni)
	if st.TxFrames != 2+4 || st.TxBytes != uint64(2*54+4000+4*54) {
		t.Fatalf("GSO destination counted %d frames %d bytes", st.TxFrames, st.TxBytes)
	}

	frame, hdr = superFrame(c, sp, 4000)
	c.port.InjectGSO(hdr, frame)
	l.step(c)
	segs := sp.port.Drain()
	if len(segs) != 4 {
		t.Fatalf("plain destination: %d segments, want 4 (drops %v)", len(segs), l.dropList(sp))
	}
	for i, s := range segs {
		p, r := packet.Parse(s.Data)
		if r != packet.OK || p.DstPort != 80 || len(s.Data) > 14+1500 {
			t.Fatalf("segment %d: %v %d bytes", i, r, len(s.Data))
		}
	}
	st, _ = l.sw.Stats(c.eni)
	if st.SuperFrames != 2 || st.RxFrames != 2+2+8 || st.Accepts[Egress] != 2+2+8 {
		t.Fatalf("sender: superframes %d rx %d accepts %d", st.SuperFrames, st.RxFrames, st.Accepts[Egress])
	}
	if e, ok := l.entry(sp, 6, 80); !ok || e.Packets[0] != 3 || e.Bytes[0] != uint64(2*40+4000+4*40) {
		t.Fatalf("conntrack counts one judged super-frame: %+v", e)
	}
}

// TestSegmentsKeepOrder: frames queued before a super-frame that must be
// segmented leave before its segments.
func TestSegmentsKeepOrder(t *testing.T) {
	l := newLab(t)
	srv, cli := l.group("srv"), l.group("cli")
	l.ingress(srv, tcpCIDR(80, "0.0.0.0/0"))
	l.egress(cli, allCIDR("0.0.0.0/0"))
	l.portCfg = memport.Config{GSO: true}
	c := l.node("client", cli)
	l.portCfg = memport.Config{}
	s := l.node("server", srv)
	l.publish()
	l.handshake(c, s, 4, 40000, 80)
	plain := tcp(c, s, 4, 40000, 80, ack)
	frame, hdr := superFrame(c, s, 3000)
	c.port.Inject(plain)
	c.port.InjectGSO(hdr, frame)
	l.step(c)
	got := s.port.Drain()
	if len(got) != 4 || len(got[0].Data) != len(plain) {
		t.Fatalf("%d frames; first %d bytes, want the plain frame (%d bytes) first", len(got), len(got[0].Data), len(plain))
	}
}
