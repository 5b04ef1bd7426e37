package perf

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"sync/atomic"

	"sgswitch/iface"
	"sgswitch/netns"
	"sgswitch/ruleset"
	vswitch "sgswitch/switch"
	"sgswitch/testbed"
)

// SwitchAgentConfig is what the bench hands the switch process on stdin.
// The switch runs in its own process (`sgswitch bench-switch`, started in
// the bench's switch namespace) so its CPU time can be read apart from the
// generators'.
type SwitchAgentConfig struct {
	Kind string `json:"kind"` // testbed.PortTAP or testbed.PortAFXDP
	// Owner owns the links the agent makes (the bench's scope's owner).
	Owner netns.Owner  `json:"owner"`
	Spec  ruleset.Spec `json:"spec"`
	Nodes []AgentNode  `json:"nodes"`
}

// AgentNode is one endpoint the agent wires: its ENI (by Name tag), its
// namespace, and the port's name on the switch side (portName: unique on
// the machine, as ownership records are keyed by name).
type AgentNode struct {
	ENIName  string     `json:"eni_name"`
	Netns    string     `json:"netns"`
	HostName string     `json:"host_name"`
	MAC      string     `json:"mac"`
	IPv4     netip.Addr `json:"ipv4"`
	IPv6     netip.Addr `json:"ipv6"`
}

// SwitchAgentArgs are the arguments that make a binary run
// RunSwitchAgent: cmd/sgswitch sets it to [its executable, "bench-switch"],
// and the perf tests to their own binary with an environment switch.
var SwitchAgentArgs []string

// RunSwitchAgent is the switch process: it reads a SwitchAgentConfig from
// in, compiles the groups, wires the ports, prints "ready" on out, and
// forwards until in reaches EOF (the bench closed it or died) or ctx ends.
// It runs in the bench's switch namespace, so the ports' host ends are
// made there; it closes them and deletes the links it made before it
// returns (what a killed agent leaves goes with the namespace).
func RunSwitchAgent(ctx context.Context, in io.Reader, out io.Writer) (err error) {
	br := bufio.NewReader(in)
	var cfg SwitchAgentConfig
	if err := json.NewDecoder(br).Decode(&cfg); err != nil {
		return fmt.Errorf("bench-switch: reading config: %w", err)
	}
	if cfg.Owner == "" {
		return errors.New("bench-switch: config names no owner")
	}
	st, err := ruleset.StateFromSpec(cfg.Spec)
	if err != nil {
		return err
	}
	snap := ruleset.NewCompiler().Compile(st)
	sw := vswitch.New(vswitch.Config{})
	if err := sw.Publish(snap); err != nil {
		return err
	}
	var ports []iface.Port
	defer func() {
		for _, p := range ports {
			p.Close()
		}
		for _, n := range cfg.Nodes { // the veths' host ends (a TAP went with its port)
			err = errors.Join(err, netns.DeleteLink(n.HostName, cfg.Owner))
		}
	}()
	for _, n := range cfg.Nodes {
		id, err := st.ResolveInterface(n.ENIName)
		if err != nil {
			return err
		}
		p, err := openPort(cfg, n)
		if err != nil {
			return err
		}
		ports = append(ports, p)
		if err := sw.AddPort(id, p); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { // stdin EOF: the bench is done (or gone)
		_, _ = io.Copy(io.Discard, br)
		cancel()
	}()
	errc := make(chan error, 1)
	go func() { errc <- sw.Run(ctx) }()
	fmt.Fprintln(out, "ready")
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		return <-errc
	}
}

// openPort gives the endpoint n its eth0 (no default route: the bench's
// traffic stays in the subnet) with the other end a port of cfg.Kind.
func openPort(cfg SwitchAgentConfig, n AgentNode) (iface.Port, error) {
	mac, err := net.ParseMAC(n.MAC)
	if err != nil {
		return nil, err
	}
	switch cfg.Kind {
	case testbed.PortTAP, testbed.PortAFXDP:
	default:
		return nil, fmt.Errorf("bench-switch: unknown port kind %q", cfg.Kind)
	}
	in := netns.Interface{Netns: n.Netns, MAC: mac, IPv4: netip.PrefixFrom(n.IPv4, Subnet4.Bits()),
		IPv6: netip.PrefixFrom(n.IPv6, Subnet6.Bits())}
	return testbed.OpenPort(cfg.Kind, n.HostName, in, cfg.Owner)
}

// portSeq numbers the switch ports' host-side names within this process.
var portSeq atomic.Uint32

// portName returns a link name no other process on the machine uses while
// this one runs: "sgp" + the pid in hex + "-" + a sequence number (at most
// 15 bytes, Linux's limit). Ownership records are keyed by name, so a name
// must not be shared even by links in different namespaces.
func portName() string {
	return fmt.Sprintf("sgp%x-%d", os.Getpid(), portSeq.Add(1))
}

// agentEnv marks a test binary re-executed as the switch agent.
const agentEnv = "SGSWITCH_BENCH_SWITCH_AGENT"

// MaybeRunAgent runs the agent and exits when the environment asks for it
// (used by the perf tests' TestMain; cmd/sgswitch has a hidden subcommand).
func MaybeRunAgent() {
	if os.Getenv(agentEnv) != "1" {
		return
	}
	if err := RunSwitchAgent(context.Background(), os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}
