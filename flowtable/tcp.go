package flowtable

// The TCP state machine follows Linux nf_conntrack's tcp_conntracks table
// (without sequence-window checks, which EC2 does not document, and without
// the simultaneous-open state). Two marks besides states:
// tIV = the packet fits no transition (invalid), tIG = accept, no change.
const (
	tIV = 0xfe
	tIG = 0xff
)

// TCP packet kinds, the rows of the table.
const (
	tcpSyn = iota
	tcpSynAck
	tcpFin
	tcpAck
	tcpRst
	tcpNone
	numTCPKinds
)

func tcpKind(flags uint8) int {
	switch {
	case flags&TCPRst != 0:
		return tcpRst
	case flags&(TCPSyn|TCPAck) == TCPSyn|TCPAck:
		return tcpSynAck
	case flags&TCPSyn != 0:
		return tcpSyn
	case flags&TCPFin != 0:
		return tcpFin
	case flags&TCPAck != 0:
		return tcpAck
	}
	return tcpNone
}

const (
	sNO = StateNone
	sSS = TCPSynSent
	sSR = TCPSynRecv
	sES = TCPEstablished
	sFW = TCPFinWait
	sCW = TCPCloseWait
	sLA = TCPLastAck
	sTW = TCPTimeWait
	sCL = TCPClose
)

// tcpTable[direction][kind][state]; direction 0 = original, 1 = reply.
// Columns: sNO, sSS, sSR, sES, sFW, sCW, sLA, sTW, sCL.
var tcpTable = [2][numTCPKinds][9]State{
	{ // original direction
		tcpSyn:    {sSS, sSS, tIG, tIG, tIG, tIG, tIG, sSS, sSS},
		tcpSynAck: {tIV, tIV, sSR, tIV, tIV, tIV, tIV, tIV, tIV},
		tcpFin:    {tIV, tIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL},
		tcpAck:    {sES, tIV, sES, sES, sCW, sCW, sTW, sTW, sCL},
		tcpRst:    {tIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL},
		tcpNone:   {tIV, tIV, tIV, tIV, tIV, tIV, tIV, tIV, tIV},
	},
	{ // reply direction
		tcpSyn:    {tIV, tIG, tIV, tIV, tIV, tIV, tIV, sSS, sSS},
		tcpSynAck: {tIV, sSR, tIG, tIG, tIG, tIG, tIG, tIG, tIG},
		tcpFin:    {tIV, tIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL},
		tcpAck:    {tIV, tIG, sSR, sES, sCW, sCW, sTW, sTW, sCL},
		tcpRst:    {tIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL},
		tcpNone:   {tIV, tIV, tIV, tIV, tIV, tIV, tIV, tIV, tIV},
	},
}

// tcpAdvance applies one TCP packet. A bare SYN on a finished connection
// (TIME_WAIT or CLOSE), from either side, is a new connection reusing the
// ports: the caller drops the old entry and judges the SYN as new, so the
// current rules decide it and the new entry records the right origin.
// establishedAck reports whether p is a plain ACK (no SYN, FIN or RST) of
// an ESTABLISHED TCP flow, which tcpAdvance leaves ESTABLISHED in both
// directions (TestEstablishedAckFastPath): Update skips the state table
// for it.
func establishedAck(s State, p *PacketInfo) bool {
	return s == TCPEstablished && p.Proto == ProtoTCP && p.TCPFlags&(TCPSyn|TCPFin|TCPRst|TCPAck) == TCPAck
}

func tcpAdvance(s State, flags uint8, reply bool) (State, step) {
	if s > sCL {
		return s, stepInvalid
	}
	kind := tcpKind(flags)
	if kind == tcpSyn && (s == sTW || s == sCL) {
		return s, stepRestart
	}
	dir := 0
	if reply {
		dir = 1
	}
	switch next := tcpTable[dir][kind][s]; next {
	case tIV:
		return s, stepInvalid
	case tIG:
		return s, stepAccept
	default:
		return next, stepAccept
	}
}
