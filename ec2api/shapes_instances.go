package ec2api

import (
	"cmp"
	"maps"
	"slices"
	"strconv"
)

// Wire shapes of the instance actions (actions_instances.go).

// Reservation is one launch request's instances.
type Reservation struct {
	ReservationId string                `xml:"reservationId" json:"ReservationId"`
	OwnerId       string                `xml:"ownerId" json:"OwnerId"`
	Groups        List[GroupIdentifier] `xml:"groupSet" json:"Groups"`
	Instances     List[Instance]        `xml:"instancesSet" json:"Instances"`
}

// Instance is an item of a Reservation.
type Instance struct {
	InstanceId        string                         `xml:"instanceId" json:"InstanceId"`
	ImageId           string                         `xml:"imageId" json:"ImageId"`
	State             InstanceState                  `xml:"instanceState" json:"State"`
	InstanceType      string                         `xml:"instanceType,omitempty" json:"InstanceType,omitempty"`
	LaunchTime        string                         `xml:"launchTime,omitempty" json:"LaunchTime,omitempty"`
	Placement         Placement                      `xml:"placement" json:"Placement"`
	SubnetId          string                         `xml:"subnetId,omitempty" json:"SubnetId,omitempty"`
	VpcId             string                         `xml:"vpcId,omitempty" json:"VpcId,omitempty"`
	PrivateIpAddress  string                         `xml:"privateIpAddress,omitempty" json:"PrivateIpAddress,omitempty"`
	SecurityGroups    List[GroupIdentifier]          `xml:"groupSet" json:"SecurityGroups"`
	NetworkInterfaces List[InstanceNetworkInterface] `xml:"networkInterfaceSet" json:"NetworkInterfaces"`
	Tags              List[Tag]                      `xml:"tagSet" json:"Tags"`
	MetadataOptions   *InstanceMetadataOptions       `xml:"metadataOptions,omitempty" json:"MetadataOptions,omitempty"`

	// ReservationId is not on the wire here: reservations() groups by it.
	ReservationId string `xml:"-" json:"-"`
}

// Placement is where an instance runs.
type Placement struct {
	AvailabilityZone string `xml:"availabilityZone" json:"AvailabilityZone"`
	Tenancy          string `xml:"tenancy" json:"Tenancy"`
}

// InstanceState is EC2's state code and name (16 running, 80 stopped, …).
type InstanceState struct {
	Code int32  `xml:"code" json:"Code"`
	Name string `xml:"name" json:"Name"`
}

var instanceRunning = InstanceState{Code: 16, Name: "running"}

// InstanceNetworkInterface is an interface as DescribeInstances shows it.
type InstanceNetworkInterface struct {
	NetworkInterfaceId string                              `xml:"networkInterfaceId" json:"NetworkInterfaceId"`
	SubnetId           string                              `xml:"subnetId" json:"SubnetId"`
	VpcId              string                              `xml:"vpcId" json:"VpcId"`
	Description        string                              `xml:"description" json:"Description"`
	OwnerId            string                              `xml:"ownerId" json:"OwnerId"`
	Status             string                              `xml:"status" json:"Status"`
	MacAddress         string                              `xml:"macAddress" json:"MacAddress"`
	PrivateIpAddress   string                              `xml:"privateIpAddress,omitempty" json:"PrivateIpAddress,omitempty"`
	SourceDestCheck    bool                                `xml:"sourceDestCheck" json:"SourceDestCheck"`
	Groups             List[GroupIdentifier]               `xml:"groupSet" json:"Groups"`
	Attachment         *InstanceNetworkInterfaceAttachment `xml:"attachment,omitempty" json:"Attachment,omitempty"`
	PrivateIpAddresses List[InstancePrivateIpAddress]      `xml:"privateIpAddressesSet" json:"PrivateIpAddresses"`
}

// InstanceNetworkInterfaceAttachment is an interface's attachment as
// DescribeInstances shows it.
type InstanceNetworkInterfaceAttachment struct {
	AttachmentId        string `xml:"attachmentId" json:"AttachmentId"`
	DeviceIndex         int32  `xml:"deviceIndex" json:"DeviceIndex"`
	Status              string `xml:"status" json:"Status"`
	DeleteOnTermination bool   `xml:"deleteOnTermination" json:"DeleteOnTermination"`
}

// InstancePrivateIpAddress is one private address of an instance's interface.
type InstancePrivateIpAddress struct {
	PrivateIpAddress string `xml:"privateIpAddress" json:"PrivateIpAddress"`
	Primary          bool   `xml:"primary" json:"Primary"`
}

// InstanceMetadataOptions are an instance's IMDS settings.
type InstanceMetadataOptions struct {
	State                   string `xml:"state" json:"State"`
	HttpTokens              string `xml:"httpTokens" json:"HttpTokens"`
	HttpPutResponseHopLimit int32  `xml:"httpPutResponseHopLimit" json:"HttpPutResponseHopLimit"`
	HttpEndpoint            string `xml:"httpEndpoint" json:"HttpEndpoint"`
	HttpProtocolIpv6        string `xml:"httpProtocolIpv6" json:"HttpProtocolIpv6"`
	InstanceMetadataTags    string `xml:"instanceMetadataTags" json:"InstanceMetadataTags"`
}

// InstanceStatus is an item of DescribeInstanceStatus.
type InstanceStatus struct {
	InstanceId       string                `xml:"instanceId" json:"InstanceId"`
	AvailabilityZone string                `xml:"availabilityZone" json:"AvailabilityZone"`
	InstanceState    InstanceState         `xml:"instanceState" json:"InstanceState"`
	InstanceStatus   InstanceStatusSummary `xml:"instanceStatus" json:"InstanceStatus"`
	SystemStatus     InstanceStatusSummary `xml:"systemStatus" json:"SystemStatus"`
}

// InstanceStatusSummary is a status check's result ("ok").
type InstanceStatusSummary struct {
	Status  string                     `xml:"status" json:"Status"`
	Details List[InstanceStatusDetail] `xml:"details" json:"Details"`
}

// InstanceStatusDetail is one check of a summary.
type InstanceStatusDetail struct {
	Name   string `xml:"name" json:"Name"`
	Status string `xml:"status" json:"Status"`
}

// Image is an item of DescribeImages.
type Image struct {
	ImageId            string `xml:"imageId" json:"ImageId"`
	Name               string `xml:"name" json:"Name"`
	ImageLocation      string `xml:"imageLocation" json:"ImageLocation"`
	State              string `xml:"imageState" json:"State"`
	OwnerId            string `xml:"imageOwnerId" json:"OwnerId"`
	Public             bool   `xml:"isPublic" json:"Public"`
	Architecture       string `xml:"architecture" json:"Architecture"`
	ImageType          string `xml:"imageType" json:"ImageType"`
	RootDeviceType     string `xml:"rootDeviceType" json:"RootDeviceType"`
	VirtualizationType string `xml:"virtualizationType" json:"VirtualizationType"`
	Hypervisor         string `xml:"hypervisor" json:"Hypervisor"`
}

func sortedKeys[K cmp.Ordered, V any](m map[K]V) []K {
	return slices.Sorted(maps.Keys(m))
}

func itoa(n int32) string { return strconv.Itoa(int(n)) }
