package main

import (
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"sgswitch/netns"
)

func init() {
	register(&cli.Command{
		Name:  "host",
		Usage: "what sgswitch made on this host (namespaces, links, claimed interfaces, VM processes), and removing it",
		Subcommands: []*cli.Command{
			{
				Name: "list", Usage: "list every namespace, link, interface claim and process sgswitch recorded, by owner",
				Flags:  []cli.Flag{listOutputFlag()},
				Action: hostList,
			},
			{
				Name: "remove", Usage: "remove everything recorded for the owners given (lab/NAME, bench/PID, test/…); prefer `lab down` for a lab",
				ArgsUsage: "OWNER...",
				Action:    hostRemove,
			},
		},
	})
}

func hostList(c *cli.Context) error {
	inv, err := netns.Inventory()
	if c.String("output") == "json" {
		if jerr := writeIndentedJSON(os.Stdout, inv); jerr != nil {
			return jerr
		}
		return err
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "OWNER\tKIND\tNAME\tEXISTS\tCREATED\tBY PID")
	for _, e := range inv {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%v\t%s\t%d\n", e.Owner, e.Kind, e.Name, e.Exists, e.Created.Format("2006-01-02T15:04:05Z"), e.PID)
	}
	tw.Flush()
	return err
}

func hostRemove(c *cli.Context) error {
	if c.NArg() == 0 {
		return cli.Exit("usage: sgswitch host remove OWNER... (see sgswitch host list)", 2)
	}
	for _, o := range c.Args().Slice() {
		if err := netns.RemoveAll(netns.Owner(o)); err != nil {
			return fmt.Errorf("%s: %w", o, err)
		}
		fmt.Printf("removed what %s made\n", o)
	}
	return nil
}
