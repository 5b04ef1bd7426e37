package main

import (
	"fmt"
	"io"
	"os"

	"github.com/urfave/cli/v2"

	"sgswitch/admin"
)

func init() {
	register(&cli.Command{
		Name:  "eni",
		Usage: "inspect the switch's network interfaces",
		Subcommands: []*cli.Command{{
			Name:      "stats",
			Usage:     "per-ENI counters in the `ethtool -S` layout, with the ENA allowance names",
			ArgsUsage: "[ENI]  (eni- id, node name, or lab/node; default: all)",
			Flags:     []cli.Flag{listOutputFlag(), adminSocketFlag()},
			Action: func(c *cli.Context) error {
				if c.NArg() > 1 {
					return cli.Exit("eni stats takes at most one ENI", 2)
				}
				cl, err := admin.Dial(c.String("socket"))
				if err != nil {
					return err
				}
				defer cl.Close()
				stats, err := cl.ENIStats(c.Context, c.Args().First())
				if err != nil {
					return err
				}
				if c.String("output") == "json" {
					return writeIndentedJSON(os.Stdout, stats)
				}
				printENIStats(os.Stdout, stats)
				return nil
			},
		}},
	})
}

// printENIStats prints each ENI as ethtool -S prints a NIC: a header line,
// then "     name: value" lines.
func printENIStats(w io.Writer, stats []admin.ENIStats) {
	for i, s := range stats {
		if i > 0 {
			fmt.Fprintln(w)
		}
		if s.Name != "" {
			fmt.Fprintf(w, "NIC statistics (%s, %s):\n", s.ENI, s.Name)
		} else {
			fmt.Fprintf(w, "NIC statistics (%s):\n", s.ENI)
		}
		for _, c := range s.Counters {
			fmt.Fprintf(w, "     %s: %d\n", c.Name, c.Value)
		}
	}
}
