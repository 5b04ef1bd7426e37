package porttest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"sgswitch/netns"
	"sgswitch/netns/netnstest"
)

// BenchmarkIperf measures the figures in one run: TCP Gb/s with 1
// and 4 streams and 64-byte UDP packets/s between two namespaces, through
// the Linux bridge + nftables path (br_netfilter, inet table, `ct state
// established,related accept` first); sgswitch (vswitch, one security group
// opening port 5201) with TAP-offload, AF_XDP and AF_PACKET ports; and, as
// the port cost without the switch's pipeline, TAP-offload and AF_XDP ports
// joined by the test forwarder. Root and iperf3 needed; run it once:
//
//	go test -run XXX -bench Iperf -benchtime 1x ./internal/porttest/
//
// Each iperf3 run lasts IPERF_SECONDS (default 3).
func BenchmarkIperf(b *testing.B) {
	netnstest.RequireRoot(b)
	if _, err := exec.LookPath("iperf3"); err != nil {
		b.Skip("needs iperf3 (scripts/install-deps.sh)")
	}
	secs := os.Getenv("IPERF_SECONDS")
	if secs == "" {
		secs = "3"
	}
	for _, path := range []string{"bridge-nft", "switch-tap-offload", "switch-afxdp", "switch-afpacket", "fwd-tap-offload", "fwd-afxdp"} {
		b.Run(path, func(b *testing.B) {
			s, nsA, nsB := setupPath(b, path)
			srv := netns.Command(context.Background(), nsB, "iperf3", "-s", "-B", AddrB4.Addr().String(), "-p", "5201")
			if err := s.Start(srv); err != nil { // the scope ends it
				b.Fatal(err)
			}
			time.Sleep(300 * time.Millisecond) // let the server bind
			for _, m := range []struct {
				name string
				args []string
			}{
				{"tcp1-Gb/s", []string{"-t", secs}},
				{"tcp4-Gb/s", []string{"-t", secs, "-P", "4"}},
				{"udp64-kpps", []string{"-t", secs, "-u", "-b", "0", "-l", "18"}},
			} {
				v, err := iperf(nsA, m.args)
				if err != nil {
					b.Errorf("%s %s: %v", path, m.name, err)
					continue
				}
				b.ReportMetric(v, m.name)
			}
		})
	}
}

// iperf runs the client in nsA and returns Gb/s (TCP) or received kpps (UDP).
func iperf(nsA string, args []string) (float64, error) {
	cmd := append([]string{"-J", "-c", AddrB4.Addr().String(), "-p", "5201"}, args...)
	out, err := netns.Command(context.Background(), nsA, "iperf3", cmd...).Output()
	if err != nil {
		return 0, fmt.Errorf("iperf3: %v: %s", err, out)
	}
	var r struct {
		End struct {
			SumReceived struct {
				BitsPerSecond float64 `json:"bits_per_second"`
			} `json:"sum_received"`
			Sum struct {
				Seconds     float64 `json:"seconds"`
				Packets     float64 `json:"packets"`
				LostPackets float64 `json:"lost_packets"`
			} `json:"sum"`
		} `json:"end"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		return 0, err
	}
	if strings.Contains(strings.Join(args, " "), "-u") {
		if r.End.Sum.Seconds == 0 {
			return 0, fmt.Errorf("iperf3 udp: no result")
		}
		return (r.End.Sum.Packets - r.End.Sum.LostPackets) / r.End.Sum.Seconds / 1e3, nil
	}
	return r.End.SumReceived.BitsPerSecond / 1e9, nil
}

// setupPath builds path in a scope of the benchmark's own (netnstest.New:
// removed when b ends) and returns the scope and A's and B's namespaces.
func setupPath(b *testing.B, path string) (s *netns.Scope, nsA, nsB string) {
	var p *Pair
	var err error
	switch path {
	case "switch-tap-offload", "switch-afxdp", "switch-afpacket":
		kind := map[string]Kind{"switch-tap-offload": TAP, "switch-afxdp": AFXDP, "switch-afpacket": AFPacket}[path]
		p, _, _ := switchPair(b, kind, kind)
		return p.scope, p.NsA, p.NsB
	case "fwd-tap-offload":
		p, err = NewPair(netnstest.New(b), TAP, TAP, 1500)
	case "fwd-afxdp":
		p, err = NewPair(netnstest.New(b), AFXDP, AFXDP, 1500)
	case "bridge-nft":
		return setupBridge(b)
	}
	if err != nil {
		b.Fatal(err)
	}
	f := Forward(p.PortA, p.PortB)
	b.Cleanup(func() { _ = f.Stop() })
	return p.scope, p.NsA, p.NsB
}

// setupBridge wires A and B by veth into a bridge in a third namespace with
// br_netfilter on and an inet table that admits established traffic first,
// then new flows to B's port 5201 and ICMP. The veths live in the scope's
// namespaces and go with them.
func setupBridge(b *testing.B) (*netns.Scope, string, string) {
	s := netnstest.New(b)
	var names [3]string
	for i, short := range []string{"-a", "-b", "-br"} {
		var err error
		if names[i], err = s.CreateNetns(short); err != nil {
			b.Fatal(err)
		}
	}
	nsA, nsB, nsBr := names[0], names[1], names[2]
	run := func(cmd *exec.Cmd) {
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%v: %v: %s", cmd.Args, err, out)
		}
	}
	ip := func(args ...string) { run(exec.Command("ip", args...)) }
	ip("-n", nsBr, "link", "add", "br0", "type", "bridge")
	for i, e := range []struct {
		ns, addr4, addr6 string
	}{{nsA, AddrA4.String(), AddrA6.String()}, {nsB, AddrB4.String(), AddrB6.String()}} {
		port := fmt.Sprintf("p%d", i)
		ip("-n", nsBr, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", e.ns)
		ip("-n", nsBr, "link", "set", port, "master", "br0", "up")
		ip("-n", e.ns, "addr", "add", e.addr4, "dev", "eth0")
		ip("-n", e.ns, "addr", "add", e.addr6, "dev", "eth0", "nodad")
		ip("-n", e.ns, "link", "set", "eth0", "up")
	}
	ip("-n", nsBr, "link", "set", "br0", "up")
	ctx := context.Background()
	run(netns.Command(ctx, nsBr, "sysctl", "-qw", "net.bridge.bridge-nf-call-iptables=1"))
	run(netns.Command(ctx, nsBr, "sysctl", "-qw", "net.bridge.bridge-nf-call-ip6tables=1"))
	nft := netns.Command(ctx, nsBr, "nft", "-f", "-")
	nft.Stdin = strings.NewReader(`table inet sg {
	chain filter_forward {
		type filter hook forward priority 0; policy drop;
		ct state established,related accept
		ct state invalid drop
		ip daddr 198.18.0.12 tcp dport 5201 accept
		ip daddr 198.18.0.12 udp dport 5201 accept
		meta l4proto { icmp, ipv6-icmp } accept
	}
}
`)
	if out, err := nft.CombinedOutput(); err != nil {
		b.Fatalf("nft: %v: %s", err, out)
	}
	return s, nsA, nsB
}
