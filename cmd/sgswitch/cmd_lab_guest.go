package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/urfave/cli/v2"

	"sgswitch/agent"
	"sgswitch/instance"
	"sgswitch/testbed"
)

// A VM that sgswitch boots runs the sgswitch agent (agent package) on a
// virtio-serial port; QEMU exposes it as a unix socket in the VM's
// directory. `lab check` runs a VM's side of its checks there, and
// `lab guest` asks the guest what it sees: its addresses, a name through
// its resolver, an instance metadata path through IMDSv2.

// agentWaitFlag bounds how long the CLI waits for a guest's agent: under
// TCG a guest needs about half a minute to reach its init.
func agentWaitFlag() cli.Flag {
	return &cli.DurationFlag{Name: "agent-wait", Value: 2 * time.Minute,
		Usage: "how long to wait for the agent of a VM that is still booting"}
}

// dialAgent connects to the agent of VM node node (lab may be "" when one
// lab has such a node), retrying until wait has passed: the socket
// exists once QEMU runs, the agent answers once the guest has booted.
func dialAgent(ctx context.Context, stateDir, lab, node string, wait time.Duration) (*agent.Client, error) {
	dir, err := consoleDir(stateDir, lab, node)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	for {
		c, err := agent.Dial(ctx, instance.AgentSocketIn(dir))
		if err == nil {
			return c, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("VM %s: its agent did not answer within %s (is the guest up? sgswitch lab console --log %s): %w",
				node, wait, node, err)
		case <-time.After(time.Second):
		}
	}
}

// vmAgents connects to the agent of every node of lab that sgswitch boots
// and the checks use. The returned function gives RunChecks a node's
// agent (nil for other nodes); closeAll closes them.
func vmAgents(ctx context.Context, stateDir string, lab *testbed.Lab, wait time.Duration) (func(string) *agent.Client, func(), error) {
	clients := map[string]*agent.Client{}
	closeAll := func() {
		for _, c := range clients {
			c.Close()
		}
	}
	for _, name := range lab.CheckNodes() {
		if n := lab.Node(name); n == nil || !n.VM.Boots() {
			continue
		}
		c, err := dialAgent(ctx, stateDir, lab.Name, name, wait)
		if err != nil {
			closeAll()
			return nil, nil, err
		}
		clients[name] = c
	}
	return func(node string) *agent.Client { return clients[node] }, closeAll, nil
}

func labGuestCommand() *cli.Command {
	return &cli.Command{
		Name:  "guest",
		Usage: "ask the agent in a VM that sgswitch boots: addrs | resolve NAME | metadata PATH",
		Description: "metadata reads instance metadata inside the guest with IMDSv2, e.g.\n" +
			"   sgswitch lab guest vm1 metadata meta-data/instance-id",
		ArgsUsage: "NODE addrs | NODE resolve NAME | NODE metadata PATH",
		Flags: []cli.Flag{
			stateDirFlag(), agentWaitFlag(),
			&cli.StringFlag{Name: "lab", Usage: "the node's lab (needed when several labs have a node of that name)"},
		},
		Action: labGuest,
	}
}

func labGuest(c *cli.Context) error {
	args := c.Args().Slice()
	if len(args) < 2 || (args[1] == "addrs") != (len(args) == 2) || len(args) > 3 {
		return cli.Exit("usage: sgswitch lab guest NODE addrs | NODE resolve NAME | NODE metadata PATH", 2)
	}
	cl, err := dialAgent(c.Context, c.String("state-dir"), c.String("lab"), args[0], c.Duration("agent-wait"))
	if err != nil {
		return err
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(c.Context, 30*time.Second)
	defer cancel()
	switch args[1] {
	case "addrs":
		as, err := cl.Addrs(ctx)
		for _, a := range as {
			fmt.Printf("%s\t%s\n", a.Interface, a.Prefix)
		}
		return err
	case "resolve":
		as, err := cl.Resolve(ctx, args[2])
		for _, a := range as {
			fmt.Println(a)
		}
		return err
	case "metadata":
		v, err := cl.Metadata(ctx, args[2])
		if err == nil {
			fmt.Fprintln(os.Stdout, v)
		}
		return err
	}
	return cli.Exit(errors.New("unknown question "+args[1]+": addrs, resolve or metadata"), 2)
}
