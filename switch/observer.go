package vswitch

import (
	"net/netip"

	"sgswitch/flowtable"
	"sgswitch/ruleset"
)

// Action is what happened to a frame at one interface.
type Action uint8

// Actions. Reject is a security-group verdict (a REJECT flow-log record);
// Drop is any other reason (malformed, spoofed, allowance, no route, …).
const (
	Accept Action = iota
	Reject
	Drop
)

func (a Action) String() string { return [...]string{"ACCEPT", "REJECT", "DROP"}[a] }

// Event describes one frame judged at one interface: the sender's egress
// side or the receiver's ingress side (a frame between two instances makes
// up to two events). Frames that never reach a verdict (ARP, ND, malformed)
// make one Drop or Accept event on the sending interface.
type Event struct {
	Time      int64 // the Switch's Clock reading for the batch
	ENI       string
	Direction flowtable.Direction
	Action    Action
	Reason    DropReason // DropNone for Accept

	Family           uint8 // 4, 6, or 0 for non-IP
	Proto            uint8
	Src, Dst         [16]byte // IPv4 in the first 4 bytes
	SrcPort, DstPort uint16   // TCP/UDP; ICMP echo id in SrcPort
	HasPorts         bool
	ICMPType         uint8
	ICMPCode         uint8
	TCPFlags         uint8
	Packets, Bytes   uint32 // a GSO super-frame counts as its segments

	Generation uint64          // ruleset generation that judged it
	Rule       ruleset.RuleRef // the admitting rule of a new flow (0 for established or bypass)
	// NACLRule is the network ACL entry number that denied the packet
	// (nacl-egress, nacl-ingress drops; 32767 is the `*` entry), else 0.
	NACLRule int32

	// Frame is the Ethernet frame. It is valid only during Observe: copy
	// what you keep.
	Frame []byte
}

// SrcAddr returns the source address as a netip.Addr.
func (e *Event) SrcAddr() netip.Addr { return addrOf(e.Family, &e.Src) }

// DstAddr returns the destination address as a netip.Addr.
func (e *Event) DstAddr() netip.Addr { return addrOf(e.Family, &e.Dst) }

func addrOf(fam uint8, a *[16]byte) netip.Addr {
	switch fam {
	case 4:
		return netip.AddrFrom4([4]byte(a[:4]))
	case 6:
		return netip.AddrFrom16(*a)
	}
	return netip.Addr{}
}

// Observer sees every judged frame while installed (flow logs, packet
// capture). Observe runs on the packet path, from every port's goroutine
// at once: it must be safe for concurrent use, fast and non-blocking, and
// must not retain ev or ev.Frame.
type Observer interface {
	Observe(ev *Event)
}

type observerBox struct{ o Observer }

// SetObserver installs o (nil removes it). With no observer the packet path
// pays one atomic load per batch.
func (s *Switch) SetObserver(o Observer) {
	if o == nil {
		s.observer.Store(nil)
		return
	}
	s.observer.Store(&observerBox{o})
}
