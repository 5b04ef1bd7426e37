package main

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"sgswitch/account"
	"sgswitch/admin"
	"sgswitch/internal/bounded"
	"sgswitch/testbed"
	"sgswitch/trace"
)

func init() {
	register(&cli.Command{
		Name:      "trace",
		Usage:     "say hop by hop what the live model does to a flow, without sending a packet",
		ArgsUsage: " ",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "from", Required: true, Usage: "source: a lab node (web1, web1.eth1), an eni- id, an address or a CIDR"},
			&cli.StringFlag{Name: "to", Required: true, Usage: "destination: a lab node, an eni- id, an address or a CIDR"},
			&cli.StringFlag{Name: "proto", Value: "tcp", Usage: "tcp, udp, icmp, icmpv6 or a protocol number"},
			&cli.UintFlag{Name: "port", Usage: "destination port (tcp, udp)"},
			&cli.UintFlag{Name: "source-port", Usage: "source port; 0: any ephemeral port"},
			&cli.StringFlag{Name: "family", Usage: "ipv4 or ipv6 (default: the addresses', else ipv4)"},
			&cli.StringFlag{Name: "lab", Usage: "lab `FILE` whose nodes --from and --to name (default: search every lab)"},
			listOutputFlag(), adminSocketFlag(),
		},
		Action: traceCmd,
	})
}

// traceFlags are the command's flags, apart from where the account is.
type traceFlags struct {
	from, to, proto  string
	port, sourcePort uint
	family           string
	lab              *testbed.Lab // nil: search every lab
	output           string
}

func traceCmd(c *cli.Context) error {
	f := traceFlags{from: c.String("from"), to: c.String("to"), proto: c.String("proto"),
		port: c.Uint("port"), sourcePort: c.Uint("source-port"), family: c.String("family"), output: c.String("output")}
	if p := c.String("lab"); p != "" {
		lab, err := readLab(p)
		if err != nil {
			return err
		}
		f.lab = lab
	}
	acct, err := liveAccount(c.Context, c.String("socket"))
	if err != nil {
		return err
	}
	return runTrace(os.Stdout, acct, f)
}

// liveAccount reads the daemon's account through the admin socket.
func liveAccount(ctx context.Context, socket string) (*account.Account, error) {
	cl, err := admin.Dial(socket)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	raw, err := cl.AccountSpec(ctx)
	if err != nil {
		return nil, err
	}
	return account.DecodeSpec(raw)
}

// runTrace resolves the flags on acct, traces and prints.
func runTrace(w io.Writer, acct *account.Account, f traceFlags) error {
	if f.port > 65535 || f.sourcePort > 65535 {
		return cli.Exit("--port and --source-port are 0-65535", 2)
	}
	q := trace.Query{Proto: f.proto, Port: uint16(f.port), SourcePort: uint16(f.sourcePort)}
	switch strings.TrimPrefix(strings.ToLower(f.family), "ipv") {
	case "":
	case "4":
		q.Family = 4
	case "6":
		q.Family = 6
	default:
		return cli.Exit("--family is ipv4 or ipv6", 2)
	}
	var notes []string
	var err error
	if q.From, notes, err = endpoint(acct, f.lab, f.from, notes); err != nil {
		return err
	}
	if q.To, notes, err = endpoint(acct, f.lab, f.to, notes); err != nil {
		return err
	}
	r, err := trace.Path(acct, q)
	if err != nil {
		return err
	}
	r.Notes = append(notes, r.Notes...)
	if f.output == "json" {
		return trace.WriteJSON(w, r)
	}
	return trace.WriteText(w, r)
}

// endpoint reads an eni- id, an address, a CIDR (its first address after
// the network's, noted) or a lab node.
func endpoint(acct *account.Account, lab *testbed.Lab, s string, notes []string) (trace.Endpoint, []string, error) {
	if strings.HasPrefix(s, "eni-") {
		return trace.Endpoint{Interface: s}, notes, nil
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return trace.Endpoint{Addr: a}, notes, nil
	}
	if p, err := netip.ParsePrefix(s); err == nil {
		a := p.Masked().Addr()
		if p.Bits() < a.BitLen() {
			a = a.Next()
		}
		return trace.Endpoint{Addr: a}, append(notes, fmt.Sprintf("%s stands for some address in it: %s", s, a)), nil
	}
	if lab != nil {
		ep, err := testbed.ParseEndpoint(s)
		if err != nil {
			return trace.Endpoint{}, notes, err
		}
		id := testbed.LabInterfaces(acct, lab.Name)[ep]
		if id == "" {
			return trace.Endpoint{}, notes, fmt.Errorf("lab %s has no interface %s (is it up?)", lab.Name, ep)
		}
		return trace.Endpoint{Interface: id}, notes, nil
	}
	id, _, err := testbed.FindNode(acct, s)
	return trace.Endpoint{Interface: id}, notes, err
}

// readLab reads and parses a lab file.
func readLab(path string) (*testbed.Lab, error) {
	data, err := bounded.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return testbed.Parse(path, data)
}
