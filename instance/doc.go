// Package instance starts and stops the QEMU guests of `kind: vm` lab
// nodes that name an image: the instances sgswitch boots itself.
//
// # What
//
// A Spec says what to boot (a kernel and initrd, a disk image with its
// own boot loader, or a kernel and initrd with a disk beside it as the
// root its command line names, such as scripts/guest/build-debian.sh
// makes), how
// big (memory, CPUs), on which TAP devices with which MACs (one
// virtio-net-pci device per interface, in device-index order), and where
// its files go. Start runs qemu-system-x86_64 and returns once QEMU runs;
// Stop ends it. Args is the pure part, the command line, tested on its
// own.
//
// # Design
//
//   - Identity: the guest's system UUID starts with "ec2" and the SMBIOS
//     type 1 serial number is the same string, manufacturer "Amazon EC2":
//     what cloud-init's EC2 detection reads (spec/ec2-vpc.md §6). UUIDFor
//     derives it from the lab and node, so it stays the same across
//     restarts. User data is not given to QEMU: instance metadata serves
//     it, as on EC2.
//   - Network: each NIC is -netdev tap,ifname=…,script=no,downscript=no,
//     vnet_hdr=on on a TAP device the caller made (testbed makes and
//     records it for the lab). With vnet_hdr the guest's TSO super-frames
//     reach the TAP's host side whole, which the switch reads through
//     AF_PACKET with virtio-net headers, as it reads any attached VM tap.
//   - Console: the first serial port is a unix socket server (ConsoleSocket,
//     for `sgswitch lab console`) whose output QEMU also appends to a log
//     file (ConsoleLog), so the log has the whole boot whether or not
//     anyone was attached. The guest agent's channel is a virtio-serial
//     port named AgentPort, a unix socket server at Spec.AgentSocket.
//   - Acceleration: KVM when /dev/kvm opens read-write, TCG otherwise (much
//     slower: a minimal guest needs seconds to reach its init). Which one
//     is written at the top of QEMULog and returned by Start.
//
// # Ownership
//
// QEMU runs in a session of its own (it outlives the daemon that started
// it, as the lab's TAP devices do) and is recorded as the owner's process
// (netns.RecordProcess: pid and start time). Stop and netns.RemoveAll end
// a process only while both still match the record, and never one that is
// not recorded for the owner, so a reused pid is never signalled. `lab
// down` therefore stops a lab's VMs without knowing about them: they are
// among what netns.RemoveAll removes for the lab.
//
// # Thread-safety
//
// Every function may be called from any goroutine; starting the same
// instance twice at once is the caller's to avoid (the daemon holds its
// lock).
package instance
