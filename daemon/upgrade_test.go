package daemon

import (
	"context"
	"encoding/json"
	"testing"

	"sgswitch/account"
	"sgswitch/store"
	"sgswitch/testbed"
)

// TestSchema2LabSurvivesUpgrade: a store written before accounts (one
// ruleset model at the root, schema 2) holding a lab opens as an account
// whose default VPC is that model; the lab is re-attached, shows its
// nodes, and `lab down` removes what it made there (its interfaces and
// groups) and nothing else; the store is schema 3 afterwards.
func TestSchema2LabSurvivesUpgrade(t *testing.T) {
	raw := loadLab(t, "restart.yaml")
	var lab testbed.Lab
	if err := json.Unmarshal(raw, &lab); err != nil {
		t.Fatal(err)
	}
	// The old daemon's model: the lab applied in a VPC that is its subnet.
	acct, ap, err := testbed.Scratch(&lab)
	if err != nil {
		t.Fatal(err)
	}
	old := acct.Groups(ap.VpcID).Spec()
	rec := store.LabRecord{Name: lab.Name, Lab: raw}
	for _, h := range testbed.HostsOf(&lab, ap.Interfaces) {
		rec.Nodes = append(rec.Nodes, store.NodeWiring{Node: h.Node, ENI: h.ENI, Kind: h.Kind, Port: h.Port, Netns: h.Netns, IfName: h.IfName})
	}
	for _, g := range old.Groups {
		if !g.Default {
			rec.Groups = append(rec.Groups, g.ID)
		}
	}
	h := &harness{t: t, dir: t.TempDir(), wire: newMemWirer()}
	s, err := store.Open(h.dir)
	if err != nil {
		t.Fatal(err)
	}
	err = s.Update(func(tx *store.Tx) error {
		if err := tx.SaveSpec(nil, &old); err != nil {
			return err
		}
		return tx.PutLab(rec)
	})
	s.Close()
	if err != nil {
		t.Fatal(err)
	}

	h.open()
	t.Cleanup(func() {
		if h.d != nil {
			h.d.Close()
		}
	})
	ctx := context.Background()
	ls, err := h.d.Lab(ctx, lab.Name)
	if err != nil || len(ls.Nodes) != 2 || !ls.Nodes[0].Attached || ls.Nodes[0].ENI != rec.Nodes[0].ENI {
		t.Fatalf("the old lab after the upgrade: %+v, %v", ls, err)
	}
	var defVPC string
	h.d.ReadAccount(func(a *account.Account) error { defVPC = a.DefaultVpc(); return nil })
	if defVPC != old.VPC.VpcId {
		t.Fatalf("default VPC %q, want the old VPC %s", defVPC, old.VPC.VpcId)
	}
	if err := h.d.RemoveLab(ctx, lab.Name); err != nil {
		t.Fatal(err)
	}
	h.crash()
	h.open()
	h.d.ReadAccount(func(a *account.Account) error {
		g := a.Groups(old.VPC.VpcId)
		if g == nil || len(g.View().Groups) != 1 || len(g.View().Interfaces) != 0 || len(a.VPCs()) != 1 {
			t.Errorf("after removing the old lab: VPCs %v, groups %v", a.VPCs(), g.View().Groups)
		}
		return nil
	})
	snap, err := h.d.store.Load()
	if err != nil || snap.Account == nil || snap.Spec != nil {
		t.Errorf("the store after the upgrade: account %v, one-VPC spec %v, %v", snap.Account != nil, snap.Spec != nil, err)
	}
}
