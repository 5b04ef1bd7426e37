package daemon

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"sgswitch/packet/packettest"
	"sgswitch/ruleset"
)

// tcpFrom sends a TCP segment with flags from node from to node to.
func (h *switchHarness) tcpFrom(from, to string, sport, dport uint16, flags uint8) {
	h.t.Helper()
	src, dst := h.wire.addrs(from), h.wire.addrs(to)
	f := packettest.Frame{
		SrcMAC: [6]byte(src.MAC), DstMAC: [6]byte(dst.MAC),
		Src: src.IPv4.Addr(), Dst: dst.IPv4.Addr(), Proto: 6,
		SrcPort: sport, DstPort: dport, TCPFlags: flags,
	}
	if !h.wire.port(from).Inject(f.Bytes()) {
		h.t.Fatalf("inject from %s: queue full", from)
	}
}

// gracefulRestart stops the switch and closes the daemon (which saves
// the conntrack entries), then starts a fresh one on the same state.
func (h *switchHarness) gracefulRestart() {
	h.t.Helper()
	h.cancel()
	<-h.done
	if err := h.d.Close(); err != nil {
		h.t.Fatal(err)
	}
	h.d = nil
	h.start()
}

// revokeWeb80 revokes the rule that admits client→web port 80.
func revokeWeb80(t *testing.T, h *switchHarness) {
	t.Helper()
	err := writeLab(h.d, "sgrst", func(st *ruleset.State) error {
		gs, err := st.DescribeSecurityGroups(nil, []string{"web"}, nil)
		if err != nil {
			return err
		}
		port := int32(80)
		_, _, err = st.RevokeSecurityGroupIngress(gs[0].GroupId, []ruleset.IpPermission{{IpProtocol: "tcp",
			FromPort: &port, ToPort: &port, IpRanges: []ruleset.IpRange{{CidrIp: "198.18.7.0/24"}}}}, nil)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// establish opens client:40000 → web:80 (SYN, SYN-ACK, ACK) and drains
// what reached each side.
func establish(t *testing.T, h *switchHarness) {
	t.Helper()
	h.tcpFrom("client", "web", 40000, 80, 0x02)
	if got := h.recvTCPDstPort("web"); got != 80 {
		t.Fatalf("SYN reached web for port %d", got)
	}
	h.tcpFrom("web", "client", 80, 40000, 0x12)
	if got := h.recvTCPDstPort("client"); got != 40000 {
		t.Fatalf("SYN-ACK reached client for port %d", got)
	}
	h.tcpFrom("client", "web", 40000, 80, 0x10)
	h.recvTCPDstPort("web")
}

// A tracked stream whose rule was revoked goes on after a graceful
// restart: its entries come back from the state directory.
func TestGracefulRestartKeepsTrackedFlows(t *testing.T) {
	h := newSwitchHarness(t)
	if _, err := h.d.ApplyLab(context.Background(), loadLab(t, "restart.yaml")); err != nil {
		t.Fatal(err)
	}
	establish(t, h)
	revokeWeb80(t, h)
	h.gracefulRestart()
	if _, err := os.Stat(filepath.Join(h.dir, ConntrackFile)); !os.IsNotExist(err) {
		t.Errorf("snapshot left after it was restored: %v", err)
	}
	ct, err := h.d.Conntrack(context.Background(), "web")
	if err != nil || len(ct) != 1 || ct[0].State != "ESTABLISHED" || !ct[0].Tracked {
		t.Fatalf("web's conntrack after restart = %+v, %v", ct, err)
	}
	// Mid-stream ACKs both ways: the rule is gone, the entry admits them.
	h.tcpFrom("client", "web", 40000, 80, 0x10)
	if got := h.recvTCPDstPort("web"); got != 80 {
		t.Errorf("client's ACK reached web for port %d", got)
	}
	h.tcpFrom("web", "client", 80, 40000, 0x10)
	if got := h.recvTCPDstPort("client"); got != 40000 {
		t.Errorf("web's ACK reached client for port %d", got)
	}
	// A new connection is judged by the rules now: denied.
	h.tcpFrom("client", "web", 40001, 80, 0x02)
	h.tcpFrom("client", "web", 40000, 80, 0x10) // a marker behind it
	if got := h.recvTCPDstPort("web"); got != 80 {
		t.Errorf("web received %d", got)
	}
	st, _ := h.d.ENIStats(context.Background(), "web")
	if n := counter(t, st, "drop_ingress_sg-ingress-denied"); n != 1 {
		t.Errorf("new connection after restart: %d ingress denials, want 1", n)
	}
}

// A corrupt snapshot is reported and ignored; the lab and the rest of the
// state come back, and the revoked flow is then judged by the rules.
func TestCorruptConntrackSnapshotIgnored(t *testing.T) {
	h := newSwitchHarness(t)
	if _, err := h.d.ApplyLab(context.Background(), loadLab(t, "restart.yaml")); err != nil {
		t.Fatal(err)
	}
	establish(t, h)
	revokeWeb80(t, h)
	h.cancel()
	<-h.done
	if err := h.d.Close(); err != nil {
		t.Fatal(err)
	}
	h.d = nil
	path := filepath.Join(h.dir, ConntrackFile)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no snapshot saved: %v", err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("snapshot mode %v, want 0600", fi.Mode().Perm())
	}
	b[len(b)/2] ^= 0xff
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	h.start()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("corrupt snapshot left in place: %v", err)
	}
	ls, err := h.d.Lab(context.Background(), "sgrst")
	if err != nil || len(ls.Nodes) != 2 || !ls.Nodes[0].Attached {
		t.Fatalf("lab after restart with a corrupt snapshot: %+v, %v", ls, err)
	}
	if ct, _ := h.d.Conntrack(context.Background(), "web"); len(ct) != 0 {
		t.Errorf("entries restored from a corrupt snapshot: %+v", ct)
	}
}
