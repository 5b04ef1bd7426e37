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
	Groups        List[GroupIdentifier] `xml:"groupSet" json:"Groups"`
	Instances     List[Instance]        `xml:"instancesSet" json:"Instances"`
	OwnerId       string                `xml:"ownerId" json:"OwnerId"`
	ReservationId string                `xml:"reservationId" json:"ReservationId"`
}

// Instance is an item of a Reservation.
type Instance struct {
	ImageId           string                         `xml:"imageId" json:"ImageId"`
	InstanceId        string                         `xml:"instanceId" json:"InstanceId"`
	InstanceType      string                         `xml:"instanceType,omitempty" json:"InstanceType,omitempty"`
	LaunchTime        string                         `xml:"launchTime,omitempty" json:"LaunchTime,omitempty"`
	Placement         Placement                      `xml:"placement" json:"Placement"`
	PrivateIpAddress  string                         `xml:"privateIpAddress,omitempty" json:"PrivateIpAddress,omitempty"`
	State             InstanceState                  `xml:"instanceState" json:"State"`
	SubnetId          string                         `xml:"subnetId,omitempty" json:"SubnetId,omitempty"`
	VpcId             string                         `xml:"vpcId,omitempty" json:"VpcId,omitempty"`
	NetworkInterfaces List[InstanceNetworkInterface] `xml:"networkInterfaceSet" json:"NetworkInterfaces"`
	SecurityGroups    List[GroupIdentifier]          `xml:"groupSet" json:"SecurityGroups"`
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
	Attachment         *InstanceNetworkInterfaceAttachment `xml:"attachment,omitempty" json:"Attachment,omitempty"`
	Description        string                              `xml:"description" json:"Description"`
	Groups             List[GroupIdentifier]               `xml:"groupSet" json:"Groups"`
	MacAddress         string                              `xml:"macAddress" json:"MacAddress"`
	NetworkInterfaceId string                              `xml:"networkInterfaceId" json:"NetworkInterfaceId"`
	OwnerId            string                              `xml:"ownerId" json:"OwnerId"`
	PrivateIpAddress   string                              `xml:"privateIpAddress,omitempty" json:"PrivateIpAddress,omitempty"`
	PrivateIpAddresses List[InstancePrivateIpAddress]      `xml:"privateIpAddressesSet" json:"PrivateIpAddresses"`
	SourceDestCheck    bool                                `xml:"sourceDestCheck" json:"SourceDestCheck"`
	Status             string                              `xml:"status" json:"Status"`
	SubnetId           string                              `xml:"subnetId" json:"SubnetId"`
	VpcId              string                              `xml:"vpcId" json:"VpcId"`
}

// InstanceNetworkInterfaceAttachment is an interface's attachment as
// DescribeInstances shows it.
type InstanceNetworkInterfaceAttachment struct {
	AttachmentId        string `xml:"attachmentId" json:"AttachmentId"`
	DeleteOnTermination bool   `xml:"deleteOnTermination" json:"DeleteOnTermination"`
	DeviceIndex         int32  `xml:"deviceIndex" json:"DeviceIndex"`
	Status              string `xml:"status" json:"Status"`
}

// InstancePrivateIpAddress is one private address of an instance's interface.
type InstancePrivateIpAddress struct {
	Primary          bool   `xml:"primary" json:"Primary"`
	PrivateIpAddress string `xml:"privateIpAddress" json:"PrivateIpAddress"`
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
	AvailabilityZone string                `xml:"availabilityZone" json:"AvailabilityZone"`
	InstanceId       string                `xml:"instanceId" json:"InstanceId"`
	InstanceState    InstanceState         `xml:"instanceState" json:"InstanceState"`
	InstanceStatus   InstanceStatusSummary `xml:"instanceStatus" json:"InstanceStatus"`
	SystemStatus     InstanceStatusSummary `xml:"systemStatus" json:"SystemStatus"`
}

// InstanceStatusSummary is a status check's result ("ok").
type InstanceStatusSummary struct {
	Details List[InstanceStatusDetail] `xml:"details" json:"Details"`
	Status  string                     `xml:"status" json:"Status"`
}

// InstanceStatusDetail is one check of a summary.
type InstanceStatusDetail struct {
	Name   string `xml:"name" json:"Name"`
	Status string `xml:"status" json:"Status"`
}

// Image is an item of DescribeImages.
type Image struct {
	Architecture       string `xml:"architecture" json:"Architecture"`
	ImageId            string `xml:"imageId" json:"ImageId"`
	ImageLocation      string `xml:"imageLocation" json:"ImageLocation"`
	ImageType          string `xml:"imageType" json:"ImageType"`
	Public             bool   `xml:"isPublic" json:"Public"`
	OwnerId            string `xml:"imageOwnerId" json:"OwnerId"`
	State              string `xml:"imageState" json:"State"`
	Hypervisor         string `xml:"hypervisor" json:"Hypervisor"`
	Name               string `xml:"name" json:"Name"`
	RootDeviceType     string `xml:"rootDeviceType" json:"RootDeviceType"`
	VirtualizationType string `xml:"virtualizationType" json:"VirtualizationType"`
}

func sortedKeys[K cmp.Ordered, V any](m map[K]V) []K {
	return slices.Sorted(maps.Keys(m))
}

func itoa(n int32) string { return strconv.Itoa(int(n)) }
