package vpcsvc

import (
	"fmt"
	"net"
	"net/netip"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// endpoint is one end of a reply: its MAC, address and port.
type endpoint struct {
	mac  net.HardwareAddr
	addr netip.Addr
	port uint16
}

var broadcastMAC = net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}

// udpFrame builds an Ethernet frame carrying payload in UDP from src to
// dst (both IPv4 or both IPv6), lengths and checksums filled.
func udpFrame(src, dst endpoint, payload []byte) ([]byte, error) {
	eth := &layers.Ethernet{SrcMAC: src.mac, DstMAC: dst.mac}
	udp := &layers.UDP{SrcPort: layers.UDPPort(src.port), DstPort: layers.UDPPort(dst.port)}
	var ip gopacket.NetworkLayer
	if src.addr.Is4() {
		eth.EthernetType = layers.EthernetTypeIPv4
		ip = &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP,
			SrcIP: src.addr.AsSlice(), DstIP: dst.addr.AsSlice()}
	} else {
		eth.EthernetType = layers.EthernetTypeIPv6
		ip = &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolUDP,
			SrcIP: src.addr.AsSlice(), DstIP: dst.addr.AsSlice()}
	}
	if err := udp.SetNetworkLayerForChecksum(ip); err != nil {
		return nil, err
	}
	return serialize(eth, ip.(gopacket.SerializableLayer), udp, gopacket.Payload(payload))
}

// icmp6Frame builds an Ethernet frame carrying an ICMPv6 message whose
// checksum the caller has filled (ndp.MarshalMessageChecksum), with hop
// limit 255 as neighbour discovery requires (RFC 4861 6.1.2).
func icmp6Frame(src, dst endpoint, msg []byte) ([]byte, error) {
	eth := &layers.Ethernet{SrcMAC: src.mac, DstMAC: dst.mac, EthernetType: layers.EthernetTypeIPv6}
	ip := &layers.IPv6{Version: 6, HopLimit: 255, NextHeader: layers.IPProtocolICMPv6,
		SrcIP: src.addr.AsSlice(), DstIP: dst.addr.AsSlice()}
	return serialize(eth, ip, gopacket.Payload(msg))
}

func serialize(ls ...gopacket.SerializableLayer) ([]byte, error) {
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	if err := gopacket.SerializeLayers(buf, opts, ls...); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// hostname is EC2's IP-based private name label for a: ip-10-0-1-5.
func hostname(a netip.Addr) string {
	b := a.As4()
	return fmt.Sprintf("ip-%d-%d-%d-%d", b[0], b[1], b[2], b[3])
}
