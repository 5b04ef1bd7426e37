package instance

import (
	"net"
	"slices"
	"strings"
	"testing"
)

func testSpec() Spec {
	return Spec{
		Name: "lab1.vm1", Owner: "test/args",
		NICs: []NIC{{TAP: "sgtap0", MAC: net.HardwareAddr{0x02, 0, 0, 0, 0, 0x11}}},
		UUID: UUIDFor("lab1", "vm1"), Dir: "/run/sgswitch-test/vm1",
	}
}

// flag returns the values given to QEMU option name, in order.
func flag(args []string, name string) []string {
	var out []string
	for i := 0; i+1 < len(args); i++ {
		if args[i] == name {
			out = append(out, args[i+1])
		}
	}
	return out
}

func TestArgs(t *testing.T) {
	kernel := func(s *Spec) { s.Kernel, s.Initrd = "/g/vmlinuz", "/g/initrd.img" }
	tests := []struct {
		name   string
		edit   func(*Spec)
		accel  Accel
		want   map[string][]string // option → its values, exactly
		absent []string
	}{
		{"kernel and initrd under TCG", kernel, TCG, map[string][]string{
			"-kernel": {"/g/vmlinuz"}, "-initrd": {"/g/initrd.img"}, "-append": {DefaultAppend},
			"-machine": {"q35,accel=tcg"}, "-cpu": {"max"}, "-m": {"256M"}, "-smp": {"1"},
		}, []string{"-drive"}},
		{"kernel without initrd, own command line, KVM", func(s *Spec) {
			s.Kernel, s.Append, s.MemoryMiB, s.CPUs = "/g/vmlinuz", "console=ttyS0 root=/dev/vda1", 1024, 2
		}, KVM, map[string][]string{
			"-append": {"console=ttyS0 root=/dev/vda1"}, "-machine": {"q35,accel=kvm"}, "-cpu": {"host"},
			"-m": {"1024M"}, "-smp": {"2"},
		}, []string{"-initrd", "-drive"}},
		{"qcow2 disk", func(s *Spec) { s.Disk, s.DiskFormat = "/g/debian.qcow2", "qcow2" }, TCG, map[string][]string{
			"-drive": {"file=/g/debian.qcow2,format=qcow2,if=virtio"},
		}, []string{"-kernel", "-initrd", "-append"}},
		{"kernel and initrd with a disk beside them", func(s *Spec) {
			kernel(s)
			s.Disk, s.DiskFormat, s.Append = "/g/disk.img", "raw", DefaultAppend+" root=/dev/vda rw"
		}, TCG, map[string][]string{
			"-kernel": {"/g/vmlinuz"}, "-initrd": {"/g/initrd.img"}, "-append": {DefaultAppend + " root=/dev/vda rw"},
			"-drive": {"file=/g/disk.img,format=raw,if=virtio"},
		}, nil},
		{"raw disk, comma in path escaped", func(s *Spec) { s.Disk, s.DiskFormat = "/g/a,b.img", "raw" }, TCG, map[string][]string{
			"-drive": {"file=/g/a,,b.img,format=raw,if=virtio"},
		}, nil},
		{"two taps, eth0 first", func(s *Spec) {
			kernel(s)
			s.NICs = append(s.NICs, NIC{TAP: "sgtap1", MAC: net.HardwareAddr{0x02, 0, 0, 0, 0, 0x22}})
		}, TCG, map[string][]string{
			"-netdev": {
				"tap,id=net0,ifname=sgtap0,script=no,downscript=no,vnet_hdr=on",
				"tap,id=net1,ifname=sgtap1,script=no,downscript=no,vnet_hdr=on",
			},
			"-device": {
				"virtio-net-pci,netdev=net0,mac=02:00:00:00:00:11",
				"virtio-net-pci,netdev=net1,mac=02:00:00:00:00:22",
				"virtio-serial-pci,id=vser",
				"virtserialport,bus=vser.0,chardev=agent,name=sgswitch.agent",
			},
		}, nil},
		{"identity, console and agent", func(s *Spec) { kernel(s); s.UUID = "ec2aaaaa-bbbb-cccc-dddd-eeeeeeeeeeee" }, TCG, map[string][]string{
			"-uuid":   {"ec2aaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"},
			"-smbios": {"type=1,manufacturer=Amazon EC2,product=sgswitch,serial=ec2aaaaa-bbbb-cccc-dddd-eeeeeeeeeeee,uuid=ec2aaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"},
			"-chardev": {
				"socket,id=console,path=/run/sgswitch-test/vm1/console.sock,server=on,wait=off,logfile=/run/sgswitch-test/vm1/console.log,logappend=on",
				"socket,id=agent,path=/run/sgswitch-test/vm1/agent.sock,server=on,wait=off",
			},
			"-serial": {"chardev:console"},
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := testSpec()
			tt.edit(&s)
			if err := s.withDefaults().check(); err != nil {
				t.Fatalf("check: %v", err)
			}
			args := Args(s, tt.accel)
			for opt, want := range tt.want {
				if got := flag(args, opt); !slices.Equal(got, want) {
					t.Errorf("%s = %q, want %q", opt, got, want)
				}
			}
			for _, opt := range tt.absent {
				if slices.Contains(args, opt) {
					t.Errorf("%s given: %q", opt, args)
				}
			}
			if !slices.Contains(args, "-nodefaults") {
				t.Errorf("no -nodefaults: QEMU would add its own devices")
			}
		})
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Spec)
		want string
	}{
		{"no image", func(*Spec) {}, "give a kernel (and initrd), a disk image, or both"},
		{"initrd alone", func(s *Spec) { s.Disk, s.Initrd = "/d", "/i" }, "an initrd needs a kernel"},
		{"format", func(s *Spec) { s.Disk, s.DiskFormat = "/d", "vmdk" }, `disk format "vmdk"`},
		{"uuid", func(s *Spec) { s.Kernel, s.UUID = "/k", "12345678-bbbb-cccc-dddd-eeeeeeeeeeee" }, "ec2… UUID"},
		{"memory", func(s *Spec) { s.Kernel, s.MemoryMiB = "/k", 16 }, "memory 16 MiB"},
		{"no nic", func(s *Spec) { s.Kernel, s.NICs = "/k", nil }, "no network interface"},
		{"relative path", func(s *Spec) { s.Kernel = "guest/vmlinuz" }, "path guest/vmlinuz is not absolute"},
		{"long socket path", func(s *Spec) { s.Kernel, s.Dir = "/k", "/"+strings.Repeat("d", 100) }, "longer than 107 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := testSpec()
			tt.edit(&s)
			err := s.withDefaults().check()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("check = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// TestCheckAccepts: each of the three ways to boot passes check.
func TestCheckAccepts(t *testing.T) {
	for name, edit := range map[string]func(*Spec){
		"kernel":          func(s *Spec) { s.Kernel, s.Initrd = "/k", "/i" },
		"disk":            func(s *Spec) { s.Disk = "/d" },
		"kernel and disk": func(s *Spec) { s.Kernel, s.Initrd, s.Disk = "/k", "/i", "/d" },
	} {
		s := testSpec()
		edit(&s)
		if err := s.withDefaults().check(); err != nil {
			t.Errorf("%s: check = %v, want nil", name, err)
		}
	}
}

func TestUUIDFor(t *testing.T) {
	u := UUIDFor("lab1", "vm1")
	if len(u) != 36 || !strings.HasPrefix(u, "ec2") || strings.Count(u, "-") != 4 {
		t.Errorf("UUIDFor = %q, want ec2… in the 8-4-4-4-12 form", u)
	}
	if u != UUIDFor("lab1", "vm1") || u == UUIDFor("lab1", "vm2") || u == UUIDFor("lab2", "vm1") {
		t.Errorf("UUIDFor is not a stable function of lab and node")
	}
}
