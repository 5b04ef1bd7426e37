package testbed

import (
	"errors"
	"fmt"
	"hash/fnv"
	"net"
	"net/netip"

	"sgswitch/account"
	"sgswitch/ruleset"
	"sgswitch/vpc"
)

// LabTag is the tag key Apply puts on every ENI it creates (value: the
// lab name), so the ENIs of a lab can be found with a tag filter.
const LabTag = "sgswitch:lab"

// AttachmentOf is what an ENI of a lab node is attached to: "lab/node".
func AttachmentOf(lab, node string) string { return lab + "/" + node }

// Applied is what Apply made for a lab.
type Applied struct {
	// VpcID is the lab's VPC: everything else Apply made is inside it.
	VpcID string
	// ENIs is each node's first interface (eth0), by node name.
	ENIs map[string]string
	// Interfaces is every interface of every node.
	Interfaces map[Endpoint]string
	// Joined says the lab joined an existing VPC (Lab.VpcID) rather than
	// making one; Groups and PrefixLists are then what it made there,
	// the objects its removal takes away with its interfaces.
	Joined      bool
	Groups      []string
	PrefixLists []string
}

// Apply builds the lab in acct as the EC2 API would: its own VPC (a lab
// with `subnet:` is a VPC of that one subnet, "main"), the VPC's network
// ACLs, route tables and subnets, then in the VPC's security groups the
// prefix lists, groups and rules, then every node's interfaces in their
// subnets, and last the routes, whose targets are those interfaces.
//
// Groups are created first and their rules authorized afterwards, so
// groups may reference each other in any order. A rule or node may name
// a group or prefix list by its lab name or by id. Declaring "default"
// replaces the lab VPC's default group's rule lists; declaring
// SecurityGroupEgress on any group replaces EC2's initial egress rule.
// Each object is made on its own, so an EC2 error names the exact entry:
// every error is a *PosError wrapping the *ruleset.Error or *vpc.Error.
//
// On error acct is left half-changed: callers apply to a clone (the
// daemon) or a scratch account (Validate, Scratch).
func Apply(acct *account.Account, lab *Lab) (Applied, error) {
	lab, err := checked(lab)
	if err != nil {
		return Applied{}, err
	}
	b := vpcBuilder{acct: acct, lab: lab, tables: map[string]string{}, acls: map[string]string{}, subnets: map[string]string{}}
	v := lab.Network()
	steps := []func(*VPC) error{b.createVPC, b.createACLs, b.createRouteTables, b.createSubnets}
	if lab.VpcID != "" {
		steps = []func(*VPC) error{b.joinVPC}
	}
	for _, step := range steps {
		if err := step(v); err != nil {
			return Applied{}, err
		}
	}
	a := applier{acct: acct, vpcID: b.vpcID, subnets: b.subnets, lab: lab, groups: map[string]string{}, lists: map[string]string{}}
	for _, step := range []func() error{a.prefixLists, a.createGroups, a.authorizeRules, a.interfaces} {
		if err := step(); err != nil {
			return Applied{}, err
		}
	}
	if err := b.routes(v, a.ifaces); err != nil {
		return Applied{}, err
	}
	out := Applied{VpcID: b.vpcID, ENIs: a.enis, Interfaces: a.ifaces, Joined: lab.VpcID != ""}
	for _, g := range lab.Groups {
		if g.Name != "default" {
			out.Groups = append(out.Groups, a.groups[g.Name])
		}
	}
	for _, pl := range lab.PrefixLists {
		out.PrefixLists = append(out.PrefixLists, a.lists[pl.Name])
	}
	return out, nil
}

// checked returns lab with the defaults a JSON body may leave out filled
// in (a copy: the caller's lab is not changed), after the structural
// checks Parse runs. Apply calls it, so a Lab that reached the daemon as
// JSON, not through Parse, is held to the same rules (names that become
// namespace paths, addresses inside the subnet, ...).
func checked(lab *Lab) (*Lab, error) {
	c := *lab
	if c.Settings.GroupsPerInterface == 0 {
		c.Settings.GroupsPerInterface = DefaultGroupsPerInterface
	}
	if c.Settings.RulesPerGroup == 0 {
		c.Settings.RulesPerGroup = DefaultRulesPerGroup
	}
	c.Nodes = append([]Node(nil), lab.Nodes...)
	for i := range c.Nodes {
		n := &c.Nodes[i]
		if n.Kind == "" {
			n.Kind = KindNetns
		}
		if n.Port == "" {
			n.Port = PortTAP
		}
	}
	c.Checks = append([]Check(nil), lab.Checks...)
	for i := range c.Checks {
		if c.Checks[i].Family == 0 {
			c.Checks[i].Family = 4
		}
	}
	e := errList{file: c.File}
	if e.file == "" {
		e.file = "lab " + c.Name
	}
	validate(&e, &c)
	return &c, e.err()
}

// Validate applies lab to a scratch account, so an invalid lab is
// refused with EC2's error before anything is created.
func Validate(lab *Lab) error {
	_, _, err := Scratch(lab)
	return err
}

// Scratch applies lab to a new account of its own, with ids derived from
// the lab's name (deterministic): what `lab validate` and `export` read.
// A lab that joins an existing VPC (vpc-id) is applied to a stand-in: a
// VPC of its subnet, so that everything but the VPC's existence is
// checked before the daemon is asked.
func Scratch(lab *Lab) (*account.Account, Applied, error) {
	acct, err := account.New(account.Config{Network: vpc.Config{IDSeed: labSeed(lab)}})
	if err != nil {
		return nil, Applied{}, &PosError{File: lab.File, Path: "settings", Err: err}
	}
	if lab.VpcID != "" {
		if _, err := checked(lab); err != nil { // vpc-id's own rules, positioned
			return nil, Applied{}, err
		}
		alone := *lab
		alone.VpcID = ""
		lab = &alone
	}
	ap, err := Apply(acct, lab)
	return acct, ap, err
}

// labSeed is the id seed of a lab's scratch models: derived from its name.
func labSeed(lab *Lab) uint64 {
	h := fnv.New64a()
	h.Write([]byte(lab.Name))
	return h.Sum64() | 1
}

type applier struct {
	acct    *account.Account
	vpcID   string
	subnets map[string]string // lab subnet name -> subnet- id
	lab     *Lab
	groups  map[string]string   // lab group name -> sg- id
	lists   map[string]string   // lab prefix list name -> pl- id
	enis    map[string]string   // node -> eni- id of its eth0
	ifaces  map[Endpoint]string // every interface -> eni- id
}

// st is the lab VPC's security groups. It is looked up on every use: the
// account replaces a VPC's State on each change that spans both models
// (an interface created), so a kept pointer would go stale.
func (a *applier) st() *ruleset.State { return a.acct.Groups(a.vpcID) }

func (a *applier) fail(path string, line int, err error) error {
	return &PosError{File: a.lab.File, Path: path, Line: line, Err: err}
}

func (a *applier) prefixLists() error {
	for _, pl := range a.lab.PrefixLists {
		entries := make([]ruleset.PrefixListEntry, len(pl.Entries))
		for i, p := range pl.Entries {
			entries[i] = ruleset.PrefixListEntry{Cidr: p.String()}
		}
		out, err := a.st().CreateManagedPrefixList(pl.Name, pl.MaxEntries, entries)
		if err != nil {
			return a.fail(join("prefix-lists", pl.Name), pl.Line, err)
		}
		a.lists[pl.Name] = out.PrefixListId
	}
	return nil
}

// createGroups creates every declared group (or finds "default") and
// clears the rule lists the file replaces.
func (a *applier) createGroups() error {
	for _, g := range a.lab.Groups {
		path := join("security-groups", g.Name)
		var id string
		if g.Name == "default" {
			id = a.st().DefaultGroupID()
			if err := a.clearRules(id, false); err != nil {
				return a.fail(path, g.Line, err)
			}
		} else {
			sg, err := a.st().CreateSecurityGroup(g.Name, g.Description, nil)
			if err != nil {
				return a.fail(path, g.Line, err)
			}
			id = sg.GroupId
		}
		if g.Egress != nil {
			if err := a.clearRules(id, true); err != nil {
				return a.fail(path, g.Line, err)
			}
		}
		a.groups[g.Name] = id
	}
	return nil
}

// clearRules revokes every rule of one direction of group id.
func (a *applier) clearRules(id string, egress bool) error {
	rules, err := a.st().DescribeSecurityGroupRules(nil, []ruleset.Filter{{Name: "group-id", Values: []string{id}}})
	if err != nil {
		return err
	}
	var ids []string
	for _, r := range rules {
		if r.IsEgress == egress {
			ids = append(ids, r.SecurityGroupRuleId)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	if egress {
		_, _, err = a.st().RevokeSecurityGroupEgress(id, nil, ids)
	} else {
		_, _, err = a.st().RevokeSecurityGroupIngress(id, nil, ids)
	}
	return err
}

func (a *applier) authorizeRules() error {
	for _, g := range a.lab.Groups {
		id := a.groups[g.Name]
		for dir, rules := range [2][]Rule{g.Ingress, g.Egress} {
			egress := dir == 1
			key := "SecurityGroupIngress"
			if egress {
				key = "SecurityGroupEgress"
			}
			for i, r := range rules {
				path := fmt.Sprintf("security-groups.%s.%s[%d]", g.Name, key, i)
				perm, err := a.permission(r, egress)
				if err == nil {
					perms := []ruleset.IpPermission{perm}
					if egress {
						_, err = a.st().AuthorizeSecurityGroupEgress(id, perms, nil)
					} else {
						_, err = a.st().AuthorizeSecurityGroupIngress(id, perms, nil)
					}
				}
				if err != nil {
					return a.fail(path, r.Line, err)
				}
			}
		}
	}
	return nil
}

// permission turns a CloudFormation entry into the one-peer IpPermission
// it stands for. CloudFormation requires exactly one peer per entry (an
// IpPermission may carry several, which would be several rules).
func (a *applier) permission(r Rule, egress bool) (ruleset.IpPermission, error) {
	p := ruleset.IpPermission{IpProtocol: r.IpProtocol, FromPort: r.FromPort, ToPort: r.ToPort}
	peers := 0
	if r.CidrIp != "" {
		peers++
		p.IpRanges = []ruleset.IpRange{{CidrIp: r.CidrIp, Description: r.Description}}
	}
	if r.CidrIpv6 != "" {
		peers++
		p.Ipv6Ranges = []ruleset.Ipv6Range{{CidrIpv6: r.CidrIpv6, Description: r.Description}}
	}
	if r.PrefixList != "" {
		peers++
		id, ok := a.lists[r.PrefixList]
		if !ok {
			var err error
			if id, err = a.st().ResolvePrefixList(r.PrefixList); err != nil {
				return p, err
			}
		}
		p.PrefixListIds = []ruleset.PrefixListId{{PrefixListId: id, Description: r.Description}}
	}
	if r.Group != "" {
		peers++
		id, ok := a.groups[r.Group]
		if !ok {
			var err error
			if id, err = a.st().ResolveGroup(r.Group); err != nil {
				return p, err
			}
		}
		p.UserIdGroupPairs = []ruleset.UserIdGroupPair{{GroupId: id, Description: r.Description}}
	}
	if peers != 1 {
		side := "Source"
		if egress {
			side = "Destination"
		}
		code, msg := ruleset.CodeMissingParameter, "The entry must contain exactly one of"
		if peers > 1 {
			code, msg = ruleset.CodeInvalidParameterCombination, "Only one of"
		}
		return p, &ruleset.Error{Code: code, Message: fmt.Sprintf("%s CidrIp, CidrIpv6, %sPrefixListId or %sSecurityGroupId", msg, side, side)}
	}
	return p, nil
}

// interfaces creates one ENI per interface of every node: eth0 carries
// the node's name (its lab name for the CLI), ethN "node.ethN". All of a
// node's interfaces are attached to it and share its instance settings
// (connection tracking, allowances, instance type).
func (a *applier) interfaces() error {
	a.enis = make(map[string]string, len(a.lab.Nodes))
	a.ifaces = map[Endpoint]string{}
	macs := map[string]bool{}
	for _, n := range a.lab.Nodes {
		for i, ni := range n.ENIs() {
			ep := Endpoint{Node: n.Name, Interface: i}
			id, err := a.createInterface(n, ep, ni, macs)
			if err != nil {
				path := join("topology.nodes", n.Name)
				if len(n.Interfaces) > 0 {
					path = fmt.Sprintf("%s.interfaces[%d]", path, i)
				}
				return a.fail(path, ni.Line, err)
			}
			a.ifaces[ep] = id
			if i == 0 {
				a.enis[n.Name] = id
			}
		}
	}
	return nil
}

func (a *applier) createInterface(n Node, ep Endpoint, ni NodeInterface, macs map[string]bool) (string, error) {
	name, macName := n.Name, n.Name
	if ep.Interface > 0 {
		name = ep.String()
		macName = name
	}
	var mac net.HardwareAddr
	for salt := 0; mac == nil || macs[mac.String()]; salt++ {
		mac = NodeMAC(a.lab.Name, macName, salt)
	}
	macs[mac.String()] = true
	spec := ruleset.ENISpec{
		Name:        name,
		Description: fmt.Sprintf("lab %s node %s", a.lab.Name, name),
		MAC:         mac,
		IPv4:        append([]netip.Addr{ni.IP}, ni.SecondaryIPs...), // primary first, as EC2
		Groups:      a.groupIDs(ni.Groups),
		Conntrack: ruleset.ConntrackSpec{
			TcpEstablishedTimeout: n.Conntrack.TcpEstablishedTimeout,
			UdpStreamTimeout:      n.Conntrack.UdpStreamTimeout,
			UdpTimeout:            n.Conntrack.UdpTimeout,
		},
		Allowances:   ruleset.Allowances(n.Allowances),
		InstanceType: n.InstanceType,
		Tags:         []ruleset.Tag{{Key: LabTag, Value: a.lab.Name}},
		AttachedTo:   AttachmentOf(a.lab.Name, n.Name),
		DeviceIndex:  int32(ep.Interface), // ethN is device index N
	}
	if ni.IPv6.IsValid() {
		spec.IPv6 = []netip.Addr{ni.IPv6}
	}
	eni, err := a.acct.CreateNetworkInterface(a.subnets[subnetOf(ni)], spec, ni.SourceDestCheck)
	if err != nil {
		return "", err
	}
	return eni.NetworkInterfaceId, nil
}

// groupIDs maps the lab's group names to ids; other names and ids pass
// through for the ruleset to resolve (with EC2's errors).
func (a *applier) groupIDs(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		if id, ok := a.groups[n]; ok {
			out[i] = id
		} else {
			out[i] = n
		}
	}
	return out
}

// EC2Code returns the EC2 error code inside err, or "".
func EC2Code(err error) string {
	var e *ruleset.Error
	if errors.As(err, &e) {
		return e.Code
	}
	var v *vpc.Error
	if errors.As(err, &v) {
		return v.Code
	}
	return ""
}
