package vpcsvc

import (
	"encoding/binary"
	"net"
	"time"
)

// NTP (RFC 5905) header: 48 bytes, timestamps as 32.32 fixed point
// seconds since 1900.
const (
	ntpLen        = 48
	ntpModeClient = 3
	ntpModeServer = 4
	ntpStratum    = 3   // Amazon Time Sync answers as a stratum 3 server
	ntpPrecision  = -20 // about a microsecond, as a power of two
	ntpEpochShift = 2208988800
)

// ntpRefID is the reference id of a stratum above 1: its upstream's IPv4
// address, here Amazon Time Sync's own.
var ntpRefID = [4]byte{169, 254, 169, 123}

// ntp answers a client-mode NTP request with a server-mode reply stamped
// with Config.Now: received and transmitted at the same instant, origin
// the client's transmit timestamp, so the client measures the delay. A
// server library would add nothing to 48 bytes.
func (s *Server) ntp(r *request) ([]byte, dropReason) {
	q := r.payload
	if len(q) < ntpLen || q[0]&7 != ntpModeClient {
		return nil, dropMalformed
	}
	now := ntpTime(s.cfg.Now())
	var b [ntpLen]byte
	vn := q[0] >> 3 & 7
	b[0] = vn<<3 | ntpModeServer // leap indicator 0: no warning
	b[1] = ntpStratum
	b[2] = q[2]                                   // poll: the client's
	b[3] = byte(ntpPrecision & 0xff)              // two's complement of a negative exponent
	binary.BigEndian.PutUint32(b[4:], 1<<16/1000) // root delay, about 1 ms
	binary.BigEndian.PutUint32(b[8:], 1<<16/1000) // root dispersion
	copy(b[12:16], ntpRefID[:])
	binary.BigEndian.PutUint64(b[16:], now-16<<32) // last set 16 s ago
	copy(b[24:32], q[40:48])                       // origin: the client's transmit
	binary.BigEndian.PutUint64(b[32:], now)        // receive
	binary.BigEndian.PutUint64(b[40:], now)        // transmit
	src := endpoint{mac: s.cfg.RouterMAC[:], addr: r.dst, port: 123}
	dst := endpoint{mac: net.HardwareAddr(r.p.SrcMAC[:]), addr: r.src, port: r.p.SrcPort}
	out, err := udpFrame(src, dst, b[:])
	if err != nil {
		return nil, dropMalformed
	}
	return out, dropNone
}

// ntpTime is t as an NTP timestamp.
func ntpTime(t time.Time) uint64 {
	secs := uint64(t.Unix() + ntpEpochShift)
	frac := uint64(t.Nanosecond()) << 32 / 1e9
	return secs<<32 | frac
}
