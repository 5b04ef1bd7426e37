package ec2api

import (
	"context"
	"maps"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"sgswitch/ruleset"
	"sgswitch/vpcsvc"
)

// catalogBackend is a MemAccountBackend that is also an InstanceCatalog
// and an InstanceModifier, as the daemon is.
type catalogBackend struct {
	*MemAccountBackend
	mu      sync.Mutex
	details map[string]vpcsvc.Instance
	images  map[string]string
}

func (b *catalogBackend) InstanceDetails() map[string]vpcsvc.Instance {
	b.mu.Lock()
	defer b.mu.Unlock()
	return maps.Clone(b.details)
}

func (b *catalogBackend) Images() map[string]string { return b.images }

func (b *catalogBackend) ModifyInstanceMetadata(id string, change func(vpcsvc.MetadataOptions) (vpcsvc.MetadataOptions, error)) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	d, ok := b.details[id]
	if !ok {
		return ErrNoInstance
	}
	md, err := change(d.Metadata)
	if err != nil {
		return err
	}
	d.Metadata = md
	b.details[id] = d
	return nil
}

const (
	amiNetns = "ami-0123456789abcdef0"
	amiVM    = "ami-00000000000000001"
	resLab   = "r-0aaaaaaaaaaaaaaaa"
)

// newInstanceLab is attachLab (lab/n1 and lab/n2 in subnet A) with a
// catalog: n1 a VM whose IMDS requires tokens, n2 a namespace node.
func newInstanceLab(t *testing.T) (*attachLab, *ec2.Client) {
	t.Helper()
	l := newAttachLab(t)
	strict := vpcsvc.DefaultMetadataOptions()
	strict.HttpTokens = "required"
	b := &catalogBackend{MemAccountBackend: l.backend, images: map[string]string{amiNetns: "netns", amiVM: "vmlinuz"},
		details: map[string]vpcsvc.Instance{
			l.n1: {ImageID: amiVM, ReservationID: resLab, Metadata: strict, Tags: map[string]string{"Name": "n1"},
				LaunchTime: time.Date(2026, 12, 6, 5, 0, 0, 0, time.UTC)},
			ruleset.InstanceID("lab/n2"): {ImageID: amiNetns, ReservationID: resLab, Tags: map[string]string{"Name": "n2"}},
		}}
	srv := httptest.NewServer(NewHandler(b))
	t.Cleanup(srv.Close)
	return l, sdkClient(srv.URL, "AKIDLAB", "lab-secret")
}

func TestSDKDescribeInstances(t *testing.T) {
	l, c := newInstanceLab(t)
	ctx := context.Background()
	out := must(c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{}))(t)
	if len(out.Reservations) != 1 || len(out.Reservations[0].Instances) != 2 || aws.ToString(out.Reservations[0].ReservationId) != resLab {
		t.Fatalf("want one reservation of two instances, got %+v", out.Reservations)
	}
	var n1 types.Instance
	for _, i := range out.Reservations[0].Instances {
		if aws.ToString(i.InstanceId) == l.n1 {
			n1 = i
		}
	}
	eni := l.describe(t, l.labENI)
	switch {
	case aws.ToString(n1.ImageId) != amiVM, n1.State.Name != types.InstanceStateNameRunning, aws.ToInt32(n1.State.Code) != 16:
		t.Fatalf("image or state: %+v", n1)
	case aws.ToString(n1.SubnetId) != l.subA, aws.ToString(n1.VpcId) != l.vpcA, aws.ToString(n1.PrivateIpAddress) != aws.ToString(eni.PrivateIpAddress):
		t.Fatalf("placement: %+v", n1)
	case len(n1.NetworkInterfaces) != 1 || aws.ToString(n1.NetworkInterfaces[0].NetworkInterfaceId) != l.labENI:
		t.Fatalf("interfaces: %+v", n1.NetworkInterfaces)
	case n1.MetadataOptions == nil || n1.MetadataOptions.HttpTokens != types.HttpTokensStateRequired:
		t.Fatalf("metadata options: %+v", n1.MetadataOptions)
	case aws.ToTime(n1.LaunchTime).Hour() != 5, aws.ToString(n1.Placement.AvailabilityZone) != aws.ToString(eni.AvailabilityZone):
		t.Fatalf("launch time or zone: %+v", n1)
	case len(n1.SecurityGroups) != 1 || aws.ToString(n1.SecurityGroups[0].GroupId) != l.defA:
		t.Fatalf("groups: %+v", n1.SecurityGroups)
	case n1.InstanceType != "":
		t.Fatalf("the lab gave n1 no instance type, as IMDS serves it; got %q", n1.InstanceType)
	}
	if err := ec2.NewInstanceRunningWaiter(c).Wait(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{l.n1}}, time.Second); err != nil {
		t.Fatalf("instance-running waiter: %v", err)
	}
}

func TestSDKDescribeInstancesFilters(t *testing.T) {
	l, c := newInstanceLab(t)
	n2 := ruleset.InstanceID("lab/n2")
	ip := aws.ToString(l.describe(t, l.labENI).PrivateIpAddress)
	for _, tc := range []struct {
		name   string
		ids    []string
		filter []types.Filter
		want   []string
		code   string
	}{
		{name: "all", want: []string{l.n1, n2}},
		{name: "by id", ids: []string{n2}, want: []string{n2}},
		{name: "instance-id", filter: filter("instance-id", l.n1), want: []string{l.n1}},
		{name: "tag", filter: filter("tag:Name", "n*2"), want: []string{n2}},
		{name: "image-id", filter: filter("image-id", amiVM), want: []string{l.n1}},
		{name: "private-ip", filter: filter("private-ip-address", ip), want: []string{l.n1}},
		{name: "other subnet", filter: filter("subnet-id", l.subB)},
		{name: "other vpc", filter: filter("vpc-id", l.vpcB)},
		{name: "state", filter: filter("instance-state-name", "stopped")},
		{name: "filters ANDed", filter: append(filter("vpc-id", l.vpcA), filter("tag:Name", "n1")...), want: []string{l.n1}},
		{name: "unknown filter", filter: filter("key-name", "x"), code: codeInvalidParameterValue},
		{name: "malformed id", ids: []string{"i-xyz"}, code: codeInvalidInstanceIDMalformed},
		{name: "unknown id", ids: []string{"i-00000000"}, code: codeInvalidInstanceIDNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := c.DescribeInstances(context.Background(), &ec2.DescribeInstancesInput{InstanceIds: tc.ids, Filters: tc.filter})
			if tc.code != "" {
				wantCode(t, err, tc.code)
				return
			}
			check(t, err)
			var got []string
			for _, r := range out.Reservations {
				for _, i := range r.Instances {
					got = append(got, aws.ToString(i.InstanceId))
				}
			}
			if !sameSet(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func filter(name string, values ...string) []types.Filter {
	return []types.Filter{{Name: aws.String(name), Values: values}}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]int{}
	for _, s := range a {
		seen[s]++
	}
	for _, s := range b {
		seen[s]--
	}
	for _, n := range seen {
		if n != 0 {
			return false
		}
	}
	return true
}

// TestSDKDescribeInstancesNoCatalog: a Backend that is no InstanceCatalog
// still lists the account's instances, each in its own reservation.
func TestSDKDescribeInstancesNoCatalog(t *testing.T) {
	l := newAttachLab(t)
	out := must(l.client.DescribeInstances(context.Background(), &ec2.DescribeInstancesInput{}))(t)
	if len(out.Reservations) != 2 {
		t.Fatalf("want a reservation per instance, got %+v", out.Reservations)
	}
	i := out.Reservations[0].Instances[0]
	if i.MetadataOptions.HttpTokens != types.HttpTokensStateOptional || aws.ToInt32(i.MetadataOptions.HttpPutResponseHopLimit) != 1 {
		t.Fatalf("want EC2's default metadata options: %+v", i.MetadataOptions)
	}
}

func TestSDKDescribeInstanceStatus(t *testing.T) {
	l, c := newInstanceLab(t)
	out := must(c.DescribeInstanceStatus(context.Background(), &ec2.DescribeInstanceStatusInput{InstanceIds: []string{l.n1}}))(t)
	if len(out.InstanceStatuses) != 1 {
		t.Fatalf("statuses: %+v", out.InstanceStatuses)
	}
	s := out.InstanceStatuses[0]
	if aws.ToString(s.InstanceId) != l.n1 || s.InstanceState.Name != types.InstanceStateNameRunning || s.InstanceStatus.Status != types.SummaryStatusOk {
		t.Fatalf("status: %+v", s)
	}
	_, err := c.DescribeInstanceStatus(context.Background(), &ec2.DescribeInstanceStatusInput{InstanceIds: []string{"i-0000000000000000f"}})
	wantCode(t, err, codeInvalidInstanceIDNotFound)
}

func TestSDKDescribeImages(t *testing.T) {
	_, c := newInstanceLab(t)
	for _, tc := range []struct {
		name string
		in   ec2.DescribeImagesInput
		want []string
		code string
	}{
		{name: "all", want: []string{amiVM, amiNetns}},
		{name: "self", in: ec2.DescribeImagesInput{Owners: []string{"self"}}, want: []string{amiVM, amiNetns}},
		{name: "amazon", in: ec2.DescribeImagesInput{Owners: []string{"amazon"}}},
		{name: "by name", in: ec2.DescribeImagesInput{Filters: filter("name", "netns")}, want: []string{amiNetns}},
		{name: "by id", in: ec2.DescribeImagesInput{ImageIds: []string{amiVM}}, want: []string{amiVM}},
		{name: "unknown id", in: ec2.DescribeImagesInput{ImageIds: []string{"ami-12345678"}}, code: codeInvalidAMIIDNotFound},
		{name: "malformed id", in: ec2.DescribeImagesInput{ImageIds: []string{"netns"}}, code: codeInvalidAMIIDMalformed},
		{name: "unknown filter", in: ec2.DescribeImagesInput{Filters: filter("architecture", "arm64")}, code: codeInvalidParameterValue},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := c.DescribeImages(context.Background(), &tc.in)
			if tc.code != "" {
				wantCode(t, err, tc.code)
				return
			}
			check(t, err)
			var got []string
			for _, im := range out.Images {
				got = append(got, aws.ToString(im.ImageId))
				if im.State != types.ImageStateAvailable {
					t.Errorf("image %s state %q", aws.ToString(im.ImageId), im.State)
				}
			}
			if !sameSet(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSDKModifyInstanceMetadataOptions(t *testing.T) {
	l, c := newInstanceLab(t)
	ctx := context.Background()
	n2 := ruleset.InstanceID("lab/n2")
	tokens := func(id string) (types.HttpTokensState, int32) {
		t.Helper()
		d := must(c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}}))(t)
		md := d.Reservations[0].Instances[0].MetadataOptions
		return md.HttpTokens, aws.ToInt32(md.HttpPutResponseHopLimit)
	}
	_, err := c.ModifyInstanceMetadataOptions(ctx, &ec2.ModifyInstanceMetadataOptionsInput{InstanceId: aws.String(n2),
		HttpTokens: types.HttpTokensStateRequired, DryRun: aws.Bool(true)})
	wantCode(t, err, codeDryRunOperation)
	if tok, _ := tokens(n2); tok != types.HttpTokensStateOptional {
		t.Fatalf("a dry run changed http-tokens to %s", tok)
	}
	out := must(c.ModifyInstanceMetadataOptions(ctx, &ec2.ModifyInstanceMetadataOptionsInput{InstanceId: aws.String(n2),
		HttpTokens: types.HttpTokensStateRequired, HttpPutResponseHopLimit: aws.Int32(2)}))(t)
	if aws.ToString(out.InstanceId) != n2 || out.InstanceMetadataOptions.HttpTokens != types.HttpTokensStateRequired {
		t.Fatalf("answer: %+v", out.InstanceMetadataOptions)
	}
	if tok, hop := tokens(n2); tok != types.HttpTokensStateRequired || hop != 2 {
		t.Fatalf("after modify: %s %d", tok, hop)
	}
	// What a request leaves out stays: n1 keeps its required tokens.
	must(c.ModifyInstanceMetadataOptions(ctx, &ec2.ModifyInstanceMetadataOptionsInput{InstanceId: aws.String(l.n1), HttpPutResponseHopLimit: aws.Int32(3)}))(t)
	if tok, hop := tokens(l.n1); tok != types.HttpTokensStateRequired || hop != 3 {
		t.Fatalf("n1 after a hop limit change: %s %d", tok, hop)
	}
	for _, tc := range []struct {
		name string
		in   ec2.ModifyInstanceMetadataOptionsInput
		code string
	}{
		{"malformed", ec2.ModifyInstanceMetadataOptionsInput{InstanceId: aws.String("n2")}, codeInvalidInstanceIDMalformed},
		{"unknown", ec2.ModifyInstanceMetadataOptionsInput{InstanceId: aws.String("i-0000000000000000f")}, codeInvalidInstanceIDNotFound},
		{"tokens", ec2.ModifyInstanceMetadataOptionsInput{InstanceId: aws.String(n2), HttpTokens: "sometimes"}, codeInvalidParameterValue},
		{"hop limit", ec2.ModifyInstanceMetadataOptionsInput{InstanceId: aws.String(n2), HttpPutResponseHopLimit: aws.Int32(65)}, codeInvalidParameterValue},
		{"endpoint", ec2.ModifyInstanceMetadataOptionsInput{InstanceId: aws.String(n2), HttpEndpoint: "off"}, codeInvalidParameterValue},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.ModifyInstanceMetadataOptions(ctx, &tc.in)
			wantCode(t, err, tc.code)
		})
	}
	// A Backend that keeps no details cannot change them.
	_, err = l.client.ModifyInstanceMetadataOptions(ctx, &ec2.ModifyInstanceMetadataOptionsInput{InstanceId: aws.String(l.n1)})
	wantCode(t, err, codeUnsupportedOperation)
}

// Terminate, stop and start check the ids, then refuse a lab's instance
// (its lab owns it) and change nothing.
func TestSDKLabInstancesRefuseStateChanges(t *testing.T) {
	l, c := newInstanceLab(t)
	ctx := context.Background()
	n2 := ruleset.InstanceID("lab/n2")
	calls := map[string]func(ids []string) error{
		"terminate": func(ids []string) error {
			_, err := c.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: ids})
			return err
		},
		"stop": func(ids []string) error {
			_, err := c.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: ids})
			return err
		},
		"start": func(ids []string) error {
			_, err := c.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: ids})
			return err
		},
	}
	for name, call := range calls {
		for _, tc := range []struct {
			ids  []string
			code string
		}{
			{[]string{l.n1, "i-bad"}, codeInvalidInstanceIDMalformed},
			{[]string{l.n1, "i-0000000000000000f"}, codeInvalidInstanceIDNotFound},
			{[]string{n2, l.n1}, codeOperationNotPermitted},
		} {
			t.Run(name+" "+tc.code, func(t *testing.T) {
				err := call(tc.ids)
				wantCode(t, err, tc.code)
				if tc.code == codeOperationNotPermitted && !strings.Contains(err.Error(), "belongs to lab 'lab'") {
					t.Fatalf("want the lab named: %v", err)
				}
			})
		}
	}
	out := must(c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{}))(t)
	if n := len(out.Reservations[0].Instances); n != 2 {
		t.Fatalf("%d instances after the refusals, want 2", n)
	}
}
