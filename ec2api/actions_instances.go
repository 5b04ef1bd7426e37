package ec2api

import (
	"net/url"
	"reflect"
	"slices"
	"strings"
	"time"

	"sgswitch/account"
	"sgswitch/internal/wildcard"
	"sgswitch/ruleset"
	"sgswitch/vpcsvc"
)

// DescribeInstances, DescribeInstanceStatus and DescribeImages. The
// instances are what the account's interfaces are attached to (the lab
// nodes, account.Instance); an instance is "running" while its primary
// interface is attached, that is while its lab is up, so no other state
// is ever reported. What the account does not know — image, reservation,
// user data, metadata options, tags — comes from the Backend when it is
// also an InstanceCatalog (the daemon reads it from its lab records);
// without one an instance has EC2's defaults, no image and a reservation
// id derived from its own id.

const (
	codeInvalidAMIIDNotFound  = "InvalidAMIID.NotFound"
	codeInvalidAMIIDMalformed = "InvalidAMIID.Malformed"
)

// InstanceCatalog is implemented by a Backend that knows what the lab
// records say about instances.
type InstanceCatalog interface {
	// InstanceDetails returns the details of instances by instance id
	// (only ImageID, ReservationID, LaunchTime, UserData, Metadata and
	// Tags are read).
	InstanceDetails() map[string]vpcsvc.Instance
	// Images returns the name of every registered image by AMI id.
	Images() map[string]string
}

// catalogRead wraps a read-only action that also reads the catalog. The
// catalog is read before the account, outside its lock: details are an
// overlay, and an instance the account no longer has is simply not shown.
func catalogRead[I, O any](run func(*account.Account, InstanceCatalog, *I) (*O, error)) operation {
	return operation{run: func(b Backend, vals url.Values) (any, error) {
		in := new(I)
		if err := decodeQuery(vals, in); err != nil {
			return nil, err
		}
		cat, ok := b.(InstanceCatalog)
		if !ok {
			cat = noCatalog{}
		}
		cat = frozenCatalog{details: cat.InstanceDetails(), images: cat.Images()}
		var out *O
		err := b.ReadAccount(func(a *account.Account) error {
			var err error
			if out, err = run(a, cat, in); err == nil && any(in).(dryRunner).dryRun() {
				return errDryRun
			}
			return err
		})
		return out, err
	}, out: reflect.TypeFor[O]()}
}

type noCatalog struct{}

func (noCatalog) InstanceDetails() map[string]vpcsvc.Instance { return nil }
func (noCatalog) Images() map[string]string                   { return nil }

// frozenCatalog is one reading of a catalog, so one request sees one version.
type frozenCatalog struct {
	details map[string]vpcsvc.Instance
	images  map[string]string
}

func (c frozenCatalog) InstanceDetails() map[string]vpcsvc.Instance { return c.details }
func (c frozenCatalog) Images() map[string]string                   { return c.images }

type DescribeInstancesInput struct {
	InstanceIds []string `query:"InstanceId"`
	Filters     []Filter `query:"Filter"`
	PageParams
	DryRunParam
}

type DescribeInstancesOutput struct {
	ResponseMetadata
	Reservations List[Reservation] `xml:"reservationSet" json:"Reservations"`
	NextToken    string            `xml:"nextToken,omitempty" json:"NextToken,omitempty"`
}

// instanceFilters are the DescribeInstances filters sgswitch answers
// (and tag:<key>); EC2 has many more, which are refused rather than
// ignored so that a script never sees a silently unfiltered answer.
var instanceFilters = []string{"instance-id", "instance-state-name", "instance-state-code",
	"subnet-id", "vpc-id", "private-ip-address", "image-id", "instance-type",
	"availability-zone", "reservation-id", "network-interface.network-interface-id"}

func describeInstances(a *account.Account, cat InstanceCatalog, in *DescribeInstancesInput) (*DescribeInstancesOutput, error) {
	insts, err := selectInstances(a, cat, in.InstanceIds, in.Filters)
	if err != nil {
		return nil, err
	}
	lo, hi, next, err := page(len(insts), in.PageParams)
	if err != nil {
		return nil, err
	}
	return &DescribeInstancesOutput{Reservations: ListOf(reservations(a, insts[lo:hi])...), NextToken: next}, nil
}

// selectInstances describes the instances named by ids (all when none)
// that pass every filter, in instance id order.
func selectInstances(a *account.Account, cat InstanceCatalog, ids []string, filters []Filter) ([]Instance, error) {
	for _, f := range filters {
		if !strings.HasPrefix(f.Name, "tag:") && !slices.Contains(instanceFilters, f.Name) {
			return nil, errorf(codeInvalidParameterValue, "The filter '%s' is invalid", f.Name)
		}
	}
	for _, id := range ids {
		if !validInstanceID(id) {
			return nil, errorf(codeInvalidInstanceIDMalformed, "Invalid id: \"%s\"", id)
		}
	}
	all := allInstances(a, cat.InstanceDetails())
	for _, id := range ids {
		if !slices.ContainsFunc(all, func(i Instance) bool { return i.InstanceId == id }) {
			return nil, errorf(codeInvalidInstanceIDNotFound, "The instance ID '%s' does not exist", id)
		}
	}
	return slices.DeleteFunc(all, func(i Instance) bool {
		return (len(ids) > 0 && !slices.Contains(ids, i.InstanceId)) || !instanceMatches(i, filters)
	}), nil
}

// allInstances describes every instance of the account, by instance id.
func allInstances(a *account.Account, details map[string]vpcsvc.Instance) []Instance {
	seen := map[string]bool{}
	var out []Instance
	for _, v := range a.VPCs() {
		for _, e := range a.Groups(v).View().Interfaces {
			id := ruleset.InstanceID(e.AttachedTo)
			if e.AttachedTo == "" || seen[id] {
				continue
			}
			seen[id] = true
			if inst, ok := a.Instance(id); ok {
				out = append(out, describeInstance(a, inst, details[id]))
			}
		}
	}
	slices.SortFunc(out, func(x, y Instance) int { return strings.Compare(x.InstanceId, y.InstanceId) })
	return out
}

// describeInstance joins an instance's interfaces (the primary gives its
// subnet, address, groups and type) with its details d.
func describeInstance(a *account.Account, inst account.Instance, d vpcsvc.Instance) Instance {
	out := Instance{InstanceId: inst.ID, VpcId: inst.VpcID, ImageId: d.ImageID, ReservationId: d.ReservationID,
		State: instanceRunning, Placement: Placement{Tenancy: "default"}}
	if out.ReservationId == "" {
		out.ReservationId = "r-" + strings.TrimPrefix(inst.ID, "i-")
	}
	if !d.LaunchTime.IsZero() {
		out.LaunchTime = d.LaunchTime.UTC().Format(time.RFC3339)
	}
	md := d.Metadata
	if md == (vpcsvc.MetadataOptions{}) {
		md = vpcsvc.DefaultMetadataOptions()
	}
	out.MetadataOptions = metadataOptions(md)
	for _, k := range sortedKeys(d.Tags) {
		out.Tags.Items = append(out.Tags.Items, Tag{Key: k, Value: d.Tags[k]})
	}
	for _, dev := range sortedKeys(inst.Interfaces) {
		eni, err := describeInterface(a, inst.Interfaces[dev])
		if err != nil {
			continue
		}
		out.NetworkInterfaces.Items = append(out.NetworkInterfaces.Items, instanceInterface(eni, dev))
		if dev == 0 {
			out.SubnetId, out.PrivateIpAddress, out.Placement.AvailabilityZone = eni.SubnetId, eni.PrivateIpAddress, eni.AvailabilityZone
			out.SecurityGroups = eni.Groups
			out.InstanceType = interfaceInstanceType(a, inst.VpcID, eni.NetworkInterfaceId)
		}
	}
	return out
}

// interfaceInstanceType is the instance type the lab gave the node
// (recorded on its primary interface); "" when it gave none, as instance
// metadata then serves it.
func interfaceInstanceType(a *account.Account, vpcID, eni string) string {
	for _, e := range a.Groups(vpcID).View().Interfaces {
		if e.ID == eni {
			return e.InstanceType
		}
	}
	return ""
}

func instanceInterface(e NetworkInterface, dev int32) InstanceNetworkInterface {
	out := InstanceNetworkInterface{NetworkInterfaceId: e.NetworkInterfaceId, SubnetId: e.SubnetId, VpcId: e.VpcId,
		OwnerId: e.OwnerId, MacAddress: e.MacAddress, PrivateIpAddress: e.PrivateIpAddress, Groups: e.Groups,
		Status: e.Status, SourceDestCheck: e.SourceDestCheck, Description: e.Description}
	if e.Attachment != nil {
		out.Attachment = &InstanceNetworkInterfaceAttachment{AttachmentId: e.Attachment.AttachmentId,
			DeviceIndex: dev, Status: e.Attachment.Status, DeleteOnTermination: dev == 0}
	}
	for _, p := range e.PrivateIpAddresses.Items {
		out.PrivateIpAddresses.Items = append(out.PrivateIpAddresses.Items, InstancePrivateIpAddress(p))
	}
	return out
}

func metadataOptions(m vpcsvc.MetadataOptions) *InstanceMetadataOptions {
	tokens := m.HttpTokens
	if tokens == "" {
		tokens = "optional"
	}
	return &InstanceMetadataOptions{State: "applied", HttpTokens: tokens,
		HttpPutResponseHopLimit: int32(m.HttpPutResponseHopLimit), HttpEndpoint: enabled(m.HttpEndpoint),
		HttpProtocolIpv6: enabled(m.HttpProtocolIpv6), InstanceMetadataTags: enabled(m.InstanceMetadataTags)}
}

func enabled(b bool) string {
	if b {
		return "enabled"
	}
	return "disabled"
}

// instanceMatches reports whether i passes every filter (values ORed,
// with wildcards).
func instanceMatches(i Instance, filters []Filter) bool {
	have := map[string][]string{
		"instance-id": {i.InstanceId}, "instance-state-name": {i.State.Name},
		"instance-state-code": {itoa(i.State.Code)}, "subnet-id": {i.SubnetId}, "vpc-id": {i.VpcId},
		"private-ip-address": {i.PrivateIpAddress}, "image-id": {i.ImageId}, "instance-type": {i.InstanceType},
		"availability-zone": {i.Placement.AvailabilityZone}, "reservation-id": {i.ReservationId},
	}
	for _, n := range i.NetworkInterfaces.Items {
		have["network-interface.network-interface-id"] = append(have["network-interface.network-interface-id"], n.NetworkInterfaceId)
	}
	for _, t := range i.Tags.Items {
		have["tag:"+t.Key] = []string{t.Value}
	}
	return matchKnown(filters, have) // names were checked before
}

// reservations groups insts by reservation, in order of first appearance.
func reservations(a *account.Account, insts []Instance) []Reservation {
	owner := a.Config().Network.OwnerId
	var out []Reservation
	at := map[string]int{}
	for _, i := range insts {
		k, ok := at[i.ReservationId]
		if !ok {
			k = len(out)
			at[i.ReservationId] = k
			out = append(out, Reservation{ReservationId: i.ReservationId, OwnerId: owner})
		}
		out[k].Instances.Items = append(out[k].Instances.Items, i)
	}
	return out
}

type DescribeInstanceStatusInput struct {
	InstanceIds         []string `query:"InstanceId"`
	Filters             []Filter `query:"Filter"`
	IncludeAllInstances *bool    `query:"IncludeAllInstances"`
	PageParams
	DryRunParam
}

type DescribeInstanceStatusOutput struct {
	ResponseMetadata
	InstanceStatuses List[InstanceStatus] `xml:"instanceStatusSet" json:"InstanceStatuses"`
	NextToken        string               `xml:"nextToken,omitempty" json:"NextToken,omitempty"`
}

// describeInstanceStatus reports every instance's checks as passed: an
// instance exists only while its lab is up, and sgswitch runs no checks
// of its own. Every instance is running, so IncludeAllInstances changes
// nothing. Its filters are DescribeInstances' (EC2's status filters,
// such as instance-status.status, are refused).
func describeInstanceStatus(a *account.Account, cat InstanceCatalog, in *DescribeInstanceStatusInput) (*DescribeInstanceStatusOutput, error) {
	insts, err := selectInstances(a, cat, in.InstanceIds, in.Filters)
	if err != nil {
		return nil, err
	}
	lo, hi, next, err := page(len(insts), in.PageParams)
	if err != nil {
		return nil, err
	}
	out := &DescribeInstanceStatusOutput{NextToken: next}
	for _, i := range insts[lo:hi] {
		out.InstanceStatuses.Items = append(out.InstanceStatuses.Items, InstanceStatus{
			InstanceId: i.InstanceId, AvailabilityZone: i.Placement.AvailabilityZone, InstanceState: i.State,
			InstanceStatus: passed("reachability"), SystemStatus: passed("reachability"),
		})
	}
	return out, nil
}

func passed(check string) InstanceStatusSummary {
	return InstanceStatusSummary{Status: "ok", Details: ListOf(InstanceStatusDetail{Name: check, Status: "passed"})}
}

type DescribeImagesInput struct {
	ImageIds []string `query:"ImageId"`
	Owners   []string `query:"Owner"`
	Filters  []Filter `query:"Filter"`
	PageParams
	DryRunParam
}

type DescribeImagesOutput struct {
	ResponseMetadata
	Images    List[Image] `xml:"imagesSet" json:"Images"`
	NextToken string      `xml:"nextToken,omitempty" json:"NextToken,omitempty"`
}

// describeImages lists the catalog's images (one per distinct lab image,
// and "netns" for namespace instances), all owned by the account. Owners
// is accepted ("self" or the account's id match every image).
func describeImages(a *account.Account, cat InstanceCatalog, in *DescribeImagesInput) (*DescribeImagesOutput, error) {
	for _, f := range in.Filters {
		if f.Name != "image-id" && f.Name != "name" {
			return nil, errorf(codeInvalidParameterValue, "The filter '%s' is invalid", f.Name)
		}
	}
	names := cat.Images()
	for _, id := range in.ImageIds {
		if !validImageID(id) {
			return nil, errorf(codeInvalidAMIIDMalformed, "Invalid id: \"%s\"", id)
		}
		if _, ok := names[id]; !ok {
			return nil, errorf(codeInvalidAMIIDNotFound, "The image id '[%s]' does not exist", id)
		}
	}
	owner := a.Config().Network.OwnerId
	var imgs []Image
	for _, id := range sortedKeys(names) {
		have := map[string][]string{"image-id": {id}, "name": {names[id]}}
		if (len(in.ImageIds) > 0 && !slices.Contains(in.ImageIds, id)) || !matchKnown(in.Filters, have) ||
			(len(in.Owners) > 0 && !wildcard.AnyMatch(in.Owners, []string{"self", owner})) {
			continue
		}
		imgs = append(imgs, Image{ImageId: id, Name: names[id], ImageLocation: owner + "/" + names[id], State: "available",
			OwnerId: owner, Architecture: "x86_64", ImageType: "machine", RootDeviceType: "instance-store",
			VirtualizationType: "hvm", Hypervisor: "xen"})
	}
	lo, hi, next, err := page(len(imgs), in.PageParams)
	if err != nil {
		return nil, err
	}
	return &DescribeImagesOutput{Images: ListOf(imgs[lo:hi]...), NextToken: next}, nil
}

// validImageID: "ami-" and 8 or 17 hex digits.
func validImageID(id string) bool {
	hex, ok := strings.CutPrefix(id, "ami-")
	return ok && validInstanceID("i-"+hex)
}

// known answers filtersMatch from the values an object has under each
// name; a name it lacks (a tag:KEY it does not carry) has no values, so
// its filter does not match.
func known(have map[string][]string) func(string) ([]string, bool) {
	return func(name string) ([]string, bool) { return have[name], true }
}

// matchKnown is filtersMatch over names already checked.
func matchKnown(filters []Filter, have map[string][]string) bool {
	ok, _ := filtersMatch(filters, known(have))
	return ok
}
