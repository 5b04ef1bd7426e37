package perf

import (
	"fmt"
	"net"
	"net/netip"
	"time"
	"unsafe"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"sgswitch/netns"
	"sgswitch/packet"
)

// UDPFrame builds a 60-byte Ethernet/IPv4/UDP frame (64 bytes on the wire
// with the FCS) from src to dst:port. The UDP checksum is 0 (allowed in IPv4).
func UDPFrame(srcMAC, dstMAC net.HardwareAddr, src, dst netip.Addr, sport, dport uint16) []byte {
	const l4 = packet.EthernetLen + packet.IPv4MinLen
	f := make([]byte, 60)
	packet.Ethernet(f).Encode(mac6(dstMAC), mac6(srcMAC), packet.EtherTypeIPv4)
	packet.IPv4(f[packet.EthernetLen:]).Encode(&packet.IPv4Fields{TotalLen: uint16(len(f) - packet.EthernetLen),
		TTL: 64, Protocol: packet.ProtoUDP, Src: src.As4(), Dst: dst.As4()})
	packet.UDP(f[l4:]).Encode(sport, dport, uint16(len(f)-l4))
	return f
}

// mac6 is an Ethernet address as an array (zero when a is not one).
func mac6(a net.HardwareAddr) (m [6]byte) {
	copy(m[:], a)
	return m
}

// udpBatch is how many frames one sendmmsg call hands the kernel.
const udpBatch = 64

// SendUDP blasts 64-byte UDP frames from the client's eth0 for dur on one OS
// thread in the client's namespace: an AF_PACKET socket that bypasses the
// qdisc, sendmmsg of udpBatch frames per call. It returns the frames the
// kernel accepted. The generator is cheap per frame (one syscall per 64), so
// the path behind eth0, not the sender, limits what arrives. It also
// returns the sending thread's CPU seconds.
func SendUDP(t Topology, dur time.Duration) (sent uint64, senderCPU float64, err error) {
	type result struct {
		sent uint64
		cpu  float64
		err  error
	}
	done := make(chan result, 1)
	err = netns.Go(t.Client.Netns, func() {
		c0 := threadCPU()
		n, err := sendUDPHere(t, dur)
		done <- result{n, threadCPU() - c0, err}
	})
	if err != nil {
		return 0, 0, err
	}
	r := <-done
	return r.sent, r.cpu, r.err
}

// threadCPU is the calling OS thread's user+system CPU seconds. The
// sender's thread also pays for whatever the kernel does synchronously in
// its transmit path (for veth and a bridge: the whole path).
func threadCPU() float64 {
	var ru unix.Rusage
	if unix.Getrusage(unix.RUSAGE_THREAD, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

func sendUDPHere(t Topology, dur time.Duration) (uint64, error) {
	ifc, err := net.InterfaceByName(t.Client.Dev)
	if err != nil {
		return 0, err
	}
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0) // protocol 0: send only
	if err != nil {
		return 0, fmt.Errorf("AF_PACKET socket: %w", err)
	}
	defer unix.Close(fd)
	_ = unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_QDISC_BYPASS, 1)
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Ifindex: ifc.Index}); err != nil {
		return 0, fmt.Errorf("binding AF_PACKET to %s: %w", t.Client.Dev, err)
	}
	src, _ := net.ParseMAC(t.Client.MAC)
	dst, _ := net.ParseMAC(t.Server.MAC)
	frame := UDPFrame(src, dst, t.Client.IPv4, t.Server.IPv4, 40000, UDPPort)
	iov := unix.Iovec{Base: &frame[0]}
	iov.SetLen(len(frame))
	msgs := make([]unix.Mmsghdr, udpBatch)
	for i := range msgs {
		msgs[i].Hdr.Iov = &iov
		msgs[i].Hdr.SetIovlen(1)
	}
	var sent uint64
	deadline := time.Now().Add(dur)
	for i := 0; ; i++ {
		if i%16 == 0 && time.Now().After(deadline) {
			break
		}
		n, _, e := unix.Syscall6(unix.SYS_SENDMMSG, uintptr(fd), uintptr(unsafe.Pointer(&msgs[0])), udpBatch, 0, 0, 0)
		if e != 0 {
			if e == unix.ENOBUFS || e == unix.EAGAIN {
				continue
			}
			return sent, fmt.Errorf("sendmmsg: %w", e)
		}
		sent += uint64(n)
	}
	return sent, nil
}

// RxPackets reads the rx_packets counter of dev in namespace ns (netlink,
// so no sysfs mount inside the namespace is needed).
func RxPackets(ns, dev string) (uint64, error) {
	h, err := netns.Handle(ns)
	if err != nil {
		return 0, err
	}
	defer h.Close()
	nl, err := netlink.NewHandleAt(h)
	if err != nil {
		return 0, err
	}
	defer nl.Close()
	link, err := nl.LinkByName(dev)
	if err != nil {
		return 0, fmt.Errorf("%s in %s: %w", dev, ns, err)
	}
	st := link.Attrs().Statistics
	if st == nil {
		return 0, fmt.Errorf("%s in %s: no statistics", dev, ns)
	}
	return st.RxPackets, nil
}

// UDPResult is one pps run: offered and delivered rates.
type UDPResult struct {
	OfferedPPS, DeliveredPPS float64
	Delivered                uint64
	SenderCPU                float64 // seconds on the sending thread
}

// RunUDP offers 64-byte UDP for dur and counts what reaches the server's eth0.
func RunUDP(t Topology, dur time.Duration) (UDPResult, error) {
	before, err := RxPackets(t.Server.Netns, t.Server.Dev)
	if err != nil {
		return UDPResult{}, err
	}
	start := time.Now()
	sent, cpu, err := SendUDP(t, dur)
	el := time.Since(start).Seconds()
	if err != nil {
		return UDPResult{}, err
	}
	time.Sleep(100 * time.Millisecond) // let the path drain its queues
	after, err := RxPackets(t.Server.Netns, t.Server.Dev)
	if err != nil {
		return UDPResult{}, err
	}
	d := after - before
	return UDPResult{OfferedPPS: float64(sent) / el, DeliveredPPS: float64(d) / el, Delivered: d, SenderCPU: cpu}, nil
}

// GeneratorPPS measures the 64-byte UDP generator alone: the same sender on
// a veth whose peer is up but has another MAC, so each frame is dropped as
// "other host" at the start of IP receive (this kernel has no dummy driver,
// and a down peer stops the queue). What a path delivers below this rate is
// the path's limit, not the generator's.
func GeneratorPPS(s *netns.Scope, dur time.Duration) (float64, error) {
	ns, err := s.CreateNetns("gen")
	if err != nil {
		return 0, err
	}
	for _, c := range [][]string{
		{"ip", "-n", ns, "link", "add", "eth0", "type", "veth", "peer", "name", "sink0"},
		{"ip", "-n", ns, "link", "set", "eth0", "up"},
		{"ip", "-n", ns, "link", "set", "sink0", "up"},
	} {
		if _, err := Run(c[0], c[1:]...); err != nil {
			return 0, err
		}
	}
	t := Topology{
		Client: Endpoint{Netns: ns, Dev: "eth0", MAC: ClientMAC, IPv4: ClientIPv4},
		Server: Endpoint{MAC: ServerMAC, IPv4: ServerIPv4},
	}
	start := time.Now()
	sent, _, err := SendUDP(t, dur)
	if err != nil {
		return 0, err
	}
	return float64(sent) / time.Since(start).Seconds(), nil
}
