package ec2api

import (
	"context"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// netFixture creates a VPC with one subnet and returns their ids.
func (l *accountLab) netFixture(t *testing.T) (vpcID, subnetID string) {
	t.Helper()
	ctx := context.Background()
	cv, err := l.client.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.1.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	cs, err := l.client.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: cv.Vpc.VpcId, CidrBlock: aws.String("10.1.0.0/24")})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(cv.Vpc.VpcId), aws.ToString(cs.Subnet.SubnetId)
}

func TestSDKAccountVpcAttributes(t *testing.T) {
	l := newAccountLab(t)
	ctx := context.Background()
	vpcID, _ := l.netFixture(t)
	get := func(attr types.VpcAttributeName) *ec2.DescribeVpcAttributeOutput {
		t.Helper()
		out, err := l.client.DescribeVpcAttribute(ctx, &ec2.DescribeVpcAttributeInput{VpcId: aws.String(vpcID), Attribute: attr})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	if out := get(types.VpcAttributeNameEnableDnsSupport); !aws.ToBool(out.EnableDnsSupport.Value) || aws.ToString(out.VpcId) != vpcID {
		t.Fatalf("enableDnsSupport: %+v", out)
	}
	if out := get(types.VpcAttributeNameEnableDnsHostnames); aws.ToBool(out.EnableDnsHostnames.Value) {
		t.Fatal("enableDnsHostnames on by default")
	}
	if _, err := l.client.ModifyVpcAttribute(ctx, &ec2.ModifyVpcAttributeInput{VpcId: aws.String(vpcID), EnableDnsHostnames: &types.AttributeBooleanValue{Value: aws.Bool(true)}}); err != nil {
		t.Fatal(err)
	}
	if out := get(types.VpcAttributeNameEnableDnsHostnames); !aws.ToBool(out.EnableDnsHostnames.Value) {
		t.Fatal("enableDnsHostnames not set")
	}
	before := l.spec(t)
	_, err := l.client.ModifyVpcAttribute(ctx, &ec2.ModifyVpcAttributeInput{VpcId: aws.String(vpcID),
		EnableDnsHostnames: &types.AttributeBooleanValue{Value: aws.Bool(true)}, EnableDnsSupport: &types.AttributeBooleanValue{Value: aws.Bool(false)}})
	wantCode(t, err, "InvalidParameterCombination")
	_, err = l.client.ModifyVpcAttribute(ctx, &ec2.ModifyVpcAttributeInput{VpcId: aws.String(vpcID)})
	wantCode(t, err, "MissingParameter")
	_, err = l.client.DescribeVpcAttribute(ctx, &ec2.DescribeVpcAttributeInput{VpcId: aws.String(vpcID), Attribute: types.VpcAttributeNameEnableDnsSupport, DryRun: aws.Bool(true)})
	wantCode(t, err, "DryRunOperation")
	if !reflect.DeepEqual(before, l.spec(t)) {
		t.Fatal("a refusal changed the account")
	}
}

func TestSDKAccountNetworkAclLifeCycle(t *testing.T) {
	l := newAccountLab(t)
	ctx := context.Background()
	vpcID, subnetID := l.netFixture(t)
	ca, err := l.client.CreateNetworkAcl(ctx, &ec2.CreateNetworkAclInput{VpcId: aws.String(vpcID), TagSpecifications: tagSpec(types.ResourceTypeNetworkAcl, "Name", "web")})
	if err != nil {
		t.Fatal(err)
	}
	acl := ca.NetworkAcl
	aclID := aws.ToString(acl.NetworkAclId)
	if aws.ToBool(acl.IsDefault) || aws.ToString(acl.VpcId) != vpcID || len(acl.Tags) != 1 || len(acl.Entries) == 0 {
		t.Fatalf("created %+v", acl)
	}
	entry := &ec2.CreateNetworkAclEntryInput{
		NetworkAclId: aws.String(aclID), RuleNumber: aws.Int32(100), Protocol: aws.String("6"), RuleAction: types.RuleActionAllow,
		Egress: aws.Bool(false), CidrBlock: aws.String("0.0.0.0/0"), PortRange: &types.PortRange{From: aws.Int32(443), To: aws.Int32(443)},
	}
	if _, err := l.client.CreateNetworkAclEntry(ctx, entry); err != nil {
		t.Fatal(err)
	}
	if _, err := l.client.CreateNetworkAclEntry(ctx, &ec2.CreateNetworkAclEntryInput{
		NetworkAclId: aws.String(aclID), RuleNumber: aws.Int32(110), Protocol: aws.String("1"), RuleAction: types.RuleActionDeny,
		Egress: aws.Bool(true), CidrBlock: aws.String("10.0.0.0/8"), IcmpTypeCode: &types.IcmpTypeCode{Type: aws.Int32(8), Code: aws.Int32(-1)},
	}); err != nil {
		t.Fatal(err)
	}
	replaced := *entry
	replaced.PortRange = &types.PortRange{From: aws.Int32(80), To: aws.Int32(80)}
	if _, err := l.client.ReplaceNetworkAclEntry(ctx, (*ec2.ReplaceNetworkAclEntryInput)(&replaced)); err != nil {
		t.Fatal(err)
	}

	// Move the subnet from the default ACL to this one.
	def, err := l.client.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{Filters: []types.Filter{
		{Name: aws.String("vpc-id"), Values: []string{vpcID}}, {Name: aws.String("default"), Values: []string{"true"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(def.NetworkAcls) != 1 || len(def.NetworkAcls[0].Associations) != 1 || aws.ToString(def.NetworkAcls[0].Associations[0].SubnetId) != subnetID {
		t.Fatalf("default ACL: %+v", def.NetworkAcls)
	}
	ra, err := l.client.ReplaceNetworkAclAssociation(ctx, &ec2.ReplaceNetworkAclAssociationInput{
		AssociationId: def.NetworkAcls[0].Associations[0].NetworkAclAssociationId, NetworkAclId: aws.String(aclID)})
	if err != nil {
		t.Fatal(err)
	}
	got, err := l.client.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{NetworkAclIds: []string{aclID}})
	if err != nil {
		t.Fatal(err)
	}
	a := got.NetworkAcls[0]
	if len(a.Associations) != 1 || aws.ToString(a.Associations[0].NetworkAclAssociationId) != aws.ToString(ra.NewAssociationId) {
		t.Fatalf("associations %+v", a.Associations)
	}
	var in443, in80, icmp bool
	for _, e := range a.Entries {
		switch {
		case aws.ToInt32(e.RuleNumber) == 100 && e.PortRange != nil:
			in80 = aws.ToInt32(e.PortRange.From) == 80
			in443 = aws.ToInt32(e.PortRange.From) == 443
		case aws.ToInt32(e.RuleNumber) == 110 && aws.ToBool(e.Egress):
			icmp = e.IcmpTypeCode != nil && aws.ToInt32(e.IcmpTypeCode.Type) == 8 && e.RuleAction == types.RuleActionDeny
		}
	}
	if !in80 || in443 || !icmp {
		t.Fatalf("entries %+v", a.Entries)
	}

	// An associated ACL is not deleted; after moving the subnet back it is.
	_, err = l.client.DeleteNetworkAcl(ctx, &ec2.DeleteNetworkAclInput{NetworkAclId: aws.String(aclID)})
	wantCode(t, err, "DependencyViolation")
	if _, err := l.client.ReplaceNetworkAclAssociation(ctx, &ec2.ReplaceNetworkAclAssociationInput{
		AssociationId: ra.NewAssociationId, NetworkAclId: def.NetworkAcls[0].NetworkAclId}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.client.DeleteNetworkAclEntry(ctx, &ec2.DeleteNetworkAclEntryInput{NetworkAclId: aws.String(aclID), RuleNumber: aws.Int32(100), Egress: aws.Bool(false)}); err != nil {
		t.Fatal(err)
	}
	before := l.spec(t)
	_, err = l.client.DeleteNetworkAcl(ctx, &ec2.DeleteNetworkAclInput{NetworkAclId: aws.String(aclID), DryRun: aws.Bool(true)})
	wantCode(t, err, "DryRunOperation")
	if !reflect.DeepEqual(before, l.spec(t)) {
		t.Fatal("dry run changed the account")
	}
	if _, err := l.client.DeleteNetworkAcl(ctx, &ec2.DeleteNetworkAclInput{NetworkAclId: aws.String(aclID)}); err != nil {
		t.Fatal(err)
	}

	// Pagination over six ACLs (the default one and five more), five a page.
	for range 5 {
		if _, err := l.client.CreateNetworkAcl(ctx, &ec2.CreateNetworkAclInput{VpcId: aws.String(vpcID)}); err != nil {
			t.Fatal(err)
		}
	}
	n, pages := 0, 0
	p := ec2.NewDescribeNetworkAclsPaginator(l.client, &ec2.DescribeNetworkAclsInput{MaxResults: aws.Int32(5)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n += len(out.NetworkAcls)
		pages++
	}
	if n != 6 || pages != 2 {
		t.Fatalf("paged %d ACLs in %d pages", n, pages)
	}
}

func TestSDKAccountNetworkAclErrors(t *testing.T) {
	l := newAccountLab(t)
	ctx := context.Background()
	vpcID, _ := l.netFixture(t)
	ca, err := l.client.CreateNetworkAcl(ctx, &ec2.CreateNetworkAclInput{VpcId: aws.String(vpcID)})
	if err != nil {
		t.Fatal(err)
	}
	aclID := ca.NetworkAcl.NetworkAclId
	entry := func(rule int32) *ec2.CreateNetworkAclEntryInput {
		return &ec2.CreateNetworkAclEntryInput{NetworkAclId: aclID, RuleNumber: aws.Int32(rule), Protocol: aws.String("-1"),
			RuleAction: types.RuleActionAllow, Egress: aws.Bool(false), CidrBlock: aws.String("0.0.0.0/0")}
	}
	if _, err := l.client.CreateNetworkAclEntry(ctx, entry(100)); err != nil {
		t.Fatal(err)
	}
	def, err := l.client.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{Filters: []types.Filter{{Name: aws.String("default"), Values: []string{"true"}}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		call func() error
		code string
	}{
		{"duplicate entry", func() error { _, err := l.client.CreateNetworkAclEntry(ctx, entry(100)); return err }, "NetworkAclEntryAlreadyExists"},
		{"rule number 0", func() error { _, err := l.client.CreateNetworkAclEntry(ctx, entry(0)); return err }, "InvalidParameterValue"},
		{"rule number 32767", func() error { _, err := l.client.CreateNetworkAclEntry(ctx, entry(32767)); return err }, "InvalidParameterValue"},
		{"tcp without ports", func() error {
			e := entry(120)
			e.Protocol = aws.String("6")
			_, err := l.client.CreateNetworkAclEntry(ctx, e)
			return err
		}, "MissingParameter"},
		{"replace missing entry", func() error {
			_, err := l.client.ReplaceNetworkAclEntry(ctx, (*ec2.ReplaceNetworkAclEntryInput)(entry(200)))
			return err
		}, "InvalidNetworkAclEntry.NotFound"},
		{"delete missing entry", func() error {
			_, err := l.client.DeleteNetworkAclEntry(ctx, &ec2.DeleteNetworkAclEntryInput{NetworkAclId: aclID, RuleNumber: aws.Int32(300), Egress: aws.Bool(true)})
			return err
		}, "InvalidNetworkAclEntry.NotFound"},
		{"unknown acl", func() error {
			_, err := l.client.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{NetworkAclIds: []string{"acl-0123456789abcdef0"}})
			return err
		}, "InvalidNetworkAclID.NotFound"},
		{"default acl", func() error {
			_, err := l.client.DeleteNetworkAcl(ctx, &ec2.DeleteNetworkAclInput{NetworkAclId: def.NetworkAcls[0].NetworkAclId})
			return err
		}, "InvalidParameterValue"},
		{"acl of unknown vpc", func() error {
			_, err := l.client.CreateNetworkAcl(ctx, &ec2.CreateNetworkAclInput{VpcId: aws.String("vpc-0123456789abcdef0")})
			return err
		}, "InvalidVpcID.NotFound"},
		{"unknown association", func() error {
			_, err := l.client.ReplaceNetworkAclAssociation(ctx, &ec2.ReplaceNetworkAclAssociationInput{AssociationId: aws.String("aclassoc-0123456789abcdef0"), NetworkAclId: aclID})
			return err
		}, "InvalidAssociationID.NotFound"},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := l.spec(t)
			wantCode(t, c.call(), c.code)
			if !reflect.DeepEqual(before, l.spec(t)) {
				t.Fatal("a refusal changed the account")
			}
		})
	}
}
