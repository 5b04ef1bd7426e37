// Command sgswitch is the CLI and the daemon of the sgswitch virtual switch.
//
// It only wires: every subcommand lives in its own file (cmd_*.go) and
// registers itself with register() from an init function, so each concern
// adds its commands without touching the others. The logic lives in the
// packages beside cmd/.
package main

import (
	"fmt"
	"os"
	"sort"

	"github.com/urfave/cli/v2"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

var commands []*cli.Command

// register adds a top-level subcommand; called from init functions.
func register(c *cli.Command) { commands = append(commands, c) }

func newApp() *cli.App {
	sort.Slice(commands, func(i, j int) bool { return commands[i].Name < commands[j].Name })
	return &cli.App{
		Name:     "sgswitch",
		Usage:    "a userspace virtual switch that enforces EC2 security groups",
		Version:  version,
		Commands: commands,
	}
}

func main() {
	if err := newApp().Run(os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "sgswitch:", err)
		os.Exit(exitCode(err))
	}
}

// exitCode lets a command choose its exit status with cli.Exit; any other
// error exits 1.
func exitCode(err error) int {
	if ec, ok := err.(cli.ExitCoder); ok {
		return ec.ExitCode()
	}
	return 1
}
