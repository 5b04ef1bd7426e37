package perf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"

	"sgswitch/netns"
)

// DefaultPrefix is "sgb<pid>-": unique among concurrent runs on one machine.
func DefaultPrefix() string { return fmt.Sprintf("sgb%d-", os.Getpid()) }

// DefaultOwner is "bench/<pid>", the owner of everything one run makes.
func DefaultOwner() netns.Owner { return netns.Owner(fmt.Sprintf("bench/%d", os.Getpid())) }

// Run runs a command and returns its stdout; the error carries stderr.
func Run(name string, args ...string) (string, error) {
	return RunContext(context.Background(), name, args...)
}

// RunContext is Run bounded by ctx.
func RunContext(ctx context.Context, name string, args ...string) (string, error) {
	return output(exec.CommandContext(ctx, name, args...))
}

// RunIn is RunContext inside the namespace ns (netns.Command).
func RunIn(ctx context.Context, ns, name string, args ...string) (string, error) {
	return output(netns.Command(ctx, ns, name, args...))
}

func output(cmd *exec.Cmd) (string, error) {
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("%s: %w: %s", strings.Join(cmd.Args, " "), err, strings.TrimSpace(errb.String()))
	}
	return out.String(), nil
}

// Leftovers lists what a run planned as p left behind: every object still
// recorded for its owner or one of its sections' owners (netns.Leftovers),
// and any namespace in netns.Dir whose name starts with its prefix. After a
// run there must be none.
func Leftovers(p Plan) ([]string, error) {
	var left []string
	var errs []error
	if p.Owner != "" {
		recs, err := netns.Records("")
		errs = append(errs, err)
		seen := map[netns.Owner]bool{}
		for _, r := range recs {
			o := r.Owner
			if seen[o] || (o != netns.Owner(p.Owner) && !strings.HasPrefix(string(o), p.Owner+"/")) {
				continue
			}
			seen[o] = true
			l, err := netns.Leftovers(o)
			errs = append(errs, err)
			left = append(left, l...)
		}
	}
	if p.Prefix != "" {
		ents, err := os.ReadDir(netns.Dir)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), p.Prefix) && !slices.Contains(left, "netns "+e.Name()) {
				left = append(left, "netns "+e.Name())
			}
		}
	}
	return left, errors.Join(errs...)
}
