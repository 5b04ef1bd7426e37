package testbed

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"sgswitch/instance"
	"sgswitch/vpcsvc"
)

// vmNode is lab-file.md's vm1 ("VPC labs"), added to twotier.
const vmNode = `    vm1:
      kind: vm
      subnet: private
      ip: 198.18.2.40
      instance-type: t3.micro
      image: {kernel: guest/vmlinuz, initrd: guest/initrd.img}
      memory: 256M
      cpus: 1
      user-data: guest/cloud-config.yaml
      metadata: {http-tokens: required, hop-limit: 1}
`

// withNode adds node text (YAML indented as a node) to twotier's nodes.
func withNode(node string) string {
	return strings.Replace(twotier, "checks:\n", node+"checks:\n", 1)
}

func TestParseVM(t *testing.T) {
	lab, err := Parse("twotier.yaml", []byte(withNode(vmNode)))
	if err != nil {
		t.Fatal(err)
	}
	n := lab.Node("vm1")
	want := &VM{Kernel: "guest/vmlinuz", Initrd: "guest/initrd.img", MemoryMiB: 256, CPUs: 1, Line: n.VM.Line}
	if n.Kind != KindVM || !reflect.DeepEqual(n.VM, want) || n.UserDataFile != "guest/cloud-config.yaml" {
		t.Errorf("vm1 = %+v, VM %+v", n, n.VM)
	}
	wantOpts := vpcsvc.MetadataOptions{HttpEndpoint: true, HttpTokens: "required", HttpPutResponseHopLimit: 1}
	if got := n.MetadataOptions(); got != wantOpts {
		t.Errorf("MetadataOptions = %+v, want %+v", got, wantOpts)
	}
	if got := lab.Node("db1").MetadataOptions(); got != vpcsvc.DefaultMetadataOptions() {
		t.Errorf("a node without metadata: %+v, want EC2's defaults", got)
	}
	hs := HostsOf(lab, nil)
	if h := hs[len(hs)-1]; h.Node != "vm1" || h.Kind != KindVM || h.Port != PortVMTAP || h.IfName != HostIfNameOf("twotier", "vm1", 0) {
		t.Errorf("vm1's host = %+v, want a TAP sgswitch makes", h)
	}
	dir := t.TempDir()
	for _, f := range []string{"guest/vmlinuz", "guest/initrd.img", "guest/cloud-config.yaml"} {
		_ = os.MkdirAll(filepath.Join(dir, "guest"), 0o700)
		if err := os.WriteFile(filepath.Join(dir, f), []byte("#cloud-config\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := lab.ResolveFiles(dir); err != nil {
		t.Fatal(err)
	}
	if n.VM.Kernel != filepath.Join(dir, "guest/vmlinuz") || string(n.UserData) != "#cloud-config\n" {
		t.Errorf("after ResolveFiles: %+v, user data %q", n.VM, n.UserData)
	}
	b, _ := json.Marshal(lab)
	var back Lab
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(lab, &back) {
		t.Errorf("JSON round trip changed the lab (%v)", err)
	}
	if err := lab.ResolveFiles(t.TempDir()); err != nil {
		t.Errorf("absolute paths are kept: %v", err)
	}
	lab.Node("vm1").VM.Initrd = "missing.img"
	if err := lab.ResolveFiles(dir); err == nil || !strings.Contains(err.Error(), "topology.nodes.vm1.image.initrd: "+filepath.Join(dir, "missing.img")) {
		t.Errorf("missing image file: %v", err)
	}
}

// TestParseVMKernelAndDisk: a kernel with a disk beside it and its own
// command line (scripts/guest/build-debian.sh's guest); VMSpec adds
// append after instance.DefaultAppend.
func TestParseVMKernelAndDisk(t *testing.T) {
	file := withNode(strings.Replace(vmNode, "initrd: guest/initrd.img}",
		"initrd: guest/initrd.img, disk: guest/disk.img, append: root=/dev/vda rw}", 1))
	lab, err := Parse("twotier.yaml", []byte(file))
	if err != nil {
		t.Fatal(err)
	}
	n := lab.Node("vm1")
	want := &VM{Kernel: "guest/vmlinuz", Initrd: "guest/initrd.img", Disk: "guest/disk.img",
		Append: "root=/dev/vda rw", MemoryMiB: 256, CPUs: 1, Line: n.VM.Line}
	if !reflect.DeepEqual(n.VM, want) {
		t.Fatalf("VM = %+v, want %+v", n.VM, want)
	}
	s := VMSpec("/state", "twotier", n, nil)
	if s.Disk != "guest/disk.img" || s.Kernel != "guest/vmlinuz" || s.Append != instance.DefaultAppend+" root=/dev/vda rw" {
		t.Errorf("VMSpec = %+v", s)
	}
	n.VM.Append = ""
	if s := VMSpec("/state", "twotier", n, nil); s.Append != "" {
		t.Errorf("without append, VMSpec.Append = %q, want instance's default", s.Append)
	}
}

func TestParseRefusesVM(t *testing.T) {
	node := func(old, new string) string { return withNode(strings.Replace(vmNode, old, new, 1)) }
	cases := []struct {
		name, file, want string
	}{
		{"interface and image", node("kind: vm\n", "kind: vm\n      interface: tap0\n"),
			"topology.nodes.vm1: give interface: (attach an existing host interface) or image: (sgswitch boots the VM), not both (line 38)"},
		{"append without kernel", node("{kernel: guest/vmlinuz, initrd: guest/initrd.img}", "{disk: d.img, append: quiet}"),
			"topology.nodes.vm1.image: append needs kernel (a disk alone boots its own command line) (line 43)"},
		{"append with a newline", node("initrd: guest/initrd.img}", `append: "a\nb"}`),
			"topology.nodes.vm1.image.append: a kernel command line of printable characters, at most 1024 bytes (line 43)"},
		{"empty image", node("{kernel: guest/vmlinuz, initrd: guest/initrd.img}", "{}"),
			"topology.nodes.vm1.image: give kernel (and initrd), disk, or both (line 43)"},
		{"initrd alone", node("kernel: guest/vmlinuz, ", ""), "topology.nodes.vm1.image: initrd needs kernel (line 43)"},
		{"image key", node("initrd:", "initramfs:"), `topology.nodes.vm1.image: unknown key "initramfs" (line 43)`},
		{"memory unit", node("256M", "256"), `topology.nodes.vm1.memory: expected a size such as 256M or 1G, found "256" (line 44)`},
		{"memory range", node("256M", "32M"), "topology.nodes.vm1.memory: 32M is out of range 64M..64G (line 44)"},
		{"cpus", node("cpus: 1", "cpus: 0"), "topology.nodes.vm1.cpus: 0 is out of range 1..64 (line 45)"},
		{"http-tokens", node("required", "sometimes"), `topology.nodes.vm1.metadata.http-tokens: expected optional or required, found "sometimes" (line 47)`},
		{"hop-limit", node("hop-limit: 1", "hop-limit: 65"), "topology.nodes.vm1.metadata.hop-limit: 65 is out of range 1..64 (line 47)"},
		{"http-endpoint", node("hop-limit: 1", "http-endpoint: on"), `metadata.http-endpoint: expected enabled or disabled, found "on"`},
		{"metadata key", node("hop-limit: 1", "hops: 1"), `topology.nodes.vm1.metadata: unknown key "hops" (line 47)`},
		{"image on netns", node("kind: vm", "kind: netns"), "topology.nodes.vm1: image, memory and cpus are for kind: vm only (line 43)"},
		{"memory without image", node("      image: {kernel: guest/vmlinuz, initrd: guest/initrd.img}\n", "      interface: tap0\n"),
			"topology.nodes.vm1: memory and cpus need image: (a VM that sgswitch boots) (line 44)"},
		{"neither", node("      image: {kernel: guest/vmlinuz, initrd: guest/initrd.img}\n      memory: 256M\n      cpus: 1\n", ""),
			"kind: vm needs interface: the name of an existing host interface (at most 15 bytes), or image: to have sgswitch boot it"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			lab, err := Parse("twotier.yaml", []byte(tc.file))
			if err == nil {
				t.Fatalf("accepted: %+v", lab.Node("vm1"))
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q\ndoes not contain %q", err, tc.want)
			}
		})
	}
}

// A VM that attaches an existing interface keeps its meaning.
func TestParseAttachedVM(t *testing.T) {
	lab, err := Parse("twotier.yaml", []byte(withNode("    vm2: {kind: vm, interface: tap7, subnet: private, ip: 198.18.2.41, user-data: u.txt}\n")))
	if err != nil {
		t.Fatal(err)
	}
	n := lab.Node("vm2")
	hs := HostsOf(lab, nil)
	if h := hs[len(hs)-1]; n.VM != nil || h.Port != PortAttach || h.IfName != "tap7" || n.UserDataFile != "u.txt" {
		t.Errorf("vm2 = %+v, host %+v", n, h)
	}
}
