package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"sgswitch/account"
	"sgswitch/admin"
	"sgswitch/daemon"
	"sgswitch/ec2api"
	"sgswitch/internal/bounded"
	"sgswitch/netns"
	"sgswitch/testbed"
)

func init() {
	register(&cli.Command{
		Name:  "lab",
		Usage: "build, check and remove labs described by a lab file",
		Subcommands: []*cli.Command{
			{
				Name: "up", Usage: "create the lab's groups, instances and ports (starting the daemon if none runs)",
				ArgsUsage: "FILE", Flags: []cli.Flag{adminSocketFlag(), stateDirFlag(), listOutputFlag()},
				Action: labUp,
			},
			{
				Name: "check", Usage: "run the lab's checks with real sockets inside the namespaces",
				ArgsUsage: "FILE", Action: labCheck,
				Flags: []cli.Flag{
					listOutputFlag(), adminSocketFlag(),
					&cli.DurationFlag{Name: "timeout", Value: testbed.DefaultCheckTimeout, Usage: "how long a check waits before calling a flow denied"},
					&cli.IntFlag{Name: "parallel", Value: 8, Usage: "checks run at once"},
					stateDirFlag(), agentWaitFlag(),
				},
			},
			{
				Name: "status", Usage: "show the lab's nodes, ENIs, groups and ports",
				ArgsUsage: "FILE", Flags: []cli.Flag{adminSocketFlag(), listOutputFlag()},
				Action: labStatus,
			},
			{
				Name: "down", Usage: "remove every namespace, link, process and object of the lab (idempotent)",
				ArgsUsage: "FILE", Flags: []cli.Flag{adminSocketFlag(), stateDirFlag()},
				Action: labDown,
			},
			labConsoleCommand(),
			labGuestCommand(),
			{
				Name: "probe", Hidden: true, ArgsUsage: "FILE",
				Usage:  "hold a TCP connection between two nodes open and report whether bytes pass before and after PATH appears (tests)",
				Action: labProbe,
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "from", Required: true},
					&cli.StringFlag{Name: "to", Required: true},
					&cli.UintFlag{Name: "port", Required: true},
					&cli.StringFlag{Name: "family", Value: "ipv4"},
					&cli.DurationFlag{Name: "timeout", Value: 2 * time.Second},
					&cli.StringFlag{Name: "until", Required: true, Usage: "wait until this file exists, then probe again"},
					&cli.DurationFlag{Name: "max-wait", Value: 2 * time.Minute},
				},
			},
		},
	})
}

func stateDirFlag() cli.Flag {
	return &cli.StringFlag{Name: "state-dir", Value: daemon.DefaultStateDir, EnvVars: []string{daemon.StateDirEnv},
		Usage: "state directory of the daemon `lab up` starts when none runs"}
}

// loadLab reads and parses the FILE argument.
func loadLab(c *cli.Context) (*testbed.Lab, error) {
	if c.NArg() != 1 {
		return nil, cli.Exit("usage: sgswitch lab "+c.Command.Name+" FILE", 2)
	}
	data, err := bounded.ReadFile(c.Args().First())
	if err != nil {
		return nil, err
	}
	return testbed.Parse(c.Args().First(), data)
}

func labUp(c *cli.Context) error {
	lab, err := loadLab(c)
	if err != nil {
		return err
	}
	if err := testbed.Validate(lab); err != nil {
		return err // refused before anything is created
	}
	// The daemon gets absolute paths and the user data itself: it does
	// not know where the lab file is.
	if err := lab.ResolveFiles(filepath.Dir(c.Args().First())); err != nil {
		return err
	}
	for _, n := range lab.Nodes {
		if n.VM.Boots() {
			continue // sgswitch makes its TAPs
		}
		if _, err := net.InterfaceByName(n.Interface); n.Kind == testbed.KindVM && err != nil {
			return fmt.Errorf("%s: topology.nodes.%s: host interface %q does not exist (start the VM first, e.g. qemu -netdev tap,ifname=%s,script=no,downscript=no)",
				lab.File, n.Name, n.Interface, n.Interface)
		}
	}
	cl, err := daemon.EnsureRunning(c.Context, daemon.StartOptions{
		Socket: c.String("socket"), StateDir: c.String("state-dir"),
		EC2Listen: ec2api.ListenAddr(os.Getenv(ec2api.EndpointEnv)), // where `sgswitch ec2` looks
		Clock:     lab.Clock,
	})
	if err != nil {
		return err
	}
	defer cl.Close()
	if err := checkClock(c, cl, lab); err != nil {
		return err
	}
	st, err := cl.ApplyLab(c.Context, lab)
	if err != nil {
		return err // the daemon's errors name the lab ("lab shop: node web: …")
	}
	if c.String("output") == "json" {
		return writeIndentedJSON(os.Stdout, st)
	}
	printLabStatus(os.Stdout, st)
	return nil
}

func labCheck(c *cli.Context) error {
	lab, err := loadLab(c)
	if err != nil {
		return err
	}
	if len(lab.Checks) == 0 && len(lab.Scenarios) == 0 {
		fmt.Fprintf(os.Stderr, "lab %s has no checks\n", lab.Name)
		return nil
	}
	if missing := missingNamespaces(lab); len(missing) > 0 {
		return fmt.Errorf("lab %s is not up (no namespace %s): run `sgswitch lab up %s` first",
			lab.Name, strings.Join(missing, ", "), c.Args().First())
	}
	opt := testbed.CheckOptions{Timeout: c.Duration("timeout"), Parallel: c.Int("parallel")}
	agents, closeAgents, err := vmAgents(c.Context, c.String("state-dir"), lab, c.Duration("agent-wait"))
	if err != nil {
		return err
	}
	defer closeAgents()
	opt.Agents = agents
	cl, err := admin.Dial(c.String("socket"))
	if err == nil {
		defer cl.Close()
		opt.Drops = dropCounters(cl)
		if raw, err := cl.AccountSpec(c.Context); err == nil {
			opt.Account, _ = account.DecodeSpec(raw) // an older daemon: no predictions
		}
	} // no daemon: the checks still run, without saying which layer dropped or predictions
	rs, err := testbed.RunChecks(c.Context, lab, opt)
	if err != nil {
		return err
	}
	steps, err := labScenarios(c, cl, lab, opt)
	if err != nil {
		return err
	}
	if err := writeCheckResults(c, rs, steps, len(lab.Scenarios) > 0); err != nil {
		return err
	}
	if n, m := testbed.Failed(rs), testbed.ScenariosFailed(steps); n > 0 || m > 0 {
		return cli.Exit(fmt.Sprintf("lab %s: %d of %d checks and %d of %d scenario steps failed", lab.Name, n, len(rs), m, len(steps)), 1)
	}
	return nil
}

// labScenarios runs the lab's scenarios, which need the daemon (cl).
func labScenarios(c *cli.Context, cl *admin.Client, lab *testbed.Lab, opt testbed.CheckOptions) ([]testbed.StepResult, error) {
	if len(lab.Scenarios) == 0 {
		return nil, nil
	}
	if cl == nil {
		return nil, fmt.Errorf("lab %s has scenarios: they need the daemon (no daemon on %s)", lab.Name, c.String("socket"))
	}
	env, err := newScenarioEnv(c, cl, lab)
	if err != nil {
		return nil, err
	}
	return testbed.RunScenarios(c.Context, lab, env, opt), nil
}

// writeCheckResults prints the checks' rows, then the scenarios' steps.
// JSON: the array of check results, as always, for a lab without
// scenarios; {"checks": […], "scenarios": […]} for one with them.
func writeCheckResults(c *cli.Context, rs []testbed.Result, steps []testbed.StepResult, scenarios bool) error {
	if c.String("output") == "json" {
		if !scenarios {
			return writeIndentedJSON(os.Stdout, rs)
		}
		return writeIndentedJSON(os.Stdout, map[string]any{"checks": rs, "scenarios": steps})
	}
	if len(rs) > 0 {
		if err := testbed.WriteTable(os.Stdout, rs); err != nil {
			return err
		}
	}
	if !scenarios {
		return nil
	}
	if len(rs) > 0 {
		fmt.Println()
	}
	return writeScenarios(os.Stdout, steps)
}

// missingNamespaces lists the namespaces the checks need that do not exist.
func missingNamespaces(lab *testbed.Lab) []string {
	var out []string
	for _, n := range lab.CheckNodes() {
		if nd := lab.Node(n); nd != nil && nd.VM.Boots() {
			continue // a VM: its agent runs its side
		}
		if ns := testbed.NetnsName(lab.Name, n); !netns.Exists(ns) {
			out = append(out, ns)
		}
	}
	return out
}

func labStatus(c *cli.Context) error {
	lab, err := loadLab(c)
	if err != nil {
		return err
	}
	cl, err := admin.Dial(c.String("socket"))
	if err != nil {
		return err
	}
	defer cl.Close()
	st, err := cl.Lab(c.Context, lab.Name)
	if errors.Is(err, admin.ErrNotFound) {
		return cli.Exit(fmt.Sprintf("lab %s is not up", lab.Name), 1)
	}
	if err != nil {
		return err
	}
	if c.String("output") == "json" {
		return writeIndentedJSON(os.Stdout, st)
	}
	printLabStatus(os.Stdout, st)
	return nil
}

func printLabStatus(w io.Writer, st *admin.LabStatus) {
	if st.VpcId != "" {
		fmt.Fprintf(w, "lab %s: VPC %s\n", st.Name, st.VpcId)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NODE\tENI\tKIND\tPORT\tNETNS/IF\tMAC\tIPV4\tIPV6\tGROUPS\tSTATE")
	for _, n := range st.Nodes {
		state := "up"
		if !n.Attached {
			state = "down"
			if n.Error != "" {
				state += ": " + n.Error
			}
		}
		where := n.Netns
		if where == "" {
			where = n.IfName
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", n.Node, n.ENI, n.Kind, n.Port, where, n.MAC,
			dash(strings.Join(n.IPv4, ",")), dash(strings.Join(n.IPv6, ",")), dash(strings.Join(n.Groups, ",")), state)
	}
	tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// labDown removes the lab: through the daemon when one runs, from the
// store itself when none does, and its hosts in either case
// (daemon.TakeDownLab).
func labDown(c *cli.Context) error {
	lab, err := loadLab(c)
	if err != nil {
		return err
	}
	notes := func(s string) { fmt.Fprintln(os.Stderr, "sgswitch:", s) }
	if err := daemon.TakeDownLab(c.Context, c.String("socket"), c.String("state-dir"), lab.Name, notes); err != nil {
		return err
	}
	fmt.Printf("lab %s is down\n", lab.Name)
	return nil
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

func labProbe(c *cli.Context) error {
	lab, err := loadLab(c)
	if err != nil {
		return err
	}
	family := 4
	if f := c.String("family"); f == "ipv6" || f == "6" {
		family = 6
	}
	timeout := c.Duration("timeout")
	p, err := testbed.OpenProbe(lab, c.String("from"), c.String("to"), uint16(c.Uint("port")), family, timeout)
	if err != nil {
		fmt.Println("before: failed")
		return err
	}
	defer p.Close()
	fmt.Println("before: allow")
	deadline := time.Now().Add(c.Duration("max-wait"))
	for !fileExists(c.String("until")) {
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not appear within %v", c.String("until"), c.Duration("max-wait"))
		}
		time.Sleep(50 * time.Millisecond)
	}
	fmt.Println("after:", p.Exchange(timeout))
	return nil
}

// dropCounters reads the daemon's drop counters, summed over every
// interface by reason (the drop_<direction>_ prefix removed).
func dropCounters(cl *admin.Client) testbed.DropCounters {
	return func(ctx context.Context) (map[string]uint64, error) {
		stats, err := cl.ENIStats(ctx, "")
		if err != nil {
			return nil, err
		}
		out := map[string]uint64{}
		for _, s := range stats {
			for _, c := range s.Counters {
				reason, ok := strings.CutPrefix(c.Name, "drop_ingress_")
				if !ok {
					reason, ok = strings.CutPrefix(c.Name, "drop_egress_")
				}
				if ok {
					out[reason] += c.Value
				}
			}
		}
		return out, nil
	}
}

// checkClock refuses a lab that needs a virtual clock on a daemon that
// runs on the real one: its checks would wait days, not seconds.
func checkClock(c *cli.Context, cl *admin.Client, lab *testbed.Lab) error {
	if lab.Clock != testbed.ClockVirtual {
		return nil
	}
	st, err := cl.Status(c.Context)
	if err != nil {
		return err
	}
	if st.Clock == "" {
		return fmt.Errorf("lab %s needs a virtual clock (clock: virtual), and the daemon on %s runs on the real one: "+
			"stop it, or run one with `sgswitch run --clock virtual`", lab.Name, cl.Socket())
	}
	return nil
}
