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
		Name:  "status",
		Usage: "show the running daemon: version, pid, where it serves, labs and ports",
		Flags: []cli.Flag{listOutputFlag(), adminSocketFlag()},
		Action: func(c *cli.Context) error {
			cl, err := admin.Dial(c.String("socket"))
			if err != nil {
				return err
			}
			defer cl.Close()
			st, err := cl.Status(c.Context)
			if err != nil {
				return err
			}
			if c.String("output") == "json" {
				return writeIndentedJSON(os.Stdout, st)
			}
			printStatus(os.Stdout, st)
			return nil
		},
	})
}

// printStatus prints one "name: value" line per fact; a service that is
// not served says why (metrics whose port was taken).
func printStatus(w io.Writer, st *admin.Status) {
	fmt.Fprintf(w, "version: %s\npid: %d\nstarted: %s\nstate-dir: %s\nsocket: %s\n",
		st.Version, st.PID, st.StartedAt.Format("2006-01-02 15:04:05Z07:00"), st.StateDir, st.Socket)
	fmt.Fprintf(w, "ec2: %s\n", orOff(st.EC2Listen))
	switch {
	case st.MetricsError != "":
		fmt.Fprintf(w, "metrics: not served: %s\n", st.MetricsError)
	default:
		fmt.Fprintf(w, "metrics: %s\n", orOff(st.MetricsListen))
	}
	attached := 0
	for _, p := range st.Ports {
		if p.Attached {
			attached++
		}
	}
	fmt.Fprintf(w, "generation: %d\ngroups: %d\ninterfaces: %d\nlabs: %d %v\nports: %d attached of %d\n",
		st.Generation, st.Groups, st.Interfaces, len(st.Labs), st.Labs, attached, len(st.Ports))
}

func orOff(addr string) string {
	if addr == "" {
		return "off"
	}
	return addr
}
