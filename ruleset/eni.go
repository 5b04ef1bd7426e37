package ruleset

import (
	"fmt"
	"net"
	"net/netip"
	"strings"

	"sgswitch/internal/wildcard"
)

// CreateNetworkInterface creates an interface in the VPC's subnet. Groups
// may be given by id or (as a lab convenience) by name; none means the
// default group.
func (st *State) CreateNetworkInterface(spec ENISpec) (*NetworkInterface, error) {
	if err := validateTagKeys(spec.Tags); err != nil {
		return nil, err
	}
	groups, err := st.interfaceGroups(spec.Groups, true)
	if err != nil {
		return nil, err
	}
	if err := ValidateConntrackSpec(spec.Conntrack); err != nil {
		return nil, err
	}
	if _, ok := ConntrackMaxFor(spec.InstanceType); !ok {
		return nil, errorf(CodeInvalidParameterValue, "The instance type '%s' is not supported: sgswitch knows family.size types with sizes nano, micro, small, medium, large, xlarge, Nxlarge and metal.", spec.InstanceType)
	}
	if err := st.checkFlowBudget("", spec.Allowances, spec.InstanceType); err != nil {
		return nil, err
	}
	if len(spec.IPv4) == 0 {
		// EC2 picks the primary address when none is given.
		free, err := st.freeAddresses(4, 1)
		if err != nil {
			return nil, err
		}
		spec.IPv4 = free
	}
	if err := st.checkAddresses("", spec.IPv4, spec.IPv6); err != nil {
		return nil, err
	}
	if spec.Name != "" {
		if _, err := st.ResolveInterface(spec.Name); err == nil || strings.HasPrefix(spec.Name, "eni-") {
			return nil, errorf(CodeInvalidParameterValue, "An interface with Name '%s' already exists.", spec.Name)
		}
	}
	id := st.newID("eni-")
	mac := spec.MAC
	if mac == nil {
		mac = st.macFor(id)
	} else if len(mac) != 6 {
		return nil, errorf(CodeInvalidParameterValue, "Invalid MAC address '%s'.", mac)
	}
	e := InterfaceSpec{
		ID: id, Index: st.freeIndex(), Name: spec.Name, Description: spec.Description,
		MAC: mac.String(), IPv4: append([]netip.Addr(nil), spec.IPv4...), IPv6: append([]netip.Addr(nil), spec.IPv6...),
		Groups: groups, Conntrack: spec.Conntrack, Allowances: spec.Allowances, Tags: append([]Tag(nil), spec.Tags...),
		InstanceType: spec.InstanceType, AttachedTo: spec.AttachedTo,
	}
	if spec.AttachedTo != "" {
		e.DeviceIndex = spec.DeviceIndex
	}
	st.touchInterface(id)
	st.s.Interfaces = append(st.s.Interfaces, e)
	st.eniByID[id] = len(st.s.Interfaces) - 1
	d := st.describeInterface(&st.s.Interfaces[len(st.s.Interfaces)-1])
	return &d, nil
}

// macFor derives a locally administered unicast MAC from an interface id.
func (st *State) macFor(id string) net.HardwareAddr {
	x := splitmix(st.s.VPC.IDSeed ^ uint64(len(id)) ^ hashString(id))
	return net.HardwareAddr{0x02, byte(x >> 32), byte(x >> 24), byte(x >> 16), byte(x >> 8), byte(x)}
}

func hashString(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * 1099511628211
	}
	return h
}

// freeIndex is the lowest interface index not in use (dense and stable).
func (st *State) freeIndex() uint32 {
	used := make(map[uint32]bool, len(st.s.Interfaces))
	for _, e := range st.s.Interfaces {
		used[e.Index] = true
	}
	var i uint32
	for used[i] {
		i++
	}
	return i
}

// interfaceGroups resolves and checks an interface's group list.
func (st *State) interfaceGroups(in []string, namesOK bool) ([]string, error) {
	if len(in) == 0 {
		if namesOK {
			return []string{st.DefaultGroupID()}, nil
		}
		return nil, errorf(CodeMissingParameter, "The request must contain the parameter groupId")
	}
	limit := st.s.VPC.GroupsPerInterface
	if !st.s.VPC.LiftQuotas && len(in) > limit {
		return nil, errorf(CodeSecurityGroupsPerInterfaceLimitExceeded, "The maximum number of security groups per interface (%d) has been reached.", limit)
	}
	out := make([]string, 0, len(in))
	seen := map[string]bool{}
	for _, ref := range in {
		if !namesOK && !strings.HasPrefix(ref, "sg-") {
			return nil, errorf(CodeInvalidGroupIdMalformed, "The security group ID '%s' is malformed", ref)
		}
		g, err := st.lookupGroup(ref)
		if err != nil {
			return nil, err
		}
		if !seen[g.ID] {
			seen[g.ID] = true
			out = append(out, g.ID)
		}
	}
	return out, nil
}

// checkAddresses: IPv4 inside the subnet, IPv6 inside the IPv6 subnet, none
// used by another interface (self is the interface being changed).
func (st *State) checkAddresses(self string, v4, v6 []netip.Addr) error {
	v := &st.s.VPC
	for _, a := range v4 {
		if !a.Is4() || !v.CIDR.Contains(a) {
			return errorf(CodeInvalidParameterValue, "Address %s does not fall within the subnet's address range", a)
		}
	}
	for _, a := range v6 {
		if !v.IPv6CIDR.IsValid() {
			return errorf(CodeInvalidParameterValue, "The subnet does not have an IPv6 CIDR block; cannot assign %s", a)
		}
		if !a.Is6() || a.Is4In6() || !v.IPv6CIDR.Contains(a) {
			return errorf(CodeInvalidParameterValue, "Address %s does not fall within the subnet's address range", a)
		}
	}
	used := map[netip.Addr]bool{}
	for _, e := range st.s.Interfaces {
		if e.ID == self {
			continue
		}
		for _, a := range append(append([]netip.Addr(nil), e.IPv4...), e.IPv6...) {
			used[a] = true
		}
	}
	mine := map[netip.Addr]bool{}
	for _, a := range append(append([]netip.Addr(nil), v4...), v6...) {
		if used[a] || mine[a] {
			return errorf(CodeInvalidIPAddressInUse, "The specified address is already in use: %s", a)
		}
		mine[a] = true
	}
	return nil
}

// DeleteNetworkInterface removes an interface.
func (st *State) DeleteNetworkInterface(id string) error {
	i, err := st.lookupInterface(id)
	if err != nil {
		return err
	}
	st.touchInterface(st.s.Interfaces[i].ID)
	st.s.Interfaces = append(st.s.Interfaces[:i:i], st.s.Interfaces[i+1:]...)
	st.reindex()
	return nil
}

func (st *State) lookupInterface(id string) (int, error) {
	if !validID(id, "eni-") {
		return 0, errorf(CodeInvalidNetworkInterfaceIDMalformed, "Invalid id: \"%s\" (expecting \"eni-...\")", id)
	}
	i, ok := st.eniByID[id]
	if !ok {
		return 0, errorf(CodeInvalidNetworkInterfaceIDNotFound, "The networkInterface ID '%s' does not exist", id)
	}
	return i, nil
}

// ModifyNetworkInterfaceAttribute replaces an interface's groups (by id, at
// least one) and/or its connection-tracking specification (fields left 0
// keep their value).
func (st *State) ModifyNetworkInterfaceAttribute(id string, groups []string, ct *ConntrackSpec) error {
	i, err := st.lookupInterface(id)
	if err != nil {
		return err
	}
	if groups == nil && ct == nil {
		return errorf(CodeMissingParameter, "The request must contain at least one attribute to modify")
	}
	var gs []string
	if groups != nil {
		if gs, err = st.interfaceGroups(groups, false); err != nil {
			return err
		}
	}
	if ct != nil {
		if err := ValidateConntrackSpec(*ct); err != nil {
			return err
		}
	}
	e := &st.s.Interfaces[i]
	st.touchInterface(e.ID)
	if gs != nil {
		e.Groups = gs
	}
	if ct != nil {
		if ct.TcpEstablishedTimeout != 0 {
			e.Conntrack.TcpEstablishedTimeout = ct.TcpEstablishedTimeout
		}
		if ct.UdpStreamTimeout != 0 {
			e.Conntrack.UdpStreamTimeout = ct.UdpStreamTimeout
		}
		if ct.UdpTimeout != 0 {
			e.Conntrack.UdpTimeout = ct.UdpTimeout
		}
	}
	return nil
}

// SetInterfaceAddresses replaces an interface's private addresses (a lab
// operation; EC2 has Assign/UnassignPrivateIpAddresses for this).
func (st *State) SetInterfaceAddresses(id string, v4, v6 []netip.Addr) error {
	i, err := st.lookupInterface(id)
	if err != nil {
		return err
	}
	if len(v4) == 0 {
		return errorf(CodeMissingParameter, "The request must contain the parameter PrivateIpAddress")
	}
	if err := st.checkAddresses(id, v4, v6); err != nil {
		return err
	}
	e := &st.s.Interfaces[i]
	st.touchInterface(e.ID)
	e.IPv4 = append([]netip.Addr(nil), v4...)
	e.IPv6 = append([]netip.Addr(nil), v6...)
	return nil
}

// SetInterfaceAllowances replaces an interface's allowances.
func (st *State) SetInterfaceAllowances(id string, a Allowances) error {
	i, err := st.lookupInterface(id)
	if err != nil {
		return err
	}
	if err := st.checkFlowBudget(id, a, st.s.Interfaces[i].InstanceType); err != nil {
		return err
	}
	st.touchInterface(id)
	st.s.Interfaces[i].Allowances = a
	return nil
}

// DescribeNetworkInterfaces lists interfaces (all when ids is empty) that
// match every filter: network-interface-id, group-id, group-name,
// mac-address, private-ip-address (alias addresses.private-ip-address),
// ipv6-addresses.ipv6-address, vpc-id, subnet-id, status, description,
// tag:<key>, tag-key: each a name EC2 documents
// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeNetworkInterfaces.html).
// The page has no plain "ipv6-address", so it is InvalidParameterValue like
// any other unknown name.
func (st *State) DescribeNetworkInterfaces(ids []string, filters []Filter) ([]NetworkInterface, error) {
	var sel []*InterfaceSpec
	if len(ids) == 0 {
		for i := range st.s.Interfaces {
			sel = append(sel, &st.s.Interfaces[i])
		}
	} else {
		for _, id := range ids {
			i, err := st.lookupInterface(id)
			if err != nil {
				return nil, err
			}
			sel = append(sel, &st.s.Interfaces[i])
		}
	}
	out := []NetworkInterface{}
	for _, e := range sel {
		d := st.describeInterface(e)
		ok, err := interfaceMatches(&d, filters)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, d)
		}
	}
	return out, nil
}

func interfaceMatches(d *NetworkInterface, filters []Filter) (bool, error) {
	for _, f := range filters {
		var vals []string
		switch {
		case f.Name == "network-interface-id":
			vals = []string{d.NetworkInterfaceId}
		case f.Name == "group-id":
			for _, g := range d.Groups {
				vals = append(vals, g.GroupId)
			}
		case f.Name == "group-name":
			for _, g := range d.Groups {
				vals = append(vals, g.GroupName)
			}
		case f.Name == "mac-address":
			vals = []string{d.MacAddress}
		case f.Name == "private-ip-address", f.Name == "addresses.private-ip-address":
			for _, a := range d.PrivateIpAddresses {
				vals = append(vals, a.PrivateIpAddress)
			}
		case f.Name == "ipv6-addresses.ipv6-address":
			for _, a := range d.Ipv6Addresses {
				vals = append(vals, a.Ipv6Address)
			}
		case f.Name == "vpc-id":
			vals = []string{d.VpcId}
		case f.Name == "subnet-id":
			vals = []string{d.SubnetId}
		case f.Name == "status":
			vals = []string{d.Status}
		case f.Name == "description":
			vals = []string{d.Description}
		case isTagFilter(f.Name):
			vals, _ = tagFilterValues(f.Name, d.TagSet)
		default:
			return false, errorf(CodeInvalidParameterValue, "The filter '%s' is invalid", f.Name)
		}
		if !wildcard.AnyMatch(f.Values, vals) {
			return false, nil
		}
	}
	return true, nil
}

func (st *State) describeInterface(e *InterfaceSpec) NetworkInterface {
	v := &st.s.VPC
	ct := e.Conntrack.WithDefaults()
	d := NetworkInterface{
		NetworkInterfaceId: e.ID, Description: e.Description, InterfaceType: "interface",
		MacAddress: e.MAC, OwnerId: v.OwnerId, SourceDestCheck: true, Status: "available",
		SubnetId: v.SubnetId, VpcId: v.VpcId,
		ConnectionTrackingConfiguration: &ConnectionTrackingConfiguration{ct.TcpEstablishedTimeout, ct.UdpStreamTimeout, ct.UdpTimeout},
		PrivateIpAddresses:              []NetworkInterfacePrivateIpAddress{},
		Ipv6Addresses:                   []NetworkInterfaceIpv6Address{},
		Groups:                          []GroupIdentifier{},
		TagSet:                          []Tag{},
	}
	if e.AttachedTo != "" {
		d.Status = "in-use"
		d.Attachment = &NetworkInterfaceAttachment{AttachmentId: AttachmentID(e.ID), DeviceIndex: e.DeviceIndex,
			InstanceId: InstanceID(e.AttachedTo), InstanceOwnerId: v.Owner(), Status: "attached"}
	}
	for i, a := range e.IPv4 {
		if i == 0 {
			d.PrivateIpAddress = a.String()
		}
		d.PrivateIpAddresses = append(d.PrivateIpAddresses, NetworkInterfacePrivateIpAddress{Primary: i == 0, PrivateIpAddress: a.String()})
	}
	for _, a := range e.IPv6 {
		d.Ipv6Addresses = append(d.Ipv6Addresses, NetworkInterfaceIpv6Address{Ipv6Address: a.String()})
	}
	for _, gid := range e.Groups {
		name := ""
		if g := st.group(gid); g != nil {
			name = g.Name
		}
		d.Groups = append(d.Groups, GroupIdentifier{GroupId: gid, GroupName: name})
	}
	if e.Name != "" {
		d.TagSet = append(d.TagSet, Tag{Key: "Name", Value: e.Name})
	}
	d.TagSet = append(d.TagSet, e.Tags...)
	if e.Allowances != (Allowances{}) {
		a := e.Allowances
		d.Allowances = &a
	}
	return d
}

// Interfaces returns the ids of all interfaces in creation order.
func (st *State) Interfaces() []string {
	out := make([]string, len(st.s.Interfaces))
	for i, e := range st.s.Interfaces {
		out[i] = e.ID
	}
	return out
}

// String is a short description for logs.
func (e InterfaceSpec) String() string {
	return fmt.Sprintf("%s(%s %v)", e.ID, e.Name, e.IPv4)
}
