package daemon

import (
	"context"
	"encoding/json"
	"testing"

	"sgswitch/account"
	"sgswitch/ruleset"
	"sgswitch/testbed"
)

// TestLabJoinsExistingVPC: a lab with vpc-id puts its nodes into an
// existing VPC's subnet (one made through the API) and its groups into
// that VPC; lab down removes what the lab made and leaves the VPC, its
// subnet and an interface made through the API; the record survives a
// restart.
func TestLabJoinsExistingVPC(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	var vpcID, apiENI string
	err := h.d.WriteAccount(func(a *account.Account) error {
		v, err := a.CreateVpc("198.18.0.0/16", "", nil)
		if err != nil {
			return err
		}
		sub, err := a.Network().CreateSubnet(v.VpcId, "198.18.7.0/24", "", "", nil)
		if err != nil {
			return err
		}
		e, err := a.CreateNetworkInterface(sub.SubnetId, ruleset.ENISpec{}, nil)
		vpcID, apiENI = v.VpcId, e.NetworkInterfaceId
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var lab testbed.Lab
	json.Unmarshal(loadLab(t, "restart.yaml"), &lab)
	lab.VpcID = vpcID
	raw, _ := json.Marshal(lab)
	ls, err := h.d.ApplyLab(ctx, raw)
	if err != nil {
		t.Fatal(err)
	}
	if ls.VpcId != vpcID || len(ls.Nodes) != 2 {
		t.Fatalf("lab status %+v", ls)
	}
	h.crash()
	h.open()
	h.d.ReadAccount(func(a *account.Account) error {
		for _, n := range ls.Nodes {
			if v, ok := a.VPCOfInterface(n.ENI); !ok || v != vpcID {
				t.Errorf("node %s's interface in VPC %q", n.Node, v)
			}
		}
		return nil
	})
	if !groupNames(t, h.d)["web"] {
		t.Fatal("the lab's group is missing")
	}
	if err := h.d.RemoveLab(ctx, lab.Name); err != nil {
		t.Fatal(err)
	}
	h.d.ReadAccount(func(a *account.Account) error {
		g := a.Groups(vpcID)
		if g == nil {
			t.Fatal("lab down removed the VPC it joined")
		}
		if v, ok := a.VPCOfInterface(apiENI); !ok || v != vpcID {
			t.Error("lab down removed the API's interface")
		}
		if n := len(g.View().Interfaces); n != 1 || len(g.View().Groups) != 1 {
			t.Errorf("after lab down: %d interfaces, groups %v", n, g.View().Groups)
		}
		return nil
	})
}
