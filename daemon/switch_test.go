package daemon

import (
	"context"
	"strings"
	"testing"
	"time"

	"sgswitch/account"
	"sgswitch/admin"
	"sgswitch/packet/packettest"
	vswitch "sgswitch/switch"
)

// switchHarness runs the daemon over the real switch with in-memory ports.
type switchHarness struct {
	*harness
	sdp    *SwitchDataplane
	cancel context.CancelFunc
	done   chan error
}

func newSwitchHarness(t *testing.T) *switchHarness {
	h := &switchHarness{harness: &harness{t: t, dir: t.TempDir(), wire: newMemWirer()}}
	h.start()
	t.Cleanup(h.stop)
	return h
}

func (h *switchHarness) start() {
	h.t.Helper()
	h.sdp = NewSwitchDataplane(vswitch.Config{FlowCapacity: 1 << 12}, nil)
	d, err := Open(Config{StateDir: h.dir, VPC: DefaultVPC(), Dataplane: h.sdp, Wirer: h.wire})
	if err != nil {
		h.t.Fatalf("Open: %v", err)
	}
	h.d = d
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel, h.done = cancel, make(chan error, 1)
	go func() { h.done <- h.sdp.Run(ctx) }()
}

// stop ends the switch and forgets the daemon without Close, as kill -9.
func (h *switchHarness) stop() {
	if h.d == nil {
		return
	}
	h.cancel()
	<-h.done
	h.crash()
}

// syn sends a TCP SYN from node from to node to and port.
func (h *switchHarness) syn(from, to string, port uint16) {
	h.t.Helper()
	src, dst := h.wire.addrs(from), h.wire.addrs(to)
	f := packettest.Frame{
		SrcMAC: [6]byte(src.MAC), DstMAC: [6]byte(dst.MAC),
		Src: src.IPv4.Addr(), Dst: dst.IPv4.Addr(), Proto: 6,
		SrcPort: 40000, DstPort: port, TCPFlags: 0x02,
	}
	if !h.wire.port(from).Inject(f.Bytes()) {
		h.t.Fatalf("inject from %s: queue full", from)
	}
}

// recvTCPDstPort waits (bounded) for an IPv4 frame at node's port and
// returns its destination port.
func (h *switchHarness) recvTCPDstPort(node string) uint16 {
	h.t.Helper()
	timeout := make(chan struct{})
	timer := time.AfterFunc(10*time.Second, func() { close(timeout) })
	defer timer.Stop()
	for {
		f, ok := h.wire.port(node).Recv(timeout)
		if !ok {
			h.t.Fatalf("no frame reached %s", node)
		}
		d := f.Data
		if len(d) < 14+20+4 || d[12] != 0x08 || d[13] != 0x00 {
			continue // the ARP replies the switch announces a port with
		}
		return uint16(d[14+20+2])<<8 | uint16(d[14+20+3])
	}
}

func counter(t *testing.T, st []admin.ENIStats, name string) uint64 {
	t.Helper()
	if len(st) != 1 {
		t.Fatalf("stats for %d ENIs", len(st))
	}
	for _, c := range st[0].Counters {
		if c.Name == name {
			return c.Value
		}
	}
	return 0
}

func TestLabForwardsThroughTheSwitchAcrossRestart(t *testing.T) {
	h := newSwitchHarness(t)
	ctx := context.Background()
	if _, err := h.d.ApplyLab(ctx, loadLab(t, "restart.yaml")); err != nil {
		t.Fatal(err)
	}
	for round := 0; round < 2; round++ {
		// Port 22 is denied by web's inbound rules, port 80 allowed; the
		// switch handles one port's frames in order, so when the port-80
		// SYN arrives the port-22 one has been judged.
		h.syn("client", "web", 22)
		h.syn("client", "web", 80)
		if got := h.recvTCPDstPort("web"); got != 80 {
			t.Fatalf("round %d: web received a SYN to port %d", round, got)
		}
		st, err := h.d.ENIStats(ctx, "web")
		if err != nil {
			t.Fatal(err)
		}
		if n := counter(t, st, "drop_ingress_sg-ingress-denied"); n != 1 {
			t.Errorf("round %d: web drop_ingress_sg-ingress-denied = %d, want 1", round, n)
		}
		for _, name := range []string{"bw_in_allowance_exceeded", "bw_out_allowance_exceeded", "pps_allowance_exceeded",
			"conntrack_allowance_exceeded", "linklocal_allowance_exceeded", "conntrack_allowance_available"} {
			found := false
			for _, c := range st[0].Counters {
				found = found || c.Name == name
			}
			if !found {
				t.Errorf("eni stats lack %s", name)
			}
		}
		ct, err := h.d.Conntrack(ctx, "web")
		if err != nil || len(ct) == 0 {
			t.Fatalf("round %d: conntrack of web = %v, %v", round, ct, err)
		}
		line := ct[0].Line
		if !strings.HasPrefix(line, "tcp ") || !strings.Contains(line, "dport=80") || ct[0].DstPort != 80 ||
			ct[0].Src != "198.18.7.10" || ct[0].Proto != "tcp" {
			t.Errorf("round %d: conntrack entry %+v", round, ct[0])
		}
		// The rule that admitted it at web: its port-80 ingress rule, by
		// sgr- id, also across the restart (the snapshot names rules).
		if !strings.HasPrefix(ct[0].Rule, "sgr-") || !strings.HasSuffix(line, " rule="+ct[0].Rule) || ct[0].Rule != h.ingressRuleID(t, "web", 80) {
			t.Errorf("round %d: conntrack entry's rule %q (line %q)", round, ct[0].Rule, line)
		}
		if round == 0 { // kill -9 and start again: a fresh switch, restored state
			h.stop()
			h.start()
		}
	}
	ls, err := h.d.Lab(ctx, "sgrst")
	if err != nil {
		t.Fatal(err)
	}
	if cidr := labVPC(t, h.d, ls.VpcId); cidr != "198.18.7.0/24" {
		t.Errorf("the lab's VPC after restart = %q", cidr)
	}
}

// ingressRuleID is the sgr- id of the ingress rule of node's first group
// whose ports start at port.
func (h *switchHarness) ingressRuleID(t *testing.T, node string, port int32) string {
	t.Helper()
	var id string
	err := h.d.ReadAccount(func(a *account.Account) error {
		for _, e := range a.Interfaces() {
			if !strings.HasSuffix(e.AttachedTo, "/"+node) {
				continue
			}
			vpcID, _ := a.VPCOfInterface(e.ID)
			for _, g := range a.Groups(vpcID).View().Groups {
				for _, r := range g.Ingress {
					if g.ID == e.Groups[0] && r.FromPort == port {
						id = r.ID
					}
				}
			}
		}
		return nil
	})
	if err != nil || id == "" {
		t.Fatalf("no ingress rule for port %d on %s (%v)", port, node, err)
	}
	return id
}
