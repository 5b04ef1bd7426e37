package perf

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"sgswitch/netns"
	"sgswitch/nftexport"
)

// OVSPath is Open vSwitch's userspace datapath (datapath_type=netdev; this
// kernel has no openvswitch module) with the switch-side veths as AF_PACKET
// ports and the security groups as conntrack flows:
//
//	table 0: ip → ct(table=1); arp, IPv6 ND → NORMAL; rest drop
//	table 1: +est / +rel → NORMAL; +new matching the sender's egress → resubmit(,2)
//	table 2: +new matching the receiver's ingress → ct(commit), NORMAL
//
// ovsdb-server and ovs-vswitchd run inside the switch namespace with a
// private run/db/log directory, so nothing else on the machine is touched.
type OVSPath struct{}

// Name implements Path.
func (OVSPath) Name() string { return "ovs-userspace" }

// OVSAvailable says whether ovs-vswitchd is installed (Debian's
// openvswitch-switch), and if not, why the path is skipped.
func OVSAvailable() (bool, string) {
	for _, tool := range []string{"ovs-vswitchd", "ovsdb-server", "ovsdb-tool", "ovs-vsctl", "ovs-ofctl"} {
		if _, err := exec.LookPath(tool); err != nil {
			return false, tool + " not installed (Debian package openvswitch-switch)"
		}
	}
	if _, err := os.Stat(ovsSchema); err != nil {
		return false, ovsSchema + " missing"
	}
	return true, ""
}

const ovsSchema = "/usr/share/openvswitch/vswitch.ovsschema"

func init() {
	extraPaths = append(extraPaths, func() (Path, bool, NotMeasured) {
		if ok, why := OVSAvailable(); !ok {
			return nil, false, NotMeasured{Path: OVSPath{}.Name(), Reason: why}
		}
		return OVSPath{}, false, NotMeasured{}
	})
}

// Setup implements Path.
func (o OVSPath) Setup(ctx context.Context, s *netns.Scope, tag string, g *Groups) (Topology, error) {
	t, err := addEndpoints(s, tag)
	if err != nil {
		return t, err
	}
	sw := t.SwitchNetns
	// AF_PACKET ports see the endpoints' partial checksums: turn tx
	// checksumming off on both ends of each veth.
	if err := addVeth(t.Client, t.Server, sw, "pa", true); err != nil {
		return t, err
	}
	if err := addVeth(t.Server, t.Client, sw, "pb", true); err != nil {
		return t, err
	}
	dir, err := os.MkdirTemp("", s.Name(tag+"ovs-"))
	if err != nil {
		return t, err
	}
	s.OnClose(func() { os.RemoveAll(dir) })
	env := append(os.Environ(), "OVS_RUNDIR="+dir, "OVS_DBDIR="+dir, "OVS_LOGDIR="+dir, "OVS_SYSCONFDIR="+dir, "OVS_PKGDATADIR=/usr/share/openvswitch")
	db := filepath.Join(dir, "conf.db")
	sock := "unix:" + filepath.Join(dir, "db.sock")
	if out, err := exec.CommandContext(ctx, "ovsdb-tool", "create", db, ovsSchema).CombinedOutput(); err != nil {
		return t, fmt.Errorf("ovsdb-tool create: %w: %s", err, out)
	}
	daemons := []*exec.Cmd{
		netns.Command(ctx, sw, "ovsdb-server", db, "--remote=p"+sock, "--unixctl="+filepath.Join(dir, "ovsdb.ctl"),
			"--log-file="+filepath.Join(dir, "ovsdb.log")),
	}
	for _, d := range daemons {
		d.Env = env
		if err := s.Start(d); err != nil {
			return t, err
		}
	}
	vsctl := func(args ...string) error {
		cmd := netns.Command(ctx, sw, "ovs-vsctl", append([]string{"--db=" + sock, "--timeout=10"}, args...)...)
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("ovs-vsctl %s: %w: %s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	if err := waitFor(func() error { return vsctl("--no-wait", "init") }); err != nil {
		return t, err
	}
	vswitchd := netns.Command(ctx, sw, "ovs-vswitchd", sock, "--unixctl="+filepath.Join(dir, "vswitchd.ctl"),
		"--log-file="+filepath.Join(dir, "vswitchd.log"))
	vswitchd.Env = env
	if err := s.Start(vswitchd); err != nil {
		return t, err
	}
	// ip netns exec execs the daemon, so this is its pid.
	t.SwitchPIDs = []int{vswitchd.Process.Pid}
	if err := vsctl("add-br", "br0", "--", "set", "bridge", "br0", "datapath_type=netdev",
		"--", "add-port", "br0", "pa", "--", "add-port", "br0", "pb"); err != nil {
		return t, err
	}
	flows := OVSFlows(g.Set)
	cmd := netns.Command(ctx, sw, "ovs-ofctl", "-O", "OpenFlow13", "replace-flows", "unix:"+filepath.Join(dir, "br0.mgmt"), "-")
	cmd.Env = env
	cmd.Stdin = strings.NewReader(flows)
	if err := waitFor(func() error {
		if out, err := cmd.CombinedOutput(); err != nil {
			cmd = netns.Command(ctx, sw, "ovs-ofctl", "-O", "OpenFlow13", "replace-flows", "unix:"+filepath.Join(dir, "br0.mgmt"), "-")
			cmd.Env = env
			cmd.Stdin = strings.NewReader(flows)
			return fmt.Errorf("ovs-ofctl replace-flows: %w: %s", err, out)
		}
		return nil
	}); err != nil {
		return t, err
	}
	return t, nil
}

// waitFor retries f for up to 10 s (daemons have no readiness signal).
func waitFor(f func() error) error {
	var err error
	for i := 0; i < 100; i++ {
		if err = f(); err == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return err
}

// OVSFlows renders the ruleset as OpenFlow flows for ovs-ofctl (IPv4 and
// IPv6; see OVSPath for the table layout).
func OVSFlows(rs *nftexport.Ruleset) string {
	var b strings.Builder
	b.WriteString("table=0,priority=100,ip,actions=ct(table=1)\n")
	b.WriteString("table=0,priority=100,ipv6,actions=ct(table=1)\n")
	b.WriteString("table=0,priority=50,arp,actions=NORMAL\n")
	b.WriteString("table=0,priority=0,actions=drop\n")
	b.WriteString("table=1,priority=200,ct_state=+trk+inv,actions=drop\n")
	b.WriteString("table=1,priority=100,ct_state=+trk+est,actions=NORMAL\n")
	b.WriteString("table=1,priority=100,ct_state=+trk+rel,actions=NORMAL\n")
	for _, nd := range []int{133, 134, 135, 136} {
		fmt.Fprintf(&b, "table=1,priority=150,icmp6,icmp_type=%d,actions=NORMAL\n", nd)
	}
	for _, ifc := range rs.Interfaces {
		for _, a := range append(append([]netip.Addr(nil), ifc.IPv4...), ifc.IPv6...) {
			for _, r := range ifc.Egress {
				for _, m := range ovsMatches(r, a, false) {
					fmt.Fprintf(&b, "table=1,priority=10,ct_state=+trk+new,%s,actions=resubmit(,2)\n", m)
				}
			}
			for _, r := range ifc.Ingress {
				for _, m := range ovsMatches(r, a, true) {
					fmt.Fprintf(&b, "table=2,priority=10,ct_state=+trk+new,%s,actions=ct(commit),NORMAL\n", m)
				}
			}
		}
	}
	b.WriteString("table=1,priority=0,actions=drop\n")
	b.WriteString("table=2,priority=0,actions=drop\n")
	return b.String()
}

// ovsMatches renders one rule for local address a; ingress matches the
// remote as source, egress as destination.
func ovsMatches(r nftexport.Rule, a netip.Addr, ingress bool) []string {
	var out []string
	for _, p := range r.Remote {
		if p.Addr().Is4() != a.Is4() {
			continue
		}
		nw, l3, icmp := "nw", "ip", "icmp"
		if !a.Is4() {
			nw, l3, icmp = "ipv6", "ipv6", "icmp6"
		}
		local, remote := nw+"_dst="+a.String(), nw+"_src="+p.Masked().String()
		if !ingress {
			local, remote = nw+"_src="+a.String(), nw+"_dst="+p.Masked().String()
		}
		base := local + "," + remote
		switch r.Proto {
		case nftexport.ProtoAll:
			out = append(out, l3+","+base)
		case nftexport.ProtoTCP, nftexport.ProtoUDP:
			proto := map[int]string{nftexport.ProtoTCP: "tcp", nftexport.ProtoUDP: "udp"}[r.Proto]
			if !a.Is4() {
				proto += "6"
			}
			for _, pm := range portMasks(r.From, r.To) {
				if pm == "0/0" {
					out = append(out, proto+","+base)
					continue
				}
				out = append(out, proto+","+base+",tp_dst="+pm)
			}
		case nftexport.ProtoICMP, nftexport.ProtoICMPv6:
			if (r.Proto == nftexport.ProtoICMP) != a.Is4() {
				continue
			}
			m := icmp + "," + base
			if r.From >= 0 {
				m += fmt.Sprintf(",icmp_type=%d", r.From)
			}
			if r.To >= 0 {
				m += fmt.Sprintf(",icmp_code=%d", r.To)
			}
			out = append(out, m)
		default:
			out = append(out, fmt.Sprintf("%s,%s,nw_proto=%d", l3, base, r.Proto))
		}
	}
	return out
}

// portMasks covers [from, to] with value/mask pairs (OpenFlow has no ranges).
func portMasks(from, to int) []string {
	if from < 0 || to < 0 || (from == 0 && to == 65535) {
		return []string{"0/0"}
	}
	var out []string
	for lo := from; lo <= to; {
		size := 1
		for lo%(size*2) == 0 && lo+size*2-1 <= to && size < 65536 {
			size *= 2
		}
		if size == 1 {
			out = append(out, fmt.Sprint(lo))
		} else {
			out = append(out, fmt.Sprintf("%d/0x%04x", lo, 0xffff&^(size-1)))
		}
		lo += size
	}
	return out
}
