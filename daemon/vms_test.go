package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"sgswitch/instance"
	"sgswitch/testbed"
)

// vmWirer is memWirer that also "boots" VMs: it records each Spec.
type vmWirer struct {
	*memWirer
	mu      sync.Mutex
	started []instance.Spec
	fail    error
}

func (w *vmWirer) StartVM(_ context.Context, s instance.Spec) (instance.Info, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.fail != nil {
		return instance.Info{}, w.fail
	}
	w.started = append(w.started, s)
	return instance.Info{PID: 4242, Accel: instance.TCG, Already: len(w.started) > 1}, nil
}

const vmLab = `name: sgvm
subnet: 198.18.9.0/24
topology:
  nodes:
    client: {ip: 198.18.9.10}
    vm1:
      kind: vm
      ip: 198.18.9.40
      image: {kernel: /guest/vmlinuz, initrd: /guest/initrd.img}
      memory: 512M
      cpus: 2
      metadata: {http-tokens: required}
`

func TestApplyLabStartsVMs(t *testing.T) {
	dir := t.TempDir()
	w := &vmWirer{memWirer: newMemWirer()}
	d, err := Open(Config{StateDir: dir, VPC: DefaultVPC(), Dataplane: newFakeDataplane(), Wirer: w, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	lab, err := testbed.Parse("sgvm.yaml", []byte(vmLab))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(lab)
	st, err := d.ApplyLab(context.Background(), raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(w.started) != 1 {
		t.Fatalf("StartVM called %d times, want once", len(w.started))
	}
	s := w.started[0]
	var mac string
	for _, n := range st.Nodes {
		if n.Node == "vm1" {
			mac = n.MAC
			if n.Port != testbed.PortVMTAP || n.IfName != testbed.HostIfNameOf("sgvm", "vm1", 0) {
				t.Errorf("vm1's port: %+v", n)
			}
		}
	}
	if s.Name != "sgvm.vm1" || s.Owner != "lab/sgvm" || s.Kernel != "/guest/vmlinuz" || s.MemoryMiB != 512 || s.CPUs != 2 ||
		len(s.NICs) != 1 || s.NICs[0].TAP != testbed.HostIfNameOf("sgvm", "vm1", 0) || s.NICs[0].MAC.String() != mac ||
		s.UUID != instance.UUIDFor("sgvm", "vm1") || s.Dir != filepath.Join(dir, "vm", "sgvm", "vm1") {
		t.Errorf("spec = %+v (ENI MAC %s)", s, mac)
	}
	// Again: the starter is asked again (it knows the VM runs).
	if _, err := d.ApplyLab(context.Background(), raw); err != nil || len(w.started) != 2 {
		t.Errorf("second lab up: %v, %d starts", err, len(w.started))
	}
	w.fail = errors.New("qemu-system-x86_64 is not installed")
	_, err = d.ApplyLab(context.Background(), raw)
	if err == nil || !strings.Contains(err.Error(), "lab sgvm: node vm1: qemu-system-x86_64 is not installed") {
		t.Errorf("a VM that does not start: %v", err)
	}
	if _, err := d.Lab(context.Background(), "sgvm"); err != nil {
		t.Errorf("the lab stays applied: %v", err)
	}
}
