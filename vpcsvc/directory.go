package vpcsvc

import (
	"net"
	"net/netip"
	"time"
)

// Directory is what the VPC services know about the account: the
// interfaces that send to them and the instances those belong to. The
// daemon implements it over its live account, so every answer reflects the
// state at the moment of the request (a group added to an interface shows
// at once). Implementations must be safe for concurrent use and must not
// block: they are called on the packet path.
type Directory interface {
	// Interface returns the interface with id (an eni- id).
	Interface(eniID string) (Interface, bool)
	// InterfaceByAddr returns the interface that owns address a in VPC
	// vpcID (a primary or secondary IPv4 address, or an IPv6 address).
	InterfaceByAddr(vpcID string, a netip.Addr) (Interface, bool)
	// Instance returns the instance with id (an i- id).
	Instance(id string) (Instance, bool)
	// InstanceByName returns the instance a lab names name (a lab node's
	// name, such as "web1") in VPC vpcID.
	InstanceByName(vpcID, name string) (Instance, bool)
}

// Interface is one network interface as the services see it.
type Interface struct {
	ID  string // eni-…
	MAC net.HardwareAddr
	// IPv4 lists its private IPv4 addresses, the primary first; IPv6 its
	// IPv6 addresses.
	IPv4 []netip.Addr
	IPv6 []netip.Addr
	// Subnet4 and Subnet6 are its subnet's CIDRs (invalid when the subnet
	// has none); VpcCIDR4 and VpcCIDR6 its VPC's.
	Subnet4, Subnet6   netip.Prefix
	VpcCIDR4, VpcCIDR6 []netip.Prefix
	// Router is the subnet's base+1. DNS is the resolver DHCP hands out:
	// EC2's AmazonProvidedDNS, the VPC's base+2 (of its primary CIDR),
	// the same in every subnet; the resolver also answers at the
	// subnet's own base+2, which the switch answers ARP for.
	Router, DNS        netip.Addr
	VpcID, SubnetID    string
	AvailabilityZone   string
	Region             string // for the domain: ec2.internal in us-east-1, <region>.compute.internal elsewhere
	OwnerID            string // the account id
	EnableDnsSupport   bool   // the VPC's enableDnsSupport: off, the resolver answers nothing
	EnableDnsHostnames bool
	// Groups are its security groups in the interface's order.
	Groups []Group
	// InstanceID is the instance it is attached to ("" when available) at
	// DeviceIndex.
	InstanceID  string
	DeviceIndex int
}

// Group names a security group.
type Group struct{ ID, Name string }

// Instance is an instance: a lab node (namespace or VM) or one that
// RunInstances started.
type Instance struct {
	ID            string // i-…
	Name          string // its lab node name ("web1"); "" when it has none
	ImageID       string // ami-…
	InstanceType  string // t3.micro
	ReservationID string // r-…
	LaunchTime    time.Time
	KeyName       string
	// PublicKeys are OpenSSH public keys by key name.
	PublicKeys map[string]string
	UserData   []byte
	Metadata   MetadataOptions
	Tags       map[string]string
	// Interfaces are its interface ids by device index (0: the primary).
	Interfaces map[int]string
}

// MetadataOptions are EC2's InstanceMetadataOptions.
type MetadataOptions struct {
	HttpEndpoint            bool   // "enabled" (the default) or not
	HttpTokens              string // "optional" or "required"
	HttpPutResponseHopLimit int    // 1–64; default 1
	HttpProtocolIpv6        bool   // serve [fd00:ec2::254]
	InstanceMetadataTags    bool   // serve meta-data/tags/instance
}

// DefaultMetadataOptions are EC2's defaults for a new instance.
func DefaultMetadataOptions() MetadataOptions {
	return MetadataOptions{HttpEndpoint: true, HttpTokens: "optional", HttpPutResponseHopLimit: 1}
}

// Domain returns the private DNS domain EC2 uses in region: ec2.internal
// in us-east-1, <region>.compute.internal elsewhere (spec 5).
func Domain(region string) string {
	if region == "us-east-1" || region == "" {
		return "ec2.internal"
	}
	return region + ".compute.internal"
}
