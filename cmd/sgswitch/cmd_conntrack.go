package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/urfave/cli/v2"

	"sgswitch/admin"
)

func init() {
	register(&cli.Command{
		Name:  "conntrack",
		Usage: "inspect the switch's connection tracking (one zone per ENI)",
		Subcommands: []*cli.Command{{
			Name:  "list",
			Usage: "list tracked connections in the `conntrack -L` line format",
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "eni", Usage: "only this ENI (eni- id, node name, or lab/node)"},
				listOutputFlag(),
				adminSocketFlag(),
			},
			Action: func(c *cli.Context) error {
				cl, err := admin.Dial(c.String("socket"))
				if err != nil {
					return err
				}
				defer cl.Close()
				entries, err := cl.Conntrack(c.Context, c.String("eni"))
				if err != nil {
					return err
				}
				if c.String("output") == "json" {
					return writeIndentedJSON(os.Stdout, entries)
				}
				printConntrack(os.Stdout, os.Stderr, entries)
				return nil
			},
		}},
	})
}

// printConntrack prints one line per entry and, like conntrack -L, the
// count on stderr.
func printConntrack(out, summary io.Writer, entries []admin.ConntrackEntry) {
	for _, e := range entries {
		fmt.Fprintln(out, e.Line)
	}
	fmt.Fprintf(summary, "sgswitch conntrack: %d flow entries have been shown.\n", len(entries))
}

// outputFlag is the -o flag every listing command takes.
func listOutputFlag() cli.Flag {
	return &cli.StringFlag{Name: "output", Aliases: []string{"o"}, Value: "text", Usage: "text or json"}
}

// socketFlag points a client command at a daemon.
func adminSocketFlag() cli.Flag {
	return &cli.StringFlag{Name: "socket", Usage: "admin socket of the daemon",
		Value: admin.DefaultSocket, EnvVars: []string{admin.SocketEnv}}
}

func writeIndentedJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
