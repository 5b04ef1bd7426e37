package flowtable

import (
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// FormatConntrack prints an entry as one line of `conntrack -L`, with
// zone= naming the interface and per-direction packet and byte counters
// (as with nf_conntrack_acct on). The timeout column is the whole seconds
// left at now. Status flags: [UNREPLIED] when no reply was seen, [ASSURED]
// on a tracked flow that saw one, and [UNTRACKED] (sgswitch's own flag) on an
// EC2 untracked flow, whose entry is only a cache of the rules' verdict.
func FormatConntrack(info EntryInfo, zoneName string, now int64) string {
	var b strings.Builder
	proto := info.Key.Proto()
	name := protoName(proto)
	b.WriteString(name)
	b.WriteString(strings.Repeat(" ", max(1, 9-len(name))))
	b.WriteString(strconv.Itoa(int(proto)))
	b.WriteByte(' ')
	left := max(info.Expires()-now, 0) / int64(time.Second)
	b.WriteString(strconv.FormatInt(left, 10))
	b.WriteByte(' ')
	if proto == ProtoTCP {
		b.WriteString(info.State.String())
		b.WriteByte(' ')
	}
	src, dst, sport, dport := info.Origin()
	fam := info.Key.Family()
	writeTuple(&b, fam, proto, src, dst, sport, dport, false)
	writeCounters(&b, info.Packets[0], info.Bytes[0])
	replied := info.State.replied()
	if !replied {
		b.WriteString("[UNREPLIED] ")
	}
	rsport, rdport := dport, sport
	if proto == ProtoICMP || proto == ProtoICMPv6 {
		rsport, rdport = sport, dport // id and request type, not ports
	}
	writeTuple(&b, fam, proto, dst, src, rsport, rdport, true)
	writeCounters(&b, info.Packets[1], info.Bytes[1])
	switch {
	case !info.Tracked:
		b.WriteString("[UNTRACKED] ")
	case replied:
		b.WriteString("[ASSURED] ")
	}
	b.WriteString("mark=0 zone=")
	b.WriteString(zoneName)
	b.WriteString(" use=1")
	return b.String()
}

func protoName(p uint8) string {
	switch p {
	case ProtoTCP:
		return "tcp"
	case ProtoUDP:
		return "udp"
	case ProtoICMP:
		return "icmp"
	case ProtoICMPv6:
		return "icmpv6"
	case 47:
		return "gre"
	case 132:
		return "sctp"
	}
	return "unknown"
}

// writeTuple prints src= dst= and the ports or ICMP fields. For ICMP the
// ports are the id and the request type; the reply tuple shows the reply type.
func writeTuple(b *strings.Builder, fam, proto uint8, src, dst [16]byte, sport, dport uint16, reply bool) {
	b.WriteString("src=")
	b.WriteString(addrString(fam, src))
	b.WriteString(" dst=")
	b.WriteString(addrString(fam, dst))
	b.WriteByte(' ')
	switch proto {
	case ProtoTCP, ProtoUDP:
		b.WriteString("sport=" + strconv.Itoa(int(sport)) + " dport=" + strconv.Itoa(int(dport)) + " ")
	case ProtoICMP, ProtoICMPv6:
		typ := uint8(dport)
		if reply {
			typ = icmpReplyType(typ)
		}
		b.WriteString("type=" + strconv.Itoa(int(typ)) + " code=0 id=" + strconv.Itoa(int(sport)) + " ")
	}
}

func writeCounters(b *strings.Builder, pkts, bytes uint64) {
	b.WriteString("packets=" + strconv.FormatUint(pkts, 10) + " bytes=" + strconv.FormatUint(bytes, 10) + " ")
}

func addrString(fam uint8, a [16]byte) string {
	if fam == 4 {
		return netip.AddrFrom4([4]byte(a[:4])).String()
	}
	return netip.AddrFrom16(a).String()
}

// icmpReplyType returns the reply type of an ICMP/ICMPv6 query type.
func icmpReplyType(req uint8) uint8 {
	switch req {
	case 8:
		return 0
	case 13, 15, 17, 128, 139:
		return req + 1
	}
	return req
}
