package testbed

import (
	"fmt"
	"net/netip"
	"strings"

	"sgswitch/internal/subnetaddr"
	"sgswitch/ruleset"
)

// validate checks what the decoder cannot see key by key: names, the
// subnets, addresses against them, and references between nodes and
// checks. Group and rule semantics are EC2's and are checked by Apply.
func validate(e *errList, lab *Lab) {
	if !labNameRE.MatchString(lab.Name) {
		e.add("name", 0, "lab name %q must match [a-z0-9-]{1,12}", lab.Name)
	}
	if lab.VPC != nil {
		validateVPC(e, lab)
	} else {
		validateSubnets(e, lab)
	}
	validateJoin(e, lab)
	if s := lab.Settings; s.GroupsPerInterface*s.RulesPerGroup > 1000 {
		e.add("settings", 0, "groups-per-interface × rules-per-group = %d exceeds 1000, as in EC2",
			s.GroupsPerInterface*s.RulesPerGroup)
	}
	validatePrefixLists(e, lab)
	if len(lab.Nodes) == 0 {
		e.add("topology.nodes", 0, "a lab needs at least one node")
	}
	if len(lab.Nodes) > 1000 || len(lab.Checks) > 10000 {
		e.add("", 0, "too many nodes or checks (at most 1000 and 10000)")
	}
	used := map[netip.Addr]string{}
	links := map[string]string{}
	for i := range lab.Nodes {
		nd := &lab.Nodes[i]
		validateNode(e, lab, nd, used)
		if other, ok := links[HostIfName(lab.Name, nd.Name)]; ok {
			e.add(join("topology.nodes", nd.Name), nd.Line, "the host link name of this node collides with node %s's: rename one", other)
		}
		links[HostIfName(lab.Name, nd.Name)] = nd.Name
	}
	for i := range lab.Checks {
		validateCheck(e, lab, &lab.Checks[i], fmt.Sprintf("checks[%d]", i))
	}
	validateScenarios(e, lab)
}

func validateSubnets(e *errList, lab *Lab) {
	if s := lab.Subnet; !s.IsValid() || !s.Addr().Is4() || s.Bits() < 16 || s.Bits() > 28 {
		e.add("subnet", 0, "subnet %v must be an IPv4 CIDR from /16 to /28", s)
	} else if s != s.Masked() {
		e.add("subnet", 0, "subnet %v is not canonical (did you mean %v?)", s, s.Masked())
	}
	if s := lab.SubnetIPv6; s.IsValid() {
		if !s.Addr().Is6() || s.Addr().Is4In6() || s.Bits() != 64 {
			e.add("subnet-ipv6", 0, "subnet-ipv6 %v must be an IPv6 /64", s)
		} else if s != s.Masked() {
			e.add("subnet-ipv6", 0, "subnet-ipv6 %v is not canonical (did you mean %v?)", s, s.Masked())
		}
	}
}

// validateJoin checks a lab that joins an existing VPC (vpc-id): the id's
// form, and that it leaves the VPC's default group alone (it is the
// VPC's, shared with whatever else is in it, not the lab's).
func validateJoin(e *errList, lab *Lab) {
	if lab.VpcID == "" {
		return
	}
	if h, ok := strings.CutPrefix(lab.VpcID, "vpc-"); !ok || h == "" || strings.Trim(h, "0123456789abcdef") != "" {
		e.add("vpc-id", 0, "vpc-id %q is not a VPC id (vpc- and hex digits)", lab.VpcID)
	}
	for _, g := range lab.Groups {
		if g.Name == "default" {
			e.add(join("security-groups", "default"), g.Line, "a lab that joins VPC %s cannot declare its default group: it is the VPC's, not the lab's", lab.VpcID)
		}
	}
}

func validatePrefixLists(e *errList, lab *Lab) {
	for _, pl := range lab.PrefixLists {
		path := join("prefix-lists", pl.Name)
		if len(pl.Entries) > pl.MaxEntries {
			e.add(path, pl.Line, "%d entries exceed max-entries %d", len(pl.Entries), pl.MaxEntries)
		}
		for i, p := range pl.Entries {
			if p.IsValid() && p.Addr().Is4() != pl.Entries[0].Addr().Is4() {
				e.add(fmt.Sprintf("%s.entries[%d]", path, i), pl.Line, "a prefix list holds one address family")
			}
		}
	}
}

func validateNode(e *errList, lab *Lab, nd *Node, used map[netip.Addr]string) {
	path := join("topology.nodes", nd.Name)
	if !nodeNameRE.MatchString(nd.Name) {
		e.add(path, nd.Line, "node name %q must be [a-z0-9], at most 20 characters, and no '-' so that the namespace %q names one lab and one node", nd.Name, NetnsName(lab.Name, nd.Name))
	}
	switch nd.Kind {
	case KindNetns:
		if nd.Interface != "" {
			e.add(path, nd.Line, "interface is for kind: vm only")
		}
		if nd.VM != nil {
			e.add(path, nd.VM.Line, "image, memory and cpus are for kind: vm only")
		}
		if nd.Port != PortTAP && nd.Port != PortAFXDP {
			e.add(path, nd.Line, "port must be tap or afxdp, not %q", nd.Port)
		}
	case KindVM:
		validateVM(e, path, nd)
		if nd.Port != PortTAP {
			e.add(path, nd.Line, "port is for kind: netns only")
		}
	default:
		e.add(path, nd.Line, "kind must be netns or vm, not %q", nd.Kind)
	}
	validateInterfaces(e, lab, nd, used)
	if _, ok := ruleset.ConntrackMaxFor(nd.InstanceType); !ok {
		e.add(path, nd.Line, "instance-type %q: sgswitch knows family.size types with sizes nano, micro, small, medium, large, xlarge, Nxlarge and metal", nd.InstanceType)
	}
}

// checkAddr checks one address of an interface of node owner against
// its subnet and the addresses the lab has used so far.
func checkAddr(e *errList, path string, line int, owner, key string, a netip.Addr, subnet netip.Prefix, used map[netip.Addr]string) {
	switch {
	case !a.IsValid():
		if key == "ip" {
			e.add(path, line, "missing required key %q", key)
		}
	case !subnet.Contains(a):
		e.add(join(path, key), line, "%v is not inside subnet %v", a, subnet)
	case subnetaddr.Reserved(subnet, a):
		e.add(join(path, key), line, "%v is reserved in %v (the first four addresses and the last)", a, subnet)
	case used[a] != "":
		e.add(join(path, key), line, "%v is already the address of node %s", a, used[a])
	default:
		used[a] = owner
	}
}

func validateCheck(e *errList, lab *Lab, c *Check, path string) {
	validateEndpoints(e, lab, c, path)
	switch c.Proto {
	case "tcp", "udp":
		if c.Port == 0 {
			e.add(path, c.Line, "proto %s needs port", c.Proto)
		}
	case "icmp":
		if c.Port != 0 {
			e.add(path, c.Line, "proto icmp takes no port (an echo request is sent)")
		}
	default:
		e.add(path, c.Line, "proto must be tcp, udp or icmp, not %q", c.Proto)
	}
	if c.Expect != "allow" && c.Expect != "deny" {
		e.add(path, c.Line, "expect must be allow or deny, not %q", c.Expect)
	}
}
