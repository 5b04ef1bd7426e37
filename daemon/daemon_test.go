package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"sgswitch/account"
	"sgswitch/admin"
	"sgswitch/ruleset"
	"sgswitch/store"
	"sgswitch/testbed"
)

type harness struct {
	t    *testing.T
	dir  string
	dp   *fakeDataplane
	wire *memWirer
	d    *Daemon
}

func newHarness(t *testing.T) *harness {
	h := &harness{t: t, dir: t.TempDir(), wire: newMemWirer()}
	h.open()
	t.Cleanup(func() {
		if h.d != nil {
			h.d.Close()
		}
	})
	return h
}

// open (re)starts the daemon on the same state directory, with a fresh
// switch, as after a restart.
func (h *harness) open() {
	h.t.Helper()
	h.dp = newFakeDataplane()
	d, err := Open(Config{StateDir: h.dir, VPC: DefaultVPC(), Dataplane: h.dp, Wirer: h.wire, Version: "test"})
	if err != nil {
		h.t.Fatalf("Open: %v", err)
	}
	h.d = d
}

// crash forgets the daemon without Close (the store's file lock is
// released as the process would on kill -9; ports are dropped unclosed).
func (h *harness) crash() {
	h.d.store.Close()
	h.d = nil
}

func loadLab(t *testing.T, name string) json.RawMessage {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	lab, err := testbed.Parse(name, data)
	if err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	b, err := json.Marshal(lab)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// groupNames are the names of the groups of every VPC.
func groupNames(t *testing.T, d *Daemon) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	err := d.ReadAccount(func(a *account.Account) error {
		for _, id := range a.VPCs() {
			gs, err := a.Groups(id).DescribeSecurityGroups(nil, nil, nil)
			if err != nil {
				return err
			}
			for _, g := range gs {
				names[g.GroupName] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return names
}

func TestWriteIsDurableAndRestored(t *testing.T) {
	h := newHarness(t)
	gen := h.dp.gen
	err := h.d.Write(func(st *ruleset.State) error {
		_, err := st.CreateSecurityGroup("api", "api tier", nil)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if h.dp.gen != gen+1 {
		t.Errorf("Write did not publish: generation %d -> %d", gen, h.dp.gen)
	}
	h.crash()
	h.open()
	if !groupNames(t, h.d)["api"] {
		t.Errorf("group lost across restart: %v", groupNames(t, h.d))
	}
	if h.dp.published == nil {
		t.Error("restored state was not published")
	}
}

func TestFailedWriteChangesNothing(t *testing.T) {
	h := newHarness(t)
	gen := h.dp.gen
	boom := errors.New("boom")
	err := h.d.Write(func(st *ruleset.State) error {
		if _, err := st.CreateSecurityGroup("half", "half done", nil); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Write error = %v", err)
	}
	if groupNames(t, h.d)["half"] || h.dp.gen != gen {
		t.Error("a failed Write changed the live state or published")
	}
	h.crash()
	h.open()
	if groupNames(t, h.d)["half"] {
		t.Error("a failed Write reached the store")
	}
}

func TestApplyLabWiresAndRestartReattaches(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	ls, err := h.d.ApplyLab(ctx, loadLab(t, "restart.yaml"))
	if err != nil {
		t.Fatalf("ApplyLab: %v", err)
	}
	if len(ls.Nodes) != 2 {
		t.Fatalf("nodes = %+v", ls.Nodes)
	}
	enis := map[string]bool{}
	for _, n := range ls.Nodes {
		if !n.Attached || n.ENI == "" || n.Netns != "sgrst-"+n.Node || n.Port != "tap" {
			t.Errorf("node %+v", n)
		}
		enis[n.ENI] = true
	}
	if got := h.dp.attached(); len(got) != 2 || !got[ls.Nodes[0].ENI] || !got[ls.Nodes[1].ENI] {
		t.Errorf("switch ports = %v", got)
	}
	if !groupNames(t, h.d)["web"] {
		t.Error("lab group not created")
	}
	if cidr := labVPC(t, h.d, ls.VpcId); cidr != "198.18.7.0/24" {
		t.Errorf("the lab's VPC %s has CIDR %s, want the lab's subnet", ls.VpcId, cidr)
	}

	// Applying the same lab again changes nothing.
	wires := h.wire.wires
	if _, err := h.d.ApplyLab(ctx, loadLab(t, "restart.yaml")); err != nil {
		t.Fatalf("re-apply: %v", err)
	}
	if h.wire.wires != wires {
		t.Errorf("re-applying an attached lab re-wired nodes")
	}

	// kill -9 and start again: same ENIs, ports attached again.
	h.crash()
	h.open()
	ls2, err := h.d.Lab(ctx, "sgrst")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range ls2.Nodes {
		if !enis[n.ENI] || !n.Attached {
			t.Errorf("after restart: node %+v (ENIs before: %v)", n, enis)
		}
	}
	if got := h.dp.attached(); len(got) != 2 {
		t.Errorf("after restart switch ports = %v", got)
	}
	st, _ := h.d.Status(ctx)
	if len(st.Labs) != 1 || st.Interfaces != 2 || len(st.Ports) != 2 {
		t.Errorf("status = %+v", st)
	}
}

func TestRemoveLab(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	if _, err := h.d.ApplyLab(ctx, loadLab(t, "restart.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := h.d.RemoveLab(ctx, "sgrst"); err != nil {
		t.Fatal(err)
	}
	if len(h.dp.attached()) != 0 || len(h.wire.nodes()) != 0 {
		t.Errorf("left behind: ports %v, wiring %v", h.dp.attached(), h.wire.nodes())
	}
	if len(h.wire.removed) != 1 || h.wire.removed[0] != "sgrst" {
		t.Errorf("hosts removed for labs %v, want [sgrst]", h.wire.removed)
	}
	if groupNames(t, h.d)["web"] {
		t.Error("lab group survived removal")
	}
	if err := h.d.RemoveLab(ctx, "sgrst"); !errors.Is(err, admin.ErrNotFound) {
		t.Errorf("second RemoveLab = %v, want ErrNotFound", err)
	}
	h.crash()
	h.open()
	st, _ := h.d.Status(ctx)
	if len(st.Labs) != 0 || st.Interfaces != 0 || groupNames(t, h.d)["web"] {
		t.Errorf("removal not durable: %+v", st)
	}
	// The lab can be applied again after removal.
	if _, err := h.d.ApplyLab(ctx, loadLab(t, "restart.yaml")); err != nil {
		t.Fatalf("apply after remove: %v", err)
	}
}

func TestFailedWiringCommitsNothing(t *testing.T) {
	h := newHarness(t)
	h.wire.failFor = "web"
	_, err := h.d.ApplyLab(context.Background(), loadLab(t, "restart.yaml"))
	if err == nil {
		t.Fatal("ApplyLab succeeded with a failing node")
	}
	st, _ := h.d.Status(context.Background())
	if st.Interfaces != 0 || len(st.Labs) != 0 || len(h.dp.attached()) != 0 || len(h.wire.nodes()) != 0 {
		t.Errorf("partial lab left: status %+v, wired %v", st, h.wire.nodes())
	}
	h.crash()
	h.open()
	if st, _ := h.d.Status(context.Background()); st.Interfaces != 0 {
		t.Errorf("partial lab reached the store: %+v", st)
	}
}

func TestDeletedInterfaceLosesItsPort(t *testing.T) {
	h := newHarness(t)
	ls, err := h.d.ApplyLab(context.Background(), loadLab(t, "restart.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	eni := ls.Nodes[0].ENI
	if err := h.d.WriteAccount(func(a *account.Account) error { return a.DeleteNetworkInterface(eni) }); err != nil {
		t.Fatal(err)
	}
	if h.dp.attached()[eni] {
		t.Errorf("port of deleted %s still attached", eni)
	}
}

// TestLabsHaveTheirOwnVPCs: two labs, even with the same subnet, are two
// VPCs, each with its own default group: a lab that declares "default"
// changes only its own. A lab with another subnet is its own VPC too, and
// removing a lab removes its VPC and nothing of the other.
func TestLabsHaveTheirOwnVPCs(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	first, err := h.d.ApplyLab(ctx, loadLab(t, "restart.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var lab testbed.Lab
	json.Unmarshal(loadLab(t, "restart.yaml"), &lab)
	lab.Name = "other"
	lab.Groups = append(lab.Groups, testbed.Group{Name: "default", Description: "d", Egress: []testbed.Rule{}})
	raw, _ := json.Marshal(lab)
	second, err := h.d.ApplyLab(ctx, raw)
	if err != nil {
		t.Fatalf("a second lab with the same subnet: %v", err)
	}
	lab.Name, lab.Subnet = "third", netip.MustParsePrefix("198.19.0.0/24")
	for i := range lab.Nodes {
		lab.Nodes[i].IP = netip.MustParseAddr(fmt.Sprintf("198.19.0.%d", 10+i))
	}
	raw, _ = json.Marshal(lab)
	third, err := h.d.ApplyLab(ctx, raw)
	if err != nil {
		t.Fatalf("a lab with another subnet: %v", err)
	}
	ids := map[string]bool{first.VpcId: true, second.VpcId: true, third.VpcId: true}
	if len(ids) != 3 || ids[""] {
		t.Fatalf("lab VPCs %s %s %s, want three", first.VpcId, second.VpcId, third.VpcId)
	}
	egress := func(vpcID string) int {
		n := -1
		h.d.ReadAccount(func(a *account.Account) error {
			for _, g := range a.Groups(vpcID).View().Groups {
				if g.Default {
					n = len(g.Egress)
				}
			}
			return nil
		})
		return n
	}
	if egress(first.VpcId) != 1 || egress(second.VpcId) != 0 {
		t.Errorf("default egress rules: first lab %d (want EC2's 1), second %d (want the 0 it declared)", egress(first.VpcId), egress(second.VpcId))
	}
	if err := h.d.RemoveLab(ctx, "other"); err != nil {
		t.Fatal(err)
	}
	h.d.ReadAccount(func(a *account.Account) error {
		if a.Groups(second.VpcId) != nil || a.Groups(first.VpcId) == nil || a.Groups(third.VpcId) == nil {
			t.Errorf("after removing lab other: VPCs %v", a.VPCs())
		}
		return nil
	})
	if egress(first.VpcId) != 1 {
		t.Error("removing a lab changed another lab's default group")
	}
}

func TestStatsAndConntrackResolveNames(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	ls, err := h.d.ApplyLab(ctx, loadLab(t, "restart.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	web := ls.Nodes[1]
	for _, arg := range []string{web.ENI, "web", "sgrst/web"} {
		st, err := h.d.ENIStats(ctx, arg)
		if err != nil || len(st) != 1 || st[0].ENI != web.ENI || st[0].Name != "sgrst/web" {
			t.Errorf("ENIStats(%q) = %+v, %v", arg, st, err)
		}
		ct, err := h.d.Conntrack(ctx, arg)
		if err != nil || len(ct) != 1 || ct[0].ENI != web.ENI || ct[0].Node != "sgrst/web" {
			t.Errorf("Conntrack(%q) = %+v, %v", arg, ct, err)
		}
	}
	if st, err := h.d.ENIStats(ctx, ""); err != nil || len(st) != 2 {
		t.Errorf("ENIStats(all) = %+v, %v", st, err)
	}
	if _, err := h.d.ENIStats(ctx, "nosuch"); !errors.Is(err, admin.ErrNotFound) {
		t.Errorf("ENIStats(nosuch) = %v, want ErrNotFound", err)
	}
}

func TestCorruptStoreRefused(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, store.FileName)
	if err := os.WriteFile(path, []byte("definitely not bbolt, but long enough to look like a file"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(Config{StateDir: dir, VPC: DefaultVPC(), Dataplane: newFakeDataplane()})
	if !errors.Is(err, store.ErrCorrupt) {
		t.Fatalf("Open on a corrupt store = %v, want ErrCorrupt", err)
	}
}

func TestUnusableSpecRefused(t *testing.T) {
	dir := t.TempDir()
	s, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	// Valid JSON, but no default group: not a state this daemon wrote.
	s.Update(func(tx *store.Tx) error {
		return tx.SaveSpec(nil, &ruleset.Spec{VPC: ruleset.VPCConfig{CIDR: netip.MustParsePrefix("198.18.0.0/24")}})
	})
	s.Close()
	_, err = Open(Config{StateDir: dir, VPC: DefaultVPC(), Dataplane: newFakeDataplane()})
	if !errors.Is(err, store.ErrCorrupt) {
		t.Fatalf("Open = %v, want ErrCorrupt", err)
	}
}

// TestLabVPCFollowsItsFamilies: a lab's VPC has IPv6 when the lab's
// subnet has, and its default group's default egress follows (EC2: all
// IPv4 outbound, and all IPv6 outbound in a VPC with IPv6).
func TestLabVPCFollowsItsFamilies(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	egressV6 := func(vpcID string) bool {
		has := false
		h.d.ReadAccount(func(a *account.Account) error {
			for _, g := range a.Groups(vpcID).Spec().Groups {
				for _, r := range g.Egress {
					has = has || g.Default && r.CidrIpv6 == "::/0"
				}
			}
			return nil
		})
		return has
	}
	v4, err := h.d.ApplyLab(ctx, loadLab(t, "restart.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var lab testbed.Lab
	json.Unmarshal(loadLab(t, "restart.yaml"), &lab)
	lab.Name = "dual"
	lab.SubnetIPv6 = netip.MustParsePrefix("fd00:5e5e:0:7::/64")
	raw, _ := json.Marshal(lab)
	dual, err := h.d.ApplyLab(ctx, raw)
	if err != nil {
		t.Fatal(err)
	}
	if egressV6(v4.VpcId) || !egressV6(dual.VpcId) {
		t.Errorf("default IPv6 egress: IPv4-only lab %v, dual-stack lab %v", egressV6(v4.VpcId), egressV6(dual.VpcId))
	}
}

func TestWriteThatCannotBeSavedChangesNothing(t *testing.T) {
	h := newHarness(t)
	gen := h.dp.gen
	h.d.store.Close() // every save now fails
	err := h.d.Write(func(st *ruleset.State) error {
		_, err := st.CreateSecurityGroup("unsaved", "x", nil)
		return err
	})
	if err == nil {
		t.Fatal("Write succeeded without saving")
	}
	if groupNames(t, h.d)["unsaved"] || h.dp.gen != gen {
		t.Error("an unsaved change went live")
	}
	h.d = nil // the store is closed already
}

func TestConcurrentReadsAndWrites(t *testing.T) {
	h := newHarness(t)
	done := make(chan error, 8)
	for i := 0; i < 4; i++ {
		go func() {
			done <- h.d.Write(func(st *ruleset.State) error {
				_, err := st.CreateSecurityGroup(fmt.Sprintf("g%d", i), "concurrent", nil)
				return err
			})
		}()
		go func() {
			done <- h.d.Read(func(st *ruleset.State) error {
				_, err := st.DescribeSecurityGroups(nil, nil, nil)
				return err
			})
		}()
	}
	for i := 0; i < 8; i++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
	if n := len(groupNames(t, h.d)); n != 5 {
		t.Errorf("%d groups, want 5 (default + 4)", n)
	}
}

// `lab down` without a daemon: the lab leaves the store, so the next
// daemon does not bring it back; a running daemon's store is not touched.
func TestRemoveLabOffline(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	if _, err := h.d.ApplyLab(ctx, loadLab(t, "restart.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := RemoveLabOffline(h.dir, "sgrst"); !errors.Is(err, store.ErrLocked) {
		t.Fatalf("with the daemon running: %v, want ErrLocked", err)
	}
	h.crash()
	if err := RemoveLabOffline(h.dir, "sgrst"); err != nil {
		t.Fatal(err)
	}
	if err := RemoveLabOffline(h.dir, "sgrst"); !errors.Is(err, admin.ErrNotFound) {
		t.Errorf("second removal = %v, want ErrNotFound", err)
	}
	h.open()
	st, err := h.d.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Labs) != 0 || st.Interfaces != 0 || len(h.dp.attached()) != 0 {
		t.Errorf("lab came back: %+v, ports %v", st, h.dp.attached())
	}
	if names := groupNames(t, h.d); names["web"] || names["app"] {
		t.Errorf("lab groups survived: %v", names)
	}
}

// TestFlowBudgetRefusesLabThatDoesNotFit: a daemon whose switch table holds
// one interface's reservation (2 x the default conntrack allowance) refuses
// a two-node lab with NetworkInterfaceLimitExceeded and keeps nothing of it.
func TestFlowBudgetRefusesLabThatDoesNotFit(t *testing.T) {
	dir := t.TempDir()
	d, err := Open(Config{StateDir: dir, VPC: DefaultVPC(), Dataplane: newFakeDataplane(), Wirer: newMemWirer(),
		Version: "test", FlowBudget: 2*ruleset.DefaultConntrackMax + 1})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	_, err = d.ApplyLab(context.Background(), loadLab(t, "restart.yaml"))
	if err == nil || !strings.Contains(err.Error(), ruleset.CodeNetworkInterfaceLimitExceeded) {
		t.Fatalf("ApplyLab: %v, want %s", err, ruleset.CodeNetworkInterfaceLimitExceeded)
	}
	if err := d.ReadAccount(func(a *account.Account) error {
		if n := len(a.Interfaces()); n != 0 || len(a.VPCs()) != 1 {
			t.Errorf("%d interfaces and VPCs %v kept after the refusal", n, a.VPCs())
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// TestSchema1StoreConvertedOnFirstWrite: a daemon opens a store written by
// the schema 1 code (../store/testdata/README.md) with the model it held,
// converts it on its first change, and restarts onto the converted store
// with that change and everything before it.
func TestSchema1StoreConvertedOnFirstWrite(t *testing.T) {
	old, err := os.ReadFile("../store/testdata/schema1.db")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("../store/testdata/schema1-spec.json")
	if err != nil {
		t.Fatal(err)
	}
	var want ruleset.Spec
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, dir: t.TempDir(), wire: newMemWirer()}
	if err := os.WriteFile(filepath.Join(h.dir, store.FileName), old, 0o600); err != nil {
		t.Fatal(err)
	}
	h.open()
	t.Cleanup(func() {
		if h.d != nil {
			h.d.Close()
		}
	})
	var got ruleset.Spec
	h.d.Read(func(st *ruleset.State) error { got = st.Spec(); return nil })
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("schema 1 model loaded as %+v, want %+v", got, want)
	}
	if err := h.d.Write(func(st *ruleset.State) error {
		_, err := st.CreateSecurityGroup("after", "written after the conversion", nil)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	h.d.Read(func(st *ruleset.State) error { want = st.Spec(); return nil })
	h.d.Close()
	h.open()
	h.d.Read(func(st *ruleset.State) error { got = st.Spec(); return nil })
	if !reflect.DeepEqual(got, want) || len(got.Groups) != 4 {
		t.Errorf("after the conversion and a restart the model is %+v, want %+v", got, want)
	}
}

// writeLab runs fn on the security groups of lab's VPC.
func writeLab(d *Daemon, lab string, fn func(*ruleset.State) error) error {
	d.mu.Lock()
	vpcID := d.labs[lab].VPC
	d.mu.Unlock()
	return d.WriteAccount(func(a *account.Account) error {
		if a.Groups(vpcID) == nil {
			return fmt.Errorf("lab %s has no VPC", lab)
		}
		return fn(a.Groups(vpcID))
	})
}

// labVPC is the IPv4 CIDR of VPC id.
func labVPC(t *testing.T, d *Daemon, id string) string {
	t.Helper()
	var cidr string
	err := d.ReadAccount(func(a *account.Account) error {
		vs, err := a.Network().DescribeVpcs([]string{id}, nil)
		if err == nil && len(vs) == 1 {
			cidr = vs[0].CidrBlock
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return cidr
}
