package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/urfave/cli/v2"

	"sgswitch/internal/bounded"
	"sgswitch/nftexport"
	"sgswitch/perf"
	"sgswitch/ruleset"
	"sgswitch/testbed"
)

func init() {
	register(&cli.Command{
		Name:  "export",
		Usage: "render security groups for another enforcer",
		Subcommands: []*cli.Command{{
			Name:  "nftables",
			Usage: "print the groups as an nftables inet ruleset (apply with nft -f; bridged traffic needs br_netfilter)",
			Description: "Reads a lab file, a ruleset Spec (the JSON of a ruleset State) or builds the bench's groups, and prints\n" +
				"an nft script: `ct state established,related accept` first, then each interface's egress and\n" +
				"ingress chains. See the nftexport package for what differs from EC2.",
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "lab", Usage: "lab file (YAML): its groups, prefix lists and nodes"},
				&cli.StringFlag{Name: "spec", Usage: "ruleset Spec JSON file (- for stdin)"},
				&cli.IntFlag{Name: "bench-rules", Usage: "instead, the groups `sgswitch bench` uses, with about N server ingress rules"},
				&cli.StringFlag{Name: "form", Value: "sets", Usage: "sets (interval sets) or linear (one rule per CIDR and port range)"},
				&cli.StringFlag{Name: "table", Value: nftexport.DefaultTable, Usage: "nftables table name (family inet)"},
				&cli.BoolFlag{Name: "replace", Usage: "delete the table first, so the script replaces an earlier load"},
			},
			Action: exportNftables,
		}},
	})
}

func exportNftables(c *cli.Context) error {
	opt := nftexport.Options{Table: c.String("table"), Flush: c.Bool("replace")}
	switch c.String("form") {
	case "sets":
		opt.Form = nftexport.FormSets
	case "linear":
		opt.Form = nftexport.FormLinear
	default:
		return cli.Exit(fmt.Sprintf("export nftables: --form %q: want sets or linear", c.String("form")), 2)
	}
	var rs *nftexport.Ruleset
	switch {
	case c.IsSet("bench-rules"):
		g, err := perf.BenchGroups(c.Int("bench-rules"))
		if err != nil {
			return err
		}
		rs = g.Set
	case c.String("lab") != "":
		sp, err := labSpec(c.String("lab"))
		if err != nil {
			return err
		}
		if rs, err = nftexport.FromSpec(sp); err != nil {
			return err
		}
	case c.String("spec") != "":
		sp, err := readSpec(c.String("spec"))
		if err != nil {
			return err
		}
		if rs, err = nftexport.FromSpec(sp); err != nil {
			return err
		}
	default:
		return cli.Exit("export nftables: give --lab FILE, --spec FILE or --bench-rules N", 2)
	}
	_, err := io.WriteString(c.App.Writer, nftexport.Generate(rs, opt))
	return err
}

// labSpec applies a lab file to a fresh State of the VPC it describes, as
// `sgswitch lab up` would, and returns that State's Spec.
func labSpec(path string) (ruleset.Spec, error) {
	b, err := bounded.ReadFile(path)
	if err != nil {
		return ruleset.Spec{}, err
	}
	lab, err := testbed.Parse(path, b)
	if err != nil {
		return ruleset.Spec{}, err
	}
	acct, ap, err := testbed.Scratch(lab)
	if err != nil {
		return ruleset.Spec{}, err
	}
	return acct.Groups(ap.VpcID).Spec(), nil
}

func readSpec(path string) (ruleset.Spec, error) {
	var sp ruleset.Spec
	var b []byte
	var err error
	if path == "-" {
		b, err = bounded.Read("standard input", os.Stdin)
	} else {
		b, err = bounded.ReadFile(path)
	}
	if err != nil {
		return sp, err
	}
	if err := json.Unmarshal(b, &sp); err != nil {
		return sp, fmt.Errorf("%s: %w", path, err)
	}
	// Round-trip through a State so an invalid Spec is refused here.
	st, err := ruleset.StateFromSpec(sp)
	if err != nil {
		return sp, fmt.Errorf("%s: %w", path, err)
	}
	return st.Spec(), nil
}
