package trace

import (
	"fmt"
	"net/netip"

	"sgswitch/vpc"
)

// acls judges the request between two subnets: the sender subnet's
// egress entries (remote: the destination), then the receiver subnet's
// ingress entries (remote: the source).
func (w *walker) acls() {
	p := w.packet(w.res.Destination, w.res.Port, false)
	w.hop(aclHop(StepACLOut, w.src.Subnet, true, p))
	p.Remote = w.res.Source
	w.hop(aclHop(StepACLIn, w.dst.Subnet, false, p))
}

// packet is the request (reply false) or its reply as an ACL sees it.
func (w *walker) packet(remote netip.Addr, port uint16, reply bool) vpc.Packet {
	p := vpc.Packet{Protocol: w.res.Proto, Remote: remote, Port: port}
	switch w.res.Proto {
	case 1:
		p.ICMPType = 8
		if reply {
			p.ICMPType = 0
		}
	case 58:
		p.ICMPType = 128
		if reply {
			p.ICMPType = 129
		}
	}
	return p
}

func aclHop(step string, s *vpc.CompiledSubnet, egress bool, p vpc.Packet) Hop {
	a, dir := s.Ingress, "ingress"
	if egress {
		a, dir = s.Egress, "egress"
	}
	v := a.Evaluate(p)
	h := Hop{Step: step, Layer: LayerNetworkACL, Allow: v.Allow, ACL: s.NetworkAclID, RuleNumber: v.Rule}
	h.Reason = fmt.Sprintf("%s %s of subnet %s: %s", s.NetworkAclID, dir, s.ID, ruleText(v))
	return h
}

func ruleText(v vpc.Verdict) string {
	action := "deny"
	if v.Allow {
		action = "allow"
	}
	if v.Rule == vpc.DefaultDenyRule || v.Rule == vpc.DefaultDenyRuleIPv6 {
		return "the * entry denies"
	}
	return fmt.Sprintf("rule %d %ss", v.Rule, action)
}

// replyACL judges a TCP or UDP reply over every port it may go to (the
// query's source port, or the ephemeral range): it passes only if every
// port does; a denial names the first denied port range and its rule.
func replyACL(step string, s *vpc.CompiledSubnet, egress bool, p vpc.Packet, lo, hi uint16) Hop {
	first := aclHop(step, s, egress, withPort(p, lo))
	for port := int(lo); port <= int(hi); port++ {
		h := aclHop(step, s, egress, withPort(p, uint16(port)))
		if h.Allow {
			continue
		}
		end := port
		for end < int(hi) && !aclHop(step, s, egress, withPort(p, uint16(end+1))).Allow {
			end++
		}
		h.Reason += fmt.Sprintf(" for reply ports %d-%d", port, end)
		return h
	}
	if lo != hi {
		first.Reason += fmt.Sprintf(" for every reply port %d-%d", lo, hi)
	}
	return first
}

func withPort(p vpc.Packet, port uint16) vpc.Packet {
	p.Port = port
	return p
}
