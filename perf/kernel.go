package perf

import (
	"context"
	"fmt"
	"strings"

	"sgswitch/netns"
	"sgswitch/nftexport"
)

// KernelPath is the path users would pick instead of sgswitch: the two
// endpoints' veths in a Linux bridge in the switch namespace, with
// br_netfilter handing bridged IPv4/IPv6 to an nftables `inet` table that
// nftexport generated from the same security groups. (This kernel has no
// bridge-family conntrack, CONFIG_NF_CONNTRACK_BRIDGE is off.)
type KernelPath struct {
	Form nftexport.Form
}

// Name implements Path.
func (k KernelPath) Name() string {
	if k.Form == nftexport.FormLinear {
		return "kernel-linear"
	}
	return "kernel"
}

// Setup implements Path.
func (k KernelPath) Setup(ctx context.Context, s *netns.Scope, tag string, g *Groups) (Topology, error) {
	t, err := addEndpoints(s, tag)
	if err != nil {
		return t, err
	}
	sw := t.SwitchNetns
	if err := addVeth(t.Client, t.Server, sw, "pa", false); err != nil {
		return t, err
	}
	if err := addVeth(t.Server, t.Client, sw, "pb", false); err != nil {
		return t, err
	}
	for _, c := range [][]string{
		{"ip", "-n", sw, "link", "add", "br0", "type", "bridge"},
		{"ip", "-n", sw, "link", "set", "pa", "master", "br0"},
		{"ip", "-n", sw, "link", "set", "pb", "master", "br0"},
		{"ip", "-n", sw, "link", "set", "br0", "up"},
	} {
		if _, err := RunContext(ctx, c[0], c[1:]...); err != nil {
			return t, fmt.Errorf("kernel path: %w", err)
		}
	}
	for _, key := range []string{"net.bridge.bridge-nf-call-iptables=1", "net.bridge.bridge-nf-call-ip6tables=1"} {
		if _, err := RunIn(ctx, sw, "sysctl", "-qw", key); err != nil {
			return t, fmt.Errorf("kernel path: %w", err)
		}
	}
	if err := LoadNft(ctx, sw, nftexport.Generate(g.Set, nftexport.Options{Form: k.Form})); err != nil {
		return t, err
	}
	return t, nil
}

// LoadNft applies an nft script inside ns.
func LoadNft(ctx context.Context, ns, script string) error {
	cmd := netns.Command(ctx, ns, "nft", "-f", "-")
	cmd.Stdin = strings.NewReader(script)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("nft -f in %s: %w: %s", ns, err, out)
	}
	return nil
}
