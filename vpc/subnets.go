package vpc

import (
	"fmt"
	"net/netip"
	"slices"

	"sgswitch/internal/subnetaddr"
)

// Subnet sizes and reserved addresses (VPC User Guide, "Subnet CIDR blocks").
const (
	MinSubnetPrefixLen  = 16
	MaxSubnetPrefixLen  = 28
	SubnetIPv6PrefixLen = 64
	ReservedPerSubnet   = 5
)

// Reserved reports whether a is one of the five IPv4 addresses EC2 keeps in
// subnet p: the network address, base+1 (VPC router), base+2 (DNS), base+3
// (future use) and the last address.
func Reserved(p netip.Prefix, a netip.Addr) bool {
	return p.Addr().Is4() && subnetaddr.Reserved(p, a)
}

// Router is a subnet's VPC router address, base+1.
func Router(p netip.Prefix) netip.Addr { return addV4(p.Masked().Addr(), 1) }

// DNSServer is the Amazon DNS server address of a subnet, base+2.
func DNSServer(p netip.Prefix) netip.Addr { return addV4(p.Masked().Addr(), 2) }

func v4(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func addV4(a netip.Addr, n uint32) netip.Addr {
	x := v4(a) + n
	return netip.AddrFrom4([4]byte{byte(x >> 24), byte(x >> 16), byte(x >> 8), byte(x)})
}

// CreateSubnet creates a subnet of a VPC. Its IPv4 CIDR must lie inside
// the VPC's and be /16 to /28 (InvalidSubnet.Range) and must not overlap
// another subnet of the VPC (InvalidSubnet.Conflict). The optional IPv6
// CIDR must be a /64 inside the VPC's IPv6 block (InvalidSubnet.Range; a
// VPC without IPv6 has no block to lie in) and not overlap another subnet's
// (InvalidSubnet.Conflict). az defaults to the region + "a" and must be the
// region followed by one letter a–f. The subnet uses the main route table
// and the default network ACL. Quota: Config.SubnetsPerVpc.
func (st *State) CreateSubnet(vpcID, cidr, ipv6Cidr, az string, tags []Tag) (Subnet, error) {
	v, err := st.vpc(vpcID)
	if err != nil {
		return Subnet{}, err
	}
	p, err := parseCIDR("cidrBlock", cidr, false)
	if err != nil {
		return Subnet{}, err
	}
	if b := p.Bits(); b < MinSubnetPrefixLen || b > MaxSubnetPrefixLen || !contains(v.CIDR, p) {
		return Subnet{}, errorf(CodeInvalidSubnetRange, "The CIDR '%s' is invalid.", cidr)
	}
	var p6 netip.Prefix
	if ipv6Cidr != "" {
		if p6, err = parseCIDR("ipv6CidrBlock", ipv6Cidr, true); err != nil {
			return Subnet{}, err
		}
		if p6.Bits() != SubnetIPv6PrefixLen || !v.IPv6CIDR.IsValid() || !contains(v.IPv6CIDR, p6) {
			return Subnet{}, errorf(CodeInvalidSubnetRange, "The IPv6 CIDR '%s' is invalid.", ipv6Cidr)
		}
	}
	region := st.s.Config.Region
	if az == "" {
		az = region + "a"
	}
	if len(az) != len(region)+1 || az[:len(region)] != region || az[len(region)] < 'a' || az[len(region)] > 'f' {
		return Subnet{}, errorf(CodeInvalidParameterValue, "Value (%s) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: %sa, %sb, %sc, %sd, %se, %sf.", az, region, region, region, region, region, region)
	}
	for i := range st.s.Subnets {
		o := &st.s.Subnets[i]
		if o.VpcID != vpcID {
			continue
		}
		if o.CIDR.Overlaps(p) {
			return Subnet{}, errorf(CodeInvalidSubnetConflict, "The CIDR '%s' conflicts with another subnet", cidr)
		}
		if p6.IsValid() && o.IPv6CIDR.IsValid() && o.IPv6CIDR.Overlaps(p6) {
			return Subnet{}, errorf(CodeInvalidSubnetConflict, "The IPv6 CIDR '%s' conflicts with another subnet", ipv6Cidr)
		}
	}
	if err := validateTags(tags); err != nil {
		return Subnet{}, err
	}
	if count(st.s.Subnets, func(s *SubnetSpec) bool { return s.VpcID == vpcID }) >= st.s.Config.SubnetsPerVpc {
		return Subnet{}, errorf(CodeSubnetLimitExceeded, "The maximum number of subnets has been reached.")
	}
	acl := st.defaultNetworkAcl(vpcID)
	sn := SubnetSpec{ID: st.newID("subnet-"), VpcID: vpcID, CIDR: p, AvailabilityZone: az, Tags: slices.Clone(tags)}
	if p6.IsValid() {
		sn.IPv6CIDR, sn.IPv6CidrAssociationID = p6, st.newID("subnet-cidr-assoc-")
	}
	sn.NetworkAclID, sn.NetworkAclAssociationID = acl.ID, st.newID("aclassoc-")
	st.s.Subnets = append(st.s.Subnets, sn)
	st.reindex()
	return st.describeSubnet(&st.s.Subnets[len(st.s.Subnets)-1]), nil
}

// contains reports whether outer contains the whole of inner.
func contains(outer, inner netip.Prefix) bool {
	return outer.Bits() <= inner.Bits() && outer.Contains(inner.Addr())
}

// DeleteSubnet deletes a subnet and its route table and network ACL
// associations. DependencyViolation while an interface is placed in it.
func (st *State) DeleteSubnet(id string) error {
	if _, err := st.subnet(id); err != nil {
		return err
	}
	if count(st.s.Interfaces, func(e *InterfaceSpec) bool { return e.SubnetID == id }) > 0 {
		return errorf(CodeDependencyViolation, "The subnet '%s' has dependencies and cannot be deleted.", id)
	}
	st.s.Subnets = slices.DeleteFunc(st.s.Subnets, func(s SubnetSpec) bool { return s.ID == id })
	st.reindex()
	return nil
}

// DescribeSubnets returns the subnets given by id (all when ids is empty)
// that match every filter: subnet-id, vpc-id, cidr-block (also cidr and
// cidrBlock), availability-zone (also availabilityZone),
// available-ip-address-count, default-for-az (also defaultForAz), state,
// owner-id, subnet-arn, ipv6-cidr-block-association.ipv6-cidr-block,
// ipv6-cidr-block-association.association-id,
// ipv6-cidr-block-association.state, tag:<key>, tag-key, tag-value.
func (st *State) DescribeSubnets(ids []string, filters []Filter) ([]Subnet, error) {
	sel, err := selectByID(ids, st.s.Subnets, st.subnet)
	if err != nil {
		return nil, err
	}
	if err := checkFilterNames(filters, st.subnetFilter(&SubnetSpec{})); err != nil {
		return nil, err
	}
	out := []Subnet{}
	for _, s := range sel {
		if ok, _ := matchFilters(filters, st.subnetFilter(s)); ok {
			out = append(out, st.describeSubnet(s))
		}
	}
	return out, nil
}

func (st *State) subnetFilter(s *SubnetSpec) filterFunc {
	return func(n string) ([]string, bool) {
		switch n {
		case "subnet-id":
			return one(s.ID), true
		case "vpc-id":
			return one(s.VpcID), true
		case "cidr-block", "cidr", "cidrBlock":
			return one(s.CIDR.String()), true
		case "availability-zone", "availabilityZone":
			return one(s.AvailabilityZone), true
		case "available-ip-address-count":
			return one(itoa(st.availableIPs(s))), true
		case "default-for-az", "defaultForAz":
			return one("false"), true
		case "state":
			return one("available"), true
		case "owner-id":
			return one(st.s.Config.OwnerId), true
		case "subnet-arn":
			return one(st.subnetArn(s)), true
		case "ipv6-cidr-block-association.ipv6-cidr-block":
			if s.IPv6CIDR.IsValid() {
				return one(s.IPv6CIDR.String()), true
			}
			return nil, true
		case "ipv6-cidr-block-association.association-id":
			return one(s.IPv6CidrAssociationID), true
		case "ipv6-cidr-block-association.state":
			if s.IPv6CIDR.IsValid() {
				return one("associated"), true
			}
			return nil, true
		}
		return tagFilter(n, s.Tags)
	}
}

func (st *State) subnetArn(s *SubnetSpec) string {
	return fmt.Sprintf("arn:aws:ec2:%s:%s:subnet/%s", st.s.Config.Region, st.s.Config.OwnerId, s.ID)
}

// availableIPs is the subnet's size less the five reserved addresses and
// the IPv4 addresses placed interfaces hold in it.
func (st *State) availableIPs(s *SubnetSpec) int {
	n := 1<<(32-s.CIDR.Bits()) - ReservedPerSubnet
	for i := range st.s.Interfaces {
		if e := &st.s.Interfaces[i]; e.SubnetID == s.ID {
			n -= len(e.IPv4)
		}
	}
	return n
}

func (st *State) describeSubnet(s *SubnetSpec) Subnet {
	out := Subnet{
		AvailabilityZone: s.AvailabilityZone, AvailableIpAddressCount: st.availableIPs(s),
		CidrBlock: s.CIDR.String(), State: "available", SubnetId: s.ID, VpcId: s.VpcID,
		OwnerId: st.s.Config.OwnerId, SubnetArn: st.subnetArn(s),
		Ipv6CidrBlockAssociationSet: []SubnetIpv6CidrBlockAssociation{}, Tags: slices.Clone(s.Tags),
	}
	if s.IPv6CIDR.IsValid() {
		out.Ipv6CidrBlockAssociationSet = append(out.Ipv6CidrBlockAssociationSet, SubnetIpv6CidrBlockAssociation{
			AssociationId: s.IPv6CidrAssociationID, Ipv6CidrBlock: s.IPv6CIDR.String(), Ipv6CidrBlockState: StateField{"associated"},
		})
	}
	return out
}
