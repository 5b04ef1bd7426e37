package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// BenchmarkIperf measures the figures in one run: TCP Gb/s with 1
// and 4 streams and 64-byte UDP packets/s between two namespaces, through
// the Linux bridge + nftables path (br_netfilter, inet table, `ct state
// established,related accept` first); sgswitch (vswitch, one security group
// opening port 5201) with TAP-offload, AF_XDP and AF_PACKET ports; and, as
// the port cost without the switch's pipeline, TAP-offload and AF_XDP ports
// joined by the test forwarder. Root and iperf3 needed; run it once:
//
//	go test -run XXX -bench Iperf -benchtime 1x ./iface/e2e/
//
// Each iperf3 run lasts IPERF_SECONDS (default 3).
func BenchmarkIperf(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root: creates namespaces and runs iperf3 in them")
	}
	if _, err := exec.LookPath("iperf3"); err != nil {
		b.Skip("needs iperf3 (scripts/install-deps.sh)")
	}
	secs := os.Getenv("IPERF_SECONDS")
	if secs == "" {
		secs = "3"
	}
	for _, path := range []string{"bridge-nft", "switch-tap-offload", "switch-afxdp", "switch-afpacket", "fwd-tap-offload", "fwd-afxdp"} {
		b.Run(path, func(b *testing.B) {
			nsA, nsB, stop := setupPath(b, path)
			defer stop()
			srv := exec.Command("ip", "netns", "exec", nsB, "iperf3", "-s", "-B", AddrB4.Addr().String(), "-p", "5201")
			if err := srv.Start(); err != nil {
				b.Fatal(err)
			}
			defer func() { _ = srv.Process.Kill(); _ = srv.Wait() }()
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
	cmd := append([]string{"netns", "exec", nsA, "iperf3", "-J", "-c", AddrB4.Addr().String(), "-p", "5201"}, args...)
	out, err := exec.Command("ip", cmd...).Output()
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

func setupPath(b *testing.B, path string) (nsA, nsB string, stop func()) {
	var l *Lab
	var err error
	switch path {
	case "switch-tap-offload", "switch-afxdp", "switch-afpacket":
		kind := map[string]Kind{"switch-tap-offload": TAP, "switch-afxdp": AFXDP, "switch-afpacket": AFPacket}[path]
		l, _, _ := switchLab(b, kind, kind)
		return l.NsA, l.NsB, func() {} // torn down by b.Cleanup
	case "fwd-tap-offload":
		l, err = NewLab(TAP, TAP, 1500)
	case "fwd-afxdp":
		l, err = NewLab(AFXDP, AFXDP, 1500)
	case "bridge-nft":
		return setupBridge(b)
	}
	if err != nil {
		b.Fatal(err)
	}
	f := Forward(l.PortA, l.PortB)
	return l.NsA, l.NsB, func() { _ = f.Stop(); _ = l.Close() }
}

// setupBridge wires A and B by veth into a bridge in a third namespace with
// br_netfilter on and an inet table that admits established traffic first,
// then new flows to B's port 5201 and ICMP.
func setupBridge(b *testing.B) (string, string, func()) {
	p := NewPrefix()
	nsA, nsB, nsBr := p+"-a", p+"-b", p+"-br"
	stop := func() { _ = teardownPrefix(p) }
	run := func(args ...string) {
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			stop()
			b.Fatalf("%v: %v: %s", args, err, out)
		}
	}
	for _, ns := range []string{nsA, nsB, nsBr} {
		run("ip", "netns", "add", ns)
		run("ip", "-n", ns, "link", "set", "lo", "up")
	}
	run("ip", "-n", nsBr, "link", "add", "br0", "type", "bridge")
	for i, e := range []struct {
		ns, addr4, addr6 string
	}{{nsA, AddrA4.String(), AddrA6.String()}, {nsB, AddrB4.String(), AddrB6.String()}} {
		port := fmt.Sprintf("p%d", i)
		run("ip", "-n", nsBr, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", e.ns)
		run("ip", "-n", nsBr, "link", "set", port, "master", "br0", "up")
		run("ip", "-n", e.ns, "addr", "add", e.addr4, "dev", "eth0")
		run("ip", "-n", e.ns, "addr", "add", e.addr6, "dev", "eth0", "nodad")
		run("ip", "-n", e.ns, "link", "set", "eth0", "up")
	}
	run("ip", "-n", nsBr, "link", "set", "br0", "up")
	run("ip", "netns", "exec", nsBr, "sysctl", "-qw", "net.bridge.bridge-nf-call-iptables=1")
	run("ip", "netns", "exec", nsBr, "sysctl", "-qw", "net.bridge.bridge-nf-call-ip6tables=1")
	nft := exec.Command("ip", "netns", "exec", nsBr, "nft", "-f", "-")
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
		stop()
		b.Fatalf("nft: %v: %s", err, out)
	}
	return nsA, nsB, stop
}
