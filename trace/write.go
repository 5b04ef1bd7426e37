package trace

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// WriteText prints a result hop by hop, as `sgswitch trace` does.
func WriteText(w io.Writer, r Result) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s -> %s %s, %s, source port %s, IPv%d\n", r.From, r.Source, orDash(r.To), r.Destination, protoText(r), r.SourcePort, r.Family)
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "  note: %s\n", n)
	}
	writeHops(&b, r.Hops)
	if len(r.Reply) > 0 {
		b.WriteString("reply:\n")
		writeHops(&b, r.Reply)
	}
	for _, t := range r.Tracking {
		fmt.Fprintf(&b, "tracking %s %s: %s; timeout %s %ds\n", t.Interface, t.Direction, t.Reason, t.Class, t.Timeout)
	}
	for _, a := range r.Allowances {
		fmt.Fprintf(&b, "allowance %s %s: %d %s\n", a.Interface, a.Name, a.Limit, a.Unit)
	}
	if r.Allow {
		b.WriteString("verdict: allow\n")
	} else {
		fmt.Fprintf(&b, "verdict: deny by %s (%s)\n", r.DeniedBy, r.DeniedAt)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeHops(b *strings.Builder, hs []Hop) {
	for i, h := range hs {
		v := "allow"
		if !h.Allow {
			v = "DENY "
		}
		fmt.Fprintf(b, "%3d %s %-22s %s\n", i+1, v, h.Step, h.Reason)
	}
}

func protoText(r Result) string {
	switch r.Proto {
	case 6, 17:
		return fmt.Sprintf("%s/%d", map[uint8]string{6: "tcp", 17: "udp"}[r.Proto], r.Port)
	case 1:
		return "icmp echo"
	case 58:
		return "icmpv6 echo"
	}
	return fmt.Sprintf("protocol %d", r.Proto)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// WriteJSON prints a result as indented JSON.
func WriteJSON(w io.Writer, r Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
