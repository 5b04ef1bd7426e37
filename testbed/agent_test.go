package testbed

import (
	"context"
	"net"
	"net/netip"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"sgswitch/agent"
	"sgswitch/exchange"
	"sgswitch/netns"
)

// agentLab has node b stand in for a VM: its checks run through an agent.
const agentLab = `name: chk
subnet: 198.18.250.0/24
subnet-ipv6: fd00:5e5e:0:fa::/64
topology:
  nodes:
    a: {ip: 198.18.250.10, ipv6: 'fd00:5e5e:0:fa::10'}
    b: {ip: 198.18.250.11, ipv6: 'fd00:5e5e:0:fa::11'}
checks:
  - {from: a, to: b, proto: tcp, port: 7001, expect: allow}
  - {from: a, to: b, proto: udp, port: 7002, family: ipv6, expect: allow}
  - {from: b, to: a, proto: tcp, port: 7003, expect: allow}
  - {from: b, to: a, proto: icmp, family: ipv6, expect: allow}
  - {from: b, from-ip: 198.18.250.11, to: a, proto: udp, port: 7002, expect: allow}
  - {from: a, to: b, proto: tcp, port: 7004, expect: deny}
  - {from: b, to: a, proto: udp, port: 7006, expect: deny}
  - {from: b, to: a, proto: tcp, port: 7005, expect: deny}
`

// TestRunChecksThroughAgent: node b's side of every check runs through an
// agent served inside b's namespace over a socketpair (what a VM's
// virtio-serial port is to the host); nftables drops some flows silently
// and rejects one. The rows must read exactly as namespace checks do.
func TestRunChecksThroughAgent(t *testing.T) {
	name := twoNamespaces(t)
	nft(t, NetnsName(name, "b"), "tcp dport 7004 drop")
	nft(t, NetnsName(name, "a"), "udp dport 7006 drop\n tcp dport 7005 reject with tcp reset")
	client := agentIn(t, NetnsName(name, "b"))
	lab, err := Parse("chk.yaml", []byte(strings.ReplaceAll(agentLab, "name: chk", "name: "+name)))
	if err != nil {
		t.Fatal(err)
	}
	opt := CheckOptions{Timeout: 500 * time.Millisecond, Parallel: 4, Agents: func(node string) *agent.Client {
		if node == "b" {
			return client
		}
		return nil
	}}
	rs, err := RunChecks(t.Context(), lab, opt)
	if err != nil {
		t.Fatal(err)
	}
	var table strings.Builder
	_ = WriteTable(&table, rs)
	t.Log("\n" + table.String())
	want := []string{ObservedAllow, ObservedAllow, ObservedAllow, ObservedAllow, ObservedAllow,
		ObservedTimeout, ObservedTimeout, ObservedRefused}
	for i, w := range want {
		if rs[i].Observed != w || rs[i].Pass != (i < 7) {
			t.Errorf("check %d %+v: observed %s pass %v (%s), want %s", i, rs[i].Check, rs[i].Observed, rs[i].Pass, rs[i].Error, w)
		}
	}
	// The run stopped the responders it started in b: nothing answers now.
	dst := netip.MustParseAddrPort("198.18.250.11:7001")
	if o := exchange.TCP(inNetns(NetnsName(name, "a")), netip.Addr{}, dst, 500*time.Millisecond); o != ObservedRefused {
		t.Errorf("after the run, tcp/7001 in b: %s, want refused (responder stopped)", o)
	}
}

// nft adds an input chain with rules to namespace ns.
func nft(t *testing.T, ns, rules string) {
	t.Helper()
	cmd := netns.Command(t.Context(), ns, "nft", "-f", "-")
	cmd.Stdin = strings.NewReader("table inet f {\n chain in { type filter hook input priority 0;\n " + rules + "\n }\n}\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("nft: %v\n%s", err, out)
	}
}

// agentIn serves an agent for namespace ns on one end of a socketpair and
// returns a client on the other; both end with the test.
func agentIn(t *testing.T, ns string) *agent.Client {
	t.Helper()
	host, guest := socketpair(t)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- (&agent.Server{Where: inNetns(ns)}).Serve(ctx, guest) }()
	t.Cleanup(func() {
		cancel()
		guest.Close()
		<-served
	})
	hctx, hcancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer hcancel()
	c, err := agent.NewClient(hctx, host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func socketpair(t *testing.T) (net.Conn, net.Conn) {
	t.Helper()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	var conns [2]net.Conn
	for i, fd := range fds {
		f := os.NewFile(uintptr(fd), "agent-socketpair")
		conns[i], err = net.FileConn(f) // a dup; the file is closed either way
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	return conns[0], conns[1]
}

// TestAgentGoneIsError: a check whose agent is gone is an error row that
// says why, not a silent deny (no root: nothing is made on the host).
func TestAgentGoneIsError(t *testing.T) {
	host, guest := net.Pipe()
	defer guest.Close()
	go func() { _ = agent.Serve(t.Context(), guest) }()
	c, err := agent.NewClient(t.Context(), host)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	lab, err := Parse("chk.yaml", []byte(`name: chk
subnet: 198.18.250.0/24
topology:
  nodes:
    a: {ip: 198.18.250.10}
checks:
  - {from: a, to-ip: 198.18.250.99, proto: udp, port: 7001, expect: deny}
`))
	if err != nil {
		t.Fatal(err)
	}
	rs, err := RunChecks(t.Context(), lab, CheckOptions{Agents: func(string) *agent.Client { return c }})
	if err != nil {
		t.Fatal(err)
	}
	if rs[0].Observed != ObservedError || rs[0].Pass || !strings.Contains(rs[0].Error, "closed") {
		t.Errorf("result %+v, want an error row saying the agent connection closed", rs[0])
	}
}
