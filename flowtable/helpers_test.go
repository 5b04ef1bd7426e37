package flowtable

import (
	"net/netip"
	"testing"
	"time"
	"unsafe"
)

func addr(s string) [16]byte {
	a := netip.MustParseAddr(s)
	var out [16]byte
	if a.Is4() {
		b := a.As4()
		copy(out[:], b[:])
	} else {
		out = a.As16()
	}
	return out
}

func fam(s string) uint8 {
	if netip.MustParseAddr(s).Is4() {
		return 4
	}
	return 6
}

// tcp builds a TCP packet from src:sp to dst:dp.
func tcp(zone uint32, src string, sp uint16, dst string, dp uint16, flags uint8) PacketInfo {
	return PacketInfo{Zone: zone, Family: fam(src), Proto: ProtoTCP, Src: addr(src), Dst: addr(dst),
		SrcPort: sp, DstPort: dp, TCPFlags: flags, Length: 60}
}

func udp(zone uint32, src string, sp uint16, dst string, dp uint16) PacketInfo {
	return PacketInfo{Zone: zone, Family: fam(src), Proto: ProtoUDP, Src: addr(src), Dst: addr(dst),
		SrcPort: sp, DstPort: dp, Length: 100}
}

func icmp(zone uint32, src, dst string, typ uint8, id uint16) PacketInfo {
	proto := uint8(ProtoICMP)
	if fam(src) == 6 {
		proto = ProtoICMPv6
	}
	return PacketInfo{Zone: zone, Family: fam(src), Proto: proto, Src: addr(src), Dst: addr(dst),
		ICMPType: typ, ICMPID: id, Length: 84}
}

// reverse returns p as sent by the other side.
func reverse(p PacketInfo, flags uint8) PacketInfo {
	r := p
	r.Src, r.Dst = p.Dst, p.Src
	r.SrcPort, r.DstPort = p.DstPort, p.SrcPort
	r.TCPFlags = flags
	return r
}

const sec = int64(time.Second)

var tracked = Admission{Tracked: true, Generation: 1, Rule: 7}

func mustInsert(t *testing.T, tb *Table, p PacketInfo, a Admission, now int64) Flow {
	t.Helper()
	f, err := tb.Insert(&p, a, now)
	if err != nil {
		t.Fatalf("Insert: %v", err)
	}
	return f
}

// send looks p up and applies it, returning the result (Expired on a miss).
func send(tb *Table, p PacketInfo, gen uint64, now int64) (Result, Flow) {
	f, ok := tb.Lookup(&p)
	if !ok {
		return Expired, f
	}
	return tb.Update(f, &p, gen, now), f
}

func unsafeAddr(p *PacketInfo) uintptr { return uintptr(unsafe.Pointer(p)) }
