package daemon

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"sgswitch/admin"
	"sgswitch/netns/netnstest"
	vswitch "sgswitch/switch"
	"sgswitch/testbed"
)

// helperRealEnv makes TestHelperRealDaemon act: it holds "STATE-DIR
// SOCKET" (separated by a newline).
const helperRealEnv = "SGSWITCH_TEST_HELPER_REAL_DAEMON"

// TestHelperRealDaemon is not a test: it is a daemon over the real switch
// and host wiring, as `sgswitch run` makes it (no EC2 API, no flow logs,
// a small flow table), for the process-restart outage test, which starts
// this test binary. SIGTERM stops it gracefully. It logs its steps at
// debug level to stderr, with times to the nanosecond.
func TestHelperRealDaemon(t *testing.T) {
	env := os.Getenv(helperRealEnv)
	if env == "" {
		t.Skip("helper process of TestProcessRestartOutage")
	}
	log := debugLog(os.Stderr)
	log.Debug("process started")
	var dir, socket string
	for i, c := range env {
		if c == '\n' {
			dir, socket = env[:i], env[i+1:]
		}
	}
	t0 := time.Now()
	dp := NewSwitchDataplane(vswitch.Config{FlowCapacity: 1 << 12}, log)
	log.Debug("switch made", "took_us", time.Since(t0).Microseconds())
	d, err := Open(Config{StateDir: dir, VPC: DefaultVPC(), Dataplane: dp, Wirer: testbed.HostWirer{}, Log: log})
	if err != nil {
		os.Stderr.WriteString("open: " + err.Error() + "\n")
		os.Exit(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	if err := d.Run(ctx, Listen{Socket: socket}); err != nil {
		os.Stderr.WriteString("run: " + err.Error() + "\n")
	}
	d.Close()
	log.Debug("process exits")
	os.Exit(0)
}

// debugLog logs everything to w with nanosecond times.
func debugLog(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.String(a.Key, a.Value.Time().UTC().Format(time.RFC3339Nano))
			}
			return a
		}}))
}

// launcher starts one kind of daemon process on a state directory and
// admin socket: this test binary in helper mode, or the real `sgswitch`
// binary with `run`.
type launcher func(dir, socket string) *exec.Cmd

func helperLauncher(dir, socket string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperRealDaemon$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperRealEnv+"="+dir+"\n"+socket)
	return cmd
}

// binaryLauncher runs `sgswitch run` as a user would (default flow table,
// EC2 API with SigV4, metrics, flow logs), except that its listeners take
// free loopback ports (other daemons may hold the defaults on a shared
// host) and it logs at debug level.
func binaryLauncher(bin string) launcher {
	return func(dir, socket string) *exec.Cmd {
		return exec.Command(bin, "run", "--state-dir", dir, "--socket", socket,
			"--ec2-listen", "127.0.0.1:0", "--metrics", "127.0.0.1:0", "--debug")
	}
}

// buildSgswitch builds cmd/sgswitch into dir (at most 5 minutes), or skips
// t when there is no go command.
func buildSgswitch(t *testing.T, dir string) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build sgswitch with")
	}
	bin := filepath.Join(dir, "sgswitch")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, goBin, "build", "-o", bin, "sgswitch/cmd/sgswitch").CombinedOutput()
	if err != nil {
		t.Fatalf("building sgswitch: %v\n%s", err, out)
	}
	return bin
}

// daemonProcess is one daemon process.
type daemonProcess struct {
	cmd     *exec.Cmd
	started time.Time // when exec returned
	exited  chan struct{}
}

func startDaemonProcess(t *testing.T, launch launcher, dir, socket string, log *daemonLog) *daemonProcess {
	t.Helper()
	cmd := launch(dir, socket)
	cmd.Stderr = log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &daemonProcess{cmd: cmd, started: time.Now(), exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() { p.signal(syscall.SIGKILL) })
	return p
}

// signal sends sig and waits (at most 10 s) for the process to end.
func (p *daemonProcess) signal(sig syscall.Signal) {
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

// dialWhenUp waits (at most 10 s) for the daemon's admin socket.
func dialWhenUp(t *testing.T, socket string) *admin.Client {
	t.Helper()
	for range 200 {
		if cl, err := admin.Dial(socket); err == nil {
			return cl
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no daemon answers on %s", socket)
	return nil
}

// TestProcessRestartOutage is TestGracefulRestartOutage with the daemon a
// process of its own, restarted as a user does it: SIGTERM (graceful:
// conntrack saved and restored) or SIGKILL (kill -9: ports survive,
// conntrack is lost, and the stream, whose rule is not revoked here,
// is picked up again from its next mid-stream ACK). The gap includes the
// process's exit and the new process's start. The daemon is this test
// binary in helper mode ("helper") and the real `sgswitch run`, built
// for the test ("binary"), whose start differs: a 1<<18-entry flow
// table, credentials, the EC2 API, metrics and flow logs. Each run logs
// where the time went, from the daemons' debug logs.
func TestProcessRestartOutage(t *testing.T) {
	netnstest.RequireRoot(t)
	binDir := shortDir(t) // outlives the subtests
	bin := ""
	for _, kind := range []string{"helper", "binary"} {
		for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL} {
			t.Run(kind+"/"+sig.String(), func(t *testing.T) {
				launch := launcher(helperLauncher)
				if kind == "binary" {
					if bin == "" {
						bin = buildSgswitch(t, binDir)
					}
					launch = binaryLauncher(bin)
				}
				processRestart(t, launch, sig, nil)
			})
		}
	}
	// `run --take-over`: the new process starts while the old one still
	// forwards, and has it stop once it is ready for the store.
	t.Run("binary/take-over", func(t *testing.T) {
		if bin == "" {
			bin = buildSgswitch(t, binDir)
		}
		launch := binaryLauncher(bin)
		takeOver := func(dir, socket string) *exec.Cmd {
			cmd := launch(dir, socket)
			cmd.Args = append(cmd.Args, "--take-over")
			return cmd
		}
		processRestart(t, launch, 0, takeOver)
	})
}

// processRestart restarts the daemon under a ping and a TCP stream: by
// sig, then a new process; or, with takeOver, by starting takeOver's
// process beside the old one (sig unused), which stops it.
func processRestart(t *testing.T, launch launcher, sig syscall.Signal, takeOver launcher) {
	lab := netnstest.LabName(t)
	dir := shortDir(t)
	socket := filepath.Join(dir, "admin.sock")
	src := "name: " + lab + "\nsubnet: 198.18.62.0/24\n" +
		"security-groups:\n  web:\n    GroupDescription: web\n    SecurityGroupIngress:\n" +
		"      - {IpProtocol: tcp, FromPort: 5201, ToPort: 5201, CidrIp: 198.18.62.0/24}\n" +
		"      - {IpProtocol: icmp, FromPort: -1, ToPort: -1, CidrIp: 198.18.62.0/24}\n" +
		"topology:\n  nodes:\n    client: {ip: 198.18.62.10}\n    web: {ip: 198.18.62.20, security-groups: [web]}\n"
	parsed, err := testbed.Parse("outage.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(parsed)
	log := &daemonLog{}
	defer func() {
		if t.Failed() {
			t.Logf("daemon output:\n%s", log)
		}
	}()
	p := startDaemonProcess(t, launch, dir, socket, log)
	cl := dialWhenUp(t, socket)
	if _, err := cl.ApplyLab(context.Background(), json.RawMessage(raw)); err != nil {
		t.Fatal(err)
	}
	cl.Close()
	client, web := testbed.NetnsName(lab, "client"), testbed.NetnsName(lab, "web")
	before := eth0Index(t, client)
	stream := startStream(t, client, web, "198.18.62.20:5201")
	defer stream.close()
	pinger := startPinger(t, client, "198.18.62.20")
	defer pinger.close()
	time.Sleep(time.Second)
	t0 := time.Now()
	var gone time.Time
	what := sig.String()
	if takeOver != nil {
		what = "take-over"
		old := p
		p = startDaemonProcess(t, takeOver, dir, socket, log)
		select {
		case <-old.exited:
		case <-time.After(30 * time.Second):
			t.Fatal("the old daemon did not stop for the take-over")
		}
		gone = time.Now()
	} else {
		p.signal(sig)
		gone = time.Now()
		p = startDaemonProcess(t, launch, dir, socket, log)
	}
	replies := pinger.wait()
	if err := stream.finish(); err != nil {
		t.Errorf("TCP stream across the restart: %v", err)
	}
	if after := eth0Index(t, client); after != before {
		t.Errorf("client's eth0 ifindex %d before the restart, %d after: re-created", before, after)
	}
	lost, gap := outage(replies)
	from, to := gapBounds(replies)
	t.Logf("%s restart of the daemon process: old process gone after %v; pings every %v: %d of %d lost, longest time without a reply %v; where the time went:%s",
		what, gone.Sub(t0).Round(time.Microsecond), outageInterval, lost, outagePings, gap.Round(time.Millisecond),
		log.timeline(t0, mark{t0, "test: " + what + " sent"}, mark{gone, "test: old process gone"},
			mark{p.started, "test: new process exec'd"}, mark{from, "test: last reply before the gap"},
			mark{to, "test: first reply after the gap"}))
	if lost == outagePings {
		t.Fatal("no ping answered at all")
	}
	cl = dialWhenUp(t, socket)
	defer cl.Close()
	if err := cl.RemoveLab(context.Background(), lab); err != nil {
		t.Errorf("removing the lab: %v", err)
	}
	p.signal(syscall.SIGTERM)
}
