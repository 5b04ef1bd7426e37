package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
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
	"sgswitch/ec2auth"
	"sgswitch/flowlog"
	"sgswitch/flowtable"
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
			"The EC2 Query API verifies SigV4 signatures (--ec2-auth sigv4, the default) made with\n" +
			"credentials the daemon writes to STATE-DIR/" + ec2auth.FileName + " (`sgswitch ec2 credentials`).\n" +
			"It listens on loopback unless --ec2-listen-any is given; --ec2-auth none is loopback only.\n" +
			"Prometheus /metrics is served on " + daemon.DefaultMetricsListen + " unless\n" +
			"--metrics moves it or turns it off; if that port is taken the daemon starts anyway,\n" +
			"logs a warning and `sgswitch status` says why metrics are not served.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "state-dir", Value: daemon.DefaultStateDir, Usage: "where the state store lives"},
			&cli.StringFlag{Name: "socket", Value: admin.DefaultSocket, EnvVars: []string{admin.SocketEnv},
				Usage: "admin API unix socket (mode 0600)"},
			&cli.StringFlag{Name: "ec2-listen", Value: ec2api.DefaultListen,
				Usage: "EC2 Query API address (loopback); empty: off"},
			&cli.BoolFlag{Name: "ec2-listen-any", Usage: "allow a non-loopback --ec2-listen address"},
			&cli.StringFlag{Name: "ec2-auth", Value: "sigv4", Usage: "EC2 API authentication: sigv4, or none (loopback only)"},
			&cli.StringFlag{Name: "metrics", Value: daemon.DefaultMetricsListen,
				Usage: "serve Prometheus /metrics on this address; '' or off: no metrics (a port in use is a warning, not a failure)"},
			&cli.StringFlag{Name: "subnet", Value: daemon.DefaultVPC().CIDR.String(),
				Usage: "IPv4 block of the daemon's default VPC (one subnet of the same block), made on its first start; each lab has a VPC of its own"},
			&cli.StringFlag{Name: "subnet-ipv6", Value: daemon.DefaultVPC().IPv6CIDR.String(),
				Usage: "IPv6 subnet of the default VPC's subnet (the VPC gets the /56 around it); empty: no IPv6"},
			&cli.StringFlag{Name: "flowlog-dir", Usage: "write VPC flow logs (version 2), one rotated file per interface, here (default: STATE-DIR/flowlogs)"},
			&cli.DurationFlag{Name: "flowlog-window", Value: observe.DefaultFlowLogWindow, Usage: "flow-log aggregation interval"},
			&cli.IntFlag{Name: "flowlog-max-mb", Value: flowlog.DefaultMaxBytes >> 20, Usage: "rotate a flow-log file before it grows past this many MiB; 0: no size bound"},
			&cli.DurationFlag{Name: "flowlog-rotate-age", Value: flowlog.DefaultRotateAge, Usage: "rotate a flow-log file written to for this long; 0: no age bound"},
			&cli.IntFlag{Name: "flowlog-keep", Value: flowlog.DefaultKeep, Usage: "rotated flow-log files kept per interface"},
			&cli.DurationFlag{Name: "flowlog-max-age", Value: flowlog.DefaultMaxAge, Usage: "remove flow-log files not written for this long (also those of removed interfaces); 0: never"},
			&cli.BoolFlag{Name: "no-flowlogs", Usage: "no flow logs at all (no observer on the packet path)"},
			&cli.BoolFlag{Name: "debug", Usage: "log debug messages"},
			&cli.BoolFlag{Name: "take-over", Usage: "replace the daemon running on --socket: start, then have it stop gracefully and take its state and ports over (a restart or upgrade without a process start in the outage)"},
			&cli.IntFlag{Name: "flow-capacity", Value: vswitch.DefaultFlowCapacity,
				Usage: "flow-table entries (about 200 bytes each, allocated at start); each interface reserves 2 x its conntrack allowance, and one that does not fit is refused"},
			&cli.StringFlag{Name: "clock", Value: "real",
				Usage: "real, or virtual: conntrack timeouts, allowances and flow-log windows read a clock that `sgswitch clock advance` moves forward"},
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
	log.Debug("process started")
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
	auth := c.String("ec2-auth")
	if auth != "sigv4" && auth != "none" {
		return cli.Exit(fmt.Sprintf("--ec2-auth %q: want sigv4 or none", auth), 2)
	}
	if a := c.String("ec2-listen"); a != "" {
		if err := daemon.CheckEC2Listen(a, c.Bool("ec2-listen-any"), auth == "none"); err != nil {
			return cli.Exit(err.Error(), 2)
		}
	}
	metrics := daemon.MetricsListen(c.String("metrics"))
	if metrics != "" {
		if _, _, err := net.SplitHostPort(metrics); err != nil {
			return cli.Exit(fmt.Sprintf("--metrics: %v", err), 2)
		}
	}
	ec2Handler := func(b ec2api.Backend) http.Handler { return ec2api.NewHandler(b) }
	if auth == "sigv4" {
		creds, err := ec2auth.LoadOrCreate(c.String("state-dir"))
		if err != nil {
			return err
		}
		ec2Handler = func(b ec2api.Backend) http.Handler {
			return ec2api.NewSigV4Handler(b, &ec2auth.Verifier{Credentials: creds})
		}
	}

	flowlogDir := c.String("flowlog-dir")
	if flowlogDir == "" {
		flowlogDir = filepath.Join(c.String("state-dir"), "flowlogs")
	}
	if c.Int("flow-capacity") < 1 {
		return cli.Exit("--flow-capacity must be at least 1", 2)
	}
	swCfg := vswitch.Config{FlowCapacity: c.Int("flow-capacity")}
	var virtual *flowtable.VirtualClock
	var wall func() time.Time
	switch c.String("clock") {
	case "real":
	case "virtual":
		virtual = &flowtable.VirtualClock{}
		swCfg.Clock, wall = virtual, virtual.Wall
	default:
		return cli.Exit("--clock: real or virtual", 2)
	}
	t0 := time.Now()
	dp := daemon.NewSwitchDataplane(swCfg, log)
	log.Debug("switch made", "flow_capacity", c.Int("flow-capacity"), "took_us", time.Since(t0).Microseconds())
	obs := observe.NewService(dp.Switch(), observe.Config{
		AccountID:  vpc.Owner(),
		FlowLogDir: flowlogDir, FlowLogWindow: c.Duration("flowlog-window"),
		FlowLogOff: c.Bool("no-flowlogs"), Clock: wall,
		FlowLogRotation: &flowlog.Rotation{
			MaxBytes: int64(c.Int("flowlog-max-mb")) << 20, RotateAge: c.Duration("flowlog-rotate-age"),
			Keep: c.Int("flowlog-keep"), MaxAge: c.Duration("flowlog-max-age"),
		},
	})
	dp.OnPublish = func(compile, publish time.Duration) {
		obs.Metrics.ObserveCompile(compile)
		obs.Metrics.ObservePublish(publish)
	}
	if c.Bool("take-over") {
		taken, err := daemon.TakeOver(c.Context, c.String("socket"), daemon.TakeOverWait)
		if err != nil {
			return err
		}
		log.Debug("took over", "from_a_running_daemon", taken)
	}
	d, err := daemon.Open(daemon.Config{
		StateDir: c.String("state-dir"), VPC: vpc, Dataplane: dp,
		Wirer: testbed.HostWirer{}, Log: log, Version: version,
		FlowBudget: dp.Switch().FlowCapacity(), Clock: virtual,
	})
	if err != nil {
		return err
	}
	defer func() {
		d.Close()
		log.Debug("process exits")
	}()
	obs.Resolve = d.ResolveENIs

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go obs.Run(ctx)
	return d.Run(ctx, daemon.Listen{
		Socket:             c.String("socket"),
		EC2:                c.String("ec2-listen"),
		EC2Any:             c.Bool("ec2-listen-any"),
		EC2Handler:         ec2Handler(d),
		EC2Unauthenticated: auth == "none",
		Metrics:            metrics,
		Gatherers:          []prometheus.Gatherer{obs.Metrics.Registry},
		Mount:              func(s *admin.Server) { obs.Mount(s) },
	})
}
