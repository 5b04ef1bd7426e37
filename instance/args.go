package instance

import (
	"fmt"
	"strings"
)

// Accel is how QEMU runs the guest.
type Accel string

// Accelerators.
const (
	KVM Accel = "kvm" // hardware virtualization through /dev/kvm
	TCG Accel = "tcg" // QEMU's emulator: no KVM needed, many times slower
)

// Args is QEMU's command line (without the program) for s, run with
// accel. s must have passed check (Start does both).
func Args(s Spec, accel Accel) []string {
	s = s.withDefaults()
	cpu := "max" // every feature TCG emulates
	if accel == KVM {
		cpu = "host"
	}
	a := []string{
		"-name", "sgswitch-" + s.Name,
		// Nothing QEMU would add by itself: no default serial, monitor,
		// parallel port, VGA or network, no user configuration files.
		"-nodefaults", "-no-user-config", "-display", "none",
		"-machine", "q35,accel=" + string(accel), "-cpu", cpu,
		"-m", fmt.Sprintf("%dM", s.MemoryMiB), "-smp", fmt.Sprint(s.CPUs),
		"-uuid", s.UUID,
		"-smbios", "type=1,manufacturer=Amazon EC2,product=sgswitch,serial=" + opt(s.UUID) + ",uuid=" + opt(s.UUID),
	}
	a = append(a, bootArgs(s)...)
	for i, n := range s.NICs {
		id := fmt.Sprintf("net%d", i)
		a = append(a,
			"-netdev", "tap,id="+id+",ifname="+opt(n.TAP)+",script=no,downscript=no,vnet_hdr=on",
			"-device", fmt.Sprintf("virtio-net-pci,netdev=%s,mac=%s", id, n.MAC))
	}
	return append(a,
		"-chardev", "socket,id=console,path="+opt(ConsoleSocket(s.Dir))+",server=on,wait=off,logfile="+opt(ConsoleLog(s.Dir))+",logappend=on",
		"-serial", "chardev:console",
		"-device", "virtio-serial-pci,id=vser",
		"-chardev", "socket,id=agent,path="+opt(s.AgentSocket)+",server=on,wait=off",
		"-device", "virtserialport,bus=vser.0,chardev=agent,name="+AgentPort,
	)
}

// bootArgs boots the kernel, or the disk as a virtio block device, or
// the kernel with the disk beside it.
func bootArgs(s Spec) []string {
	var a []string
	if s.Kernel != "" {
		a = append(a, "-kernel", s.Kernel, "-append", s.Append)
		if s.Initrd != "" {
			a = append(a, "-initrd", s.Initrd)
		}
	}
	if s.Disk != "" {
		format := s.DiskFormat
		if format == "" {
			format = "raw"
		}
		a = append(a, "-drive", "file="+opt(s.Disk)+",format="+format+",if=virtio")
	}
	return a
}

// opt escapes a value inside a QEMU option list, where a comma separates
// options and ",," stands for a comma.
func opt(v string) string { return strings.ReplaceAll(v, ",", ",,") }
