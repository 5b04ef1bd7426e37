package main

import (
	"fmt"
	"testing"

	"github.com/urfave/cli/v2"

	"sgswitch/admin"
	"sgswitch/agent"
	"sgswitch/daemon"
	"sgswitch/ec2api"
	"sgswitch/flowlog"
	"sgswitch/nftexport"
	"sgswitch/observe"
	"sgswitch/testbed"
)

// flagValue finds the default of flag name of the command at path.
func flagValue(t *testing.T, path []string, name string) string {
	t.Helper()
	cmds := newApp().Commands
	var cmd *cli.Command
	for _, p := range path {
		cmd = nil
		for _, c := range cmds {
			if c.Name == p {
				cmd = c
			}
		}
		if cmd == nil {
			t.Fatalf("no command %v", path)
		}
		cmds = cmd.Subcommands
	}
	for _, f := range cmd.Flags {
		if f.Names()[0] == name {
			return fmt.Sprint(f.(cli.DocGenerationFlag).GetValue())
		}
	}
	t.Fatalf("%v has no flag --%s", path, name)
	return ""
}

// TestFlagDefaultsComeFromPackages: every default the CLI shows is the
// one declared by the package that owns the concern, so the CLI and the
// packages cannot drift apart.
func TestFlagDefaultsComeFromPackages(t *testing.T) {
	vpc := daemon.DefaultVPC()
	for _, c := range []struct {
		path []string
		flag string
		want any
	}{
		{[]string{"run"}, "state-dir", daemon.DefaultStateDir},
		{[]string{"lab", "up"}, "state-dir", daemon.DefaultStateDir},
		{[]string{"lab", "down"}, "state-dir", daemon.DefaultStateDir},
		{[]string{"run"}, "socket", admin.DefaultSocket},
		{[]string{"lab", "up"}, "socket", admin.DefaultSocket},
		{[]string{"conntrack", "list"}, "socket", admin.DefaultSocket},
		{[]string{"run"}, "ec2-listen", ec2api.DefaultListen},
		{[]string{"run"}, "metrics", daemon.DefaultMetricsListen},
		{[]string{"ec2"}, "endpoint-url", ec2api.DefaultEndpoint},
		{[]string{"run"}, "subnet", vpc.CIDR.String()},
		{[]string{"run"}, "subnet-ipv6", vpc.IPv6CIDR.String()},
		{[]string{"run"}, "flowlog-window", observe.DefaultFlowLogWindow},
		{[]string{"run"}, "flowlog-max-mb", flowlog.DefaultMaxBytes >> 20},
		{[]string{"run"}, "flowlog-rotate-age", flowlog.DefaultRotateAge},
		{[]string{"run"}, "flowlog-keep", flowlog.DefaultKeep},
		{[]string{"run"}, "flowlog-max-age", flowlog.DefaultMaxAge},
		{[]string{"capture"}, "count", observe.DefaultCaptureCount},
		{[]string{"capture"}, "duration", observe.DefaultCaptureDuration},
		{[]string{"lab", "check"}, "timeout", testbed.DefaultCheckTimeout},
		{[]string{"export", "nftables"}, "table", nftexport.DefaultTable},
		{[]string{"agent"}, "port", agent.GuestPort},
	} {
		if got := flagValue(t, c.path, c.flag); got != fmt.Sprint(c.want) {
			t.Errorf("sgswitch %v --%s defaults to %q, want %q", c.path, c.flag, got, fmt.Sprint(c.want))
		}
	}
	// The documented default (README, issue 14): the daemon `lab up`
	// starts serves /metrics here without any flag.
	if daemon.DefaultMetricsListen != "127.0.0.1:9775" {
		t.Errorf("daemon.DefaultMetricsListen = %s, want 127.0.0.1:9775", daemon.DefaultMetricsListen)
	}
	if ec2api.DefaultEndpoint != "http://"+ec2api.DefaultListen {
		t.Errorf("the client's default endpoint %s is not the daemon's default address %s", ec2api.DefaultEndpoint, ec2api.DefaultListen)
	}
}
