package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"sgswitch/ec2api"
	"sgswitch/ruleset"
	"sgswitch/store"
	"sgswitch/testbed"
	"sgswitch/vpcsvc"
)

// The labs' user data and metadata options reach the Directory's
// instances; a node without them keeps EC2's defaults; a lab record that
// does not decode contributes nothing.
func TestInstanceDetailsFromLabs(t *testing.T) {
	lab := testbed.Lab{Name: "vmlab", Nodes: []testbed.Node{
		{Name: "vm1", Kind: testbed.KindVM, VM: &testbed.VM{Kernel: "/g/vmlinuz", Initrd: "/g/initrd"},
			UserData: []byte("#cloud-config\n"), Metadata: &testbed.Metadata{HttpTokens: "required", HopLimit: 2}},
		{Name: "app", Kind: testbed.KindNetns},
	}}
	raw, err := json.Marshal(lab)
	if err != nil {
		t.Fatal(err)
	}
	got := instanceDetails(map[string]store.LabRecord{
		"vmlab":  {Name: "vmlab", Lab: raw},
		"broken": {Name: "broken", Lab: json.RawMessage(`{"nodes": 7}`)},
	})
	if len(got) != 2 {
		t.Fatalf("%d instances, want 2: %v", len(got), got)
	}
	vm := got[ruleset.InstanceID("vmlab/vm1")]
	if string(vm.UserData) != "#cloud-config\n" || vm.Metadata.HttpTokens != "required" || vm.Metadata.HttpPutResponseHopLimit != 2 || !vm.Metadata.HttpEndpoint {
		t.Errorf("vm1: %+v", vm)
	}
	app := got[ruleset.InstanceID("vmlab/app")]
	if app.Metadata != vpcsvc.DefaultMetadataOptions() || app.UserData != nil {
		t.Errorf("app: %+v", app)
	}
	if vm.ImageID == app.ImageID || len(vm.ImageID) != len("ami-")+17 || vm.ReservationID != app.ReservationID {
		t.Errorf("image ids %s %s, reservations %s %s", vm.ImageID, app.ImageID, vm.ReservationID, app.ReservationID)
	}

	// The overlay fills in what the account does not know, keeps what it does.
	d := NewDirectory()
	d.SetInstanceDetails(got)
	in := d.details.apply(vpcsvc.Instance{ID: ruleset.InstanceID("vmlab/vm1"), Name: "vm1", InstanceType: "t3.micro"})
	if in.Name != "vm1" || in.InstanceType != "t3.micro" || in.Metadata.HttpTokens != "required" {
		t.Errorf("overlaid: %+v", in)
	}
	other := vpcsvc.Instance{ID: "i-0000000000000000a", Metadata: vpcsvc.DefaultMetadataOptions()}
	if d.details.apply(other).Metadata != other.Metadata {
		t.Error("an instance without details changed")
	}
}

// The daemon is the EC2 API's InstanceCatalog.
var _ ec2api.InstanceCatalog = (*Daemon)(nil)

// Every lab image is listed once by its stable id, with "netns" always
// there, and namespace nodes of any lab share it.
func TestLabImages(t *testing.T) {
	mk := func(name string, nodes ...testbed.Node) store.LabRecord {
		raw, err := json.Marshal(testbed.Lab{Name: name, Nodes: nodes})
		if err != nil {
			t.Fatal(err)
		}
		return store.LabRecord{Name: name, Lab: raw}
	}
	if got := labImages(nil); len(got) != 1 || got[imageID(&testbed.Node{Kind: testbed.KindNetns})] != "netns" {
		t.Fatalf("without labs: %v", got)
	}
	vm := testbed.Node{Name: "vm", Kind: testbed.KindVM, VM: &testbed.VM{Disk: "/img/debian.qcow2"}}
	got := labImages(map[string]store.LabRecord{
		"a": mk("a", vm, testbed.Node{Name: "n", Kind: testbed.KindNetns}),
		"b": mk("b", vm, testbed.Node{Name: "tap", Kind: testbed.KindVM, Interface: "tap9"}),
	})
	want := map[string]string{imageID(&vm): "debian.qcow2", imageID(&testbed.Node{}): "netns",
		imageID(&testbed.Node{Kind: testbed.KindVM}): "attached-vm"}
	if len(got) != len(want) {
		t.Fatalf("images %v, want %v", got, want)
	}
	for id, name := range want {
		if got[id] != name {
			t.Errorf("image %s: %q, want %q", id, got[id], name)
		}
	}
}

// Metadata options set through the EC2 API are kept in the lab record:
// they survive a restart and applying the same lab again, and only the
// node named changes.
func TestModifyInstanceMetadata(t *testing.T) {
	h := newHarness(t)
	raw := loadLab(t, "restart.yaml")
	if _, err := h.d.ApplyLab(context.Background(), raw); err != nil {
		t.Fatal(err)
	}
	web, client := ruleset.InstanceID("sgrst/web"), ruleset.InstanceID("sgrst/client")
	require := func(m vpcsvc.MetadataOptions) (vpcsvc.MetadataOptions, error) {
		m.HttpTokens = "required"
		return m, nil
	}
	if err := h.d.ModifyInstanceMetadata(web, require); err != nil {
		t.Fatal(err)
	}
	if err := h.d.ModifyInstanceMetadata("i-0000000000000000f", require); !errors.Is(err, ec2api.ErrNoInstance) {
		t.Fatalf("unknown instance: %v", err)
	}
	refused := errors.New("refused")
	if err := h.d.ModifyInstanceMetadata(client, func(vpcsvc.MetadataOptions) (vpcsvc.MetadataOptions, error) {
		return vpcsvc.MetadataOptions{}, refused
	}); !errors.Is(err, refused) {
		t.Fatalf("change's error: %v", err)
	}
	check := func(when string) {
		t.Helper()
		got := h.d.InstanceDetails()
		if got[web].Metadata.HttpTokens != "required" || got[client].Metadata != vpcsvc.DefaultMetadataOptions() {
			t.Fatalf("%s: web %+v, client %+v", when, got[web].Metadata, got[client].Metadata)
		}
	}
	check("after modify")
	if _, err := h.d.ApplyLab(context.Background(), raw); err != nil {
		t.Fatal(err)
	}
	check("after applying the lab again")
	h.d.Close()
	h.open()
	check("after a restart")
}
