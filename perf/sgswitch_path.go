package perf

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"sgswitch/netns"
)

// SgswitchPath is sgswitch itself: the switch process (RunSwitchAgent) in
// the switch namespace with one port per endpoint — TAP (IFF_VNET_HDR with
// offloads: GSO super-frames are judged once) or AF_XDP on a veth, made
// by testbed.OpenPort inside the switch namespace.
type SgswitchPath struct {
	Kind string // testbed.PortTAP ("tap") or testbed.PortAFXDP ("afxdp")
}

// Name implements Path.
func (s SgswitchPath) Name() string { return "sgswitch-" + s.Kind }

func init() {
	extraPaths = append(extraPaths,
		func() (Path, bool, NotMeasured) { return SgswitchPath{Kind: "tap"}, true, NotMeasured{} },
		func() (Path, bool, NotMeasured) { return SgswitchPath{Kind: "afxdp"}, false, NotMeasured{} },
	)
}

// Setup implements Path.
func (s SgswitchPath) Setup(ctx context.Context, sc *netns.Scope, tag string, g *Groups) (Topology, error) {
	t, err := addEndpoints(sc, tag)
	if err != nil {
		return t, err
	}
	if len(SwitchAgentArgs) == 0 {
		return t, fmt.Errorf("no switch agent binary configured (perf.SwitchAgentArgs)")
	}
	cfg := SwitchAgentConfig{Kind: s.Kind, Owner: sc.Owner, Spec: g.State.Spec(), Nodes: []AgentNode{
		{ENIName: ClientENIName, Netns: t.Client.Netns, HostName: portName(), MAC: t.Client.MAC, IPv4: t.Client.IPv4, IPv6: t.Client.IPv6},
		{ENIName: ServerENIName, Netns: t.Server.Netns, HostName: portName(), MAC: t.Server.MAC, IPv4: t.Server.IPv4, IPv6: t.Server.IPv6},
	}}
	cmd := netns.Command(ctx, t.SwitchNetns, SwitchAgentArgs[0], SwitchAgentArgs[1:]...)
	cmd.Env = append(os.Environ(), agentEnv+"=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return t, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return t, err
	}
	if err := sc.Start(cmd); err != nil {
		return t, err
	}
	sc.OnClose(func() { stdin.Close() }) // EOF: the agent stops and closes its ports
	if err := json.NewEncoder(stdin).Encode(cfg); err != nil {
		return t, fmt.Errorf("sending the switch its config: %w", err)
	}
	if err := waitReady(stdout, 30*time.Second); err != nil {
		return t, fmt.Errorf("%s: %w", s.Name(), err)
	}
	t.SwitchPIDs = []int{cmd.Process.Pid}
	for _, e := range [][2]Endpoint{{t.Client, t.Server}, {t.Server, t.Client}} {
		for _, a := range []string{e[1].IPv4.String(), e[1].IPv6.String()} {
			if _, err := Run("ip", "-n", e[0].Netns, "neigh", "replace", a, "lladdr", e[1].MAC, "dev", e[0].Dev, "nud", "permanent"); err != nil {
				return t, err
			}
		}
	}
	return t, nil
}

// waitReady reads the agent's "ready" line, bounded by d.
func waitReady(r io.Reader, d time.Duration) error {
	done := make(chan error, 1)
	go func() {
		line, err := bufio.NewReader(r).ReadString('\n')
		if err != nil {
			done <- fmt.Errorf("switch process ended before it was ready: %w", err)
			return
		}
		if strings.TrimSpace(line) != "ready" {
			done <- fmt.Errorf("switch process said %q", line)
			return
		}
		done <- nil
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		return fmt.Errorf("switch process not ready after %s", d)
	}
}
