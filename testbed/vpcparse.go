package testbed

import (
	"fmt"
	"math"
	"net/netip"

	"gopkg.in/yaml.v3"
)

// The decoder of a VPC lab's own keys (lab-file.md, "VPC labs"): the vpc:
// section and a node's long form. Like the rest of the decoder it checks
// shapes and syntax key by key; references between the parts are
// validateVPC's, EC2's rules for the entries the VPC model's (Apply).

// subnetOrVPC: a lab is a subnet or a VPC, never both, never neither.
func (d *decoder) subnetOrVPC(seen map[string]int) {
	_, subnet := seen["subnet"]
	_, vpc := seen["vpc"]
	switch {
	case subnet && vpc:
		d.add("", seen["vpc"], "give subnet: (a VPC of one subnet) or vpc: (the whole VPC), not both")
	case !subnet && !vpc:
		d.add("", 0, "missing required key %q (or %q for a VPC lab)", "subnet", "vpc")
	case vpc:
		if line, ok := seen["subnet-ipv6"]; ok {
			d.add("", line, "subnet-ipv6 belongs to a subnet: lab; in a VPC lab give ipv6-cidr in vpc: and in each subnet")
		}
	}
	if line, ok := seen["vpc-id"]; ok && vpc {
		d.add("vpc-id", line, "vpc-id joins an existing VPC's subnet, given by subnet:; a lab with vpc: makes its own VPC")
	}
}

func (d *decoder) vpc(n *yaml.Node, line int) *VPC {
	v := &VPC{Line: line}
	fields, _ := d.mapping(n, "vpc")
	hasCIDR, hasSubnets := false, false
	for _, f := range fields {
		fp := join("vpc", f.key)
		switch f.key {
		case "cidr":
			v.CIDR, hasCIDR = d.prefix(f.val, fp), true
		case "ipv6-cidr":
			v.IPv6CIDR = d.prefix(f.val, fp)
		case "subnets":
			v.Subnets, hasSubnets = d.subnets(f.val, fp), true
		case "route-tables":
			v.RouteTables = d.routeTables(f.val, fp)
		case "network-acls":
			v.NetworkACLs = d.networkACLs(f.val, fp)
		default:
			d.unknown("vpc", f)
		}
	}
	for k, ok := range map[string]bool{"cidr": hasCIDR, "subnets": hasSubnets} {
		if !ok {
			d.add("vpc", line, "missing required key %q", k)
		}
	}
	return v
}

func (d *decoder) subnets(n *yaml.Node, path string) []Subnet {
	pairs, _ := d.mapping(n, path)
	out := make([]Subnet, 0, len(pairs))
	for _, p := range pairs {
		sp := join(path, p.key)
		s := Subnet{Name: p.key, Line: p.line}
		fields, _ := d.mapping(p.val, sp)
		hasCIDR := false
		for _, f := range fields {
			fp := join(sp, f.key)
			switch f.key {
			case "cidr":
				s.CIDR, hasCIDR = d.prefix(f.val, fp), true
			case "ipv6-cidr":
				s.IPv6CIDR = d.prefix(f.val, fp)
			case "network-acl":
				s.NetworkACL = d.str(f.val, fp)
			case "route-table":
				s.RouteTable = d.str(f.val, fp)
			default:
				d.unknown(sp, f)
			}
		}
		if !hasCIDR {
			d.add(sp, p.line, "missing required key %q", "cidr")
		}
		out = append(out, s)
	}
	return out
}

func (d *decoder) routeTables(n *yaml.Node, path string) []RouteTable {
	pairs, _ := d.mapping(n, path)
	out := make([]RouteTable, 0, len(pairs))
	for _, p := range pairs {
		tp := join(path, p.key)
		rt := RouteTable{Name: p.key, Line: p.line}
		fields, _ := d.mapping(p.val, tp)
		for _, f := range fields {
			if f.key != "routes" {
				d.unknown(tp, f)
				continue
			}
			items, _ := d.sequence(f.val, join(tp, "routes"))
			for i, it := range items {
				rt.Routes = append(rt.Routes, d.route(it, fmt.Sprintf("%s.routes[%d]", tp, i)))
			}
		}
		out = append(out, rt)
	}
	return out
}

func (d *decoder) route(n *yaml.Node, path string) Route {
	var r Route
	if n = d.resolve(n); n == nil {
		return r
	}
	r.Line = n.Line
	fields, _ := d.mapping(n, path)
	for _, f := range fields {
		fp := join(path, f.key)
		switch f.key {
		case "destination":
			r.Destination = d.prefix(f.val, fp)
		case "target":
			r.Target = d.str(f.val, fp)
		default:
			d.unknown(path, f)
		}
	}
	if !r.Destination.IsValid() || r.Target == "" {
		d.add(path, r.Line, "a route needs destination (a CIDR) and target (an interface, node.ethN)")
	}
	return r
}

func (d *decoder) networkACLs(n *yaml.Node, path string) []NetworkACL {
	pairs, _ := d.mapping(n, path)
	out := make([]NetworkACL, 0, len(pairs))
	for _, p := range pairs {
		ap := join(path, p.key)
		acl := NetworkACL{Name: p.key, Line: p.line}
		fields, _ := d.mapping(p.val, ap)
		for _, f := range fields {
			switch f.key {
			case "ingress":
				acl.Ingress = d.aclEntries(f.val, join(ap, f.key))
			case "egress":
				acl.Egress = d.aclEntries(f.val, join(ap, f.key))
			default:
				d.unknown(ap, f)
			}
		}
		out = append(out, acl)
	}
	return out
}

// aclEntries decodes entries in the CloudFormation NetworkAclEntry shape.
// The list an entry is in gives its direction, so Egress is refused, as
// are the keys that name the ACL (it is the one the list is under).
func (d *decoder) aclEntries(n *yaml.Node, path string) []ACLEntry {
	items, _ := d.sequence(n, path)
	var out []ACLEntry
	for i, it := range items {
		ep := fmt.Sprintf("%s[%d]", path, i)
		if it = d.resolve(it); it == nil {
			continue
		}
		e := ACLEntry{Line: it.Line}
		fields, _ := d.mapping(it, ep)
		seen := map[string]bool{}
		for _, f := range fields {
			fp := join(ep, f.key)
			seen[f.key] = true
			switch f.key {
			case "RuleNumber":
				e.RuleNumber = d.int32v(f.val, fp)
			case "Protocol":
				e.Protocol = d.int32v(f.val, fp)
			case "RuleAction":
				e.RuleAction = d.str(f.val, fp)
			case "CidrBlock":
				e.CidrBlock = d.str(f.val, fp)
			case "Ipv6CidrBlock":
				e.Ipv6CidrBlock = d.str(f.val, fp)
			case "PortRange":
				e.PortRange = d.portRange(f.val, fp)
			case "Icmp":
				e.Icmp = d.icmpCode(f.val, fp)
			default:
				d.unknown(ep, f)
			}
		}
		for _, k := range []string{"RuleNumber", "Protocol", "RuleAction"} {
			if !seen[k] {
				d.add(ep, e.Line, "missing required key %q", k)
			}
		}
		out = append(out, e)
	}
	return out
}

func (d *decoder) portRange(n *yaml.Node, path string) *PortRange {
	var r PortRange
	fields, _ := d.mapping(n, path)
	seen := map[string]bool{}
	for _, f := range fields {
		seen[f.key] = true
		switch f.key {
		case "From":
			r.From = d.int32v(f.val, join(path, f.key))
		case "To":
			r.To = d.int32v(f.val, join(path, f.key))
		default:
			d.unknown(path, f)
		}
	}
	if !seen["From"] || !seen["To"] {
		d.add(path, 0, "a PortRange needs From and To")
	}
	return &r
}

func (d *decoder) icmpCode(n *yaml.Node, path string) *ICMPCode {
	c := ICMPCode{Type: -1, Code: -1} // CloudFormation: absent means all
	fields, _ := d.mapping(n, path)
	for _, f := range fields {
		switch f.key {
		case "Type":
			c.Type = d.int32v(f.val, join(path, f.key))
		case "Code":
			c.Code = d.int32v(f.val, join(path, f.key))
		default:
			d.unknown(path, f)
		}
	}
	return &c
}

// interfaces decodes a node's long form.
func (d *decoder) interfaces(n *yaml.Node, path string) []NodeInterface {
	items, _ := d.sequence(n, path)
	if len(items) == 0 {
		d.add(path, 0, "interfaces: give at least one, or use the short form")
	}
	if len(items) > MaxInterfaces {
		d.add(path, 0, "%d interfaces: at most %d", len(items), MaxInterfaces)
		items = items[:MaxInterfaces]
	}
	out := make([]NodeInterface, 0, len(items))
	for i, it := range items {
		ip := fmt.Sprintf("%s[%d]", path, i)
		if it = d.resolve(it); it == nil {
			continue
		}
		ni := NodeInterface{Line: it.Line}
		fields, _ := d.mapping(it, ip)
		for _, f := range fields {
			fp := join(ip, f.key)
			switch f.key {
			case "subnet":
				ni.Subnet = d.str(f.val, fp)
			case "ip":
				ni.IP = d.addr(f.val, fp)
			case "ipv6":
				ni.IPv6 = d.addr(f.val, fp)
			case "secondary-ips":
				ni.SecondaryIPs = d.addrs(f.val, fp)
			case "security-groups":
				ni.Groups = d.strings(f.val, fp)
				if len(ni.Groups) == 0 {
					d.add(ip, f.line, "security-groups: give at least one group, or leave the key out for the default group")
				}
			case "source-dest-check":
				ni.SourceDestCheck = d.boolp(f.val, fp)
			default:
				d.unknown(ip, f)
			}
		}
		out = append(out, ni)
	}
	return out
}

// longFormOnly refuses the short form's keys beside interfaces:.
func (d *decoder) longFormOnly(path string, fields []kv) {
	for _, f := range fields {
		switch f.key {
		case "subnet", "ip", "ipv6", "secondary-ips", "security-groups", "source-dest-check":
			d.add(path, f.line, "%s belongs in each entry of interfaces: (the long form), not beside it", f.key)
		}
	}
}

func (d *decoder) addrs(n *yaml.Node, path string) []netip.Addr {
	items, _ := d.sequence(n, path)
	out := make([]netip.Addr, 0, len(items))
	for i, it := range items {
		if a := d.addr(it, fmt.Sprintf("%s[%d]", path, i)); a.IsValid() {
			out = append(out, a)
		}
	}
	return out
}

func (d *decoder) boolp(n *yaml.Node, path string) *bool {
	s, line, ok := d.scalar(n, path)
	if !ok {
		return nil
	}
	if s != "true" && s != "false" {
		d.add(path, line, "expected true or false, found %q", s)
		return nil
	}
	v := s == "true"
	return &v
}

func (d *decoder) int32v(n *yaml.Node, path string) int32 {
	v, _ := d.integer(n, path, math.MinInt32, math.MaxInt32)
	return int32(v)
}
