package main

import (
	"fmt"
	"net/http"
	"time"

	"github.com/urfave/cli/v2"

	"sgswitch/admin"
	"sgswitch/daemon"
)

// `sgswitch clock` shows and moves the clock of a daemon started with
// `--clock virtual` (daemon/clock.go).
func init() {
	register(&cli.Command{
		Name:  "clock",
		Usage: "show or advance the daemon's virtual clock (sgswitch run --clock virtual)",
		Subcommands: []*cli.Command{
			{
				Name: "show", Usage: "print the clock's kind and how far it is ahead",
				Flags:  []cli.Flag{adminSocketFlag()},
				Action: func(c *cli.Context) error { return clockCall(c, http.MethodGet, nil) },
			},
			{
				Name: "advance", Usage: "move the virtual clock forward, e.g. by 351s: idle flows past their timeout expire at once",
				ArgsUsage: "DURATION",
				Flags:     []cli.Flag{adminSocketFlag()},
				Action: func(c *cli.Context) error {
					d, err := time.ParseDuration(c.Args().First())
					if c.NArg() != 1 || err != nil || d < 0 {
						return cli.Exit("usage: sgswitch clock advance DURATION (a Go duration: 351s, 120h)", 2)
					}
					return clockCall(c, http.MethodPost, &daemon.ClockAdvance{By: d.String()})
				},
			},
		},
	})
}

func clockCall(c *cli.Context, method string, body any) error {
	cl, err := admin.Dial(c.String("socket"))
	if err != nil {
		return err
	}
	defer cl.Close()
	var st daemon.ClockStatus
	if err := cl.Do(c.Context, method, daemon.ClockPath, body, &st); err != nil {
		return err
	}
	fmt.Printf("%s clock, %s ahead\n", st.Kind, st.Offset)
	return nil
}
