package daemon

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"sgswitch/account"
	"sgswitch/ruleset"
	"sgswitch/store"
	"sgswitch/testbed"
)

// attachHarness is a daemon with lab sgrst (restart.yaml) up, in its own
// VPC or, with vpcID, in that VPC, and spare, an available interface in
// the subnet of node client.
type attachHarness struct {
	*harness
	spare string
}

func newAttachHarness(t *testing.T, joined bool) *attachHarness {
	t.Helper()
	h := &attachHarness{harness: newHarness(t)}
	var lab testbed.Lab
	if err := json.Unmarshal(loadLab(t, "restart.yaml"), &lab); err != nil {
		t.Fatal(err)
	}
	if joined {
		check(t, h.d.WriteAccount(func(a *account.Account) error {
			v, err := a.CreateVpc("198.18.0.0/16", "", nil)
			if err != nil {
				return err
			}
			lab.VpcID = v.VpcId
			_, err = a.Network().CreateSubnet(v.VpcId, "198.18.7.0/24", "", "", nil)
			return err
		}))
	}
	raw, _ := json.Marshal(lab)
	ls, err := h.d.ApplyLab(context.Background(), raw)
	check(t, err)
	check(t, h.d.WriteAccount(func(a *account.Account) error {
		p, _ := a.Network().Interface(ls.Nodes[0].ENI)
		e, err := a.CreateNetworkInterface(p.SubnetID, ruleset.ENISpec{}, nil)
		if err == nil {
			h.spare = e.NetworkInterfaceId
		}
		return err
	}))
	return h
}

func check(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// attach attaches the spare interface to node client at device index 1,
// as AttachNetworkInterface does.
func (h *attachHarness) attach() error {
	return h.d.WriteAccount(func(a *account.Account) error {
		inst, ok := a.Instance(ruleset.InstanceID("sgrst/client"))
		if !ok {
			h.t.Fatal("no instance for sgrst/client")
		}
		return a.AttachNetworkInterface(h.spare, inst, 1)
	})
}

func (h *attachHarness) detach() error {
	return h.d.WriteAccount(func(a *account.Account) error { return a.DetachNetworkInterface(h.spare) })
}

// recorded is the spare interface's wiring in the stored lab record.
func (h *attachHarness) recorded() (store.NodeWiring, bool) {
	h.d.mu.Lock()
	defer h.d.mu.Unlock()
	nodes := h.d.labs["sgrst"].Nodes
	i := slices.IndexFunc(nodes, func(n store.NodeWiring) bool { return n.ENI == h.spare })
	if i < 0 {
		return store.NodeWiring{}, false
	}
	return nodes[i], true
}

// TestAttachWiresNodeInterface: an interface attached to a lab node gets
// its port (eth1 of the node, wired with its addresses) and a record that
// re-wires it after a restart; detached, it loses both.
func TestAttachWiresNodeInterface(t *testing.T) {
	h := newAttachHarness(t, false)
	check(t, h.attach())
	n, ok := h.recorded()
	if !ok || n.Node != "client" || n.Interface != 1 || !n.Attached || n.Netns != testbed.NetnsName("sgrst", "client") ||
		n.IfName != testbed.HostIfNameOf("sgrst", "client", 1) {
		t.Fatalf("record: %+v %v", n, ok)
	}
	if !h.dp.attached()[h.spare] || !h.wire.addrs("client.eth1").IPv4.IsValid() {
		t.Fatalf("not wired: ports %v hosts %v", h.dp.attached(), h.wire.nodes())
	}
	h.crash()
	h.open()
	if !h.dp.attached()[h.spare] {
		t.Fatalf("not re-wired after a restart: %v", h.dp.attached())
	}
	check(t, h.detach())
	if _, ok := h.recorded(); ok || h.dp.attached()[h.spare] || h.wire.nodes()["client.eth1"] {
		t.Fatalf("still wired after detach: ports %v hosts %v", h.dp.attached(), h.wire.nodes())
	}
	if !h.dp.attached()[h.d.labs["sgrst"].Nodes[0].ENI] {
		t.Fatal("detach took the node's eth0 away")
	}
	h.crash()
	h.open()
	if h.dp.attached()[h.spare] || h.wire.nodes()["client.eth1"] {
		t.Fatal("a restart wired the detached interface again")
	}
}

// TestAttachWiringFailureRefused: when the node's new interface cannot be
// wired the write is refused: the interface stays available, no port, no
// record.
func TestAttachWiringFailureRefused(t *testing.T) {
	h := newAttachHarness(t, false)
	h.wire.failFor = "client.eth1"
	if err := h.attach(); err == nil {
		t.Fatal("attach succeeded without its wiring")
	}
	h.d.ReadAccount(func(a *account.Account) error {
		if e, _, _ := a.Interface(h.spare); e.AttachedTo != "" {
			t.Errorf("model says attached to %s", e.AttachedTo)
		}
		return nil
	})
	if _, ok := h.recorded(); ok || h.dp.attached()[h.spare] {
		t.Fatal("a refused attach left a record or a port")
	}
	h.wire.failFor = ""
	check(t, h.attach())
}

// TestLabDownAndAttachedInterfaces: lab down detaches an interface the
// API attached to a node of a lab that joined a VPC (the VPC's interface
// stays, available), and removes it with a lab's own VPC.
func TestLabDownAndAttachedInterfaces(t *testing.T) {
	for _, joined := range []bool{true, false} {
		h := newAttachHarness(t, joined)
		check(t, h.attach())
		check(t, h.d.RemoveLab(context.Background(), "sgrst"))
		h.d.ReadAccount(func(a *account.Account) error {
			e, _, exists := a.Interface(h.spare)
			if exists != joined || e.AttachedTo != "" {
				t.Errorf("joined %v: after lab down the interface exists %v, attached to %q", joined, exists, e.AttachedTo)
			}
			return nil
		})
		if h.dp.attached()[h.spare] {
			t.Errorf("joined %v: port left", joined)
		}
	}
}

// TestDetachOfLabInterfaceRefused: an interface the lab file made stays
// the lab's (the EC2 API refuses eth0's detach itself; the daemon refuses
// any lab-made one, so lab down still finds it).
func TestDetachOfLabInterfaceRefused(t *testing.T) {
	h := newAttachHarness(t, true)
	eth0 := h.d.labs["sgrst"].Nodes[0].ENI
	err := h.d.WriteAccount(func(a *account.Account) error { return a.DetachNetworkInterface(eth0) })
	if testbed.EC2Code(err) != ruleset.CodeOperationNotPermitted {
		t.Fatalf("detaching the lab's own interface: %v", err)
	}
	if !h.dp.attached()[eth0] || len(h.d.labs["sgrst"].Nodes) != 2 {
		t.Fatal("the refused detach changed the lab")
	}
}
