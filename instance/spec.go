package instance

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"net"
	"path/filepath"

	"sgswitch/netns"
)

// Spec is one guest to boot. It is plain data.
type Spec struct {
	// Name names the instance's process record (netns.RecordProcess):
	// letters, digits, '.', '_' and '-'; testbed uses "<lab>.<node>".
	Name  string
	Owner netns.Owner
	// Kernel, Initrd and Append boot a kernel directly (Initrd optional;
	// Append defaults to DefaultAppend); Disk, in DiskFormat ("qcow2" or
	// "raw"; "" lets Start look at the file), is the guest's first virtio
	// disk (/dev/vda): booted by its own boot loader without Kernel, or
	// beside Kernel as the root its command line names (root=/dev/vda).
	Kernel, Initrd, Append string
	Disk, DiskFormat       string
	MemoryMiB              int // default DefaultMemoryMiB
	CPUs                   int // default 1
	// NICs are the guest's interfaces, eth0 first.
	NICs []NIC
	// UUID is the system UUID and SMBIOS serial; it must start with
	// "ec2" (UUIDFor).
	UUID string
	// Dir holds the instance's files: ConsoleLog, ConsoleSocket and
	// QEMULog of Dir.
	Dir string
	// AgentSocket is where the agent's virtio-serial port is served;
	// default AgentSocketIn(Dir).
	AgentSocket string
}

// NIC is one guest interface: an existing TAP device and the guest's MAC.
type NIC struct {
	TAP string
	MAC net.HardwareAddr
}

// Defaults and names.
const (
	DefaultMemoryMiB = 256
	// DefaultAppend is the kernel command line without Spec.Append: the
	// console on the first serial port, and a reboot (QEMU keeps running)
	// instead of a hang on panic.
	DefaultAppend = "console=ttyS0 panic=-1"
	// AgentPort is the virtio-serial port name of the in-guest agent's
	// channel: /dev/virtio-ports/sgswitch.agent in the guest.
	AgentPort = "sgswitch.agent"
	// maxSocketPath is the longest unix socket path (sun_path less its NUL).
	maxSocketPath = 107
)

// ConsoleLog is the file the guest's serial console is appended to.
func ConsoleLog(dir string) string { return filepath.Join(dir, "console.log") }

// ConsoleSocket is the unix socket of the guest's serial console.
func ConsoleSocket(dir string) string { return filepath.Join(dir, "console.sock") }

// AgentSocketIn is the default agent socket of an instance whose files
// are in dir.
func AgentSocketIn(dir string) string { return filepath.Join(dir, "agent.sock") }

// QEMULog is where QEMU's own messages (and the accelerator chosen) go.
func QEMULog(dir string) string { return filepath.Join(dir, "qemu.log") }

// UUIDFor is the system UUID of a lab node: "ec2" and hex digits of a
// hash of lab and node, in the 8-4-4-4-12 form, the same at every boot.
func UUIDFor(lab, node string) string {
	h := sha256.Sum256([]byte("sgswitch-instance/" + lab + "/" + node))
	x := fmt.Sprintf("ec2%x", h[:15])
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

// withDefaults fills the defaults in.
func (s Spec) withDefaults() Spec {
	if s.MemoryMiB == 0 {
		s.MemoryMiB = DefaultMemoryMiB
	}
	if s.CPUs == 0 {
		s.CPUs = 1
	}
	if s.Append == "" {
		s.Append = DefaultAppend
	}
	if s.AgentSocket == "" && s.Dir != "" {
		s.AgentSocket = AgentSocketIn(s.Dir)
	}
	return s
}

// check refuses a Spec that cannot be booted, saying why.
func (s Spec) check() error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if s.Kernel == "" && s.Disk == "" {
		add("give a kernel (and initrd), a disk image, or both")
	}
	if s.Initrd != "" && s.Kernel == "" {
		add("an initrd needs a kernel")
	}
	for _, p := range []string{s.Kernel, s.Initrd, s.Disk, s.Dir} {
		if p != "" && !filepath.IsAbs(p) {
			// QEMU would read it relative to whatever directory the
			// daemon runs in.
			add("path %s is not absolute", p)
		}
	}
	if s.Disk != "" && s.DiskFormat != "" && s.DiskFormat != "qcow2" && s.DiskFormat != "raw" {
		add("disk format %q: want qcow2 or raw", s.DiskFormat)
	}
	if s.MemoryMiB < 64 || s.MemoryMiB > 1<<20 {
		add("memory %d MiB: want 64 MiB to 1 TiB", s.MemoryMiB)
	}
	if s.CPUs < 1 || s.CPUs > 64 {
		add("cpus %d: want 1 to 64", s.CPUs)
	}
	if len(s.UUID) != 36 || s.UUID[:3] != "ec2" {
		add("uuid %q: want an ec2… UUID (UUIDFor)", s.UUID)
	}
	if len(s.NICs) == 0 {
		add("no network interface")
	}
	for i, n := range s.NICs {
		if n.TAP == "" || len(n.MAC) != 6 {
			add("interface %d: needs a TAP name and a 6-byte MAC", i)
		}
	}
	if s.Dir == "" {
		add("no directory for the instance's files")
	}
	for _, p := range []string{ConsoleSocket(s.Dir), s.AgentSocket} {
		if len(p) > maxSocketPath {
			add("socket path %s is longer than %d bytes", p, maxSocketPath)
		}
	}
	return errors.Join(errs...)
}
