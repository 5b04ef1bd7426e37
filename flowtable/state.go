package flowtable

// State is the protocol state of an entry. TCP states are numbered as in
// Linux nf_conntrack (which the transition table below follows); UDP, ICMP
// and other protocols only remember whether a reply was seen.
type State uint8

// Protocol states.
const (
	StateNone State = iota
	TCPSynSent
	TCPSynRecv
	TCPEstablished
	TCPFinWait
	TCPCloseWait
	TCPLastAck
	TCPTimeWait
	TCPClose
	UDPUnreplied    // requests one way only
	UDPReplied      // one request/response transaction
	UDPRequestAgain // a new request after a response
	UDPStream       // more than one transaction: EC2's "UDP stream"
	ICMPUnreplied
	ICMPReplied
	OtherUnreplied
	OtherReplied
	numStates
)

var stateNames = [numStates]string{
	"NONE", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT", "CLOSE_WAIT",
	"LAST_ACK", "TIME_WAIT", "CLOSE", "UNREPLIED", "REPLIED", "REQUEST_AGAIN",
	"STREAM", "UNREPLIED", "REPLIED", "UNREPLIED", "REPLIED",
}

func (s State) String() string {
	if s < numStates {
		return stateNames[s]
	}
	return "INVALID"
}

// Class returns the timeout class of an entry in state s.
func (s State) Class() Class {
	switch {
	case s >= TCPSynSent && s <= TCPClose:
		return Class(s - TCPSynSent)
	case s == UDPStream:
		return ClassUDPStream
	case s >= UDPUnreplied && s <= UDPRequestAgain:
		return ClassUDP
	case s == ICMPUnreplied || s == ICMPReplied:
		return ClassICMP
	}
	return ClassOther
}

// replied reports whether traffic was seen in the reply direction.
func (s State) replied() bool {
	switch s {
	case TCPSynSent, UDPUnreplied, ICMPUnreplied, OtherUnreplied:
		return false
	}
	return true
}

// step is the outcome of one packet against the state machine.
type step uint8

const (
	stepAccept  step = iota // accept; the state may have changed
	stepInvalid             // the packet fits no transition
	stepRestart             // the entry is finished and this packet opens a new connection
)

// advance runs the state machine of proto for packet p in the given
// direction from state s.
func advance(proto uint8, s State, p *PacketInfo, reply bool) (State, step) {
	switch proto {
	case ProtoTCP:
		return tcpAdvance(s, p.TCPFlags, reply)
	case ProtoUDP:
		return udpAdvance(s, reply), stepAccept
	case ProtoICMP, ProtoICMPv6:
		if reply {
			return ICMPReplied, stepAccept
		}
		if s == StateNone {
			return ICMPUnreplied, stepAccept
		}
		return s, stepAccept
	}
	if reply {
		return OtherReplied, stepAccept
	}
	if s == StateNone {
		return OtherUnreplied, stepAccept
	}
	return s, stepAccept
}

// udpAdvance counts request/response transactions: a flow becomes a stream
// when a response follows a second request.
func udpAdvance(s State, reply bool) State {
	switch {
	case s == StateNone:
		return UDPUnreplied
	case s == UDPStream:
		return s
	case reply && s == UDPRequestAgain:
		return UDPStream
	case reply:
		return UDPReplied
	case s == UDPReplied:
		return UDPRequestAgain
	}
	return s
}
