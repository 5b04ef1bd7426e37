package ec2api

import (
	"context"
	"reflect"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"sgswitch/account"
	"sgswitch/ruleset"
)

// attachLab is twoVPCs with more interfaces to attach: free in the lab
// node's subnet, free in another zone of VPC A, free in VPC B, and the
// primary of a second lab node (in use).
type attachLab struct {
	*twoVPCs
	free, otherZone, otherVPC, n2 string
	n1                            string // instance id of lab/n1
}

func newAttachLab(t *testing.T) *attachLab {
	t.Helper()
	l := &attachLab{twoVPCs: newTwoVPCs(t), n1: ruleset.InstanceID("lab/n1")}
	check(t, l.backend.WriteAccount(func(a *account.Account) error {
		zoneB, err := a.Network().CreateSubnet(l.vpcA, "10.1.2.0/24", "", "us-east-1b", nil)
		if err != nil {
			return err
		}
		for _, c := range []struct {
			id     *string
			subnet string
			spec   ruleset.ENISpec
		}{
			{&l.free, l.subA, ruleset.ENISpec{}},
			{&l.otherZone, zoneB.SubnetId, ruleset.ENISpec{}},
			{&l.otherVPC, l.subB, ruleset.ENISpec{}},
			{&l.n2, l.subA, ruleset.ENISpec{Name: "n2", AttachedTo: "lab/n2"}},
		} {
			e, err := a.CreateNetworkInterface(c.subnet, c.spec, nil)
			if err != nil {
				return err
			}
			*c.id = e.NetworkInterfaceId
		}
		return nil
	}))
	return l
}

func (l *attachLab) attach(eni, instance string, index int32) (*ec2.AttachNetworkInterfaceOutput, error) {
	return l.client.AttachNetworkInterface(context.Background(), &ec2.AttachNetworkInterfaceInput{
		NetworkInterfaceId: aws.String(eni), InstanceId: aws.String(instance), DeviceIndex: aws.Int32(index)})
}

func (l *attachLab) describe(t *testing.T, eni string) types.NetworkInterface {
	t.Helper()
	d := must(l.client.DescribeNetworkInterfaces(context.Background(), &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{eni}}))(t)
	return d.NetworkInterfaces[0]
}

// TestSDKInstanceIDs: a lab node's interfaces name its instance, an
// EC2-shaped id that is a function of "lab/node" only.
func TestSDKInstanceIDs(t *testing.T) {
	l := newAttachLab(t)
	if !regexp.MustCompile(`^i-[0-9a-f]{17}$`).MatchString(l.n1) || l.n1 == ruleset.InstanceID("lab/n2") || l.n1 != ruleset.InstanceID("lab/n1") {
		t.Fatalf("instance ids: %s %s", l.n1, ruleset.InstanceID("lab/n2"))
	}
	at := l.describe(t, l.labENI).Attachment
	if at == nil || aws.ToString(at.InstanceId) != l.n1 || aws.ToInt32(at.DeviceIndex) != 0 || aws.ToString(at.InstanceOwnerId) != "123456789012" {
		t.Fatalf("attachment: %+v", at)
	}
}

// TestSDKAttachErrors: every refusal of AttachNetworkInterface, with EC2's
// code, and the model unchanged by each.
func TestSDKAttachErrors(t *testing.T) {
	l := newAttachLab(t)
	before := l.spec(t)
	cases := []struct {
		name     string
		eni, id  string
		index    int32
		wantCode string
	}{
		{"malformed instance", l.free, "i-xyz", 1, "InvalidInstanceID.Malformed"},
		{"unknown instance", l.free, "i-0123456789abcdef0", 1, "InvalidInstanceID.NotFound"},
		{"unknown interface", "eni-0123456789abcdef0", l.n1, 1, "InvalidNetworkInterfaceID.NotFound"},
		{"in use", l.n2, l.n1, 1, "InvalidNetworkInterface.InUse"},
		{"other zone", l.otherZone, l.n1, 1, "InvalidParameterCombination"},
		{"other VPC", l.otherVPC, l.n1, 1, "InvalidParameterCombination"},
		{"index taken", l.free, l.n1, 0, "InvalidParameterValue"},
		{"negative index", l.free, l.n1, -1, "InvalidParameterValue"},
		{"beyond the lab limit", l.free, l.n1, ruleset.MaxInterfacesPerInstance, "AttachmentLimitExceeded"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := l.attach(c.eni, c.id, c.index)
			wantCode(t, err, c.wantCode)
		})
	}
	_, err := l.client.AttachNetworkInterface(context.Background(), &ec2.AttachNetworkInterfaceInput{
		NetworkInterfaceId: aws.String(l.free), InstanceId: aws.String(l.n1), DeviceIndex: aws.Int32(1), NetworkCardIndex: aws.Int32(1)})
	wantCode(t, err, "InvalidParameterValue")
	if !reflect.DeepEqual(before, l.spec(t)) {
		t.Fatal("a refused attach changed the model")
	}
}

// TestSDKAttachDetach attaches an available interface to a lab node,
// refuses a second one at its index and the primary's detach, then
// detaches it.
func TestSDKAttachDetach(t *testing.T) {
	l := newAttachLab(t)
	ctx := context.Background()
	out := must(l.attach(l.free, l.n1, 1))(t)
	att := aws.ToString(out.AttachmentId)
	if att != ruleset.AttachmentID(l.free) || aws.ToInt32(out.NetworkCardIndex) != 0 {
		t.Fatalf("attach: %+v", out)
	}
	d := l.describe(t, l.free)
	if d.Status != types.NetworkInterfaceStatusInUse || d.Attachment == nil || aws.ToString(d.Attachment.InstanceId) != l.n1 ||
		aws.ToInt32(d.Attachment.DeviceIndex) != 1 || aws.ToString(d.Attachment.AttachmentId) != att {
		t.Fatalf("describe after attach: %s %+v", d.Status, d.Attachment)
	}
	_, err := l.attach(l.free, l.n1, 2)
	wantCode(t, err, "InvalidNetworkInterface.InUse")
	check(t, l.backend.WriteAccount(func(a *account.Account) error {
		_, err := a.CreateNetworkInterface(l.subA, ruleset.ENISpec{Name: "spare"}, nil)
		return err
	}))
	spare := must(l.client.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{
		Filters: []types.Filter{{Name: aws.String("tag:Name"), Values: []string{"spare"}}}}))(t).NetworkInterfaces[0]
	_, err = l.attach(aws.ToString(spare.NetworkInterfaceId), l.n1, 1)
	wantCode(t, err, "InvalidParameterValue")

	_, err = l.client.DetachNetworkInterface(ctx, &ec2.DetachNetworkInterfaceInput{AttachmentId: aws.String(ruleset.AttachmentID(l.labENI))})
	wantCode(t, err, "OperationNotPermitted")
	_, err = l.client.DetachNetworkInterface(ctx, &ec2.DetachNetworkInterfaceInput{AttachmentId: aws.String("eni-attach-0123456789abcdef0")})
	wantCode(t, err, "InvalidAttachmentID.NotFound")
	must(l.client.DetachNetworkInterface(ctx, &ec2.DetachNetworkInterfaceInput{AttachmentId: aws.String(att)}))(t)
	if d := l.describe(t, l.free); d.Status != types.NetworkInterfaceStatusAvailable || d.Attachment != nil {
		t.Fatalf("describe after detach: %s %+v", d.Status, d.Attachment)
	}
	_, err = l.client.DetachNetworkInterface(ctx, &ec2.DetachNetworkInterfaceInput{AttachmentId: aws.String(att)})
	wantCode(t, err, "InvalidAttachmentID.NotFound")
	// The freed index takes another interface.
	must(l.attach(aws.ToString(spare.NetworkInterfaceId), l.n1, 1))(t)
}
