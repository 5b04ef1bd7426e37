package daemon

import (
	"context"
	"net"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"

	"sgswitch/netns"
	"sgswitch/netns/netnstest"
	"sgswitch/testbed"
)

// TestTakeDownLabOffline: with no daemon, `lab down` removes what the lab
// left on the host (a namespace with its TAP gone, as after kill -9) by
// the same code the daemon's removal ends in, and says so when asked
// again.
func TestTakeDownLabOffline(t *testing.T) {
	lab := netnstest.LabName(t)
	h := testbed.Host{Lab: lab, Node: "n1", Kind: testbed.KindNetns, Port: testbed.PortTAP,
		Netns: testbed.NetnsName(lab, "n1"), IfName: testbed.HostIfName(lab, "n1")}
	p, err := testbed.HostWirer{}.Wire(h, testbed.Addrs{MAC: net.HardwareAddr{2, 0, 0, 0, 0, 9}, IPv4: netip.MustParsePrefix("198.18.9.10/24")})
	if err != nil {
		t.Fatal(err)
	}
	p.Close()
	dir := t.TempDir()
	var notes []string
	note := func(s string) { notes = append(notes, s) }
	for i := range 2 {
		if err := TakeDownLab(context.Background(), filepath.Join(dir, "admin.sock"), dir, lab, note); err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
		if netns.Exists(h.Netns) {
			t.Fatalf("round %d: namespace %s left", i, h.Netns)
		}
	}
	if len(notes) != 0 {
		t.Errorf("notes without a store: %v", notes)
	}
}

// TestTakeDownLabRefusesOtherDialErrors: only "nothing listens" means no
// daemon; any other dial error (here a socket path longer than a unix
// socket address holds) is returned rather than a reason to go on
// offline, which could race a live daemon.
func TestTakeDownLabRefusesOtherDialErrors(t *testing.T) {
	dir := t.TempDir()
	sock := filepath.Join(dir, strings.Repeat("s", 120))
	err := TakeDownLab(context.Background(), sock, dir, "nolab", func(string) {})
	if err == nil || !strings.Contains(err.Error(), sock) {
		t.Fatalf("TakeDownLab with an unusable socket path: %v", err)
	}
}
