package vswitch

import (
	"errors"
	"fmt"

	"sgswitch/iface"
	"sgswitch/packet"
)

// Errors of Send.
var (
	ErrUnknownInterface = errors.New("vswitch: no such interface published")
	ErrFrameSize        = errors.New("vswitch: frame size out of range")
)

// Send transmits one frame to the instance behind interface eniID's
// port, as the VPC services would answer: not judged by any rule, counted
// as transmitted on that interface (a failed write as a tx-error drop).
// It is for replies made off the packet path — instance metadata answers
// from a userspace TCP stack — and copies frame, so the caller may reuse
// it. Safe while Run runs; it takes the port's transmit lock, like the
// workers' writes, so frames are never interleaved. Errors:
// ErrUnknownInterface, ErrNoSuchPort, ErrFrameSize, or the port's.
func (s *Switch) Send(eniID string, frame []byte) error {
	v := s.view.Load()
	if v == nil || v.byID[eniID] == nil {
		return fmt.Errorf("sending to %s: %w", eniID, ErrUnknownInterface)
	}
	ps := v.byID[eniID].eni.port.Load()
	if ps == nil {
		return fmt.Errorf("sending to %s: %w", eniID, ErrNoSuchPort)
	}
	if len(frame) < packet.EthernetLen || ps.port.MTU() > 0 && len(frame) > packet.EthernetLen+ps.port.MTU() {
		return fmt.Errorf("sending %d bytes to %s: %w", len(frame), eniID, ErrFrameSize)
	}
	b := make([]byte, off+len(frame))
	copy(b[off:], frame)
	if ps.gso {
		clear(b[off-iface.VirtioNetHdrLen : off]) // a plain frame: no offload
	}
	c := &ps.eni.ctr
	ps.txMu.Lock()
	n, err := ps.port.Write([][]byte{b}, off)
	ps.txMu.Unlock()
	if n < 1 {
		c.drops[Ingress][DropTxError].Add(1)
		if err == nil {
			err = errors.New("port took no frame")
		}
		return fmt.Errorf("sending to %s: %w", eniID, err)
	}
	c.txFrames.Add(1)
	c.txBytes.Add(uint64(len(frame)))
	return nil
}
