package imds

import (
	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/header"
)

// classify checks that frame is what the server serves — an unfragmented
// IPv4 or IPv6 packet (no extension headers) carrying TCP to port 80 of a
// metadata address — and returns the IP packet without its Ethernet
// header. Anything else is dropped before it reaches a stack, so a guest
// cannot make the server build a stack, or answer, for other traffic.
func classify(frame []byte) (proto tcpip.NetworkProtocolNumber, packet []byte, v6, ok bool) {
	if len(frame) < header.EthernetMinimumSize {
		return 0, nil, false, false
	}
	eth := header.Ethernet(frame)
	packet = frame[header.EthernetMinimumSize:]
	var l4 []byte
	switch eth.Type() {
	case header.IPv4ProtocolNumber:
		ip := header.IPv4(packet)
		if !ip.IsValid(len(packet)) || ip.DestinationAddress() != addr4 ||
			ip.TransportProtocol() != header.TCPProtocolNumber || ip.More() || ip.FragmentOffset() != 0 {
			return 0, nil, false, false
		}
		packet = packet[:ip.TotalLength()]
		l4 = packet[ip.HeaderLength():]
	case header.IPv6ProtocolNumber:
		ip := header.IPv6(packet)
		if !ip.IsValid(len(packet)) || ip.DestinationAddress() != addr6 ||
			ip.NextHeader() != uint8(header.TCPProtocolNumber) { // no extension headers
			return 0, nil, false, false
		}
		packet = packet[:header.IPv6MinimumSize+int(ip.PayloadLength())]
		l4 = packet[header.IPv6MinimumSize:]
		v6 = true
	default:
		return 0, nil, false, false
	}
	if len(l4) < header.TCPMinimumSize || header.TCP(l4).DestinationPort() != 80 {
		return 0, nil, false, false
	}
	return eth.Type(), packet, v6, true
}
