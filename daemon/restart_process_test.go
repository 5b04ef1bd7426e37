package daemon

import (
	"context"
	"encoding/json"
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
// and host wiring, as `sgswitch run` makes it (no EC2 API, no flow logs),
// for the process-restart outage test, which starts this test binary.
// SIGTERM stops it gracefully.
func TestHelperRealDaemon(t *testing.T) {
	env := os.Getenv(helperRealEnv)
	if env == "" {
		t.Skip("helper process of TestProcessRestartOutage")
	}
	var dir, socket string
	for i, c := range env {
		if c == '\n' {
			dir, socket = env[:i], env[i+1:]
		}
	}
	dp := NewSwitchDataplane(vswitch.Config{FlowCapacity: 1 << 12}, nil)
	d, err := Open(Config{StateDir: dir, VPC: DefaultVPC(), Dataplane: dp, Wirer: testbed.HostWirer{}})
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
	os.Exit(0)
}

// daemonProcess is one TestHelperRealDaemon process.
type daemonProcess struct {
	cmd    *exec.Cmd
	exited chan struct{}
}

func startDaemonProcess(t *testing.T, dir, socket string) *daemonProcess {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperRealDaemon$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperRealEnv+"="+dir+"\n"+socket)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &daemonProcess{cmd: cmd, exited: make(chan struct{})}
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
// process's exit and the new process's start.
func TestProcessRestartOutage(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL} {
		t.Run(sig.String(), func(t *testing.T) {
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
			p := startDaemonProcess(t, dir, socket)
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
			p.signal(sig)
			stopped := time.Since(t0)
			p = startDaemonProcess(t, dir, socket)
			replies := pinger.wait()
			if err := stream.finish(); err != nil {
				t.Errorf("TCP stream across the restart: %v", err)
			}
			if after := eth0Index(t, client); after != before {
				t.Errorf("client's eth0 ifindex %d before the restart, %d after: re-created", before, after)
			}
			lost, gap := outage(replies)
			t.Logf("%s restart of the daemon process: old process gone after %v; pings every %v: %d of %d lost, longest time without a reply %v",
				sig, stopped.Round(time.Microsecond), outageInterval, lost, outagePings, gap.Round(time.Millisecond))
			if lost == outagePings {
				t.Fatal("no ping answered at all")
			}
			cl = dialWhenUp(t, socket)
			defer cl.Close()
			if err := cl.RemoveLab(context.Background(), lab); err != nil {
				t.Errorf("removing the lab: %v", err)
			}
			p.signal(syscall.SIGTERM)
		})
	}
}
