package ec2api

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// The account's attributes, Region and zones, and the group-reference
// reads, through aws-sdk-go-v2.
func TestSDKAccountInfo(t *testing.T) {
	ctx := context.Background()
	l := newSDKLab(t, false)
	c := l.client
	attrs := must(c.DescribeAccountAttributes(ctx, &ec2.DescribeAccountAttributesInput{}))(t)
	got := map[string]string{}
	for _, a := range attrs.AccountAttributes {
		got[aws.ToString(a.AttributeName)] = aws.ToString(a.AttributeValues[0].AttributeValue)
	}
	// The test account has one VPC and no default VPC: the only one
	// plays it for names, but EC2's attribute says none.
	if got["supported-platforms"] != "VPC" || got["default-vpc"] != "none" || got["vpc-max-security-groups-per-interface"] != "5" || len(got) != 6 {
		t.Fatalf("attributes %v", got)
	}
	one := must(c.DescribeAccountAttributes(ctx, &ec2.DescribeAccountAttributesInput{AttributeNames: []types.AccountAttributeName{"default-vpc"}}))(t)
	if len(one.AccountAttributes) != 1 {
		t.Fatalf("one attribute: %+v", one.AccountAttributes)
	}
	regions := must(c.DescribeRegions(ctx, &ec2.DescribeRegionsInput{}))(t)
	if len(regions.Regions) != 1 || aws.ToString(regions.Regions[0].RegionName) != "us-east-1" {
		t.Fatalf("regions %+v", regions.Regions)
	}
	zs := must(c.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{}))(t)
	if len(zs.AvailabilityZones) != 6 || aws.ToString(zs.AvailabilityZones[0].ZoneId) != "use1-az1" || zs.AvailabilityZones[5].State != types.AvailabilityZoneStateAvailable {
		t.Fatalf("zones %+v", zs.AvailabilityZones)
	}
	zb := must(c.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{Filters: []types.Filter{{Name: aws.String("zone-name"), Values: []string{"*b"}}}}))(t)
	if len(zb.AvailabilityZones) != 1 || aws.ToString(zb.AvailabilityZones[0].ZoneName) != "us-east-1b" {
		t.Fatalf("zone b %+v", zb.AvailabilityZones)
	}
	web := l.group(t, "web")
	gv := must(c.GetSecurityGroupsForVpc(ctx, &ec2.GetSecurityGroupsForVpcInput{VpcId: aws.String(l.vpcID),
		Filters: []types.Filter{{Name: aws.String("group-name"), Values: []string{"web"}}}}))(t)
	if len(gv.SecurityGroupForVpcs) != 1 || aws.ToString(gv.SecurityGroupForVpcs[0].GroupId) != web || aws.ToString(gv.SecurityGroupForVpcs[0].PrimaryVpcId) != l.vpcID {
		t.Fatalf("groups for vpc %+v", gv.SecurityGroupForVpcs)
	}
	refs := must(c.DescribeSecurityGroupReferences(ctx, &ec2.DescribeSecurityGroupReferencesInput{GroupId: []string{web}}))(t)
	stale := must(c.DescribeStaleSecurityGroups(ctx, &ec2.DescribeStaleSecurityGroupsInput{VpcId: aws.String(l.vpcID)}))(t)
	if len(refs.SecurityGroupReferenceSet)+len(stale.StaleSecurityGroupSet) != 0 {
		t.Fatalf("references %+v, stale %+v", refs, stale)
	}
}

func TestSDKAccountInfoErrors(t *testing.T) {
	ctx := context.Background()
	l := newSDKLab(t, false)
	c := l.client
	unknownVPC := aws.String("vpc-0123456789abcdef0")
	for _, tc := range []struct {
		name string
		call func() error
		code string
	}{
		{"unknown attribute", func() error {
			_, err := c.DescribeAccountAttributes(ctx, &ec2.DescribeAccountAttributesInput{AttributeNames: []types.AccountAttributeName{"x"}})
			return err
		}, "InvalidParameterValue"},
		{"other region", func() error {
			_, err := c.DescribeRegions(ctx, &ec2.DescribeRegionsInput{RegionNames: []string{"eu-west-1"}})
			return err
		}, "InvalidParameterValue"},
		{"region bad filter", func() error {
			_, err := c.DescribeRegions(ctx, &ec2.DescribeRegionsInput{Filters: []types.Filter{{Name: aws.String("x"), Values: []string{"y"}}}})
			return err
		}, "InvalidParameterValue"},
		{"unknown zone", func() error {
			_, err := c.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{ZoneNames: []string{"us-east-1z"}})
			return err
		}, "InvalidParameterValue"},
		{"unknown zone id", func() error {
			_, err := c.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{ZoneIds: []string{"use1-az9"}})
			return err
		}, "InvalidParameterValue"},
		{"groups for unknown vpc", func() error {
			_, err := c.GetSecurityGroupsForVpc(ctx, &ec2.GetSecurityGroupsForVpcInput{VpcId: unknownVPC})
			return err
		}, "InvalidVpcID.NotFound"},
		{"groups for vpc bad filter", func() error {
			_, err := c.GetSecurityGroupsForVpc(ctx, &ec2.GetSecurityGroupsForVpcInput{VpcId: aws.String(l.vpcID),
				Filters: []types.Filter{{Name: aws.String("ip-permission.cidr"), Values: []string{"x"}}}})
			return err
		}, "InvalidParameterValue"},
		{"groups for vpc MaxResults 4", func() error {
			_, err := c.GetSecurityGroupsForVpc(ctx, &ec2.GetSecurityGroupsForVpcInput{VpcId: aws.String(l.vpcID), MaxResults: aws.Int32(4)})
			return err
		}, "InvalidParameterValue"},
		{"references unknown group", func() error {
			_, err := c.DescribeSecurityGroupReferences(ctx, &ec2.DescribeSecurityGroupReferencesInput{GroupId: []string{"sg-0123456789abcdef0"}})
			return err
		}, "InvalidGroup.NotFound"},
		{"references malformed group", func() error {
			_, err := c.DescribeSecurityGroupReferences(ctx, &ec2.DescribeSecurityGroupReferencesInput{GroupId: []string{"web"}})
			return err
		}, "InvalidGroupId.Malformed"},
		{"stale unknown vpc", func() error {
			_, err := c.DescribeStaleSecurityGroups(ctx, &ec2.DescribeStaleSecurityGroupsInput{VpcId: unknownVPC})
			return err
		}, "InvalidVpcID.NotFound"},
		{"stale MaxResults 256", func() error {
			_, err := c.DescribeStaleSecurityGroups(ctx, &ec2.DescribeStaleSecurityGroupsInput{VpcId: aws.String(l.vpcID), MaxResults: aws.Int32(256)})
			return err
		}, "InvalidParameterValue"},
		{"zones dry run", func() error {
			_, err := c.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{DryRun: aws.Bool(true)})
			return err
		}, "DryRunOperation"},
	} {
		t.Run(tc.name, func(t *testing.T) { wantCode(t, tc.call(), tc.code) })
	}
}

// A stale rule needs a deleted group that a rule still references: the
// model refuses that deletion, so none can exist.
func TestNoStaleReferenceCanExist(t *testing.T) {
	ctx := context.Background()
	l := newSDKLab(t, false)
	c := l.client
	web, db := l.group(t, "web"), l.group(t, "db")
	must(c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(web),
		IpPermissions: []types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(5432), ToPort: aws.Int32(5432),
			UserIdGroupPairs: []types.UserIdGroupPair{{GroupId: aws.String(db)}}}}}))(t)
	_, err := c.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(db)})
	wantCode(t, err, "DependencyViolation")
	stale := must(c.DescribeStaleSecurityGroups(ctx, &ec2.DescribeStaleSecurityGroupsInput{VpcId: aws.String(l.vpcID)}))(t)
	if len(stale.StaleSecurityGroupSet) != 0 {
		t.Fatalf("stale %+v", stale.StaleSecurityGroupSet)
	}
}
