package testbed

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"sgswitch/netns"
	"sgswitch/netns/netnstest"
)

// twoNamespaces makes the namespaces of nodes a and b of a lab of the
// test's own (its name is returned) joined by a veth pair (no switch: the
// runner itself is under test), addressed like nodes a and b of checkLab.
// netnstest removes them when the test ends.
func twoNamespaces(t *testing.T) string {
	t.Helper()
	lab := netnstest.LabName(t)
	for _, n := range []string{"a", "b"} {
		if err := netns.Create(NetnsName(lab, n), netns.LabOwner(lab)); err != nil {
			t.Fatal(err)
		}
	}
	ns := func(n string) string { return NetnsName(lab, n) }
	run := func(args ...string) {
		t.Helper()
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	run("ip", "-n", ns("a"), "link", "add", "va", "type", "veth", "peer", "vb", "netns", ns("b"))
	for i, n := range []string{"a", "b"} {
		ns, dev := ns(n), "v"+n
		// No DAD: a tentative link-local address delays neighbour discovery by a second.
		run("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf."+dev+".accept_dad=0")
		run("ip", "-n", ns, "addr", "add", fmt.Sprintf("198.18.250.%d/24", 10+i), "dev", dev)
		run("ip", "-n", ns, "addr", "add", fmt.Sprintf("fd00:5e5e:0:fa::%d/64", 10+i), "dev", dev, "nodad")
		run("ip", "-n", ns, "link", "set", dev, "up")
	}
	// A new veth drops what it sends until its carrier settles; wait for
	// neighbour discovery to succeed in both families (bounded).
	for _, dst := range []string{"198.18.250.11", "fd00:5e5e:0:fa::11"} {
		for i := 0; ; i++ {
			if netns.Command(t.Context(), ns("a"), "ping", "-c1", "-W1", dst).Run() == nil {
				break
			}
			if i == 5 {
				t.Fatalf("namespaces never reached each other (%s)", dst)
			}
		}
	}
	return lab
}

const checkLab = `name: chk
subnet: 198.18.250.0/24
subnet-ipv6: fd00:5e5e:0:fa::/64
topology:
  nodes:
    a: {ip: 198.18.250.10, ipv6: 'fd00:5e5e:0:fa::10'}
    b: {ip: 198.18.250.11, ipv6: 'fd00:5e5e:0:fa::11'}
checks:
  - {from: a, to: b, proto: tcp, port: 7001, expect: allow}
  - {from: a, to: b, proto: tcp, port: 7001, family: ipv6, expect: allow}
  - {from: a, to: b, proto: udp, port: 7002, expect: allow}
  - {from: a, to: b, proto: udp, port: 7002, family: ipv6, expect: allow}
  - {from: a, to: b, proto: icmp, expect: allow}
  - {from: a, to: b, proto: icmp, family: ipv6, expect: allow}
  - {from: a, to: b, proto: tcp, port: 7004, expect: deny}
  - {from: a, to: b, proto: udp, port: 7006, expect: deny}
  - {from: b, to: a, proto: icmp, expect: deny}
  - {from: a, to: b, proto: tcp, port: 7005, expect: deny}
  - {from: a, to: b, proto: tcp, port: 7001, expect: deny}
  - {from: a, to: b, proto: tcp, port: 7004, expect: allow}
`

// TestRunChecks runs real checks between two namespaces where nftables
// drops some flows silently and rejects one with a RST: the runner must
// tell allow, silence (timeout) and refusal apart, and judge each row.
func TestRunChecks(t *testing.T) {
	name := twoNamespaces(t)
	nft := `table inet f {
  chain in { type filter hook input priority 0;
    tcp dport 7004 drop
    udp dport 7006 drop
    tcp dport 7005 reject with tcp reset
  }
}`
	cmd := netns.Command(t.Context(), NetnsName(name, "b"), "nft", "-f", "-")
	cmd.Stdin = strings.NewReader(nft)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("nft: %v\n%s", err, out)
	}
	nftA := netns.Command(t.Context(), NetnsName(name, "a"), "nft", "-f", "-")
	nftA.Stdin = strings.NewReader("table inet f {\n chain in { type filter hook input priority 0;\n icmp type echo-request drop\n }\n}\n")
	if out, err := nftA.CombinedOutput(); err != nil {
		t.Fatalf("nft: %v\n%s", err, out)
	}
	lab, err := Parse("chk.yaml", []byte(strings.ReplaceAll(checkLab, "name: chk", "name: "+name)))
	if err != nil {
		t.Fatal(err)
	}
	rs, err := RunChecks(context.Background(), lab, CheckOptions{Timeout: 500 * time.Millisecond, Parallel: 4})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		observed string
		pass     bool
	}{
		{ObservedAllow, true}, {ObservedAllow, true}, {ObservedAllow, true}, {ObservedAllow, true},
		{ObservedAllow, true}, {ObservedAllow, true},
		{ObservedTimeout, true}, {ObservedTimeout, true}, {ObservedTimeout, true},
		{ObservedRefused, false}, // a RST is not what a security group does
		{ObservedAllow, false},
		{ObservedTimeout, false},
	}
	var table strings.Builder
	_ = WriteTable(&table, rs)
	t.Log("\n" + table.String())
	for i, w := range want {
		if rs[i].Observed != w.observed || rs[i].Pass != w.pass {
			t.Errorf("check %d %+v: observed %s pass %v, want %s %v", i, rs[i].Check, rs[i].Observed, rs[i].Pass, w.observed, w.pass)
		}
	}
	if Failed(rs) != 3 {
		t.Errorf("Failed = %d, want 3", Failed(rs))
	}
}

// TestProbe: a probe's connection stays open across a change, and the
// second exchange reports what the path does then.
func TestProbe(t *testing.T) {
	name := twoNamespaces(t)
	lab, err := Parse("chk.yaml", []byte(strings.ReplaceAll(checkLab, "name: chk", "name: "+name)))
	if err != nil {
		t.Fatal(err)
	}
	p, err := OpenProbe(lab, "a", "b", 7010, 4, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if got := p.Exchange(time.Second); got != ObservedAllow {
		t.Fatalf("second exchange: %s", got)
	}
	cmd := netns.Command(t.Context(), NetnsName(name, "b"), "nft", "-f", "-")
	cmd.Stdin = strings.NewReader("table inet f {\n chain in { type filter hook input priority 0;\n tcp dport 7010 drop\n }\n}\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("nft: %v\n%s", err, out)
	}
	if got := p.Exchange(500 * time.Millisecond); got != ObservedTimeout {
		t.Fatalf("after the drop rule: %s, want timeout", got)
	}
}
