package e2e

import (
	"errors"

	"sgswitch/iface"
	"sgswitch/iface/wire"
)

func wireAFXDP(host string, n wire.Node) (iface.Port, error) {
	return nil, errors.New("afxdp: not yet")
}

func wireAFPacket(host string, n wire.Node) (iface.Port, error) {
	return nil, errors.New("afpacket: not yet")
}
