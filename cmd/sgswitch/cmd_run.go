package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/urfave/cli/v2"

	"sgswitch/admin"
	"sgswitch/daemon"
	"sgswitch/ec2api"
	"sgswitch/observe"
	vswitch "sgswitch/switch"
	"sgswitch/testbed"
)

func init() {
	register(&cli.Command{
		Name:  "run",
		Usage: "run the daemon: the switch, the state store, the admin and EC2 APIs",
		Description: "State lives in STATE-DIR/state.db and survives restarts (also kill -9): groups,\n" +
			"rules, prefix lists, interfaces and labs are restored and lab ports re-attached\n" +
			"(a node's TAP eth0 outlives the daemon). SIGTERM saves the conntrack entries to\n" +
			"STATE-DIR/conntrack.snap; the next start restores them, so tracked flows go on.\n" +
			"The EC2 Query API has no authentication, so it listens on loopback only unless\n" +
			"--ec2-listen-any is given.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "state-dir", Value: daemon.DefaultStateDir, Usage: "where the state store lives"},
			&cli.StringFlag{Name: "socket", Value: admin.DefaultSocket, EnvVars: []string{admin.SocketEnv},
				Usage: "admin API unix socket (mode 0600)"},
			&cli.StringFlag{Name: "ec2-listen", Value: ec2api.DefaultListen,
				Usage: "EC2 Query API address (loopback); empty: off"},
			&cli.BoolFlag{Name: "ec2-listen-any", Usage: "allow a non-loopback --ec2-listen address"},
			&cli.StringFlag{Name: "metrics", Usage: "serve Prometheus /metrics on this address"},
			&cli.StringFlag{Name: "subnet", Value: daemon.DefaultVPC().CIDR.String(),
				Usage: "IPv4 subnet of a fresh VPC (the first lab re-bases it)"},
			&cli.StringFlag{Name: "subnet-ipv6", Value: daemon.DefaultVPC().IPv6CIDR.String(),
				Usage: "IPv6 subnet of a fresh VPC; empty: no IPv6"},
			&cli.StringFlag{Name: "flowlog-dir", Usage: "write VPC flow logs (version 2), one rotated file per interface, here (default: STATE-DIR/flowlogs)"},
			&cli.DurationFlag{Name: "flowlog-window", Value: observe.DefaultFlowLogWindow, Usage: "flow-log aggregation interval"},
			&cli.BoolFlag{Name: "no-flowlogs", Usage: "no flow logs at all (no observer on the packet path)"},
			&cli.BoolFlag{Name: "debug", Usage: "log debug messages"},
		},
		Action: runDaemon,
	})
}

func runDaemon(c *cli.Context) error {
	level := slog.LevelInfo
	if c.Bool("debug") {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	vpc := daemon.DefaultVPC()
	var err error
	if vpc.CIDR, err = netip.ParsePrefix(c.String("subnet")); err != nil {
		return cli.Exit(fmt.Sprintf("--subnet: %v", err), 2)
	}
	vpc.IPv6CIDR = netip.Prefix{}
	if s := c.String("subnet-ipv6"); s != "" {
		if vpc.IPv6CIDR, err = netip.ParsePrefix(s); err != nil {
			return cli.Exit(fmt.Sprintf("--subnet-ipv6: %v", err), 2)
		}
	}
	if a := c.String("ec2-listen"); a != "" && !c.Bool("ec2-listen-any") {
		if err := daemon.CheckLoopback(a); err != nil {
			return cli.Exit(err.Error(), 2)
		}
	}

	flowlogDir := c.String("flowlog-dir")
	if flowlogDir == "" {
		flowlogDir = filepath.Join(c.String("state-dir"), "flowlogs")
	}
	dp := daemon.NewSwitchDataplane(vswitch.Config{}, log)
	obs := observe.NewService(dp.Switch(), observe.Config{
		AccountID:  vpc.Owner(),
		FlowLogDir: flowlogDir, FlowLogWindow: c.Duration("flowlog-window"),
		FlowLogOff: c.Bool("no-flowlogs"),
	})
	dp.OnPublish = func(compile, publish time.Duration) {
		obs.Metrics.ObserveCompile(compile)
		obs.Metrics.ObservePublish(publish)
	}
	d, err := daemon.Open(daemon.Config{
		StateDir: c.String("state-dir"), VPC: vpc, Dataplane: dp,
		Wirer: testbed.HostWirer{}, Log: log, Version: version,
	})
	if err != nil {
		return err
	}
	defer d.Close()
	obs.Resolve = d.ResolveENIs

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go obs.Run(ctx)
	return d.Run(ctx, daemon.Listen{
		Socket:     c.String("socket"),
		EC2:        c.String("ec2-listen"),
		EC2Any:     c.Bool("ec2-listen-any"),
		EC2Handler: ec2api.NewHandler(d),
		Metrics:    c.String("metrics"),
		Gatherers:  []prometheus.Gatherer{obs.Metrics.Registry},
		Mount:      func(s *admin.Server) { obs.Mount(s) },
	})
}
