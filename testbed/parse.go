package testbed

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"sgswitch/internal/bounded"
)

// MaxFileSize bounds the lab files Parse accepts: the one bound on every
// input sgswitch reads, so a file the reader accepted is never refused
// here for its size.
const MaxFileSize = bounded.MaxBytes

// Parse decodes and checks a lab file. filename is used in error messages
// only (its base name). Every structural problem is reported with its key
// path and line; the EC2 validation of groups and rules is Apply's (run it
// on a scratch ruleset.State: see Validate).
func Parse(filename string, data []byte) (lab *Lab, err error) {
	d := &decoder{errList: errList{file: filepath.Base(filename)}, budget: maxNodes}
	if len(data) > MaxFileSize {
		return nil, &PosError{File: d.file, Err: fmt.Errorf("file larger than %d bytes", MaxFileSize)}
	}
	defer func() { // the YAML parser must never take the caller down
		if r := recover(); r != nil {
			lab, err = nil, &PosError{File: d.file, Err: fmt.Errorf("invalid YAML: %v", r)}
		}
	}()
	doc, err := d.oneDocument(data)
	if err != nil {
		return nil, err
	}
	lab = &Lab{File: d.file}
	d.lab(doc.Content[0], lab)
	if len(d.errs) == 0 {
		validate(&d.errList, lab)
	}
	if err := d.err(); err != nil {
		return nil, err
	}
	return lab, nil
}

// oneDocument decodes the file's only YAML document. A lab file is one
// document: a second one (after a "---") was silently ignored, so a lab
// pasted twice, or two labs in one file, ran as the first alone; it is
// refused with the line where it starts. A leading "---" is fine.
func (d *decoder) oneDocument(data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, &PosError{File: d.file, Err: errors.New(strings.TrimPrefix(err.Error(), "yaml: "))}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, &PosError{File: d.file, Err: errors.New("empty file")}
	}
	var next yaml.Node
	err := dec.Decode(&next)
	switch {
	case errors.Is(err, io.EOF):
		return &doc, nil
	case err != nil:
		return nil, &PosError{File: d.file, Err: errors.New(strings.TrimPrefix(err.Error(), "yaml: "))}
	}
	return nil, &PosError{File: d.file, Line: next.Line, Err: errors.New("a second YAML document starts here; a lab file holds one document (one lab)")}
}

func (d *decoder) lab(n *yaml.Node, lab *Lab) {
	pairs, ok := d.mapping(n, "")
	if !ok {
		return
	}
	seen := map[string]int{}
	for _, p := range pairs {
		seen[p.key] = p.line
		switch p.key {
		case "name":
			lab.Name = d.str(p.val, "name")
		case "subnet":
			lab.Subnet = d.prefix(p.val, "subnet")
		case "subnet-ipv6":
			lab.SubnetIPv6 = d.prefix(p.val, "subnet-ipv6")
		case "vpc":
			lab.VPC = d.vpc(p.val, p.line)
		case "vpc-id":
			lab.VpcID = d.str(p.val, "vpc-id")
		case "clock":
			lab.Clock = d.str(p.val, "clock")
			if lab.Clock != ClockReal && lab.Clock != ClockVirtual {
				d.add("clock", p.line, "must be %s or %s", ClockReal, ClockVirtual)
			}
		case "settings":
			d.settings(p.val, &lab.Settings)
		case "prefix-lists":
			d.prefixLists(p.val, lab)
		case "security-groups":
			d.groups(p.val, lab)
		case "topology":
			d.topology(p.val, lab)
		case "checks":
			d.checks(p.val, lab)
		case "scenarios":
			d.scenarios(p.val, lab)
		default:
			d.unknown("", p)
		}
	}
	for _, k := range []string{"name", "topology"} {
		if _, ok := seen[k]; !ok {
			d.add("", 0, "missing required key %q", k)
		}
	}
	d.subnetOrVPC(seen)
	if lab.Settings.GroupsPerInterface == 0 {
		lab.Settings.GroupsPerInterface = DefaultGroupsPerInterface
	}
	if lab.Settings.RulesPerGroup == 0 {
		lab.Settings.RulesPerGroup = DefaultRulesPerGroup
	}
}

func (d *decoder) settings(n *yaml.Node, s *Settings) {
	pairs, _ := d.mapping(n, "settings")
	for _, p := range pairs {
		path := join("settings", p.key)
		switch p.key {
		case "groups-per-interface":
			v, _ := d.integer(p.val, path, 1, 16)
			s.GroupsPerInterface = int(v)
		case "rules-per-group":
			v, _ := d.integer(p.val, path, 1, 1000)
			s.RulesPerGroup = int(v)
		default:
			d.unknown("settings", p)
		}
	}
}

func (d *decoder) prefixLists(n *yaml.Node, lab *Lab) {
	pairs, _ := d.mapping(n, "prefix-lists")
	for _, p := range pairs {
		path := join("prefix-lists", p.key)
		pl := PrefixList{Name: p.key, Line: p.line}
		fields, _ := d.mapping(p.val, path)
		hasMax := false
		for _, f := range fields {
			switch f.key {
			case "max-entries":
				v, _ := d.integer(f.val, join(path, f.key), 1, 1000)
				pl.MaxEntries, hasMax = int(v), true
			case "entries":
				items, _ := d.sequence(f.val, join(path, f.key))
				for i, it := range items {
					pl.Entries = append(pl.Entries, d.prefix(it, fmt.Sprintf("%s.entries[%d]", path, i)))
				}
			default:
				d.unknown(path, f)
			}
		}
		if !hasMax {
			d.add(path, p.line, "missing required key %q", "max-entries")
		}
		lab.PrefixLists = append(lab.PrefixLists, pl)
	}
}

func (d *decoder) groups(n *yaml.Node, lab *Lab) {
	pairs, _ := d.mapping(n, "security-groups")
	for _, p := range pairs {
		path := join("security-groups", p.key)
		g := Group{Name: p.key, Line: p.line}
		fields, _ := d.mapping(p.val, path)
		for _, f := range fields {
			switch f.key {
			case "GroupDescription":
				g.Description = d.str(f.val, join(path, f.key))
			case "SecurityGroupIngress":
				g.Ingress = d.rules(f.val, join(path, f.key), false)
			case "SecurityGroupEgress":
				g.Egress = d.rules(f.val, join(path, f.key), true)
				if g.Egress == nil {
					g.Egress = []Rule{}
				}
			default:
				d.unknown(path, f)
			}
		}
		lab.Groups = append(lab.Groups, g)
	}
}

// rules decodes a SecurityGroupIngress/Egress list. The peer keys differ
// by direction, as in CloudFormation.
func (d *decoder) rules(n *yaml.Node, path string, egress bool) []Rule {
	items, _ := d.sequence(n, path)
	var out []Rule
	for i, it := range items {
		rp := fmt.Sprintf("%s[%d]", path, i)
		r := Rule{}
		if it = d.resolve(it); it == nil {
			continue
		}
		r.Line = it.Line
		fields, _ := d.mapping(it, rp)
		for _, f := range fields {
			fp := join(rp, f.key)
			switch {
			case f.key == "IpProtocol":
				r.IpProtocol = d.str(f.val, fp)
			case f.key == "FromPort":
				r.FromPort = d.int32p(f.val, fp)
			case f.key == "ToPort":
				r.ToPort = d.int32p(f.val, fp)
			case f.key == "CidrIp":
				r.CidrIp = d.str(f.val, fp)
			case f.key == "CidrIpv6":
				r.CidrIpv6 = d.str(f.val, fp)
			case f.key == "Description":
				s := d.str(f.val, fp)
				r.Description = &s
			case !egress && f.key == "SourceSecurityGroupId", !egress && f.key == "SourceSecurityGroupName",
				egress && f.key == "DestinationSecurityGroupId":
				if r.Group != "" {
					d.add(rp, f.line, "InvalidParameterCombination: only one security group may be given")
				}
				r.Group = d.str(f.val, fp)
			case !egress && f.key == "SourcePrefixListId", egress && f.key == "DestinationPrefixListId":
				r.PrefixList = d.str(f.val, fp)
			default:
				d.unknown(rp, f)
			}
		}
		out = append(out, r)
	}
	return out
}

func (d *decoder) topology(n *yaml.Node, lab *Lab) {
	pairs, _ := d.mapping(n, "topology")
	for _, p := range pairs {
		if p.key != "nodes" {
			d.unknown("topology", p)
			continue
		}
		nodes, _ := d.mapping(p.val, "topology.nodes")
		for _, np := range nodes {
			lab.Nodes = append(lab.Nodes, d.node(np))
		}
	}
}

func (d *decoder) node(p kv) Node {
	path := join("topology.nodes", p.key)
	nd := Node{Name: p.key, Kind: KindNetns, Port: PortTAP, Line: p.line}
	fields, _ := d.mapping(p.val, path)
	for _, f := range fields {
		fp := join(path, f.key)
		switch f.key {
		case "kind":
			nd.Kind = d.str(f.val, fp)
		case "port":
			nd.Port = d.str(f.val, fp)
		case "interface":
			nd.Interface = d.str(f.val, fp)
		case "ip":
			nd.IP = d.addr(f.val, fp)
		case "ipv6":
			nd.IPv6 = d.addr(f.val, fp)
		case "security-groups":
			nd.Groups = d.strings(f.val, fp)
			if len(nd.Groups) == 0 {
				d.add(path, f.line, "security-groups: give at least one group, or leave the key out for the default group")
			}
		case "conntrack":
			d.conntrack(f.val, fp, &nd.Conntrack)
		case "allowances":
			d.allowances(f.val, fp, &nd.Allowances)
		case "instance-type":
			nd.InstanceType = d.str(f.val, fp)
		case "subnet":
			nd.Subnet = d.str(f.val, fp)
		case "secondary-ips":
			nd.SecondaryIPs = d.addrs(f.val, fp)
		case "source-dest-check":
			nd.SourceDestCheck = d.boolp(f.val, fp)
		case "interfaces":
			nd.Interfaces = d.interfaces(f.val, fp)
		case "forwarding":
			if b := d.boolp(f.val, fp); b != nil {
				nd.Forwarding = *b
			}
		case "image", "memory", "cpus":
			d.vmKey(f, fp, &nd)
		case "user-data":
			nd.UserDataFile = d.str(f.val, fp)
		case "metadata":
			nd.Metadata = d.metadata(f.val, fp)
		default:
			d.unknown(path, f)
		}
	}
	if len(nd.Interfaces) > 0 {
		d.longFormOnly(path, fields)
	}
	return nd
}

func (d *decoder) conntrack(n *yaml.Node, path string, c *Conntrack) {
	fields, _ := d.mapping(n, path)
	for _, f := range fields {
		fp := join(path, f.key)
		switch f.key {
		case "tcp-established-timeout":
			c.TcpEstablishedTimeout = deref(d.int32p(f.val, fp))
		case "udp-stream-timeout":
			c.UdpStreamTimeout = deref(d.int32p(f.val, fp))
		case "udp-timeout":
			c.UdpTimeout = deref(d.int32p(f.val, fp))
		default:
			d.unknown(path, f)
		}
	}
}

func (d *decoder) allowances(n *yaml.Node, path string, a *Allowances) {
	fields, _ := d.mapping(n, path)
	for _, f := range fields {
		fp := join(path, f.key)
		switch f.key {
		case "conntrack-max":
			a.ConntrackMax = d.uint64v(f.val, fp)
		case "new-connections-per-second":
			a.NewConnectionsPerSecond = d.uint64v(f.val, fp)
		case "pps":
			a.PPS = d.uint64v(f.val, fp)
		case "bandwidth-in-mbps":
			a.BandwidthInMbps = d.uint64v(f.val, fp)
		case "bandwidth-out-mbps":
			a.BandwidthOutMbps = d.uint64v(f.val, fp)
		default:
			d.unknown(path, f)
		}
	}
}

func (d *decoder) checks(n *yaml.Node, lab *Lab) {
	items, _ := d.sequence(n, "checks")
	for i, it := range items {
		if it = d.resolve(it); it == nil {
			continue
		}
		lab.Checks = append(lab.Checks, d.check(it, fmt.Sprintf("checks[%d]", i)))
	}
}

// check decodes one check (an entry of checks:, or a scenario's check step).
func (d *decoder) check(it *yaml.Node, path string) Check {
	c := Check{Family: 4, Line: it.Line}
	fields, _ := d.mapping(it, path)
	for _, f := range fields {
		fp := join(path, f.key)
		switch f.key {
		case "from":
			c.From = d.str(f.val, fp)
		case "to":
			c.To = d.str(f.val, fp)
		case "from-ip":
			c.FromIP = d.addr(f.val, fp)
		case "to-ip":
			c.ToIP = d.addr(f.val, fp)
		case "proto":
			c.Proto = d.str(f.val, fp)
		case "port":
			v, _ := d.integer(f.val, fp, 1, 65535)
			c.Port = uint16(v)
		case "family":
			switch s := d.str(f.val, fp); s {
			case "ipv4", "4":
				c.Family = 4
			case "ipv6", "6":
				c.Family = 6
			default:
				d.add(path, f.line, "family must be ipv4 or ipv6, not %q", s)
			}
		case "expect":
			c.Expect = d.str(f.val, fp)
		default:
			d.unknown(path, f)
		}
	}
	return c
}

func deref(p *int32) int32 {
	if p == nil {
		return 0
	}
	return *p
}
