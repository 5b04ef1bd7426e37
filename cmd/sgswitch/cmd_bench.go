package main

import (
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"encoding/json"

	"github.com/urfave/cli/v2"

	"sgswitch/internal/bounded"
	"sgswitch/perf"
)

func init() {
	register(&cli.Command{
		Name:  "bench",
		Usage: "benchmark sgswitch against the Linux bridge + nftables and Open vSwitch (root)",
		Description: "Builds its own network namespaces (prefix sgb<pid>-, addresses from 198.18.0.0/15 and\n" +
			"fd00:5e5e::/48), measures, and removes everything on every exit path including Ctrl-C.\n" +
			"Writes report.md, results.json and PNG charts into --out.",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "quick", Usage: "short runs, one repetition (under 3 minutes; a smoke test, not a measurement)"},
			&cli.StringFlag{Name: "out", Value: "bench-out", Usage: "directory for report.md, results.json and charts"},
		},
		Action: runBench,
		Before: func(*cli.Context) error {
			exe, err := os.Executable()
			if err != nil {
				return err
			}
			perf.SwitchAgentArgs = []string{exe, "bench-switch"}
			return nil
		},
		Subcommands: []*cli.Command{{
			Name:      "render",
			Usage:     "re-render report.md, readme-section.md and the charts from a results.json",
			ArgsUsage: "RESULTS.json",
			Flags:     []cli.Flag{&cli.StringFlag{Name: "out", Value: "bench-out", Usage: "output directory"}},
			Action: func(c *cli.Context) error {
				res, err := readResults(c)
				if err != nil {
					return err
				}
				return perf.Write(res, c.String("out"))
			},
		}, {
			Name:      "check",
			Usage:     "check a results.json: every planned figure measured or explained, no namespace left behind",
			ArgsUsage: "RESULTS.json",
			Action:    checkBench,
		}},
	})
}

func init() {
	register(&cli.Command{
		Name:   "bench-switch",
		Hidden: true,
		Usage:  "internal: the switch process of `sgswitch bench` (config on stdin; runs until stdin closes)",
		Action: func(c *cli.Context) error {
			ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
			defer stop()
			return perf.RunSwitchAgent(ctx, os.Stdin, os.Stdout)
		},
	})
}

func runBench(c *cli.Context) error {
	if os.Geteuid() != 0 {
		return cli.Exit("sgswitch bench: needs root (it creates network namespaces)", 1)
	}
	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()
	opt := perf.DefaultOptions(c.Bool("quick"))
	opt.Progress = os.Stderr
	opt.Command = "sgswitch " + strings.Join(os.Args[1:], " ")
	for _, u := range opt.Unavailable {
		fmt.Fprintf(os.Stderr, "skipping %s: %s\n", u.Path, u.Reason)
	}
	res, err := perf.RunSuite(ctx, opt)
	if err != nil && ctx.Err() != nil {
		return cli.Exit("sgswitch bench: interrupted; namespaces removed, nothing written", 130)
	}
	if werr := perf.Write(res, c.String("out")); werr != nil {
		return werr
	}
	fmt.Fprintf(os.Stderr, "wrote %s/report.md, results.json and charts (%d figures, %d not measured)\n",
		c.String("out"), len(res.Figures), len(res.NotMeasured))
	return err
}

func readResults(c *cli.Context) (*perf.Results, error) {
	if c.NArg() != 1 {
		return nil, cli.Exit("usage: sgswitch bench "+c.Command.Name+" RESULTS.json", 2)
	}
	b, err := bounded.ReadFile(c.Args().First())
	if err != nil {
		return nil, err
	}
	var res perf.Results
	if err := json.Unmarshal(b, &res); err != nil {
		return nil, fmt.Errorf("%s: %w", c.Args().First(), err)
	}
	return &res, nil
}

func checkBench(c *cli.Context) error {
	res, err := readResults(c)
	if err != nil {
		return err
	}
	if err := perf.Check(res); err != nil {
		return err
	}
	left, err := perf.Leftovers(res.Plan)
	if err != nil {
		return err
	}
	if len(left) > 0 {
		return fmt.Errorf("left behind: %s", strings.Join(left, ", "))
	}
	fmt.Printf("ok: %d figures, %d not measured (with reasons), no namespace or link left behind\n", len(res.Figures), len(res.NotMeasured))
	return nil
}
