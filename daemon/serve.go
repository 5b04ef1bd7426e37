package daemon

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"sgswitch/admin"
	"sgswitch/internal/httplimit"
)

// DefaultMetricsListen is where `sgswitch run` serves Prometheus /metrics
// unless --metrics moves it or turns it off: loopback, next to the EC2
// API's 8775, so the daemon `lab up` starts is scrapable without flags.
const DefaultMetricsListen = "127.0.0.1:9775"

// MetricsListen turns a --metrics value into a Listen.Metrics address:
// "" and "off" turn metrics off, anything else is the address.
func MetricsListen(flag string) string {
	if flag == "off" {
		return ""
	}
	return flag
}

// Listen says where Run serves.
type Listen struct {
	// Socket is the admin API's unix socket (mode 0600).
	Socket string
	// EC2 is the EC2 Query API's address ("" = off). It must be a loopback
	// address unless EC2Any is set (opening it to other machines on
	// purpose), and always when EC2Unauthenticated is set.
	EC2    string
	EC2Any bool
	// EC2Unauthenticated says EC2Handler verifies no signature
	// (--ec2-auth none): refused on anything but loopback.
	EC2Unauthenticated bool
	// EC2Handler serves the EC2 Query API (ec2api.NewHandler(d)).
	EC2Handler http.Handler
	// EC2Limits and MetricsLimits bound the two TCP servers' timeouts
	// and connections (zero fields: httplimit.Defaults). The admin
	// socket has its own listener and is never subject to them.
	EC2Limits, MetricsLimits httplimit.Limits
	// Metrics is the Prometheus /metrics address ("" = off). An address
	// that cannot be bound is not fatal: Run logs a warning, serves
	// everything else and reports why in Status (MetricsError), because
	// another program on the port must not keep the switch (or `lab up`)
	// from starting.
	Metrics string
	// Gatherers are served on /metrics beside the daemon's own gauges
	// (nil: prometheus.DefaultGatherer). Each metric name must come from
	// one of them only.
	Gatherers []prometheus.Gatherer
	// Mount adds routes to the admin server before it starts.
	Mount func(*admin.Server)

	metricsErr string // why Metrics is not served, set by Run
}

// fill reports the addresses in a Status.
func (l Listen) fill(s *admin.Status) {
	s.Socket, s.EC2Listen, s.MetricsListen = l.Socket, l.EC2, l.Metrics
	s.MetricsError = l.metricsErr
}

// CheckLoopback refuses an EC2 listen address that is not loopback.
func CheckLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("EC2 listen address %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("EC2 listen address %q is not loopback: other machines could reach the EC2 API (use --ec2-listen-any to allow it)", addr)
	}
	return nil
}

// CheckEC2Listen refuses a non-loopback EC2 address unless open (the
// user opens it on purpose), and always without authentication: then
// anyone who reaches it could rewrite the security groups.
func CheckEC2Listen(addr string, open, unauthenticated bool) error {
	err := CheckLoopback(addr)
	if err != nil && unauthenticated {
		return fmt.Errorf("%w; --ec2-auth none is for a loopback address only", err)
	}
	if err != nil && !open {
		return err
	}
	return nil
}

// Run serves the APIs and moves packets until ctx is done, then shuts the
// servers down (the daemon stays open; call Close).
func (d *Daemon) Run(ctx context.Context, l Listen) error {
	if l.EC2 != "" {
		if err := CheckEC2Listen(l.EC2, l.EC2Any, l.EC2Unauthenticated); err != nil {
			return err
		}
	}
	tl := newTimeline(d.log, "run")
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	adm := admin.NewServer(d)
	mountShutdown(adm, cancel)
	d.mountClock(adm)
	mountAccount(adm, d)
	if l.Mount != nil {
		l.Mount(adm)
	}
	if err := adm.Listen(l.Socket); err != nil {
		return err
	}
	tl.step("admin listen")
	servers := []*httpServer{{name: "admin", serve: adm.Serve, shutdown: adm.Shutdown}}
	if l.EC2 != "" && l.EC2Handler != nil {
		s, err := listenHTTP("ec2", l.EC2, l.EC2Handler, l.EC2Limits)
		if err != nil {
			adm.Shutdown(context.Background())
			return err
		}
		servers = append(servers, s)
		l.EC2 = s.addr
		tl.step("ec2 listen")
	}
	if l.Metrics != "" {
		if s, err := d.listenMetrics(l); err != nil {
			d.log.Warn("metrics are not served; the daemon runs without them", "addr", l.Metrics, "err", err)
			l.Metrics, l.metricsErr = "", err.Error()
		} else {
			servers = append(servers, s)
			l.Metrics = s.addr
		}
		tl.step("metrics listen")
	}
	d.mu.Lock()
	d.listen = l
	d.mu.Unlock()

	errc := make(chan error, len(servers)+1)
	for _, s := range servers {
		go func() { errc <- s.run() }()
	}
	go func() { errc <- d.dp.Run(ctx) }()
	tl.step("serving")
	d.log.Info("sgswitch running", "socket", l.Socket, "ec2", l.EC2, "metrics", l.Metrics)

	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	stop := newTimeline(d.log, "stop")
	cancel()
	shutdownAll(servers)
	stop.step("servers shut down")
	return err
}

// listenMetrics binds l.Metrics and returns the /metrics server: the
// gatherers of l (prometheus.DefaultGatherer when none) and the daemon's
// own gauges.
func (d *Daemon) listenMetrics(l Listen) (*httpServer, error) {
	gather := prometheus.Gatherers{prometheus.DefaultGatherer}
	if l.Gatherers != nil {
		gather = append(prometheus.Gatherers(nil), l.Gatherers...)
	}
	gather = append(gather, d.metrics())
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(gather, promhttp.HandlerOpts{}))
	return listenHTTP("metrics", l.Metrics, mux, l.MetricsLimits)
}

type httpServer struct {
	name     string
	addr     string // the bound address (a ":0" port resolved)
	serve    func() error
	shutdown func(context.Context) error
}

func (s *httpServer) run() error {
	if err := s.serve(); err != nil {
		return fmt.Errorf("%s server: %w", s.name, err)
	}
	return nil
}

// listenHTTP listens on addr and returns a server of h bounded by lim:
// a stalled client is dropped after its timeouts, and connections beyond
// lim.MaxConns wait unaccepted, so no client can use up the daemon's
// descriptors.
func listenHTTP(name, addr string, h http.Handler, lim httplimit.Limits) (*httpServer, error) {
	tcp, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%s listen: %w", name, err)
	}
	ln := lim.Listener(tcp)
	srv := lim.Server(h)
	return &httpServer{
		name: name,
		addr: ln.Addr().String(),
		serve: func() error {
			if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		},
		shutdown: srv.Shutdown,
	}, nil
}

func shutdownAll(servers []*httpServer) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, s := range servers {
		_ = s.shutdown(ctx)
	}
}
