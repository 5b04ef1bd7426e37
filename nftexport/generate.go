package nftexport

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"
)

// Generate renders rs as an `nft -f` script (see the package comment).
func Generate(rs *Ruleset, opt Options) string {
	table := opt.Table
	if table == "" {
		table = DefaultTable
	}
	var b strings.Builder
	b.WriteString("#!/usr/sbin/nft -f\n# Security groups rendered by sgswitch export nftables.\n")
	b.WriteString("# Needs br_netfilter with net.bridge.bridge-nf-call-iptables=1 (and ip6tables=1) for bridged traffic.\n")
	if opt.Flush {
		fmt.Fprintf(&b, "table inet %s\ndelete table inet %s\n", table, table) // "destroy" needs nft >= 1.0.8
	}
	fmt.Fprintf(&b, "table inet %s {\n", table)
	for _, ifc := range rs.Interfaces {
		for _, d := range directions(ifc) {
			writeDirection(&b, ifc, d, opt.Form)
		}
	}
	writeForward(&b, rs)
	b.WriteString("}\n")
	return b.String()
}

// direction is one chain: an interface's ingress or egress.
type direction struct {
	chain   string // chain name
	rules   []Rule
	remote  string // "saddr" for ingress, "daddr" for egress
	verdict string // "accept" (ingress ends the walk) or "return" (egress hands on to ingress)
}

func directions(ifc Interface) []direction {
	base := chainName(ifc.ID)
	return []direction{
		{chain: base + "_out", rules: ifc.Egress, remote: "daddr", verdict: "return"},
		{chain: base + "_in", rules: ifc.Ingress, remote: "saddr", verdict: "accept"},
	}
}

var notIdent = regexp.MustCompile(`[^A-Za-z0-9_]`)

func chainName(id string) string { return notIdent.ReplaceAllString(id, "_") }

// family is what differs between IPv4 and IPv6 in the output.
type family struct {
	suffix, addrType, match, icmp, icmpType, icmpCode string
	icmpProto                                         int
	is4                                               bool
}

var families = []family{
	{suffix: "4", addrType: "ipv4_addr", match: "ip", icmp: "icmp", icmpType: "icmp_type", icmpCode: "icmp_code", icmpProto: ProtoICMP, is4: true},
	{suffix: "6", addrType: "ipv6_addr", match: "ip6", icmp: "icmpv6", icmpType: "icmpv6_type", icmpCode: "icmpv6_code", icmpProto: ProtoICMPv6},
}

// buckets sorts a chain's rules, for one family, into the set kinds.
type buckets struct {
	ports, all, icmp, other []string // set elements
}

func bucket(rules []Rule, f family) buckets {
	var bk buckets
	for _, r := range rules {
		for _, p := range r.Remote {
			if p.Addr().Is4() != f.is4 {
				continue
			}
			addr := prefixString(p)
			switch {
			case r.Proto == ProtoAll:
				bk.all = append(bk.all, addr)
			case r.Proto == ProtoTCP || r.Proto == ProtoUDP:
				bk.ports = append(bk.ports, fmt.Sprintf("%s . %s . %s", protoName(r.Proto), portRange(r.From, r.To), addr))
			case r.Proto == f.icmpProto:
				bk.icmp = append(bk.icmp, fmt.Sprintf("%s . %s . %s", byteRange(r.From), byteRange(r.To), addr))
			case r.Proto == ProtoICMP || r.Proto == ProtoICMPv6:
				// ICMP rules never match the other family's packets.
			default:
				bk.other = append(bk.other, fmt.Sprintf("%d . %s", r.Proto, addr))
			}
		}
	}
	bk.ports, bk.all, bk.icmp, bk.other = uniq(bk.ports), uniq(bk.all), uniq(bk.icmp), uniq(bk.other)
	return bk
}

func writeDirection(b *strings.Builder, ifc Interface, d direction, form Form) {
	var body []string
	for _, f := range families {
		bk := bucket(d.rules, f)
		remote := f.match + " " + d.remote
		kinds := []struct {
			name, typ, key string
			elems          []string
		}{
			{"ports", "inet_proto . inet_service . " + f.addrType, "meta l4proto . th dport . " + remote, bk.ports},
			{"all", f.addrType, remote, bk.all},
			{"icmp", f.icmpType + " . " + f.icmpCode + " . " + f.addrType, f.icmp + " type . " + f.icmp + " code . " + remote, bk.icmp},
			{"other", "inet_proto . " + f.addrType, "meta l4proto . " + remote, bk.other},
		}
		for _, k := range kinds {
			if len(k.elems) == 0 {
				continue
			}
			if form == FormLinear {
				for _, e := range k.elems {
					body = append(body, linearRule(k.key, e)+" "+d.verdict)
				}
				continue
			}
			set := fmt.Sprintf("%s_%s%s", d.chain, k.name, f.suffix)
			fmt.Fprintf(b, "\tset %s {\n\t\ttype %s\n\t\tflags interval\n", set, k.typ)
			if !strings.Contains(k.typ, " . ") {
				b.WriteString("\t\tauto-merge\n")
			}
			fmt.Fprintf(b, "\t\telements = {\n\t\t\t%s\n\t\t}\n\t}\n", strings.Join(k.elems, ",\n\t\t\t"))
			body = append(body, fmt.Sprintf("%s @%s %s", k.key, set, d.verdict))
		}
	}
	name := ifc.ID
	if ifc.Name != "" {
		name += " (" + ifc.Name + ")"
	}
	fmt.Fprintf(b, "\tchain %s {\n\t\tcomment %q\n", d.chain, name)
	for _, r := range body {
		fmt.Fprintf(b, "\t\t%s\n", r)
	}
	b.WriteString("\t\tdrop\n\t}\n")
}

// linearRule turns a set key ("meta l4proto . th dport . ip daddr") and one
// element ("tcp . 80 . 10.0.0.0/8") into a plain match.
func linearRule(key, elem string) string {
	ks, es := strings.Split(key, " . "), strings.Split(elem, " . ")
	parts := make([]string, len(ks))
	for i := range ks {
		parts[i] = ks[i] + " " + es[i]
	}
	return strings.Join(parts, " ")
}

func writeForward(b *strings.Builder, rs *Ruleset) {
	b.WriteString("\tchain forward {\n\t\ttype filter hook forward priority filter; policy drop;\n")
	b.WriteString("\t\tct state established,related accept\n")
	b.WriteString("\t\tct state invalid drop\n")
	b.WriteString("\t\ticmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit, nd-router-advert } accept\n")
	for _, dir := range []struct{ match, chain string }{{"saddr", "_out"}, {"daddr", "_in"}} {
		for _, f := range families {
			var elems []string
			for _, ifc := range rs.Interfaces {
				addrs := ifc.IPv6
				if f.is4 {
					addrs = ifc.IPv4
				}
				for _, a := range addrs {
					elems = append(elems, fmt.Sprintf("%s : jump %s%s", a, chainName(ifc.ID), dir.chain))
				}
			}
			if len(elems) > 0 {
				fmt.Fprintf(b, "\t\t%s %s vmap { %s }\n", f.match, dir.match, strings.Join(elems, ", "))
			}
		}
	}
	b.WriteString("\t}\n")
}

func protoName(p int) string {
	if p == ProtoTCP {
		return "tcp"
	}
	return "udp"
}

func portRange(from, to int) string {
	if from < 0 || to < 0 {
		return "0-65535"
	}
	if from == to {
		return fmt.Sprint(from)
	}
	return fmt.Sprintf("%d-%d", from, to)
}

// byteRange renders an ICMP type or code; -1 is any.
func byteRange(v int) string {
	if v < 0 {
		return "0-255"
	}
	return fmt.Sprint(v)
}

func prefixString(p netip.Prefix) string {
	p = p.Masked()
	if p.Bits() == p.Addr().BitLen() {
		return p.Addr().String()
	}
	return p.String()
}

// uniq drops repeated elements, keeping first-seen order (the linear form's
// rule order is the input's).
func uniq(s []string) []string {
	seen := make(map[string]bool, len(s))
	out := s[:0]
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}
