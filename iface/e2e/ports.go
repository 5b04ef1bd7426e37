package e2e

import (
	"fmt"

	"sgswitch/iface"
	"sgswitch/iface/afpacket"
	"sgswitch/iface/afxdp"
	"sgswitch/iface/wire"
)

// wireAFXDP makes a veth pair and opens an AF_XDP port on its host end.
func wireAFXDP(host string, n wire.Node) (iface.Port, error) {
	if err := wire.WireVeth(host, n); err != nil {
		return nil, err
	}
	p, err := afxdp.Open(host, afxdp.Options{MTU: n.MTU})
	if err != nil {
		return nil, fmt.Errorf("afxdp on %s: %w", host, err)
	}
	return p, nil
}

// wireAFPacket makes a veth pair and opens an AF_PACKET port on its host end.
func wireAFPacket(host string, n wire.Node) (iface.Port, error) {
	if err := wire.WireVeth(host, n); err != nil {
		return nil, err
	}
	p, err := afpacket.Open(host, afpacket.Options{MTU: n.MTU})
	if err != nil {
		return nil, fmt.Errorf("afpacket on %s: %w", host, err)
	}
	return p, nil
}
